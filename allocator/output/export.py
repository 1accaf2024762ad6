"""Plans out to CSV and Excel; scenarios in from the same Excel workbook.

The workbook is meant to be attached to an agreement and to be loaded again: besides the plan it
holds the scenario's inputs (settings, key, municipalities) in sheets that `read_workbook` turns
back into the same `Scenario`, so the same plan follows.

Everything a person reads is bokmål: headers from `labels` (column_label, GROUP_LABELS,
LIMIT_LABELS), groups and limits as words, blanks as empty cells, and numbers stored as numbers
(shown by Excel in the user's own number format, 1 474 and 270,2 on a Norwegian PC). Only the
settings' field names (`request.adults` …), the key's column names and the plain CSV's headers
stay in the stable codes: they are the machine contract (the TOML and the `--json` names).
Workbooks written before the headers were Norwegian (field/value, column/weight, code headers in
`kommuner`) still load.
"""

from __future__ import annotations

import errno
import io
import math
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from allocator.analysis.sweep import sweep_tables
from allocator.files import atomic_write
from allocator.labels import GROUP_LABELS, LIMIT_LABELS, column_label, number
from allocator.output.report import binding_reasons
from allocator.output.store import slugify
from allocator.plan import LIMIT_ORDER, Plan
from allocator.scenario.data import GROUPS, KEY_RULE_NAMES, QUARTERS, Scenario
from allocator.scenario.workbook import (
    KEY_HEADER,
    SETTINGS_HEADER,
    SHEET_KEY,
    SHEET_MUNICIPALITIES,
    SHEET_SETTINGS,
    _read_back,
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


# --------------------------------------------------------------------------- the plan table


def _whole_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Float columns holding only whole numbers (and blanks) as integers: 400, not 400.0, and a
    blank, not nan."""
    frame = frame.copy()
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_float_dtype(values):
            array = values.to_numpy(dtype=float, na_value=np.nan)
            present = array[~np.isnan(array)]
            if np.isfinite(present).all() and (present == np.round(present)).all() and (np.abs(present) < 2**53).all():
                frame[name] = values.astype("Int64")
    return frame


def _about_persons(value: float) -> str:
    count = max(1, math.floor(value + 0.5))
    return f"ca. {number(count)} {'person' if count == 1 else 'personer'}"


def limit_words(codes: Iterable[str]) -> str:
    """Limit codes as Norwegian words: ["max_total", "family_dwellings"] → "maks totalt, familieboliger"."""
    return ", ".join(LIMIT_LABELS[code] for code in codes)


def holding_words(plan: Plan) -> list[str]:
    """Per municipality (table order): the limits that hold it back, most important first, with
    about how many persons each holds back ("familieboliger (ca. 3 personer)")."""
    return [", ".join(f"{LIMIT_LABELS[code]} ({_about_persons(value)})" for code, value in row) for row in plan.holding]


def plan_table(plan: Plan, norwegian: bool = True) -> pd.DataFrame:
    """One row per municipality: the plan as people read it (Norwegian headers, limits as words,
    the reason in plain text) or, with `norwegian=False`, in the codes of the machine contract
    (`binding` and `limited_by` as codes, as in `--json`)."""
    table = plan.municipality_table()
    if norwegian:
        table["binding"] = [limit_words(codes) for codes in plan.binding_codes]
        reasons = binding_reasons(plan)
        at = table.columns.get_loc("lock_reason")
        table.insert(at, "reason", [reasons[n] for n in table.index])
        table.insert(at, "limited_by", holding_words(plan))
    else:
        table["limited_by"] = [", ".join(code for code, _ in row) for row in plan.holding]
    table = _whole_numbers(table.reset_index())
    return table.rename(columns=column_label) if norwegian else table


def _guard_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that Excel would run as a formula when it opens a CSV (=, +, -, @ first) get a
    leading apostrophe, so a lock reason like "-5 fra i fjor" is shown, not turned into #NAVN?."""
    frame = frame.copy()
    for name in frame.columns:
        if pd.api.types.is_object_dtype(frame[name]) or pd.api.types.is_string_dtype(frame[name]):
            frame[name] = [("'" + v) if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in frame[name]]
    return frame


def plan_csv_bytes(plan: Plan, dialect: str = "excel") -> bytes:
    """The municipality table as CSV.

    `excel` (the default): for Norwegian Excel: `;`-separated, decimal comma, UTF-8 with BOM (so
    Excel shows æøå), Norwegian headers and words. `plain`: for other tools: comma-separated,
    decimal point, UTF-8 without BOM, the code headers of the machine contract (kommunenummer,
    adults, binding …).
    """
    if dialect == "excel":
        frame = _guard_text(plan_table(plan, norwegian=True))
        return frame.to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n").encode("utf-8-sig")
    if dialect == "plain":
        return plan_table(plan, norwegian=False).to_csv(index=False, lineterminator="\n").encode("utf-8")
    raise ValueError(f"ukjent CSV-form «{dialect}»; bruk excel eller plain")


@dataclass(frozen=True)
class Download:
    """A file the app offers: button text, content, file name, MIME type and a tooltip (bokmål)."""

    label: str
    data: bytes
    file_name: str
    mime: str
    help: str


def _file_stem(plan: Plan) -> str:
    return slugify(plan.scenario.name) or "plan"


def csv_download(plan: Plan, dialect: str = "excel") -> Download:
    """The plan as CSV for a download button: `excel` (for Norwegian Excel) or `plain` (other tools)."""
    stem = _file_stem(plan)
    if dialect == "excel":
        return Download("Last ned CSV", plan_csv_bytes(plan, "excel"), f"{stem}.csv", "text/csv",
                        "For Excel: semikolon, desimalkomma og norske overskrifter.")
    if dialect == "plain":
        return Download("Last ned CSV for andre verktøy", plan_csv_bytes(plan, "plain"), f"{stem}-komma.csv", "text/csv",
                        "For andre verktøy: komma, desimalpunktum og kolonnenavn som i JSON (kommunenummer, adults …).")
    raise ValueError(f"ukjent CSV-form «{dialect}»; bruk excel eller plain")


def plan_downloads(plan: Plan) -> list[Download]:
    """Everything the export tab offers: the workbook, the CSV for Excel and the CSV for other tools."""
    workbook = Download("Last ned Excel (.xlsx)", plan_workbook_bytes(plan), f"{_file_stem(plan)}.xlsx", XLSX_MIME,
                        "Planen med sammendrag, forutsetninger, nøkkel og låser; kan lastes opp igjen og gir samme plan.")
    return [workbook, csv_download(plan, "excel"), csv_download(plan, "plain")]


# --------------------------------------------------------------------------- the workbook's sheets


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


def _flatten(prefix: str, value: object) -> list[tuple[str, object]]:
    """Nested settings as dotted fields; lists as "1, 2, 3" (one readable cell)."""
    if isinstance(value, dict):
        return [row for key, item in value.items() for row in _flatten(f"{prefix}.{key}" if prefix else key, item)]
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
        "counties.split": "«key»: den nasjonale anmodningen fordeles på fylkene etter fordelingsnøkkelen",
        "counties.cross_border": "TRUE/SANN: et fylke kan bosette i andre fylker det det ikke får plass til selv",
        "counties.max_share": "Høyst denne andelen av et fylkes anmodning kan bosettes i andre fylker",
        "housing.adults_per_small_dwelling": "Enslige voksne per småbolig",
        "housing.persons_per_family_dwelling": "Personer per familiebolig",
        "quarters.timeliness_weight": ("0: årsfordelingen er like rettferdig som uten kvartaler; over 0: en person kan flyttes "
                                       "til en annen kommune når det sparer minst 1/vekt personkvartaler med venting"),
        "quarters.baseline": ("Mønsteret planen sammenlignes med: «even» (jevnt), «backloaded» (10/20/30/40 %) "
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
    rows = [(field, value, explain_setting(field)) for field, value in _flatten("", settings)]
    return pd.DataFrame(rows, columns=list(SETTINGS_HEADER))


def key_sheet(scenario: Scenario) -> pd.DataFrame:
    """The fair-share key: column (name in the scenario files), weight, exponent, credit, in words."""
    headers = dict(zip(scenario.table.columns, municipality_headers(scenario.table.columns)))
    headers["population"] = column_label("population")
    rows = []
    for t in scenario.key:
        words = f"Kolonnen «{headers.get(t.column, t.column)}» i arket {SHEET_MUNICIPALITIES}"
        if t.credit:
            words += "; trekkes fra (last kommunen alt bærer)"
        rows.append((t.column, t.weight, t.exponent, t.credit, words))
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


# --------------------------------------------------------------------------- writing files


class OutputRefused(ValueError):
    """A file the plan must not be written to: an input of the scenario, a folder, a missing or
    read-only folder. The message is Norwegian and names the file."""


class OutputExists(OutputRefused):
    """The file exists and replacing it was not asked for."""


class WriteError(OSError):
    """Writing the file failed; the message names the file (never a temporary one) in Norwegian."""


_ERRNO_WORDS = {
    errno.ENOSPC: "disken er full",
    errno.EDQUOT: "lagringskvoten er brukt opp",
    errno.EACCES: "ingen skrivetilgang",
    errno.EPERM: "ingen skrivetilgang",
    errno.EROFS: "filsystemet er skrivebeskyttet",
    errno.ENOENT: "mappen finnes ikke",
    errno.EISDIR: "det er en mappe",
    errno.ENAMETOOLONG: "filnavnet er for langt",
}


def _reason(exc: OSError) -> str:
    return _ERRNO_WORDS.get(exc.errno, f"systemfeil {errno.errorcode.get(exc.errno, exc.errno)}" if exc.errno else "systemfeil")


def _same_file(a: Path, b: Path) -> bool:
    """The same file by another spelling: resolved paths equal (case-insensitively where the system
    is), or the same file on disk (a hard link, a case-insensitive file system)."""
    try:
        if os.path.normcase(str(a.resolve())) == os.path.normcase(str(b.resolve())):
            return True
        return os.path.samefile(a, b)
    except OSError:
        return False


def _folder_writable(folder: Path) -> bool:
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    probe = folder / f".skrivetest.{secrets.token_hex(6)}.tmp"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        return False
    try:
        probe.unlink()
    except OSError:
        pass
    return True


def _shown(path: Path) -> str:
    return str(path) if str(path) not in ("", ".") else "gjeldende mappe"


def check_output_path(path: str | os.PathLike, protected: Iterable[str | os.PathLike] = (), overwrite: bool = False) -> Path:
    """Refuse, before any work is done, an output path that would lose something or cannot be written.

    Never one of `protected` (the scenario's own files), by any spelling; not a folder; the folder
    must exist and be writable; an existing file only with `overwrite`. Raises `OutputRefused`
    (`OutputExists` for an existing file) with a Norwegian message naming the path.
    """
    path = Path(path)
    for own in protected:
        own = Path(own)
        if _same_file(path, own):
            raise OutputRefused(f"{path} er scenariets egen fil {own.name}; den skrives aldri over. Velg et annet filnavn")
    if path.is_dir():
        raise OutputRefused(f"{path} er en mappe; ventet et filnavn")
    folder = path.resolve().parent
    if not folder.is_dir():
        raise OutputRefused(f"mappen {_shown(path.parent)} finnes ikke; lag den først, eller velg en annen mappe")
    if os.path.lexists(path) and not overwrite:
        raise OutputExists(f"{path} finnes fra før")
    if not _folder_writable(folder):
        raise OutputRefused(f"kan ikke skrive i mappen {_shown(path.parent)} (ingen skrivetilgang)")
    return path


def _write(path: Path, data: bytes, overwrite: bool) -> None:
    """Write atomically (readers see the old file or the new one); with `overwrite=False` never
    replace a file, even one that appeared after the check (it is linked into place, not renamed)."""
    try:
        if overwrite:
            atomic_write(path, data)
            return
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for any file
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, path)  # fails if the file exists
            except FileExistsError:
                raise OutputExists(f"{path} finnes fra før") from None
            except OSError:  # a file system without hard links
                if os.path.lexists(path):
                    raise OutputExists(f"{path} finnes fra før") from None
                os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    except OutputExists:
        raise
    except OSError as exc:
        error = WriteError(f"kunne ikke skrive {path}: {_reason(exc)}")
        error.errno = exc.errno
        raise error from None


def write_plan(plan: Plan, path: str | os.PathLike, csv: str = "excel", overwrite: bool = False) -> Path:
    """Write the plan to .csv (`csv`: "excel" or "plain") or .xlsx, by extension, atomically.

    An existing file is replaced only with `overwrite` (raises `OutputExists` otherwise); a failed
    write raises `WriteError` naming `path`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = plan_csv_bytes(plan, csv)
    elif suffix == ".xlsx":
        data = plan_workbook_bytes(plan)
    else:
        raise ValueError(f"ukjent filtype «{path.suffix}»; bruk .csv eller .xlsx")
    _write(path, data, overwrite)
    return path


def write_sweep(points, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write a sweep to .xlsx, atomically; an existing file only with `overwrite` (as write_plan)."""
    path = Path(path)
    _write(path, sweep_workbook_bytes(points), overwrite)
    return path


# --------------------------------------------------------------------------- reading a workbook












