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

from .scenario import DATED_COLUMNS, GROUPS, LIMIT_COLUMNS, SCHEDULE_LOCK_COLUMNS, KeyTerm, Scenario

if TYPE_CHECKING:
    import pandas as pd


def key_share_values(columns: dict[str, np.ndarray], key: Sequence[KeyTerm], rows: np.ndarray | None = None) -> np.ndarray:
    """Key shares (summing to 1) of the municipalities `rows` (all when None) from their key columns."""
    raw = None
    for term in key:
        values = np.asarray(columns[term.column], dtype=float)
        if rows is not None:
            values = values[rows]
        powered = np.zeros_like(values)
        positive = values > 0  # 0 ** 0 would be 1: no value, no share
        powered[positive] = values[positive] ** term.exponent
        column_share = powered / powered.sum()
        term_share = (-term.weight if term.credit else term.weight) * column_share
        raw = term_share if raw is None else raw + term_share
    raw = np.clip(raw, 0.0, None)
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


def fair_share_array(scenario: Scenario) -> np.ndarray:
    """Fair share per municipality (rows, table order) and group (columns), in persons."""
    if scenario.counties is None:
        shares = key_share_array(scenario)
        return shares[:, None] * np.array([scenario.request[g] for g in GROUPS], dtype=float)[None, :]
    shares = within_county_shares(scenario)
    requests = scenario.counties.requests
    own = np.array([[requests.get(fylke, {}).get(g, 0) for g in GROUPS] for fylke in scenario.county_of()], dtype=float)
    return shares[:, None] * own


def key_shares(scenario: Scenario) -> "pd.Series":
    """Each municipality's key share (sums to 1; within its county when the request is per county)."""
    import pandas as pd

    shares = key_share_array(scenario) if scenario.counties is None else within_county_shares(scenario)
    return pd.Series(shares, index=pd.Index(list(scenario.table.numbers), name="kommunenummer"), name="key_share")


def fair_shares(scenario: Scenario) -> "pd.DataFrame":
    """Fair share per municipality (rows) and group (columns), in persons (fractional)."""
    import pandas as pd

    return pd.DataFrame(fair_share_array(scenario), columns=list(GROUPS),
                        index=pd.Index(list(scenario.table.numbers), name="kommunenummer"))


def key_candidates(scenario: Scenario) -> list[str]:
    """Numeric columns that describe a municipality (not its negotiated limits) and can enter the key."""
    limits = {*LIMIT_COLUMNS, *DATED_COLUMNS, *SCHEDULE_LOCK_COLUMNS}
    table = scenario.table
    return [c for c in table.columns if c not in limits and table.is_numeric(c)]
