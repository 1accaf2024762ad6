"""The plan as an Excel workbook: one sheet per table a county adviser reads, Norwegian headers,
real numbers, and the scenario's inputs in sheets that read back (`scenario/workbook.py`).
"""

from __future__ import annotations

import io
from typing import Iterable

import pandas as pd

from allocator.analysis.sweep import sweep_tables
from allocator.binding import LIMIT_ORDER
from allocator.labels import GROUP_LABELS, LIMIT_LABELS, column_label
from allocator.output.tables import (
    _whole_numbers,
    plan_table,
)
from allocator.plan import Plan
from allocator.scenario.data import GROUPS, KEY_RULE_NAMES, QUARTERS, Scenario
from allocator.scenario.readers import KNOWN_COLUMNS
from allocator.scenario.workbook import (
    KEY_HEADER,
    SETTINGS_HEADER,
    SHEET_KEY,
    SHEET_MUNICIPALITIES,
    SHEET_SETTINGS,
    _read_back,
    setting_words,
    value_words,
)
from allocator.scenario.write import settings_dict

SHEET_PLAN = "plan"
SHEET_SUMMARY = "sammendrag"
SHEET_GROUPS = "grupper"
SHEET_LIMITS = "grenser"
SHEET_LOCKS = "låste"
SHEET_SCHEDULE = "kvartalsplan"
SHEET_ECONOMICS = "økonomi"
SHEET_TIMELINESS = "tidsmål"
SHEET_VALUE = "verdi av avtalen"
SHEET_MOVED = "flyttet for tid"
SHEET_COUNTIES = "fylker"
SHEET_FLOWS = "flyt mellom fylker"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Sheets that hold settings and names rather than figures: no thousands separators there (a year is 2026, not 2 026).
_UNFORMATTED_SHEETS = (SHEET_SETTINGS, SHEET_KEY)
#: Number formats by header where a column is not a plain count or amount.
_HEADER_FORMATS = {"Andel innen målet": "0.0 %"}


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def summary_sheet(plan: Plan) -> pd.DataFrame:
    summary = plan.summary_table()
    frame = pd.DataFrame({
        "Scenario": plan.scenario.name,
        "Gruppe": summary["group"].map(GROUP_LABELS),
        "Anmodet": summary["requested"],
        "Fordelt": summary["settled"],
        "Underskudd": summary["shortfall"],
    })
    frame["Løser"] = plan.solver
    return frame


def groups_sheet(plan: Plan) -> pd.DataFrame:
    long = plan.group_table()
    long["group"] = long["group"].map(GROUP_LABELS)
    return long.rename(columns={"kommunenummer": column_label("kommunenummer"), "kommune": column_label("kommune"),
                                "group": "Gruppe", "allocation": "Fordelt", "fair_share": "Rimelig andel", "deviation": "Avvik"})


def limits_sheet(plan: Plan) -> pd.DataFrame:
    held = {code: sum(any(c == code for c, _ in row) for row in plan.holding) for code in LIMIT_ORDER}
    rows = [{
        "Grense": _capitalised(LIMIT_LABELS[row["limit"]]),
        "Kommuner ved grensen": row["municipalities"],
        "Kommuner holdt tilbake": held[row["limit"]],
        "Brukt": row["used"],
        "Tilgjengelig": row["available"],
    } for row in plan.binding_rows()]
    return pd.DataFrame(rows).astype({"Brukt": "Int64", "Tilgjengelig": "Int64"})


def locks_sheet(scenario: Scenario) -> pd.DataFrame:
    table = scenario.municipalities
    locked = table[table["min_total"] == table["max_total"]]
    return pd.DataFrame({
        column_label("kommunenummer"): list(locked.index),
        column_label("kommune"): list(locked["kommune"]),
        "Låst totalt": pd.array(locked["min_total"].round().astype("Int64")),
        column_label("lock_reason"): list(locked["lock_reason"]),
    })


def flatten_settings(prefix: str, value: object) -> list[tuple[str, object]]:
    """Nested settings as dotted fields; lists as "1, 2, 3" (one readable cell)."""
    if isinstance(value, dict):
        return [row for key, item in value.items() for row in flatten_settings(f"{prefix}.{key}" if prefix else key, item)]
    if isinstance(value, (list, tuple)):
        return [(prefix, ", ".join(str(v) for v in value))]
    return [(prefix, value)]


