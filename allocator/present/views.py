"""What the app shows and how its table edits become scenario edits.

The Streamlit page only renders these frames and passes the user's edits back here, so the
translation between "a cell a user changed" and "a rule of the scenario" is tested without a
browser.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Mapping

import numpy as np
import pandas as pd

from allocator.labels import GROUP_LABELS, SETTINGS_SECTION_LABELS, column_label, number
from allocator.optimize.quarters import TARGET_MONTHS
from allocator.output.report import holding_texts
from allocator.plan import Plan
from allocator.present import edits
from allocator.present.changes import SETTING_LABELS
from allocator.problems import Problem, ScenarioError
from allocator.scenario.data import (
    GROUPS,
    LIMIT_COLUMNS,
    MINOR_SPLIT_COLUMNS,
    QUARTERS,
    RESOURCE_OF_GROUP,
    SCHEDULE_LOCK_COLUMNS,
    Scenario,
)

#: Editor columns in the order shown; the first block is editable, the rest is the plan's answer.
EDITOR_INPUTS = ("locked", "lock_reason", *LIMIT_COLUMNS)
EDITOR_RESULTS = ("total", "change", "change_start", "fair_total", "binding")

#: What "Begrenset av" means, for the column's help text.
HOLDING_HELP = ("Grensene som holder kommunen under (eller over) det den ellers ville fått, den viktigste først: "
                "«ellers» er kommunens rimelige andel skalert som for kommunene i fylket som ingen grense holder. "
                "Tallet i parentes er omtrent hvor mange personer grensen holder igjen (+ = holder oppe).")


def editor_inputs(scenario: Scenario) -> tuple[str, ...]:
    """The negotiation table's editable columns: locks, limits, and the two kinds of minor places
    where the scenario has them."""
    split = tuple(c for c in MINOR_SPLIT_COLUMNS if c in scenario.table)
    return (*EDITOR_INPUTS, *split)


#: Labels of the app's own result columns (the rest come from labels.column_label).
VIEW_LABELS = {"change": "Endring", "change_start": "Endring fra start", "binding": "Begrenset av",
               "received": "Mottatt fra andre fylker"}


def label(code: str) -> str:
    return VIEW_LABELS.get(code) or column_label(code)


# --------------------------------------------------------------------------- plain words


_CODE_WORDS = re.compile(r"\b(" + "|".join(sorted((*LIMIT_COLUMNS, "population", "kommunenummer", "lock_reason", "fylke"), key=len, reverse=True)) + r")\b")


def plain_problem(problem: Problem) -> str:
    """A problem with an edit in the app, in plain words: no file names, no column codes
    ("Bergen, Maks totalt: ventet et helt tall …")."""
    who = ""
    if problem.row:
        match = re.search(r"\((?:\d{4} )?([^()]*)\)\s*$", problem.row)
        who = match.group(1) if match else problem.row
    what = ""
    if problem.column:
        column = problem.column
        parts = [p.strip('"') for p in re.split(r'\.(?=(?:[^"]*"[^"]*")*[^"]*$)', column)]  # dots outside quotes
        if column.startswith("key."):
            term = "eksponent" if parts[-1] == "exponent" else "vekt"
            what = f"{term} for {column_label(parts[1])}"
        elif column.startswith("request.counties.") and len(parts) >= 3:
            group = GROUP_LABELS.get(parts[-1], "").lower()
            what = f"anmodning for {parts[2]}" + (f", {group}" if group and len(parts) > 3 else "")
        elif column.startswith("request."):
            what = f"anmodning, {GROUP_LABELS.get(parts[-1], parts[-1]).lower()}"
        elif column.startswith(("quarters.", "incentives.")):
            what = {"quarters": "kvartalsplanen", "incentives": "insentivene"}[parts[0]]
        elif parts[0] in SETTINGS_SECTION_LABELS and len(parts) > 1:
            what = f"{SETTINGS_SECTION_LABELS[parts[0]]}, {SETTING_LABELS.get(parts[-1], parts[-1])}"
        elif column.startswith("["):
            what = ""
        else:
            what = column_label(column)
    message = _CODE_WORDS.sub(lambda m: column_label(m.group(1)).lower(), problem.message)
    where = ", ".join(part for part in (who, what) if part)
    text = f"{where}: {message}" if where else message
    return text[:1].upper() + text[1:]


def plain_problems(exc: ScenarioError, scenario: Scenario | None = None, limit: int = 20) -> list[str]:
    lines = [plain_problem(p) for p in exc.problems[:limit]]
    if len(exc.problems) > limit:
        lines.append(f"… og {number(len(exc.problems) - limit)} til")
    return lines


def plan_view(plan: Plan, previous: Plan | None = None, base: Plan | None = None) -> pd.DataFrame:
    """The plan table with Norwegian headings, one row per municipality."""
    table = plan.municipality_table()
    view = pd.DataFrame(index=table.index)
    view["kommunenummer"] = table.index
    view["kommune"] = table["kommune"]
    if "fylke" in table:
        view["fylke"] = table["fylke"]
    view["total"] = table["total"]
    view["change"] = _change(plan, previous)
    view["change_start"] = _change(plan, base)
    for g in GROUPS:
        view[g] = table[g]
    view["fair_total"] = _rounded(table["fair_total"], 1)
    view["deviation"] = _rounded(table["deviation"], 1)
    view["per_1000"] = _rounded(table["per_1000"], 2)
    if "received" in table:
        view["received"] = table["received"]
    view["binding"] = pd.Series(holding_texts(plan, short=False))
    return view.rename(columns=label).reset_index(drop=True)


def county_view(plan: Plan) -> pd.DataFrame:
    """Per county: request, settled, shortfall, received from and sent to other counties."""
    table = plan.county_table()[["fylke", "request", "settled", "shortfall", "received", "sent"]]
    return table.rename(columns={"fylke": "Fylke", "request": "Anmodet", "settled": "Bosatt", "shortfall": "Underskudd",
                                 "received": "Mottatt fra andre fylker", "sent": "Sendt til andre fylker"})


def flow_view(plan: Plan) -> pd.DataFrame:
    flows = plan.flow_table()
    flows["group"] = flows["group"].map(GROUP_LABELS)
    return flows.rename(columns={"origin": "Fra fylke", "destination": "Til fylke", "group": "Gruppe", "persons": "Personer"})


def _change(plan: Plan, previous: Plan | None) -> pd.Series:
    """Persons more (+) or fewer (−) than in `previous`; empty where nothing changed, so the eye
    finds the changes (and no "+0" is shown)."""
    total = plan.allocation.sum(axis=1)
    if previous is None:
        return pd.Series(pd.NA, index=total.index, dtype="Int64")
    change = (total - previous.allocation.sum(axis=1).reindex(total.index).fillna(0)).astype("Int64")
    return change.mask(change == 0)


def _rounded(values: pd.Series, places: int) -> pd.Series:
    """Rounded for the screen, without −0 (a small negative deviation rounds to 0, not −0)."""
    return values.round(places) + 0.0


def summary_view(plan: Plan) -> pd.DataFrame:
    summary = plan.summary_table().set_index("group")
    summary.index = [GROUP_LABELS[g] for g in summary.index]
    return summary.rename(columns={"requested": "Anmodet", "settled": "Fordelt", "shortfall": "Underskudd"})


def editor_frame(scenario: Scenario, plan: Plan, previous: Plan | None = None, base: Plan | None = None) -> pd.DataFrame:
    """The negotiation table: the limits a user may change, beside what the plan gives (the change
    since the previous step and since the scenario was loaded, and what holds each municipality)."""
    table = scenario.municipalities
    index = table.index
    columns = {  # made in one go: a column at a time costs pandas a copy of the column index each
        "kommunenummer": pd.Series(index, index=index),
        "kommune": table["kommune"],
        "locked": edits.is_locked(scenario),
        "lock_reason": table["lock_reason"],
        **{column: table[column] for column in editor_inputs(scenario)[2:]},
        "total": plan.allocation.sum(axis=1).reindex(index),
        "change": _change(plan, previous).reindex(index),
        "change_start": _change(plan, base).reindex(index),
        "fair_total": _rounded(plan.fair_share.sum(axis=1).reindex(index), 1),
        "binding": pd.Series(holding_texts(plan)).reindex(index),
    }
    return pd.DataFrame(columns, index=index)


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
            if column in LIMIT_COLUMNS or column in MINOR_SPLIT_COLUMNS or column == "lock_reason":
                row[column] = None if value is None or (isinstance(value, float) and math.isnan(value)) else value
        if row:
            changes[number] = row
    return edits.set_municipality_values(scenario, changes) if changes else scenario


# --------------------------------------------------------------------------- quarters

QUARTER_LABELS = {q: f"K{q}" for q in QUARTERS}
#: Dated resource columns shown in the app: what is added in Q2–Q4 (Q1 is the undated column).
DATED_INPUTS = tuple(f"{r}_q{q}" for r in RESOURCE_OF_GROUP.values() for q in (2, 3, 4))


def readiness_frame(scenario: Scenario) -> pd.DataFrame:
    """Persons ready per group (rows) and quarter (columns K1–K4)."""
    ready = scenario.quarters.ready
    frame = pd.DataFrame([list(ready[g]) for g in GROUPS], index=[GROUP_LABELS[g] for g in GROUPS],
                         columns=[QUARTER_LABELS[q] for q in QUARTERS])
    frame["Sum"] = frame.sum(axis=1)
    return frame


def apply_readiness_edits(scenario: Scenario, edited_rows: Mapping[int | str, Mapping[str, object]]) -> Scenario:
    """Readiness edits from the K1–K4 table; each group must still sum to its request."""
    ready = {g: list(scenario.quarters.ready[g]) for g in GROUPS}
    labels = {label: q for q, label in QUARTER_LABELS.items()}
    for position, row in edited_rows.items():
        group = GROUPS[int(position)]
        for column, value in row.items():
            if column in labels:
                ready[group][labels[column] - 1] = 0 if value is None else value
    quarters = dataclasses.replace(scenario.quarters, ready={g: tuple(v) for g, v in ready.items()})
    return edits.set_quarters(scenario, quarters)


def dated_frame(scenario: Scenario) -> pd.DataFrame:
    """Dwellings and places added in Q2–Q4 per municipality (blank = none)."""
    table = scenario.municipalities
    frame = pd.DataFrame({"kommune": table["kommune"]}, index=table.index)
    for column in DATED_INPUTS:
        frame[column] = (table[column] if column in table else pd.Series(np.nan, index=table.index)).astype("Int64")
    return frame


def schedule_frame(plan: Plan) -> pd.DataFrame:
    """Per municipality: persons per quarter (all groups), year, and whether the quarters are locked."""
    table = plan.schedule.table.sum(axis=1).unstack("quarter").reindex(columns=list(QUARTERS), fill_value=0)
    table.columns = [QUARTER_LABELS[q] for q in QUARTERS]
    municipalities = plan.scenario.municipalities
    frame = pd.DataFrame({"kommune": municipalities["kommune"]}).join(table)
    frame["År"] = table.sum(axis=1)
    locks = [c for c in SCHEDULE_LOCK_COLUMNS if c in municipalities]
    frame["schedule_locked"] = municipalities[locks].notna().all(axis=1) if len(locks) == len(QUARTERS) else False
    return frame


def apply_schedule_edits(scenario: Scenario, plan: Plan, frame: pd.DataFrame, edited_rows: Mapping[int | str, Mapping[str, object]]) -> Scenario:
    """Ticking "locked" holds a municipality's current quarters; unticking frees them."""
    for position, row in edited_rows.items():
        number = frame.index[int(position)]
        if row.get("schedule_locked") is True:
            scenario = edits.lock_schedule(scenario, plan, number)
        elif row.get("schedule_locked") is False:
            scenario = edits.unlock_schedule(scenario, number)
    return scenario


