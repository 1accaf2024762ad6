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
import functools
from pathlib import Path
from typing import Sequence

DATA = Path(__file__).resolve().parent / "data"
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
