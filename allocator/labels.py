"""Norwegian words and text layout for everything a user reads: labels, number format, text tables.

Kept apart from the tables so the tables stay in stable English codes (the JSON contract and the
exports' machine columns) while every person-facing text is bokmål and in one place.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Sequence

from allocator.columns import COLUMNS as _KNOWN_INPUT_COLUMNS

if TYPE_CHECKING:
    pass

GROUP_LABELS = {
    "adults": "Enslige voksne",
    "families": "Personer i familier",
    "minors": "Enslige mindreårige",
    "special_needs": "Særskilte behov",
    "total": "Totalt",
    "minors_care": "Enslige mindreårige med omsorgsbehov",
    "minors_other": "Enslige mindreårige med mindre behov",
}

RESOURCE_LABELS = {
    "small_dwellings": "småboliger",
    "family_dwellings": "familieboliger",
    "minor_places": "plasser for enslige mindreårige",
    "special_places": "plasser for særskilte behov",
}

COLUMN_LABELS = {
    "kommunenummer": "Kommunenr.",
    "kommune": "Kommune",
    "population": "Innbyggere",
    "total": "Totalt",
    "fair_total": "Rimelig andel",
    "deviation": "Avvik",
    "per_1000": "Per 1 000 innb.",
    "max_total": "Maks totalt",
    "min_total": "Min. totalt",
    "small_dwellings": "Småboliger",
    "family_dwellings": "Familieboliger",
    "minor_places": "Plasser EM",
    "special_places": "Plasser særskilte behov",
    "minor_care_places": "Omsorgsplasser EM",
    "minor_other_places": "Andre plasser EM",
    "binding": "Grenser nådd",  # every limit used to the full; "Begrenset av" is what holds (limited_by)
    "lock_reason": "Begrunnelse for lås",
    "locked": "Låst",
    "change": "Endring",
    "fylke": "Fylke",
    "received": "Mottatt fra andre fylker",
    **{g: label for g, label in GROUP_LABELS.items() if g != "total"},
    **{f"fair_{g}": f"Rimelig andel: {label.lower()}" for g, label in GROUP_LABELS.items() if g != "total"},
    **{f"{r}_used": f"{label.capitalize()} brukt" for r, label in RESOURCE_LABELS.items()},
    **{f"{r}_available": f"{label.capitalize()} tilgjengelig" for r, label in RESOURCE_LABELS.items()},
}

QUARTER_NUMBERS = (1, 2, 3, 4)

#: Dwellings and places added during the year (`<resource>_q<n>`, e.g. "Familieboliger K3") and a
#: quarterly schedule locked in persons (`locked_q<n>`, "Låst K2"): input columns, so the readers
#: accept these labels as headers too (readers._header_names reads every COLUMN_LABELS value).
COLUMN_LABELS.update({f"{r}_q{q}": f"{COLUMN_LABELS[r]} K{q}" for r in RESOURCE_LABELS for q in QUARTER_NUMBERS})
COLUMN_LABELS.update({f"locked_q{q}": f"Låst K{q}" for q in QUARTER_NUMBERS})

#: The real columns of the national table (allocator/data/kommuner_2024.csv) that scenarios carry.
DATA_COLUMN_LABELS = {
    "fylke": "Fylke",
    "sentralitet": "Sentralitet",
    "kostragruppe": "KOSTRA-gruppe",
    **{f"bosatt_{year}": f"Bosatt {year}" for year in (2022, 2023, 2024)},
    "anmodning_2024": "Anmodning 2024",
    "vedtak_2024": "Vedtak 2024",
    "anmodning_em_2024": "Anmodning EM 2024",
    "vedtak_em_2024": "Vedtak EM 2024",
}
COLUMN_LABELS.update(DATA_COLUMN_LABELS)
#: Every other known input column (columns.COLUMNS, the one table of them) under its Norwegian header.
COLUMN_LABELS.update({c.code: c.header for c in _KNOWN_INPUT_COLUMNS if c.code not in COLUMN_LABELS})
#: Columns of the plan exports that are not input columns.
COLUMN_LABELS.update({
    "limited_by": "Begrenset av",  # as in the app: the limits that hold the municipality back
    "reason": "Forklaring",
})

#: Dated columns of the national table for any year (bosatt_2025 → "Bosatt 2025").
_YEAR_COLUMNS = (
    (re.compile(r"bosatt_(\d{4})"), "Bosatt {}"),
    (re.compile(r"anmodning_em_(\d{4})"), "Anmodning EM {}"),
    (re.compile(r"vedtak_em_(\d{4})"), "Vedtak EM {}"),
    (re.compile(r"anmodning_(\d{4})"), "Anmodning {}"),
    (re.compile(r"vedtak_(\d{4})"), "Vedtak {}"),
)
_DATED = re.compile(r"(small_dwellings|family_dwellings|minor_places|special_places)_q(\d+)")
_LOCKED = re.compile(r"locked_q(\d+)")


def column_label(code: str) -> str:
    """The Norwegian label of a column a user may see ("small_dwellings_q2" → "Småboliger K2").

    Known codes, dated resources and schedule locks of any quarter, and the real columns of the
    national table of any year; any other name is a user's own column and is returned as it is.
    """
    label = COLUMN_LABELS.get(code)
    if label is not None:
        return label
    match = _DATED.fullmatch(code)
    if match:
        return f"{COLUMN_LABELS[match.group(1)]} K{match.group(2)}"
    match = _LOCKED.fullmatch(code)
    if match:
        return f"Låst K{match.group(1)}"
    for pattern, text in _YEAR_COLUMNS:
        match = pattern.fullmatch(code)
        if match:
            return text.format(match.group(1))
    return code


LIMIT_LABELS = {
    "locked": "låst",
    "max_total": "maks totalt",
    "min_total": "avtalt minimum",
    **RESOURCE_LABELS,
}


#: What a unit of each resource (and a person of max_total) is called, one and many.
UNIT_WORDS = {
    "small_dwellings": ("småbolig", "småboliger"),
    "family_dwellings": ("familiebolig", "familieboliger"),
    "minor_places": ("plass for enslige mindreårige", "plasser for enslige mindreårige"),
    "special_places": ("plass for særskilte behov", "plasser for særskilte behov"),
    "minor_care_places": ("omsorgsplass for enslige mindreårige", "omsorgsplasser for enslige mindreårige"),
    "minor_other_places": ("plass for enslige mindreårige med mindre behov", "plasser for enslige mindreårige med mindre behov"),
    "max_total": ("person i maks totalt", "personer i maks totalt"),
}


def number(value: float, decimals: int = 0) -> str:
    """Norwegian number format: space between thousands, decimal comma (1 474; 3,5)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":  # never "-0" or "-0,0"
        text = text.lstrip("-")
    return text.replace(",", " ").replace(".", ",")