def _group_word(code: str) -> str:
    return GROUP_LABELS.get(code, code).lower()


def explain_setting(field: str) -> str:
    """What a settings field means, in plain Norwegian (the Forklaring column of innstillinger)."""
    parts = field.split(".")
    last = parts[-1]
    fixed = {
        "name": "Scenarioets navn",
        "description": "Beskrivelse: hva som er reelle tall og hva som er illustrasjon, og kilder",
        "year": "Året anmodningen gjelder",
        "counties.split": "«etter nøkkelen»: den nasjonale anmodningen fordeles på fylkene etter fordelingsnøkkelen",
        "counties.cross_border": "TRUE/SANN: et fylke kan bosette i andre fylker det det ikke får plass til selv",
        "counties.max_share": "Høyst denne andelen av et fylkes anmodning kan bosettes i andre fylker",
        "housing.adults_per_small_dwelling": "Enslige voksne per småbolig",
        "housing.persons_per_family_dwelling": "Personer per familiebolig",
        "quarters.timeliness_weight": ("0: årsfordelingen er like rettferdig som uten kvartaler; over 0: en person kan flyttes "
                                       "til en annen kommune når det sparer minst 1/vekt personkvartaler med venting"),
        "quarters.baseline": ("Mønsteret planen sammenlignes med: «jevnt», «sent i året» (10/20/30/40 %) "
                              "eller fire andeler"),
        "incentives.bonus": "Bonus per person bosatt i K1, K2, K3, K4 (kr; illustrativt, ingen slik ordning finnes)",
        "incentives.q4_threshold": "Andelen av kommunens årstall som kan bosettes i K4 uten trekk",
        "incentives.q4_deduction": "Trekk per person bosatt i K4 over grensen (kr; illustrativt)",
        "key.per_group": ("1: hver gruppe følger sin rimelige andel alene; 0 (standard): kommunens total følger den "
                          "rimelige totalen først, gruppene deretter"),
    }
    if field in fixed:
        return fixed[field]
    if len(parts) == 2 and parts[0] == "request":
        return f"Anmodning: {_group_word(last)} (personer)"
    if len(parts) == 4 and parts[:2] == ["request", "counties"]:
        return f"Anmodning til {parts[2].strip(chr(34))}: {_group_word(last)} (personer)"
    if parts[:2] == ["quarters", "ready"]:
        return f"Personer klare for bosetting (oppholdstillatelse) i K1, K2, K3, K4: {_group_word(last)}"
    if parts[:2] == ["quarters", "deadline"]:
        return f"Kvartaler fra klar til bosatt (frist): {_group_word(last)}"
    if parts[:2] == ["incentives", "grant"]:
        return f"Integreringstilskudd år 1 per person (kr): {_group_word(last)}"
    rules = {"min_population": "Nøkkelen: ingen anmodning til kommuner med færre innbyggere enn dette",
             "min_persons": "Nøkkelen: minst så mange personer til kommuner som får en anmodning",
             "round_to": "Nøkkelen: tallene rundes til et multiplum av dette (summen stemmer)"}
    if parts[0] == "key" and last in rules:
        return rules[last]
    return ""


def settings_sheet(scenario: Scenario) -> pd.DataFrame:
    """The scenario's settings, one per row: the TOML field name, its value, what it means."""
    settings = settings_dict(scenario)
    rules = {k: v for k, v in settings.pop("key").items() if k in KEY_RULE_NAMES}  # the key's columns have a sheet of their own
    if rules:
        settings["key"] = rules
    settings.setdefault("description", "")
    rows = [(setting_words(field), value_words(value), explain_setting(field)) for field, value in flatten_settings("", settings)]
    return pd.DataFrame(rows, columns=list(SETTINGS_HEADER))


