"""The edits a negotiation makes to a scenario: request, key, limits, locks.

Every edit returns a new, re-validated `Scenario` (or raises `ScenarioError` and changes
nothing), so the app can keep the last good state whenever an edit is refused.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Mapping

import numpy as np
import pandas as pd

from allocator.plan import Plan
from allocator.scenario.data import (
    DATED_COLUMNS,
    GROUPS,
    LIMIT_COLUMNS,
    MINOR_SPLIT_COLUMNS,
    MINOR_SUBGROUPS,
    SCHEDULE_LOCK_COLUMNS,
    Incentives,
    KeyTerm,
    Quarters,
    Scenario,
)
from allocator.scenario.validate import validate_scenario
from allocator.whole import even_split, split_by_shares

#: Municipality columns a user may edit in the app (the rest are data, not negotiation).
EDITABLE_COLUMNS: tuple[str, ...] = (*LIMIT_COLUMNS, *MINOR_SPLIT_COLUMNS, "lock_reason", *DATED_COLUMNS, *SCHEDULE_LOCK_COLUMNS)


def set_request(scenario: Scenario, request: Mapping[str, int]) -> Scenario:
    """A new request; quarterly readiness of a changed group keeps its pattern, scaled to the new total.
    With minors assessed one by one, `request` may give minors_care and minors_other instead of minors."""
    split = None
    if scenario.minors_split:
        split = {g: int(request.get(g, scenario.minors_split[g])) for g in MINOR_SUBGROUPS}
    request = {g: int(request.get(g, 0)) for g in GROUPS}
    if split:
        request["minors"] = sum(split.values())
    changes: dict[str, object] = {"request": request, "minors_split": split}
    if scenario.quarters is not None:
        ready = {
            g: tuple(split_by_shares(request[g], pattern)) if request[g] != scenario.request[g] else pattern
            for g, pattern in scenario.quarters.ready.items()
        }
        ready = {g: r if sum(r) == request[g] else even_split(request[g]) for g, r in ready.items()}
        changes["quarters"] = dataclasses.replace(scenario.quarters, ready=ready)
    return validate_scenario(scenario.with_changes(**changes))


def set_quarters(scenario: Scenario, quarters: Quarters | None) -> Scenario:
    """Turn the quarterly plan on (`Quarters.evenly(request)` is a good start), change it, or off."""
    return validate_scenario(scenario.with_changes(quarters=quarters))


def set_incentives(scenario: Scenario, incentives: Incentives) -> Scenario:
    return validate_scenario(scenario.with_changes(incentives=incentives))


def set_key(scenario: Scenario, key: tuple[KeyTerm, ...]) -> Scenario:
    return validate_scenario(scenario.with_changes(key=tuple(key)))


def set_municipality_values(scenario: Scenario, changes: Mapping[str, Mapping[str, object]]) -> Scenario:
    """Apply {kommunenummer: {column: value}}; None/NaN/"" in a limit column means no limit."""
    table = scenario.municipalities.copy()
    for column in {c for values in changes.values() for c in values} - set(table.columns):
        table[column] = np.nan  # e.g. the first family_dwellings_q3 or locked_q2 typed in
    for number, values in changes.items():
        for column, value in values.items():
            if column not in EDITABLE_COLUMNS:
                raise KeyError(f"{column} kan ikke redigeres")
            if column == "lock_reason":
                table.at[number, column] = "" if value is None else str(value)
            else:
                table.at[number, column] = _limit_value(value)
    return validate_scenario(scenario.with_changes(municipalities=table))


def _limit_value(value: object) -> float:
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return np.nan
    return float(value)  # validation rejects fractions and negatives with a message


def is_locked(scenario: Scenario) -> pd.Series:
    table = scenario.municipalities
    return table["min_total"].notna() & (table["min_total"] == table["max_total"])


def lock(scenario: Scenario, number: str, total: int, reason: str = "") -> Scenario:
    """Fix a municipality's total (min_total = max_total = total), with the reason agreed."""
    return set_municipality_values(scenario, {number: {"min_total": total, "max_total": total, "lock_reason": reason}})


def unlock(scenario: Scenario, number: str, base: Scenario) -> Scenario:
    """Release a lock: min_total and max_total go back to the loaded scenario's values. The lock's
    reason stays (ticking «Låst» again brings it back; it is shown only with a lock)."""
    original = base.municipalities.loc[number] if number in base.municipalities.index else None
    low = np.nan if original is None else original["min_total"]
    high = np.nan if original is None else original["max_total"]
    if not math.isnan(low) and low == high:  # the loaded file itself had a lock: release it fully
        low, high = np.nan, np.nan
    return set_municipality_values(scenario, {number: {"min_total": low, "max_total": high}})


def lock_schedule(scenario: Scenario, plan: Plan, number: str) -> Scenario:
    """Fix a municipality's persons per quarter at the current schedule (and its yearly total with it)."""
    if plan.schedule is None:
        raise ValueError("planen har ingen kvartalsplan")
    per_quarter = plan.schedule.table.loc[number].sum(axis=1)
    changes = {f"locked_q{q}": int(per_quarter[q]) for q in per_quarter.index}
    return set_municipality_values(scenario, {number: changes})


def unlock_schedule(scenario: Scenario, number: str) -> Scenario:
    return set_municipality_values(scenario, {number: {c: None for c in SCHEDULE_LOCK_COLUMNS}})
