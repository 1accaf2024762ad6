"""Fitting a key to real requests: the error of a key on the real requests, the in-sample fit
of weights, exponents and shape rules, and the leave-one-county-out cross-validation that
chooses among sets of columns, shape rules and shrinkages toward population^0.6.

calibrate.py asks the questions and reports; this module only fits. The fit: a global search
(differential evolution, seeded: the same fit every run) over the weights (softmax, so they stay
positive and sum to 1) and exponents (0 to 1.5), then for each population threshold on a small
grid a Nelder-Mead polish from its result; the minimum per municipality and the rounding to
multiples of 5 are then judged on each fitted key (they make the error flat almost everywhere,
which a simplex cannot climb).
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np

from allocator.scenario.data import KeyRules, KeyTerm, Scenario
from allocator.scenario.key import county_rows, key_share_values, shaped_totals

MAX_EXPONENT = 1.5
POPULATION_THRESHOLDS = (0, 1000, 2000, 3000, 4000, 5000, 7500)
ROUNDING = (0, 5)


class KeyFit:
    """The fitting problem: columns, real requests and their totals per county, vectorised."""

    def __init__(self, scenario: Scenario, against: str, columns: Sequence[str]):
        table = scenario.table
        self.values = {c: table.numeric(c) for c in {*columns, *(["population"] if "population" in table else [])}}
        self.population = table.numeric("population")
        self.real = np.nan_to_num(table.numeric(against), nan=0.0)
        groups = county_rows(scenario) if scenario.counties is not None else {"": np.arange(len(table))}
        self.groups = [(rows, float(self.real[rows].sum())) for rows in groups.values()]
        self.total = float(self.real.sum())
        self.county_index = np.zeros(len(table), dtype=np.int64)
        for c, (rows, _) in enumerate(self.groups):
            self.county_index[rows] = c
        self.totals = np.array([total for _, total in self.groups])

    def predict(self, key: Sequence[KeyTerm], rules: KeyRules) -> np.ndarray:
        fitted = np.zeros_like(self.real)
        for rows, total in self.groups:
            shares = key_share_values(self.values, key, rows)
            fitted[rows] = shaped_totals(shares, total, self.population[rows], rules)
        return fitted

    def error(self, key: Sequence[KeyTerm], rules: KeyRules) -> float:
        return float(np.abs(self.predict(key, rules) - self.real).sum() / self.total)

    def fast_error(self, key: Sequence[KeyTerm], min_population: float, rows: np.ndarray | None = None) -> float:
        """`error` with only the population threshold, vectorised over all counties at once (the
        inner loop of the fit: the other rules are judged afterwards on the fitted key); over the
        municipalities `rows` (a mask; all when None), as a share of the whole table's requests."""
        county = self.county_index
        count = len(self.groups)
        raw = np.zeros_like(self.real)
        for term in key:
            values = self.values[term.column]
            powered = np.where(values > 0, np.abs(values) ** term.exponent, 0.0)
            sums = np.bincount(county, powered, count)
            raw += (-term.weight if term.credit else term.weight) * powered / np.where(sums > 0, sums, 1.0)[county]
        raw = np.clip(raw, 0.0, None)
        if min_population:
            kept = np.where(self.population >= min_population, raw, 0.0)
            keep_county = np.bincount(county, kept, count) > 0
            raw = np.where(keep_county[county], kept, raw)
        sums = np.bincount(county, raw, count)
        fitted = raw / np.where(sums > 0, sums, 1.0)[county] * self.totals[county]
        missed = np.abs(fitted - self.real)
        return float((missed if rows is None else missed[rows]).sum() / self.total)

    def county_error(self, key: Sequence[KeyTerm], rules: KeyRules, county: int) -> float:
        """Σ|fitted − real| over one county's municipalities, with every shape rule."""
        rows, total = self.groups[county]
        fitted = shaped_totals(key_share_values(self.values, key, rows), total, self.population[rows], rules)
        return float(np.abs(fitted - self.real[rows]).sum())


def key_terms(columns: Sequence[str], theta: np.ndarray) -> tuple[KeyTerm, ...]:
    count = len(columns)
    logits, exponents = theta[:count], theta[count:]
    weights = np.exp(logits - logits.max())
    weights = weights / weights.sum()
    exponents = np.clip(exponents, 0.0, MAX_EXPONENT)
    return tuple(KeyTerm(c, float(w), float(e)) for c, w, e in zip(columns, weights, exponents))


def minimums(real: np.ndarray) -> list[int]:
    asked = real[real > 0]
    smallest = int(asked.min()) if len(asked) else 0
    return sorted({0, 5, 10, smallest} & set(range(0, 51)))


#: At most this many default columns are tried in every combination; with more, population alone,
#: population with each other column, and all of them.
ALL_SUBSETS_UP_TO = 4


def column_sets(columns: Sequence[str]) -> list[list[str]]:
    """The sets of key columns the cross-validation chooses among. Population is in every set when
    it is a column (the default key, which the fit is shrunk toward, is population^0.6); smaller
    sets first, so that a tie goes to the simpler key."""
    if "population" not in columns:
        return [list(columns)]
    others = [c for c in columns if c != "population"]
    if len(columns) <= ALL_SUBSETS_UP_TO:
        combos = [list(combo) for size in range(len(others) + 1) for combo in itertools.combinations(others, size)]
    else:
        combos = [[], *([c] for c in others), others]
    return [["population", *combo] for combo in combos]


