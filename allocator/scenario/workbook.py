"""Reading a scenario back from an .xlsx workbook (the sheets innstillinger, nøkkel and kommuner).

The workbook the app and the command line export (output/export.py) holds the scenario's inputs in
these sheets, so a county can edit them in Excel and upload the file again; the sheet names and
headers live here because both the writer and this reader need them.
"""

from __future__ import annotations

import os
import re
from typing import BinaryIO

from allocator.labels import DATA_COLUMN_LABELS, column_label
from allocator.scenario.data import COST_KEYS, KEY_RULE_NAMES, Scenario
from allocator.scenario.readers import KNOWN_COLUMNS, canonical_header
from allocator.scenario.validate import Problem, ScenarioError, build_scenario
from allocator.scenario.xlsx import read_workbook_sheets, sheet_table, workbook_cell_checks

SHEET_SETTINGS = "innstillinger"
SHEET_KEY = "nøkkel"
SHEET_MUNICIPALITIES = "kommuner"
#: Headers of the input sheets (read_workbook also reads the old code headers field/value, column/weight …).
SETTINGS_HEADER = ("Innstilling", "Verdi", "Forklaring")
KEY_HEADER = ("Kolonne", "Vekt", "Eksponent", "Fradrag", "Forklaring")


#: The settings' names in the sheet «innstillinger», part by part in Norwegian («Anmodning › enslige
#: voksne» for request.adults); read back to the codes of scenario.toml, and the codes themselves
#: (as older workbooks wrote them) are read too. Cost keys are columns: their labels (labels.py).
SETTING_WORDS: dict[str, str] = {
    "name": "navn", "description": "beskrivelse", "year": "år",
    "request": "anmodning", "adults": "enslige voksne", "families": "personer i familier", "minors": "enslige mindreårige",
    "special_needs": "særskilte behov", "minors_care": "enslige mindreårige med omsorgsbehov",
    "minors_other": "andre enslige mindreårige",
    "counties": "fylkene", "split": "fordeling på fylkene", "cross_border": "på tvers av fylkesgrenser",
    "max_share": "høyst andel i andre fylker",
    "housing": "boliger", "adults_per_small_dwelling": "enslige voksne per småbolig",
    "persons_per_family_dwelling": "personer per familiebolig",
    "key": "nøkkelen", "min_population": "minste innbyggertall", "min_persons": "minst personer", "round_to": "rundes til",
    "per_group": "hver gruppe for seg",
    "quarters": "kvartaler", "ready": "klare for bosetting", "deadline": "frist i kvartaler", "timeliness_weight": "vekt på tid",
    "baseline": "sammenligningsmønster",
    "incentives": "insentiver", "bonus": "bonus per kvartal", "q4_threshold": "andel i K4 uten trekk", "q4_deduction": "trekk i K4",
    "grant": "integreringstilskudd",
    "costs": "kostnader", "max_added_per_1000": "høyst lagt til per 1 000 innbyggere",
    "housing_grant": "boligtilskudd", "budget": "budsjett", "per_dwelling": "pris per bolig",
    "max_per_municipality": "høyst per kommune",
}
#: Setting values that are codes: «even» and «backloaded» (quarters.baseline), «key» (counties.split).
VALUE_WORDS: dict[str, str] = {"even": "jevnt", "backloaded": "sent i året", "key": "etter nøkkelen"}
PATH = " › "


def setting_words(field: str) -> str:
    """A dotted settings field in the sheet's Norwegian: «Anmodning › enslige voksne»."""
    words = PATH.join(SETTING_WORDS.get(part) or (column_label(part) if part in COST_KEYS else part) for part in field.split("."))
    return words[:1].upper() + words[1:]


def setting_parts(text: str) -> list[str]:
    """A setting's name as the sheet writes it (in Norwegian, or as a dotted code) → its code's parts."""
    by_word = {word.casefold(): code for code, word in SETTING_WORDS.items()}
    by_word.update({column_label(code).casefold(): code for code in COST_KEYS})
    parts = [p.strip() for p in text.split(PATH.strip())] if PATH.strip() in text else [p.strip().strip('"') for p in text.split(".")]
    return [by_word.get(part.casefold(), part) for part in parts]


def value_words(value: object) -> object:
    return VALUE_WORDS.get(value, value) if isinstance(value, str) else value


def _value_code(value: object) -> object:
    codes = {word.casefold(): code for code, word in VALUE_WORDS.items()}
    return codes.get(value.strip().casefold(), value) if isinstance(value, str) else value


