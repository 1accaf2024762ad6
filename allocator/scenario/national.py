"""What the national table says about municipality numbers, names and counties.

Why: a table can hold numbers that are not municipalities (0000), old numbers (1201, Bergen
before 2020) or a number beside another municipality's name (4201,Bergen); planned as they
stand, such rows give a plan for the wrong place without a word. `kommunenummer_notes` checks a
table against the national list the project carries (allocator/data/kommuner_2024.csv) and SSB's
number changes since 2008 (kommunenummer_endringer.csv, built by tools/build_kommune_changes.py)
and says, as notes, what it finds. Read once per process; no pandas.
"""

from __future__ import annotations

import csv
import difflib
import functools
import unicodedata
from pathlib import Path
from typing import Sequence

DATA = Path(__file__).resolve().parents[1] / "data"
SHOWN = 5  # numbers listed in one note before «…»


@functools.lru_cache(maxsize=1)
def municipalities() -> dict[str, str]:
    """kommunenummer → name, the 357 municipalities of 2024."""
    with (DATA / "kommuner_2024.csv").open(encoding="utf-8") as handle:
        return {row["kommunenummer"]: row["kommune"] for row in csv.DictReader(handle)}


@functools.lru_cache(maxsize=1)
def counties() -> tuple[str, ...]:
    """The county names of the national table (2024 structure)."""
    with (DATA / "kommuner_2024.csv").open(encoding="utf-8") as handle:
        return tuple(sorted({row["fylke"] for row in csv.DictReader(handle)}))