def rule_grid(fit: KeyFit) -> list[KeyRules]:
    """Every combination of shape rules worth judging: population thresholds below which most real
    requests are 0, a minimum for those asked, rounding."""
    thresholds = [t for t in POPULATION_THRESHOLDS if t == 0 or (fit.real[fit.population < t] == 0).mean() > 0.5]
    return [KeyRules(float(threshold), minimum, rounding)
            for threshold in thresholds for minimum, rounding in itertools.product(minimums(fit.real), ROUNDING)]


def fit_key(fit: KeyFit, columns: Sequence[str], grid: Sequence[KeyRules]) -> tuple[tuple[KeyTerm, ...], KeyRules]:
    """The key over `columns` and the shape rules of `grid` with the least in-sample error."""
    from scipy.optimize import differential_evolution, minimize  # on demand: heavy to import (see allocator/__init__)

    count = len(columns)
    bounds = [(-4.0, 4.0)] * count + [(0.0, MAX_EXPONENT)] * count
    # A global search once (columns such as population and refugees settled are nearly collinear,
    # so a simplex alone stops in the wrong valley), then a simplex per threshold from its result.
    found = differential_evolution(lambda theta: fit.fast_error(key_terms(columns, theta), 0.0), bounds, seed=2026,
                                   maxiter=60, popsize=10, tol=1e-9, polish=False)
    best: tuple[float, tuple[KeyTerm, ...], KeyRules] | None = None
    for threshold in sorted({rules.min_population for rules in grid}):
        for start in (found.x, np.concatenate([np.zeros(count), np.full(count, 0.6)])):
            result = minimize(lambda theta: fit.fast_error(key_terms(columns, theta), threshold), start, method="Nelder-Mead",
                              options={"xatol": 1e-6, "fatol": 1e-10, "maxiter": 300 * len(start)})
            key = key_terms(columns, result.x)
            for rules in grid:
                if rules.min_population == threshold:
                    error = fit.error(key, rules)
                    if best is None or error < best[0] - 1e-12:
                        best = (error, key, rules)
    _, key, rules = best
    kept = tuple(t for t in key if t.weight >= 0.01)  # a column the fit weighs at nothing is left out
    if kept and kept != key:
        total_weight = sum(t.weight for t in kept)
        key = tuple(KeyTerm(t.column, t.weight / total_weight, t.exponent) for t in kept)
    return key, rules


#: Shrinkage toward the default key (population^0.6) tried by the cross-validation.
SHRINKAGES = (0.0, 0.25, 0.5, 0.75, 1.0)


def shrunk(key: Sequence[KeyTerm], shrinkage: float) -> tuple[KeyTerm, ...]:
    """The key moved `shrinkage` of the way toward population^0.6: every weight scaled by
    1 − shrinkage, population's weight raised by shrinkage and its exponent moved toward 0.6.
    Keys without population are not moved (the default key is not among them)."""
    if shrinkage == 0 or not any(t.column == "population" for t in key):
        return tuple(key)
    total = sum(t.weight for t in key)
    out = []
    for t in key:
        weight = (1 - shrinkage) * t.weight / total + (shrinkage if t.column == "population" else 0.0)
        exponent = (1 - shrinkage) * t.exponent + shrinkage * 0.6 if t.column == "population" else t.exponent
        if weight > 0:
            out.append(KeyTerm(t.column, weight, exponent, t.credit))
    return tuple(out)


def cross_validated(fit: KeyFit, columns: Sequence[str], key: Sequence[KeyTerm], rules: KeyRules,
                     grid: Sequence[KeyRules]) -> dict[tuple[KeyRules, float], float]:
    """Leave one county out: refit the weights and exponents on the other counties (a simplex from
    the full fit, with its population threshold), then judge every shape rule of `grid` and every
    shrinkage toward population^0.6 (SHRINKAGES) on the county left out. Per (rules, shrinkage), the
    error over all counties left out, as a share of all real requests."""
    from scipy.optimize import minimize  # on demand: heavy to import (see allocator/__init__)

    fitted = {t.column: t for t in key}
    weights = np.array([max(fitted[c].weight, 1e-6) if c in fitted else 1e-6 for c in columns])
    start = np.concatenate([np.log(weights), [fitted[c].exponent if c in fitted else 0.6 for c in columns]])
    missed = dict.fromkeys(itertools.product(grid, SHRINKAGES), 0.0)
    for left_out in range(len(fit.groups)):
        others = fit.county_index != left_out
        result = minimize(lambda theta: fit.fast_error(key_terms(columns, theta), rules.min_population, others), start,
                          method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-8, "maxiter": 100 * len(start)})
        refitted = key_terms(columns, result.x)
        for shrinkage in SHRINKAGES:
            moved = shrunk(refitted, shrinkage)
            for shape in grid:
                missed[shape, shrinkage] += fit.county_error(moved, shape, left_out)
    return {choice: value / fit.total for choice, value in missed.items()}
