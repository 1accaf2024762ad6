"""A key fitted to real requests: weights, exponents and the shape rules that best reproduce them.

County staff want the default key to look like what IMDi actually asks of municipalities. Given a
column of real past requests (e.g. `anmodning_2024` of the national table), this fits the key's
weights and exponents over the scenario's numeric columns, and the shape switches of the key
(KeyRules: no request under a population, a minimum for those asked, multiples of 5), so that the
plan with no capacity limits — the fair shares of a request as large as the real one — is as close
as it can be to the real requests, by the relative L1 error Σ|fitted − real| / Σ real.

The fitting itself is in keyfit.py; this module chooses the columns, asks, reports and writes.
The target column itself is never a key column; same-year requests and decisions (`anmodning_*`,
`vedtak_*`) are left out of the default columns, as they are what is being fitted.

What generalises (issue 15.7): a key fitted to one county's 20–40 municipalities with six
parameters learns noise, and predicted that county's next requests worse than population^0.6. So:
- categorical codes (`kostragruppe`: a KOSTRA group number is a category, not a quantity) are never
  key columns; ordinal ones (`sentralitet`, 1 = most central … 6 = least) only when named, with
  their direction stated (a positive weight on sentralitet brings more persons to less central
  municipalities); neither is among the default columns;
- a scenario whose municipalities are all in the national table (a county made with `new`) is
  calibrated on the whole table (one key for Norway, as the 2020 evaluation asked that similar
  municipalities be treated alike);
- with two or more counties, the key's columns, its shape rules and how far it is shrunk toward
  population^0.6 (keyfit.SHRINKAGES) are chosen by leave-one-county-out cross-validation: each set of
  columns (`keyfit.column_sets`) is fitted on all counties, refitted on all but one (from the full fit)
  and judged on the county left out under every shape rule of the grid and every shrinkage; the
  choice with the least cross-validated error is kept (ties to fewer columns) and reported beside
  the in-sample error. A key that cross-validates worse than population^0.6 is marked as not
  generalising, and is neither written (`--write`) nor applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from allocator.analysis.keyfit import (
    KeyFit,
    column_sets,
    cross_validated,
    fit_key,
    rule_grid,
    shrunk,
)
from allocator.labels import column_label, number
from allocator.problems import Problem, ScenarioError
from allocator.scenario.catalog import scenario_files
from allocator.scenario.data import (
    DATED_COLUMNS,
    KEY_RULE_NAMES,
    LIMIT_COLUMNS,
    SCHEDULE_LOCK_COLUMNS,
    KeyRules,
    KeyTerm,
    Scenario,
)
from allocator.scenario.national import national_table
from allocator.scenario.tomledit import replace_table
from allocator.scenario.upload import scenario_from_uploads
from allocator.scenario.validate import validate_scenario

LEFT_OUT = re.compile(r"(anmodning|vedtak)", re.IGNORECASE)
#: Category codes: never key columns.
CATEGORICAL = ("kostragruppe",)
#: Ordinal columns: key columns only when named, with their direction stated.
ORDINAL = {"sentralitet": "1 = mest sentral, 6 = minst; med positiv vekt gir en høyere verdi (mindre sentral) flere personer"}


@dataclass
class Calibration:
    key: tuple[KeyTerm, ...]
    rules: KeyRules
    rel_l1: float
    baselines: dict[str, float]
    real: np.ndarray
    fitted: np.ndarray
    numbers: tuple[str, ...]
    names: tuple[str, ...]
    against: str
    columns: tuple[str, ...] = field(default_factory=tuple)
    cv_rel_l1: float | None = None  # leave-one-county-out error of the fit (None with one county)
    shrinkage: float = 0.0  # how far the key was moved toward population^0.6, chosen by the cross-validation
    scope: str = ""  # "Norge" when fitted on the whole national table
    tried: tuple["Candidate", ...] = ()  # the column sets the cross-validation chose among

    @property
    def generalises(self) -> bool:
        """Whether the key may be used: it cross-validates no worse than population^0.6 (or could
        not be cross-validated: one county, where the in-sample comparison is all there is)."""
        return self.cv_rel_l1 is None or not self.cv_rel_l1 > self.baselines.get("population^0.6", float("inf"))

    def key_settings(self) -> dict[str, Any]:
        """The `[key]` table of the fitted key, as it is written to scenario.toml."""
        key: dict[str, Any] = {}
        for term in self.key:
            key[term.column] = {"weight": round(term.weight, 4), "exponent": round(term.exponent, 3)}
        for name in KEY_RULE_NAMES:
            value = getattr(self.rules, name)
            if value:
                key[name] = int(value) if float(value).is_integer() else value
        return key

    def furthest(self, count: int = 10) -> list[dict[str, Any]]:
        gap = np.abs(self.fitted - self.real)
        order = sorted(range(len(gap)), key=lambda k: (-gap[k], self.numbers[k]))[:count]
        return [{"kommunenummer": self.numbers[k], "kommune": self.names[k], "real": float(self.real[k]),
                 "fitted": round(float(self.fitted[k]), 2)} for k in order]

    def to_dict(self) -> dict[str, Any]:
        """The `calibrate --json` shape (keys may be added, never renamed)."""
        return {"key": self.key_settings(), "rel_l1": round(self.rel_l1, 5),
                "baselines": {k: round(v, 5) for k, v in self.baselines.items()},
                "against": self.against, "columns": list(self.columns), "furthest": self.furthest(),
                "cv_rel_l1": None if self.cv_rel_l1 is None else round(self.cv_rel_l1, 5),
                "generalises": self.generalises, "scope": self.scope or None, "shrinkage": self.shrinkage,
                "directions": {c: ORDINAL[c] for c in self.columns if c in ORDINAL},
                "candidates": [c.to_dict() for c in self.tried]}

    def lines(self) -> list[str]:
        terms = ", ".join(f"{column_label(t.column)} (vekt {number(t.weight, 2)}, eksponent {number(t.exponent, 2)})" for t in self.key)
        out = [f"Nøkkelen som best gjenskaper {column_label(self.against)}: {terms}."]
        rules = self.rules
        if rules.min_population:
            out.append(f"Ingen anmodning til kommuner under {number(rules.min_population)} innbyggere.")
        if rules.min_persons:
            out.append(f"Minst {number(rules.min_persons)} personer til dem som får en anmodning.")
        if rules.round_to:
            out.append(f"Tall rundet til nærmeste {number(rules.round_to)} (summen stemmer).")
        if self.scope:
            out.append(f"Tilpasset på hele landets tabell ({number(len(self.numbers))} kommuner): én nøkkel for Norge, "
                       "så like kommuner behandles likt.")
        for column in self.columns:
            if column in ORDINAL:
                out.append(f"{column_label(column)}: {ORDINAL[column]}.")
        out.append(f"Avvik: {number(100 * self.rel_l1, 1)} % (Σ|tilpasset − faktisk| / Σ faktisk); med innbyggertall som nøkkel "
                   f"{number(100 * self.baselines['population'], 1)} %, med innbyggertall^0,6 "
                   f"{number(100 * self.baselines['population^0.6'], 1)} %.")
        if self.cv_rel_l1 is not None:
            out.append(f"Kryssvalidert (ett fylke holdt utenfor om gangen): {number(100 * self.cv_rel_l1, 1)} %.")
        if len(self.tried) > 1:
            tried = "; ".join(f"{' + '.join(column_label(c) for c in t.columns)} {number(100 * t.cv_rel_l1, 1)} %"
                              for t in self.tried)
            out.append(f"Kolonnene og formreglene er valgt ved kryssvalidering; kolonnesett prøvd: {tried}.")
        if self.shrinkage:
            out.append(f"Nøkkelen er flyttet {number(100 * self.shrinkage)} % av veien mot innbyggertall^0,6, fordi det "
                       "traff best på fylker den ikke var tilpasset.")
        if not self.generalises:
            out.append("Nøkkelen treffer dårligere enn innbyggertall^0,6 på fylker den ikke er tilpasset, så den "
                       "lærer støy: den blir ikke skrevet eller tatt i bruk.")
        far = "; ".join(f"{f['kommune']} {number(f['fitted'], 1)} mot {number(f['real'])}" for f in self.furthest(5))
        out.append(f"Lengst unna: {far}.")
        return out


def default_columns(scenario: Scenario, against: str) -> list[str]:
    limits = {*LIMIT_COLUMNS, *DATED_COLUMNS, *SCHEDULE_LOCK_COLUMNS, *CATEGORICAL, *ORDINAL, against}
    table = scenario.table
    return [c for c in table.columns if c not in limits and table.is_numeric(c) and not LEFT_OUT.search(c)
            and np.nan_to_num(table.numeric(c)).min() >= 0 and np.nan_to_num(table.numeric(c)).max() > 0
            and not np.isnan(table.numeric(c)).any()]


def national_scope(scenario: Scenario, against: str) -> Scenario | None:
    """The national scenario of the catalog, when every municipality of `scenario` is in the
    national table (same number and name) and it has no counties of its own: the key is then
    fitted on all of Norway."""
    if scenario.counties is not None:
        return None
    known = {r["kommunenummer"]: r["kommune"] for r in national_table()}
    table = scenario.table
    if len(table) == len(known) or any(known.get(n) != name for n, name in zip(table.numbers, table.text("kommune"))):
        return None
    year = scenario.year if scenario.year in (2024, 2025, 2026) else 2026
    toml, rows = scenario_files("Norge", year)
    national = scenario_from_uploads({"scenario.toml": toml.encode(), "municipalities.csv": rows.encode()})
    return national if against in national.table else None


def calibrate(scenario: Scenario, against: str, columns: Sequence[str] | None = None, whole_country: bool = True) -> Calibration:
    """Fit the key to the real requests in column `against` (see the module's docstring)."""
    if whole_country:
        national = national_scope(scenario, against)
        if national is not None and all(c in national.table for c in (columns or ())):
            calibration = calibrate(national, against, columns, whole_country=False)
            calibration.scope = "Norge"
            return calibration
    return _calibrate(scenario, against, columns)


def _calibrate(scenario: Scenario, against: str, columns: Sequence[str] | None = None) -> Calibration:
    table = scenario.table
    problems = []
    if against not in table or not table.is_numeric(against):
        problems.append(Problem("municipalities.csv", column=against, message=(
            "kolonnen å kalibrere mot finnes ikke eller er ikke tall (f.eks. anmodning_2024 i scenarioer laget med `new`)")))
    chosen = list(columns) if columns else default_columns(scenario, against) if not problems else []
    if against in chosen:
        problems.append(Problem("municipalities.csv", column=against, message="kolonnen det kalibreres mot kan ikke også være i nøkkelen"))
    for column in chosen:
        if column in CATEGORICAL:
            problems.append(Problem("municipalities.csv", column=column, message=(
                "en kategorikode (f.eks. KOSTRA-gruppe) er ikke en mengde og kan ikke være en kolonne i nøkkelen")))
    for column in chosen:
        if column not in table or not table.is_numeric(column) or np.isnan(table.numeric(column)).any():
            problems.append(Problem("municipalities.csv", column=column, message="ventet en kolonne med et tall for hver kommune"))
    if not problems and not chosen:
        problems.append(Problem("municipalities.csv", message="ingen tallkolonner å bygge nøkkelen av"))
    if problems:
        raise ScenarioError(problems)
    fit = KeyFit(scenario, against, chosen)
    if fit.total <= 0:
        raise ScenarioError([Problem("municipalities.csv", column=against, message="kolonnen summerer til 0")])

    population_only = [KeyTerm("population", 1.0, 1.0)] if "population" in table else []
    baselines = {"population": fit.error(population_only, KeyRules()) if population_only else float("nan"),
                 "population^0.6": fit.error([KeyTerm("population", 1.0, 0.6)], KeyRules()) if population_only else float("nan")}
    grid = rule_grid(fit)
    if len(fit.groups) < 2:  # one county: nothing to cross-validate on, the in-sample fit is all there is
        key, rules = fit_key(fit, chosen, grid)
        return _calibration(fit, table, against, chosen, key, rules, baselines)
    tried = []
    for candidate in ([chosen] if columns else column_sets(chosen)):
        key, rules = fit_key(fit, candidate, grid)
        by_choice = cross_validated(fit, candidate, key, rules, grid)
        (rules, shrinkage), cv = min(by_choice.items(), key=lambda item: (item[1], item[0][1]))
        key = shrunk(key, shrinkage)
        tried.append(Candidate(tuple(candidate), key, rules, shrinkage, fit.error(key, rules), cv))
    best = min(tried, key=lambda c: (c.cv_rel_l1, len(c.columns)))
    return _calibration(fit, table, against, best.columns, best.key, best.rules, baselines, cv=best.cv_rel_l1,
                        shrinkage=best.shrinkage, tried=tuple(tried))


@dataclass(frozen=True)
class Candidate:
    """One set of key columns tried: its fitted key and shape rules, in-sample and cross-validated."""

    columns: tuple[str, ...]
    key: tuple[KeyTerm, ...]
    rules: KeyRules
    shrinkage: float
    rel_l1: float
    cv_rel_l1: float

    def to_dict(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "rel_l1": round(self.rel_l1, 5), "cv_rel_l1": round(self.cv_rel_l1, 5)}


def _calibration(fit: KeyFit, table: Any, against: str, columns: Sequence[str], key: tuple[KeyTerm, ...],
                 rules: KeyRules, baselines: dict[str, float], cv: float | None = None, shrinkage: float = 0.0,
                 tried: tuple[Candidate, ...] = ()) -> Calibration:
    return Calibration(key=key, rules=rules, rel_l1=fit.error(key, rules), baselines=baselines, real=fit.real,
                       fitted=fit.predict(key, rules), numbers=table.numbers, names=table.text("kommune"), against=against,
                       columns=tuple(columns), cv_rel_l1=cv, shrinkage=shrinkage, tried=tried)


def apply_calibration(scenario: Scenario, calibration: Calibration) -> Scenario:
    """The scenario with the fitted key (and shape rules) in use; refused for a key that does not
    generalise (it cross-validates worse than population^0.6)."""
    if not calibration.generalises:
        raise ScenarioError([Problem("scenario.toml", column="key", message=(
            "den tilpassede nøkkelen treffer dårligere enn innbyggertall^0,6 på fylker den ikke er tilpasset; "
            "den tas ikke i bruk"))])

    return validate_scenario(scenario.with_changes(key=calibration.key, key_rules=calibration.rules))


def write_key(settings_file: Path, calibration: Calibration) -> None:
    """Replace the `[key]` table of a scenario.toml with the fitted key, keeping the rest of the
    file as it is (comments, order, BOM, line endings, mode; through a symlink; a .bak backup),
    atomically; what cannot be rewritten safely is refused (`tomledit.replace_table`)."""
    import tomli_w  # on demand: heavy to import (see allocator/__init__)

    if not calibration.generalises:
        raise ScenarioError([Problem(str(settings_file), column="key", message=(
            "den tilpassede nøkkelen treffer dårligere enn innbyggertall^0,6 på fylker den ikke er tilpasset "
            "(kryssvalidert); den skrives ikke"))])
    block = "[key]\n" + f"# Fitted to {calibration.against} by `python -m allocator calibrate` (relative L1 error {calibration.rel_l1:.4f}).\n"
    for name, value in calibration.key_settings().items():
        if isinstance(value, dict):
            entry = ", ".join(f"{k} = {tomli_w.dumps({'v': v}).split('=', 1)[1].strip()}" for k, v in value.items())
            block += f"{tomli_w.dumps({name: 0}).split('=', 1)[0].strip()} = {{ {entry} }}\n"
        else:
            block += tomli_w.dumps({name: value})
    replace_table(settings_file, "key", block)
