"""The fair-share key: who would get how much if no limit stood in the way.

For each key column c with weight w_c and exponent e_c, municipality i's column share is

    share_ic = v_ic ** e_c / sum_j v_jc ** e_c

and its key share is

    s_i = max(0, sum_{c not credit} w_c * share_ic - sum_{c credit} w_c * share_ic) / normaliser

where the normaliser makes the shares sum to 1. With no credit columns this is the weighted mean
of the column shares (weights normalised to 1). A credit column (load already carried, e.g.
refugees settled in earlier years) subtracts, as in the Danish key (2 x population share minus
share of refugees already living there); a municipality whose credits exceed its share gets 0
and the rest is spread over the others by the normalisation.

The fair share of group g is request_g * s_i: a real number, the target the plan follows as
closely as whole persons and the limits allow. When the request is given per county, the key is
applied within each county (sums over j run over the county's municipalities) and the county's
own request is split, exactly as if each county were planned on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from allocator.scenario.data import DATED_COLUMNS, GROUPS, LIMIT_COLUMNS, SCHEDULE_LOCK_COLUMNS, KeyRules, KeyTerm, Scenario
from allocator.whole import whole_floor

if TYPE_CHECKING:
    import pandas as pd  # on demand: heavy to import (see allocator/__init__)


def column_share(values: np.ndarray, exponent: float, credit: bool = False) -> np.ndarray:
    """Each municipality's share of one key column after its exponent: value^exponent over the sum.
    No value, no share (0 ** 0 would be 1); a credit column that is 0 everywhere (no load carried
    yet) gives nobody a share, so it takes nothing off anyone."""
    values = np.asarray(values, dtype=float)
    powered = np.zeros_like(values)
    positive = values > 0
    powered[positive] = values[positive] ** exponent
    total = powered.sum()
    return powered / total if total > 0 or not credit else np.zeros_like(powered)


def term_shares(columns: dict[str, np.ndarray], key: Sequence[KeyTerm], rows: np.ndarray | None = None) -> list[np.ndarray]:
    """Each term's signed part of the key: weight × column share (taken off for a credit column).
    The key's formula has this one home: the fair shares and `explain`'s account of them."""
    parts = []
    for term in key:
        values = np.asarray(columns[term.column], dtype=float)
        share = column_share(values if rows is None else values[rows], term.exponent, term.credit)
        parts.append((-term.weight if term.credit else term.weight) * share)
    return parts


def key_share_values(columns: dict[str, np.ndarray], key: Sequence[KeyTerm], rows: np.ndarray | None = None) -> np.ndarray:
    """Key shares (summing to 1) of the municipalities `rows` (all when None) from their key columns."""
    raw = np.clip(sum(term_shares(columns, key, rows)), 0.0, None)
    return raw / raw.sum()


def _key_columns(scenario: Scenario) -> dict[str, np.ndarray]:
    return {term.column: scenario.table.numeric(term.column) for term in scenario.key}


def key_share_array(scenario: Scenario) -> np.ndarray:
    """Each municipality's key share over the whole table (sums to 1), in table order."""
    return key_share_values(_key_columns(scenario), scenario.key)


def county_rows(scenario: Scenario) -> dict[str, np.ndarray]:
    """Row positions of each county's municipalities (counties sorted by name)."""
    counties = scenario.county_of()
    rows: dict[str, list[int]] = {}
    for k, fylke in enumerate(counties):
        rows.setdefault(fylke, []).append(k)
    return {fylke: np.array(rows[fylke], dtype=np.int64) for fylke in sorted(rows)}


def within_county_shares(scenario: Scenario) -> np.ndarray:
    """Key shares normalised within each municipality's own county (each county sums to 1)."""
    columns = _key_columns(scenario)
    shares = np.zeros(len(scenario.table))
    for rows in county_rows(scenario).values():
        shares[rows] = key_share_values(columns, scenario.key, rows)
    return shares


