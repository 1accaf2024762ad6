"""What the app shows and how its table edits become scenario edits.

The Streamlit page only renders these frames and passes the user's edits back here, so the
translation between "a cell a user changed" and "a rule of the scenario" is tested without a
browser.
"""

from __future__ import annotations

import math
from typing import Mapping

import pandas as pd

from . import edits
from .labels import COLUMN_LABELS, GROUP_LABELS, binding_reasons
from .plan import Plan
from .scenario import GROUPS, LIMIT_COLUMNS, Scenario

#: Editor columns in the order shown; the first block is editable, the rest is the plan's answer.
EDITOR_INPUTS = ("locked", "lock_reason", *LIMIT_COLUMNS)
EDITOR_RESULTS = ("total", "change", "fair_total", "binding")


def plan_view(plan: Plan, previous: Plan | None = None) -> pd.DataFrame:
    """The plan table with Norwegian headings, one row per municipality."""
    table = plan.municipality_table()
    view = pd.DataFrame(index=table.index)
    view["kommune"] = table["kommune"]
    view["total"] = table["total"]
    view["change"] = _change(plan, previous)
    for g in GROUPS:
        view[g] = table[g]
    view["fair_total"] = table["fair_total"].round(1)
    view["deviation"] = table["deviation"].round(1)
    view["per_1000"] = table["per_1000"].round(2)
    view["binding"] = pd.Series(binding_reasons(plan))
    view.index.name = "kommunenummer"
    return view.rename(columns=COLUMN_LABELS).rename_axis(COLUMN_LABELS["kommunenummer"])


def _change(plan: Plan, previous: Plan | None) -> pd.Series:
    total = plan.allocation.sum(axis=1)
    if previous is None:
        return pd.Series(0, index=total.index)
    return (total - previous.allocation.sum(axis=1).reindex(total.index).fillna(0)).astype(int)


def summary_view(plan: Plan) -> pd.DataFrame:
    summary = plan.summary_table().set_index("group")
    summary.index = [GROUP_LABELS[g] for g in summary.index]
    return summary.rename(columns={"requested": "Anmodet", "settled": "Fordelt", "shortfall": "Underskudd"})


def editor_frame(scenario: Scenario, plan: Plan, previous: Plan | None = None) -> pd.DataFrame:
    """The negotiation table: the limits a user may change, beside what the plan gives."""
    table = scenario.municipalities
    frame = pd.DataFrame(index=table.index)
    frame["kommune"] = table["kommune"]
    frame["locked"] = edits.is_locked(scenario)
    frame["lock_reason"] = table["lock_reason"]
    for column in LIMIT_COLUMNS:
        frame[column] = table[column].astype("Int64")
    frame["total"] = plan.allocation.sum(axis=1).reindex(table.index)
    frame["change"] = _change(plan, previous).reindex(table.index)
    frame["fair_total"] = plan.fair_share.sum(axis=1).reindex(table.index).round(1)
    frame["binding"] = pd.Series(binding_reasons(plan)).reindex(table.index)
    return frame


def apply_editor_edits(
    scenario: Scenario,
    plan: Plan,
    base: Scenario,
    frame: pd.DataFrame,
    edited_rows: Mapping[int | str, Mapping[str, object]],
) -> Scenario:
    """Turn `st.data_editor` edits ({row position: {column: value}}) into one scenario edit.

    Ticking "locked" fixes the municipality at its current total (a number typed into min/max in
    the same edit wins); unticking it restores the loaded scenario's min_total and max_total.
    Raises `ScenarioError` for an edit that breaks a rule; the scenario is then unchanged.
    """
    totals = plan.allocation.sum(axis=1)
    changes: dict[str, dict[str, object]] = {}
    for position, row_edits in edited_rows.items():
        number = frame.index[int(position)]
        row: dict[str, object] = {}
        locked = row_edits.get("locked")
        if locked is True:
            row.update(min_total=int(totals[number]), max_total=int(totals[number]))
        elif locked is False:
            scenario = edits.unlock(scenario, number, base)
        for column, value in row_edits.items():
            if column in LIMIT_COLUMNS or column == "lock_reason":
                row[column] = None if value is None or (isinstance(value, float) and math.isnan(value)) else value
        if row:
            changes[number] = row
    return edits.set_municipality_values(scenario, changes) if changes else scenario