def timeliness_view(plan: Plan) -> pd.DataFrame:
    """Per group: months from ready to settled, share within target, late, carried over."""
    rows = []
    for g, figures in plan.schedule.timeliness().items():
        rows.append({
            "Gruppe": GROUP_LABELS[g],
            "Mål": f"{TARGET_MONTHS[g]} mnd",
            "Snitt måneder": figures["avg_months"],
            "Innen målet": f"{number(100 * figures['within_target'], 1)} %",
            "For sent": figures["late"],
            "Overført til neste år": figures["carried_over"],
        })
    return pd.DataFrame(rows).set_index("Gruppe")


def economics_view(plan: Plan) -> pd.DataFrame:
    """Per municipality and, last, the county: year-1 grants by quarter, bonus and deduction (NOK)."""
    frame = plan.schedule.economics()
    county = plan.schedule.county_economics()
    frame.loc["Fylket"] = {"kommune": "Hele fylket", **county.to_dict()}
    return frame.rename(columns={
        "kommune": "Kommune", **{f"grant_q{q}": f"Integreringstilskudd år 1, {QUARTER_LABELS[q]}" for q in QUARTERS},
        "persons": "Personer", "q4_persons": "Bosatt i K4", "q4_over_threshold": "Over K4-grensen",
        "bonus": "Bonus", "deduction": "Trekk", "net_incentive": "Bonus − trekk",
    })