def _data_column_code(header: str) -> str | None:
    """The code of a real column of the national table from its Norwegian label ("Bosatt 2023" → bosatt_2023)."""
    text = " ".join(str(header).split()).casefold()
    for code, label in DATA_COLUMN_LABELS.items():
        if text == label.casefold():
            return code
    match = re.fullmatch(r"(bosatt|anmodning|vedtak|anmodning em|vedtak em) (\d{4})", text)
    return f"{match.group(1).replace(' ', '_')}_{match.group(2)}" if match else None


def _read_back(header: str) -> str:
    """The column code `read_workbook` makes of a header in the kommuner sheet."""
    name = canonical_header(header)
    if name in KNOWN_COLUMNS:
        return name
    return _data_column_code(name) or name


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
    clashes: list[Problem] = []
    for line, cells in rows[1:]:
        cells = cells + [None] * (max(where.values()) + 1 - len(cells))
        shown, value = str(cells[where["field"]] or "").strip(), cells[where["value"]]
        *sections, name = setting_parts(shown) if shown else [""]
        field = ".".join((*sections, name))
        value = _value_code(value)
        if not shown or ((value is None or str(value).strip() == "") and field in ("description", "year")):
            continue
        target = settings
        for section in sections:
            target = target.setdefault(section, {})
            if not isinstance(target, dict):
                break
        if not isinstance(target, dict) or isinstance(target.get(name), dict):
            clashes.append(Problem(settings_file, row=f"rad {line}", column=shown,
                                   message="innstillingen kolliderer med en annen rad: en innstilling kan ha en verdi "
                                           "eller innstillinger under seg, ikke begge"))
            continue
        if field in ("name", "description"):
            target[name] = "" if value is None else str(value).strip()
        elif isinstance(value, str) and _DECIMAL_COMMA.fullmatch(value.strip()) and not _is_list_field(field):
            target[name] = float(value.strip().replace(",", "."))  # 3,5 typed into a text cell in Norwegian Excel
        elif isinstance(value, str) and "," in value:
            target[name] = [_cell_value(v) for v in value.split(",")]
        else:
            target[name] = _cell_value(value)
    if clashes:
        raise ScenarioError(clashes)
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
        rules = {k: v for k, v in settings.get("key", {}).items() if k in KEY_RULE_NAMES}
        settings["key"] = {**key, **rules}
    else:  # no key sheet (renamed, deleted or empty): the default key, said
        rules = {k: v for k, v in settings.get("key", {}).items() if k in KEY_RULE_NAMES} if isinstance(settings.get("key"), dict) else {}
        settings["key"] = {"population": 1.0, **rules}
        key_note = (f"{label}: arket «{SHEET_KEY}» mangler eller er tomt; nøkkelen er innbyggertall (population = 1.0), "
                    "slik at hver kommune får sin andel av befolkningen.")
    municipalities_file = f"{label}, ark {SHEET_MUNICIPALITIES}"
    raw = sheet_table(sheets[SHEET_MUNICIPALITIES], municipalities_file)
    cell_problems, cell_notes = workbook_cell_checks(source, label, sheets, (SHEET_SETTINGS, SHEET_KEY, SHEET_MUNICIPALITIES))
    if cell_problems:
        raise ScenarioError(cell_problems)
    raw.notes[:0] = [*([key_note] if SHEET_KEY not in sheets or not sheets[SHEET_KEY] else []), *cell_notes]
    _data_column_codes(raw.header, settings.get("key"))
    return build_scenario(settings, raw, settings_file, municipalities_file)


def _data_column_codes(header: list[str], key: dict | None) -> None:
    """The kommuner sheet's headers of the national table's real columns back to their codes
    ("Bosatt 2023" → bosatt_2023; the readers already map the input columns' labels), in place;
    and key columns named by a sheet header ("Innbyggere") to that column's code.

    A user's own column named exactly like such a label ("Bosatt 2023") cannot be told apart from
    the real column in the sheet: it keeps its name when the key uses it, else it reads back
    under the code (same values, same plan)."""
    key = key if isinstance(key, dict) else {}
    present = set(header)
    for j, name in enumerate(header):
        code = None if name in KNOWN_COLUMNS else _data_column_code(name)
        # a key naming the header itself means a user's own column of that name: it stays
        if code and code != name and code not in present and name not in key:
            header[j] = code
            present.add(code)
    folded = {h.casefold() for h in header}
    renamed = {}
    for name in key:
        code = _read_back(str(name))
        if str(name).casefold() not in folded and code in present and code not in key:
            renamed[name] = code
    entries = list(key.items())  # in their order: the key's terms keep theirs
    key.clear()
    key.update((renamed.get(name, name), value) for name, value in entries)


_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")


def _is_list_field(field: str) -> bool:
    """Settings whose value is a list ("210, 210, 140, 140"), not a number with a decimal comma."""
    return field.startswith("quarters.ready.") or field in ("incentives.bonus", "quarters.baseline")