def count(n: float, one: str, many: str) -> str:
    """A number with its noun in agreement: «1 kommune», «43 kommuner», «1 474 personer»."""
    return f"{number(n)} {one if n == 1 else many}"


SETTINGS_SECTION_LABELS = {
    "request": "anmodningen", "counties": "fylkene", "housing": "boliger", "key": "fordelingsnøkkelen",
    "quarters": "kvartalsplanen", "incentives": "insentivene", "costs": "kostnadene", "housing_grant": "boligtilskuddet",
}


def plain_text(text: str) -> str:
    """A scenario's description for the screen: every `code` in backticks in the words of the
    screen (`population` → «Innbyggere», `[incentives]` → «insentivene»); unknown codes keep
    their name, without backticks."""
    def readable(match: re.Match) -> str:
        code = match.group(1).strip()
        section = code.strip("[]")
        if code.startswith("[") and section.split(".")[0] in SETTINGS_SECTION_LABELS:
            return f"«{SETTINGS_SECTION_LABELS[section.split('.')[0]]}»"
        return f"«{column_label(code)}»"
    return re.sub(r"`([^`\n]+)`", readable, text)


def signed(value: float, decimals: int = 0) -> str:
    """A change with its sign, the Norwegian minus (−) for a decrease: «+3», «−42», «0»."""
    text = number(abs(value), decimals)
    if text.strip("0,") == "":
        return text
    return ("+" if value > 0 else "\u2212") + text


def table_text(header: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[bool] | None = None) -> str:
    """A table with aligned columns: text left, numbers right."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[j]) for row in cells) for j in range(len(header))]
    right = right or [j > 0 for j in range(len(header))]
    lines = []
    for k, row in enumerate(cells):
        line = "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right))
        lines.append(line.rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