@functools.lru_cache(maxsize=1)
def changes() -> dict[str, list[tuple[str, str, str]]]:
    """Old kommunenummer → [(2024 number, its name, year the old number ended)] (SSB)."""
    result: dict[str, list[tuple[str, str, str]]] = {}
    with (DATA / "kommunenummer_endringer.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            result.setdefault(row["old_number"], []).append((row["new_number"], row["new_name"], row["year"]))
    return result


def _name_forms(name: str) -> set[str]:
    """A name and each of its language forms («Snåase - Snåsa» → snåase, snåsa), casefolded."""
    forms = {name.casefold().strip()}
    forms.update(part.casefold().strip() for part in name.split(" - "))
    return forms


@functools.lru_cache(maxsize=1)
def _numbers_by_name() -> dict[str, list[str]]:
    by_name: dict[str, list[str]] = {}
    for number, name in municipalities().items():
        for form in _name_forms(name):
            by_name.setdefault(form, []).append(number)
    return by_name


def _listed(items: list[str]) -> str:
    return ", ".join(items[:SHOWN]) + (" …" if len(items) > SHOWN else "")


def kommunenummer_notes(file: str, numbers: Sequence[str], names: Sequence[str]) -> list[str]:
    """Notes on numbers the national table does not have, old numbers, and names of another number."""
    national, old, by_name = municipalities(), changes(), _numbers_by_name()
    unknown: list[str] = []
    renumbered: list[str] = []
    misnamed: list[str] = []
    for number, name in zip(numbers, names):
        if not (len(number) == 4 and number.isascii() and number.isdigit()):
            continue  # refused elsewhere
        if number in old:
            became = " og ".join(f"{new} {new_name}" for new, new_name, _ in old[number])
            renumbered.append(f"{number} ({name.strip()}) er et nummer fra før {old[number][0][2]}; nå {became}")
        elif number not in national:
            unknown.append(number)
        else:
            form = name.casefold().strip()
            others = [n for n in by_name.get(form, []) if n != number]
            if others and form not in _name_forms(national[number]):
                misnamed.append(f"{number} heter {national[number]}, men raden sier {name.strip()} ({name.strip()} er {others[0]})")
    notes = []
    if unknown:
        word = "kommunenummeret" if len(unknown) == 1 else f"{len(unknown)} kommunenumre"
        notes.append(f"{file}: {word} {_listed(unknown)} finnes ikke i SSBs kommuneliste for 2024; "
                     "planen lages med numrene slik de står, men sjekk at de er riktige.")
    if renumbered:
        notes.append(f"{file}: gamle kommunenumre (SSBs endringer): {'; '.join(renumbered[:SHOWN])}"
                     + (" …" if len(renumbered) > SHOWN else "") + ". Planen lages med numrene slik de står.")
    if misnamed:
        notes.append(f"{file}: navn som hører til et annet kommunenummer: {'; '.join(misnamed[:SHOWN])}"
                     + (" …" if len(misnamed) > SHOWN else "") + ". Sjekk nummer og navn.")
    return notes


NATIONAL_FILE = DATA / "kommuner_2024.csv"
COUNTIES_FILE = DATA / "fylker.csv"
#: The 15 counties of 2024, spelt as in the national table, in Norwegian alphabetical order.
COUNTY_NAMES: tuple[str, ...] = (
    "Agder", "Akershus", "Buskerud", "Finnmark", "Innlandet", "Møre og Romsdal", "Nordland", "Oslo",
    "Rogaland", "Telemark", "Troms", "Trøndelag", "Vestfold", "Vestland", "Østfold",
)
#: The name that means every county at once.
NATIONAL = "Norge"
YEARS: tuple[int, ...] = (2024, 2025, 2026)
TEXT_COLUMNS: tuple[str, ...] = ("kommunenummer", "kommune", "fylke")


class CatalogError(ValueError):
    """A county, year or folder the catalog cannot serve; the message is for the user (Norwegian)."""


# --------------------------------------------------------------------------- the data
@functools.lru_cache(maxsize=None)
def _national_rows() -> tuple[dict, ...]:
    with NATIONAL_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple({c: (v if c in TEXT_COLUMNS else _whole(v)) for c, v in row.items()}
                     for row in csv.DictReader(handle))


@functools.lru_cache(maxsize=None)
def _county_rows() -> dict[tuple[str, int], dict]:
    with COUNTIES_FILE.open(encoding="utf-8", newline="") as handle:
        return {(row["fylke"], int(row["year"])): {"total": int(row["total"]), "minors": int(row["minors"]),
                                                   "minors_source": row["minors_source"]}
                for row in csv.DictReader(handle)}


def _whole(cell: str) -> int | None:
    return int(cell) if cell.strip() else None


def national_table() -> list[dict]:
    """All 357 municipalities (2024 structure) with their real figures; blank cells are None.

    Parsed once per process; each call returns fresh dicts so a caller cannot change the cache.
    """
    return [dict(row) for row in _national_rows()]


def clear_cache() -> None:
    """Forget the parsed tables (the build tool calls this after rewriting them)."""
    _national_rows.cache_clear()
    _county_rows.cache_clear()


# --------------------------------------------------------------------------- names and years
def _plain(name: str) -> str:
    """A name folded for matching: case, spacing, æøå (ø→o and ø→oe both match) and accents."""
    folded = " ".join(name.split()).casefold()
    folded = folded.replace("æ", "ae").replace("ø", "o").replace("å", "a")
    folded = folded.replace("oe", "o").replace("aa", "a")
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))


def resolve_county(name: str) -> str:
    """The county (or NATIONAL) a user means, spelt as in the table; CatalogError if unknown.

    Forgiving on case and on æøå because the name is often typed on a keyboard or in a shell
    without them, but never guessing: a name that is not a county is refused with the list.
    """
    wanted = _plain(str(name))
    names = {_plain(n): n for n in (*COUNTY_NAMES, NATIONAL)}
    if wanted in names:
        return names[wanted]
    close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.6)
    hint = f" Mente du «{names[close[0]]}»?" if close else ""
    raise CatalogError(f"Ukjent fylke: «{name}».{hint} Gyldige navn er {', '.join(COUNTY_NAMES)}, "
                       f"eller {NATIONAL} for alle fylker.")


def check_year(year: object) -> int:
    """The scenario year as an int; CatalogError unless it is one of YEARS."""
    try:
        value = int(year) if not isinstance(year, (bool, float)) else None
    except (TypeError, ValueError):
        value = None
    if value not in YEARS:
        raise CatalogError(f"Ukjent år: {year}. Velg et av årene {', '.join(map(str, YEARS))}.")
    return value