def shaped_totals(shares: np.ndarray, total: float, population: np.ndarray, rules: KeyRules) -> np.ndarray:
    """Each municipality's total fair share in persons, shaped like real requests (see KeyRules).

    No rule: total × share. `min_population`: those below it get nothing, the others share the
    total by their key shares. `min_persons`: everyone with a share gets at least that many, taken
    from the others in proportion to what they have above it (repeated until it holds). `round_to`:
    multiples of it, by largest remainders, the total exact.
    """
    shares = np.asarray(shares, dtype=float).copy()
    if rules.min_population:
        kept = np.where(population >= rules.min_population, shares, 0.0)
        if kept.sum() > 0:
            shares = kept
    shares = shares / shares.sum() if shares.sum() > 0 else shares
    totals = total * shares
    asked = totals > 0
    if rules.min_persons and asked.any():
        floor = min(float(rules.min_persons), total / asked.sum())
        for _ in range(len(totals)):
            low = asked & (totals < floor - 1e-12)
            if not low.any():
                break
            need = (floor - totals[low]).sum()
            totals[low] = floor
            spare = np.where(asked & ~low, totals - floor, 0.0)
            if spare.sum() <= 0:
                break
            totals -= need * spare / spare.sum()
    if rules.round_to and total > 0:
        unit = float(rules.round_to)
        units = totals / unit
        whole = whole_floor(units)
        remaining = int(round(total // unit - whole.sum()))
        order = sorted(range(len(units)), key=lambda k: (-(units[k] - whole[k]), k))
        for k in order[: max(0, remaining)]:
            whole[k] += 1
        rounded = whole * unit
        left = total - rounded.sum()  # the part of the total that is no multiple of the unit
        if left > 0 and len(rounded):
            rounded[int(np.argmax(rounded))] += left  # to the largest, where it stands out least
        totals = rounded
    return totals


def fair_share_array(scenario: Scenario) -> np.ndarray:
    """Fair share per municipality (rows, table order) and group (columns), in persons."""
    rules = scenario.key_rules
    if scenario.counties is None:
        shares = key_share_array(scenario)
        request = np.array([scenario.request[g] for g in GROUPS], dtype=float)
        if not rules.active:
            return shares[:, None] * request[None, :]
        total = request.sum()
        totals = shaped_totals(shares, total, scenario.table.numeric("population"), rules)
        return totals[:, None] * (request / total if total else request)[None, :]
    shares = within_county_shares(scenario)
    requests = scenario.counties.requests
    own = np.array([[requests.get(fylke, {}).get(g, 0) for g in GROUPS] for fylke in scenario.county_of()], dtype=float)
    if not rules.active:
        return shares[:, None] * own
    population = scenario.table.numeric("population")
    fair = np.zeros_like(own)
    for rows in county_rows(scenario).values():
        request = own[rows[0]]
        total = request.sum()
        totals = shaped_totals(shares[rows], total, population[rows], rules)
        fair[rows] = totals[:, None] * (request / total if total else request)[None, :]
    return fair


def key_shares(scenario: Scenario) -> "pd.Series":
    """Each municipality's key share (sums to 1; within its county when the request is per county)."""
    import pandas as pd  # on demand: heavy to import (see allocator/__init__)

    shares = key_share_array(scenario) if scenario.counties is None else within_county_shares(scenario)
    return pd.Series(shares, index=pd.Index(list(scenario.table.numbers), name="kommunenummer"), name="key_share")


def fair_shares(scenario: Scenario) -> "pd.DataFrame":
    """Fair share per municipality (rows) and group (columns), in persons (fractional)."""
    import pandas as pd  # on demand: heavy to import (see allocator/__init__)

    return pd.DataFrame(fair_share_array(scenario), columns=list(GROUPS),
                        index=pd.Index(list(scenario.table.numbers), name="kommunenummer"))


def key_candidates(scenario: Scenario) -> list[str]:
    """Numeric columns that describe a municipality (not its negotiated limits) and can enter the key."""
    limits = {*LIMIT_COLUMNS, *DATED_COLUMNS, *SCHEDULE_LOCK_COLUMNS}
    table = scenario.table
    return [c for c in table.columns if c not in limits and table.is_numeric(c)]