def key_sheet(scenario: Scenario) -> pd.DataFrame:
    """The fair-share key: column (as the sheet kommuner heads it; read back to its code), weight,
    exponent, credit, in words."""
    headers = dict(zip(scenario.table.columns, municipality_headers(scenario.table.columns)))
    headers["population"] = column_label("population")
    rows = []
    for t in scenario.key:
        words = f"Kolonnen «{headers.get(t.column, t.column)}» i arket {SHEET_MUNICIPALITIES}"
        if t.credit:
            words += "; trekkes fra (last kommunen alt bærer)"
        # an input column by its Norwegian header (read back to its code); a column of the national table
        # or a user's own keeps its name, which alone tells it from a user's column of the same label
        shown = headers.get(t.column, t.column) if t.column in KNOWN_COLUMNS else t.column
        rows.append((shown, t.weight, t.exponent, t.credit, words))
    return pd.DataFrame(rows, columns=list(KEY_HEADER))


def municipality_headers(columns: Iterable[str]) -> list[str]:
    """Headers of the kommuner sheet: the Norwegian label of every column that reads back as the
    same column, else the column's own name (a user's own column keeps its name)."""
    headers: list[str] = []
    for code in columns:
        label = column_label(code)
        headers.append(label if _read_back(label) == code and label not in headers else code)
    return headers


def municipalities_sheet(scenario: Scenario) -> pd.DataFrame:
    """The municipality rows as entered: kommunenummer as text, numbers as numbers, blanks empty."""
    frame = _whole_numbers(scenario.municipalities.reset_index())
    frame.columns = municipality_headers(list(frame.columns))
    return frame


def county_sheets(plan: Plan) -> dict[str, pd.DataFrame]:
    """Per county: request, settled, shortfall, received, sent; and the flows between counties."""
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


VALUE_LABELS = {
    "waiting_person_months_optimised": "Ventetid med planen (personmåneder)",
    "waiting_person_months_baseline": "Ventetid med sammenligningsmønsteret (personmåneder)",
    "waiting_person_months_saved": "Ventetid spart (personmåneder)",
    "late_optimised": "Bosatt etter fristen med planen (personer)",
    "late_baseline": "Bosatt etter fristen med sammenligningsmønsteret (personer)",
    "bonus_optimised": "Bonus med planen (kr)",
    "bonus_baseline": "Bonus med sammenligningsmønsteret (kr)",
    "deduction_optimised": "Trekk med planen (kr)",
    "deduction_baseline": "Trekk med sammenligningsmønsteret (kr)",
}
ECONOMICS_LABELS = {
    "kommune": column_label("kommune"),
    **{f"grant_q{q}": f"Integreringstilskudd år 1, K{q} (kr)" for q in QUARTERS},
    "persons": "Personer", "q4_persons": "Bosatt i K4", "q4_over_threshold": "Over K4-grensen",
    "bonus": "Bonus (kr)", "deduction": "Trekk (kr)", "net_incentive": "Bonus − trekk (kr)",
}


def schedule_sheets(plan: Plan) -> dict[str, pd.DataFrame]:
    """The quarterly schedule, the economics per municipality and the value of the agreement."""
    schedule = plan.schedule
    scenario = plan.scenario
    table = schedule.table.reset_index()
    table.insert(1, "kommune", table["kommunenummer"].map(scenario.municipalities["kommune"]))
    table["total"] = table[list(GROUPS)].sum(axis=1)
    table["quarter"] = [f"K{q}" for q in table["quarter"]]
    table = table.rename(columns={"kommunenummer": column_label("kommunenummer"), "kommune": column_label("kommune"),
                                  "quarter": "Kvartal", **GROUP_LABELS})
    timeliness = pd.DataFrame([{
        "Gruppe": GROUP_LABELS[g],
        "Frist (kvartaler)": scenario.quarters.deadline[g],
        "Snitt måneder fra klar til bosatt": figures["avg_months"],
        "Andel innen målet": figures["within_target"],
        "Bosatt etter fristen": figures["late"],
        "Overført til neste år": figures["carried_over"],
        "Ventetid (personmåneder)": figures["waiting_person_months"],
    } for g, figures in schedule.timeliness().items()])
    value = pd.DataFrame([(VALUE_LABELS.get(k, k), v) for k, v in schedule.value_of_agreement().items()], columns=["Størrelse", "Verdi"])
    economics = schedule.economics()
    economics.loc[""] = {"kommune": "Alle kommuner" if plan.has_counties else "Hele fylket", **schedule.county_economics().to_dict()}
    economics = economics.reset_index().rename(columns={"kommunenummer": column_label("kommunenummer"), **ECONOMICS_LABELS})
    sheets = {
        SHEET_SCHEDULE: table,
        SHEET_ECONOMICS: _whole_numbers(economics),
        SHEET_TIMELINESS: timeliness,
        SHEET_VALUE: _whole_numbers(value),
    }
    if schedule.moved_from_fair is not None:
        moved = schedule.moved_from_fair.join(scenario.municipalities["kommune"])
        moved = moved[moved["moved"] != 0].reset_index()
        sheets[SHEET_MOVED] = moved[["kommunenummer", "kommune", "fair_first", "with_timeliness", "moved"]].rename(columns={
            "kommunenummer": column_label("kommunenummer"), "kommune": column_label("kommune"),
            "fair_first": "Rimeligst fordeling (personer)", "with_timeliness": "Med vekt på tid (personer)",
            "moved": "Flyttet (personer)"})
    return sheets


