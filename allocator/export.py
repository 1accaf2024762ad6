"""Plans out to CSV and Excel; scenarios in from the same Excel workbook.

The workbook is meant to be attached to an agreement and to be loaded again: besides the plan it
holds the scenario's inputs (settings, key, municipalities) in sheets that `read_workbook` turns
back into the same `Scenario`, so the same plan follows.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from .plan import Plan
from .scenario import GROUPS, Scenario, atomic_write, municipalities_csv_frame, settings_dict
from .readers import read_workbook_sheets, sheet_table
from .validate import Problem, ScenarioError, build_scenario

SHEET_PLAN = "plan"
SHEET_SUMMARY = "sammendrag"
SHEET_GROUPS = "grupper"
SHEET_LIMITS = "grenser"
SHEET_SETTINGS = "innstillinger"
SHEET_KEY = "nøkkel"
SHEET_MUNICIPALITIES = "kommuner"
SHEET_LOCKS = "låste"
SHEET_SCHEDULE = "kvartalsplan"
SHEET_ECONOMICS = "økonomi"
SHEET_TIMELINESS = "tidsmål"
SHEET_VALUE = "verdi av avtalen"
SHEET_MOVED = "flyttet for tid"
SHEET_COUNTIES = "fylker"
SHEET_FLOWS = "flyt mellom fylker"


def plan_csv_bytes(plan: Plan) -> bytes:
    """The municipality table as UTF-8 CSV (with BOM so Excel shows æøå correctly)."""
    return plan.municipality_table().reset_index().to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def _flatten(prefix: str, value: object) -> list[tuple[str, object]]:
    """Nested settings as dotted fields; lists as "1, 2, 3" (one readable cell)."""
    if isinstance(value, dict):
        return [row for key, item in value.items() for row in _flatten(f"{prefix}.{key}" if prefix else key, item)]
    if isinstance(value, (list, tuple)):
        return [(prefix, ", ".join(str(v) for v in value))]
    return [(prefix, value)]


def _settings_rows(scenario: Scenario) -> pd.DataFrame:
    settings = settings_dict(scenario)
    settings.pop("key")  # the key has a sheet of its own
    settings.setdefault("description", "")
    return pd.DataFrame(_flatten("", settings), columns=["field", "value"])


def _key_rows(scenario: Scenario) -> pd.DataFrame:
    return pd.DataFrame(
        [(t.column, t.weight, t.exponent, t.credit) for t in scenario.key],
        columns=["column", "weight", "exponent", "credit"],
    )


def plan_workbook_bytes(plan: Plan, extra_sheets: dict[str, pd.DataFrame] | None = None) -> bytes:
    """The plan as an .xlsx workbook: plan, summary, limits, and the inputs that reproduce it."""
    scenario = plan.scenario
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        plan.municipality_table().reset_index().to_excel(writer, sheet_name=SHEET_PLAN, index=False)
        summary = plan.summary_table()
        summary.insert(0, "scenario", scenario.name)
        summary["solver"] = plan.solver
        summary.to_excel(writer, sheet_name=SHEET_SUMMARY, index=False)
        plan.group_table().to_excel(writer, sheet_name=SHEET_GROUPS, index=False)
        plan.binding_summary().to_excel(writer, sheet_name=SHEET_LIMITS, index=False)
        locked = scenario.municipalities[scenario.municipalities["min_total"] == scenario.municipalities["max_total"]]
        locked[["kommune", "min_total", "lock_reason"]].rename(columns={"min_total": "locked_total"}).reset_index().to_excel(
            writer, sheet_name=SHEET_LOCKS, index=False
        )
        _settings_rows(scenario).to_excel(writer, sheet_name=SHEET_SETTINGS, index=False)
        _key_rows(scenario).to_excel(writer, sheet_name=SHEET_KEY, index=False)
        scenario.municipalities.reset_index().to_excel(writer, sheet_name=SHEET_MUNICIPALITIES, index=False)
        if plan.has_counties:
            for name, frame in county_sheets(plan).items():
                frame.to_excel(writer, sheet_name=name, index=False)
        if plan.schedule is not None:
            for name, frame in schedule_sheets(plan).items():
                frame.to_excel(writer, sheet_name=name, index=False)
        for name, frame in (extra_sheets or {}).items():
            frame.to_excel(writer, sheet_name=name, index=False)
        _tidy(writer)
    return buffer.getvalue()


def _tidy(writer) -> None:
    """Readable column widths and a frozen header row in every sheet."""
    for sheet in writer.book.worksheets:
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column[:200])
            sheet.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 60)
        sheet.freeze_panes = "A2"


def county_sheets(plan: Plan) -> dict[str, pd.DataFrame]:
    """Per county: request, settled, shortfall, received, sent; and the flows between counties."""
    from .labels import GROUP_LABELS

    counties = plan.county_table()
    names = {"fylke": "Fylke", "request": "Anmodet", "settled": "Bosatt", "shortfall": "Underskudd", "received": "Mottatt fra andre fylker",
             "sent": "Sendt til andre fylker"}
    for part, word in (("request", "Anmodet"), ("settled", "Bosatt"), ("shortfall", "Underskudd")):
        for g in GROUPS:
            names[f"{part}_{g}"] = f"{word}: {GROUP_LABELS[g].lower()}"
    flows = plan.flow_table()
    flows["group"] = flows["group"].map(GROUP_LABELS)
    return {
        SHEET_COUNTIES: counties.rename(columns=names),
        SHEET_FLOWS: flows.rename(columns={"origin": "Fra fylke", "destination": "Til fylke", "group": "Gruppe", "persons": "Personer"}),
    }


def schedule_sheets(plan: Plan) -> dict[str, pd.DataFrame]:
    """The quarterly schedule, the economics per municipality and the value of the agreement."""
    schedule = plan.schedule
    table = schedule.table.reset_index()
    table.insert(1, "kommune", table["kommunenummer"].map(plan.scenario.municipalities["kommune"]))
    table["total"] = table[list(GROUPS)].sum(axis=1)
    timeliness = pd.DataFrame(schedule.timeliness()).T.rename_axis("group").reset_index()
    value = pd.DataFrame(list(schedule.value_of_agreement().items()), columns=["figure", "value"])
    economics = schedule.economics()
    economics.loc["county"] = {"kommune": "Hele fylket", **schedule.county_economics().to_dict()}
    sheets = {
        SHEET_SCHEDULE: table,
        SHEET_ECONOMICS: economics.reset_index(),
        SHEET_TIMELINESS: timeliness,
        SHEET_VALUE: value,
    }
    if schedule.moved_from_fair is not None:
        moved = schedule.moved_from_fair.join(plan.scenario.municipalities["kommune"])
        sheets[SHEET_MOVED] = moved[moved["moved"] != 0].reset_index()
    return sheets


def sweep_workbook_bytes(points) -> bytes:
    """A sweep as an .xlsx workbook: one row per total, the counties per total, what runs out first."""
    from .sweep import sweep_tables

    totals, counties, first = sweep_tables(points)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        totals.to_excel(writer, sheet_name="totaler", index=False)
        if len(counties):
            counties.to_excel(writer, sheet_name="fylker per total", index=False)
        first.to_excel(writer, sheet_name="går først tom", index=False)
        _tidy(writer)
    return buffer.getvalue()


def write_sweep(points, path: str | os.PathLike) -> Path:
    path = Path(path)
    atomic_write(path, sweep_workbook_bytes(points))
    return path


def write_plan(plan: Plan, path: str | os.PathLike) -> Path:
    """Write the plan to .csv or .xlsx (by extension), atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        atomic_write(path, plan_csv_bytes(plan))
    elif suffix == ".xlsx":
        atomic_write(path, plan_workbook_bytes(plan))
    else:
        raise ValueError(f"ukjent filtype «{path.suffix}»; bruk .csv eller .xlsx")
    return path


