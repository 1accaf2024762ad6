"""What changed between two versions of a saved scenario: the numbers and settings that differ.

Compared on the saved files themselves (scenario.toml and municipalities.csv as text), so the
answer is exactly what a colleague would find comparing the two folders, and fast enough to run on
every save. Each change is (what, old, new) in words a county adviser reads: «Bergen: Maks totalt»,
«Anmodning: Enslige voksne»; a blank value is «–» (no limit).
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import asdict, dataclass

from allocator.labels import GROUP_LABELS, column_label

SECTION_LABELS = {
    "name": "Navn",
    "description": "Beskrivelse",
    "year": "År",
    "request": "Anmodning",
    "counties": "Fylker",
    "housing": "Boliger",
    "key": "Fordelingsnøkkel",
    "quarters": "Kvartaler",
    "incentives": "Tilskudd og trekk",
    "costs": "Kostnader",
    "housing_grant": "Boligtilskudd",
}
PART_LABELS = {
    "adults_per_small_dwelling": "enslige voksne per småbolig",
    "persons_per_family_dwelling": "personer per familiebolig",
    "weight": "vekt",
    "exponent": "eksponent",
    "credit": "fradrag",
    "ready": "klare",
    "deadline": "frist",
    "timeliness_weight": "vekt på tidlig bosetting",
    "baseline": "fordeling over året",
    "bonus": "bonus",
    "q4_threshold": "terskel 4. kvartal",
    "q4_deduction": "trekk 4. kvartal",
    "grant": "tilskudd",
    "budget": "budsjett",
    "per_dwelling": "per bolig",
    "max_per_municipality": "maks per kommune",
    "cross_border": "bosetting over fylkesgrensen",
    "max_share": "største andel",
    "split": "fordeling",
    "counties": "per fylke",
}
BLANK = "–"


@dataclass(frozen=True)
class Change:
    what: str
    old: str
    new: str

    def as_dict(self) -> dict:
        return asdict(self)


def _part(code: str) -> str:
    return GROUP_LABELS.get(code) or PART_LABELS.get(code) or column_label(code)


def _flat(value, path: tuple[str, ...], out: dict) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flat(v, (*path, str(k)), out)
    else:
        out[path] = value


def _show(value) -> str:
    if value is None or value == "":
        return BLANK
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, float):
        text = repr(value) if not value.is_integer() else str(int(value))
        return text.replace(".", ",").replace("-", "−")
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ").replace("-", "−")
    if isinstance(value, list):
        return " / ".join(_show(v) for v in value)
    return str(value).replace("\n", " ")[:120]


def settings_changes(old_toml: str, new_toml: str) -> list[Change]:
    old, new = {}, {}
    _flat(tomllib.loads(old_toml) if old_toml else {}, (), old)
    _flat(tomllib.loads(new_toml), (), new)
    found = []
    for path in [*old, *(p for p in new if p not in old)]:
        a, b = old.get(path), new.get(path)
        if a != b:
            what = SECTION_LABELS.get(path[0], path[0])
            if len(path) > 1:
                what += ": " + ", ".join(_part(p) for p in path[1:])
            found.append(Change(what, _show(a), _show(b)))
    return found


def _rows(text: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    return header, {row[0]: dict(zip(header, row)) for row in reader if row}


def municipality_changes(old_csv: str, new_csv: str) -> list[Change]:
    old_header, old = _rows(old_csv) if old_csv else ([], {})
    new_header, new = _rows(new_csv)
    columns = [c for c in dict.fromkeys([*old_header, *new_header]) if c not in ("kommunenummer", "kommune")]
    found = []
    for number in dict.fromkeys([*old, *new]):
        a, b = old.get(number), new.get(number)
        name = (b or a).get("kommune") or number
        if a is None or b is None:
            found.append(Change(f"{name}", "med" if a else "ikke med", "med" if b else "ikke med"))
            continue
        for column in columns:
            if a.get(column, "") != b.get(column, ""):
                found.append(Change(f"{name}: {column_label(column)}", _cell(a.get(column)), _cell(b.get(column))))
    return found


def _cell(text: str | None) -> str:
    if not text:
        return BLANK
    try:
        return _show(float(text)) if any(ch in text for ch in ".eE") else _show(int(text))
    except ValueError:
        return text


def changes_between(old: tuple[str, str] | None, new: tuple[str, str]) -> list[Change]:
    """(settings, municipalities) of two versions → every difference; `old` None: a first version."""
    if old is None:
        return []
    return settings_changes(old[0], new[0]) + municipality_changes(old[1], new[1])