def workbook_sheets(plan: Plan) -> dict[str, pd.DataFrame]:
    """Every sheet of the plan's workbook, in order, with Norwegian headers."""
    scenario = plan.scenario
    sheets = {
        SHEET_PLAN: plan_table(plan),
        SHEET_SUMMARY: summary_sheet(plan),
        SHEET_GROUPS: groups_sheet(plan),
        SHEET_LIMITS: limits_sheet(plan),
        SHEET_LOCKS: locks_sheet(scenario),
        SHEET_SETTINGS: settings_sheet(scenario),
        SHEET_KEY: key_sheet(scenario),
        SHEET_MUNICIPALITIES: municipalities_sheet(scenario),
    }
    if plan.has_counties:
        sheets.update(county_sheets(plan))
    if plan.schedule is not None:
        sheets.update(schedule_sheets(plan))
    return sheets


def plan_workbook_bytes(plan: Plan, extra_sheets: dict[str, pd.DataFrame] | None = None) -> bytes:
    """The plan as an .xlsx workbook: plan, summary, limits, and the inputs that reproduce it."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in {**workbook_sheets(plan), **(extra_sheets or {})}.items():
            frame.to_excel(writer, sheet_name=name, index=False)
        _tidy(writer)
    return buffer.getvalue()


def _tidy(writer) -> None:
    """Cells as a person should find them: user text that starts with = stays text (openpyxl would
    make it a formula, and the workbook would lose it), blanks are empty cells, kommunenummer is
    text, counts and amounts carry a number format (Excel shows 1 474 and 270,2 in Norwegian);
    readable column widths and a frozen header row."""
    kommunenummer = {column_label("kommunenummer"), "kommunenummer"}
    for sheet in writer.book.worksheets:
        for column in sheet.columns:
            header = column[0].value
            numbers: list = []
            for cell in column[1:]:
                if cell.data_type == "f":
                    cell.data_type = "s"
                if cell.value == "":
                    cell.value = None
                elif header in kommunenummer:
                    cell.number_format = "@"
                elif isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    numbers.append(cell)
            if numbers and sheet.title not in _UNFORMATTED_SHEETS:
                whole = all(float(c.value).is_integer() for c in numbers)
                form = _HEADER_FORMATS.get(header, "#,##0" if whole else "#,##0.0#")
                for cell in numbers:
                    cell.number_format = form
            width = max(len(str(cell.value if cell.value is not None else "")) for cell in column[:200])
            sheet.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 60)
        sheet.freeze_panes = "A2"


def sweep_workbook_bytes(points) -> bytes:
    """A sweep as an .xlsx workbook: one row per total, the counties per total, what runs out first."""
    totals, counties, first = sweep_tables(points)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        totals.to_excel(writer, sheet_name="totaler", index=False)
        if len(counties):
            counties.to_excel(writer, sheet_name="fylker per total", index=False)
        first.to_excel(writer, sheet_name="går først tom", index=False)
        _tidy(writer)
    return buffer.getvalue()
