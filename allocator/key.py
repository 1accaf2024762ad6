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
closely as whole persons and the limits allow.
"""

from __future__ import annotations

import pandas as pd

from .scenario import DATED_COLUMNS, GROUPS, LIMIT_COLUMNS, SCHEDULE_LOCK_COLUMNS, Scenario


def key_shares(scenario: Scenario) -> pd.Series:
    """Each municipality's key share (sums to 1), indexed by kommunenummer."""
    table = scenario.municipalities
    raw = pd.Series(0.0, index=table.index)
    for term in scenario.key:
        values = table[term.column].astype(float).clip(lower=0) ** term.exponent
        values[table[term.column].astype(float) <= 0] = 0.0  # 0 ** 0 would be 1: no value, no share
        column_share = values / values.sum()
        raw += (-term.weight if term.credit else term.weight) * column_share
    raw = raw.clip(lower=0.0)
    return (raw / raw.sum()).rename("key_share")


def fair_shares(scenario: Scenario) -> pd.DataFrame:
    """Fair share per municipality (rows) and group (columns), in persons (fractional)."""
    shares = key_shares(scenario)
    return pd.DataFrame({g: shares * scenario.request[g] for g in GROUPS})


def key_candidates(scenario: Scenario) -> list[str]:
    """Numeric columns that describe a municipality (not its negotiated limits) and can enter the key."""
    limits = {*LIMIT_COLUMNS, *DATED_COLUMNS, *SCHEDULE_LOCK_COLUMNS}
    table = scenario.municipalities
    return [c for c in table.columns if c not in limits and pd.api.types.is_numeric_dtype(table[c])]