# --------------------------------------------------------------------------- reading a workbook


def _cell_value(value):
    """A settings cell as TOML would type it: whole number, number, true/false or text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, int):
        return value
    stripped = str(value).strip()
    if stripped.lower() in ("true", "false", "sann", "usann"):
        return stripped.lower() in ("true", "sann")
    for convert in (int, float):
        try:
            return convert(stripped)
        except ValueError:
            pass
    if stripped.endswith(".0") and stripped[:-2].lstrip("-").isdigit():
        return int(stripped[:-2])
    return stripped


def _header_map(header: list, wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Column positions of the wanted fields, by any of their accepted names (any case)."""
    folded = [str(h or "").strip().casefold() for h in header]
    return {key: next((folded.index(n) for n in names if n in folded), -1) for key, names in wanted.items()}


def read_workbook(source: str | os.PathLike | BinaryIO, label: str = "arbeidsbok") -> Scenario:
    """A scenario from an .xlsx workbook with the sheets innstillinger, nøkkel and kommuner."""
    sheets = read_workbook_sheets(source, label)
    missing = [s for s in (SHEET_SETTINGS, SHEET_MUNICIPALITIES) if s not in sheets]
    if missing:
        raise ScenarioError([
            Problem(label, message=f"arket «{s}» mangler; ventet arkene {SHEET_SETTINGS}, {SHEET_KEY} og {SHEET_MUNICIPALITIES}")
            for s in missing
        ])
    settings_file = f"{label}, ark {SHEET_SETTINGS}"
    settings: dict = {}
    rows = sheets[SHEET_SETTINGS]
    where = _header_map(rows[0][1] if rows else [], {"field": ("field", "innstilling"), "value": ("value", "verdi")})
    if not rows or min(where.values()) < 0:
        raise ScenarioError([Problem(settings_file, message="ventet kolonnene innstilling og verdi (eller field og value)")])
    for _, cells in rows[1:]:
        cells = cells + [None] * (max(where.values()) + 1 - len(cells))
        field, value = str(cells[where["field"]] or "").strip(), cells[where["value"]]
        if not field or ((value is None or str(value).strip() == "") and field in ("description", "year")):
            continue
        *sections, name = field.split(".")
        target = settings
        for section in sections:
            target = target.setdefault(section.strip('"'), {})
        name = name.strip('"')
        if field in ("name", "description"):
            target[name] = "" if value is None else str(value).strip()
        elif isinstance(value, str) and "," in value:
            target[name] = [_cell_value(v) for v in value.split(",")]
        else:
            target[name] = _cell_value(value)
    if SHEET_KEY in sheets and sheets[SHEET_KEY]:
        (_, header), *key_rows = sheets[SHEET_KEY]
        columns = _header_map(header, {"column": ("column", "kolonne"), "weight": ("weight", "vekt"),
                                       "exponent": ("exponent", "eksponent"), "credit": ("credit", "fradrag")})
        key: dict = {}
        for _, cells in key_rows:
            cells = cells + [None] * (len(header) - len(cells))
            column = str(cells[columns["column"]] or "").strip() if columns["column"] >= 0 else ""
            if column:
                key[column] = {k: _cell_value(cells[j]) for k, j in columns.items()
                               if k != "column" and j >= 0 and cells[j] is not None and str(cells[j]).strip() != ""}
        settings["key"] = key
    municipalities_file = f"{label}, ark {SHEET_MUNICIPALITIES}"
    raw = sheet_table(sheets[SHEET_MUNICIPALITIES], municipalities_file)
    return build_scenario(settings, raw, settings_file, municipalities_file)
