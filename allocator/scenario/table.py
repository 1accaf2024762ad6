"""Checking `municipalities.csv`: kommunenummer, counts, limits, key columns and counties, by row and column.

The table is read as text (`readers.RawTable`) and each check turns its columns into arrays and its
mistakes into `Problem`s that name the line, the kommunenummer and the column.
"""

from __future__ import annotations

import difflib
import re

import numpy as np

from allocator.columns import BY_CODE, known_names, meant_column
from allocator.labels import COLUMN_LABELS, column_label
from allocator.problems import Problem
from allocator.scenario.cells import (
    _SIGN_OR_EXPONENT,
    _THOUSANDS_OR_DECIMAL,
    _fmt,
    _is_code,
    _plain_numbers,
    _plural,
    parse_number,
)
from allocator.scenario.data import (
    COUNTY_COLUMN,
    DATED_COLUMNS,
    LIMIT_COLUMNS,
    MINOR_SPLIT_COLUMNS,
    REQUIRED_COLUMNS,
    SCHEDULE_LOCK_COLUMNS,
    TEXT_COLUMNS,
    KeyTerm,
    Scenario,
)
from allocator.scenario.limits import (
    MAX_KEY_VALUE,
    MAX_PERSONS,
    MAX_POPULATION,
)
from allocator.scenario.national import counties as national_counties
from allocator.scenario.readers import RawTable

#: Columns that describe the row itself or a negotiated limit: never a key column.
NOT_KEY_COLUMNS = ("kommunenummer", "kommune", *TEXT_COLUMNS, COUNTY_COLUMN, *LIMIT_COLUMNS, *DATED_COLUMNS, *SCHEDULE_LOCK_COLUMNS)


class _Rows:
    """The municipality rows under check, with each row's label for messages."""

    def __init__(self, raw: RawTable, numbers: list[str]):
        self.raw = raw
        self.file = raw.file
        self.numbers = numbers
        self._cells: dict[str, list[str]] = {}
        names = raw.column("kommune")
        self.labels = []
        for k, (number, name) in enumerate(zip(numbers, names)):
            where = raw.where(k) if raw.lines else f"rad {k + 1}"
            known = _is_code(number)
            if known and not raw.lines:  # the app's own rows: the kommunenummer is the place to look
                self.labels.append(f"rad {number} ({name.strip()})")
            else:
                self.labels.append(f"{where} ({number} {name.strip()})" if known else where)

    def cells(self, column: str) -> list[str]:
        """The column's cells without surrounding spaces."""
        if column not in self._cells:
            self._cells[column] = [cell.strip() for cell in self.raw.column(column)]
        return self._cells[column]


def check_columns(raw: RawTable, problems: list[Problem]) -> bool:
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.header]
    for column in missing:
        problems.append(Problem(raw.file, column=column, message=(
            f"påkrevd kolonne mangler (påkrevd: {', '.join(REQUIRED_COLUMNS)}; fant: {', '.join(raw.header) or 'ingen'})")))
    if not missing and not raw.rows and not raw.problems:
        problems.append(Problem(raw.file, message="ingen kommuner; ventet én rad per kommune"))
    return not missing


#: Columns only the tool's own plan exports have (code and Norwegian header): a table with them is a
#: plan, whose dwellings and places are what was used and available, not the municipalities' limits.
_PLAN_ONLY = ("fair_total", "deviation", "per_1000", "binding", "limited_by",
              *(f"{r}_{kind}" for r in ("small_dwellings", "family_dwellings", "minor_places", "special_places")
                for kind in ("used", "available")))


def check_column_names(raw: RawTable, key: tuple[KeyTerm, ...], problems: list[Problem]) -> None:
    """Refuse a header that is a misspelling of a known column («max_totall», «Maks total»): read
    as an extra column, its limits would silently be gone. And refuse the tool's own plan export
    given as the municipality table. A column the key names is the user's own on purpose."""
    plan_names = {name.casefold(): name for code in _PLAN_ONLY for name in (code, COLUMN_LABELS.get(code, code))}
    found = [h for h in raw.header if h.casefold() in plan_names]
    if len(found) >= 2:
        shown = ", ".join(f"«{h}»" for h in found[:3])
        problems.append(Problem(raw.file, message=(
            f"tabellen ser ut som en plan laget av dette verktøyet (kolonnene {shown} …), ikke en kommunetabell: "
            "i en plan er boliger og plasser det som ble brukt og var ledig, ikke kommunenes grenser. Bruk scenarioets "
            "egen municipalities.csv, eller Excel-filen planen ble lagret som (.xlsx), som har kommunetabellen i arket «kommuner»")))
        return
    known = known_names()
    in_key = {t.column.casefold() for t in key}
    for header in raw.header:
        if header in BY_CODE or header.casefold() in known or header.casefold() in in_key:
            continue
        meant = meant_column(header)
        if meant is not None:
            label = column_label(meant.code)
            also = f" ({label})" if label != meant.code else ""
            problems.append(Problem(raw.file, column=header, message=(
                f"ukjent kolonne; mente du «{meant.code}»{also}? Med dette navnet ville den bli lest som en ekstra kolonne "
                "og ikke brukt som det den ligner på; rett overskriften, eller gi en egen kolonne et navn som ikke ligner")))


def padded_kommunenummer(text: str) -> str:
    """A kommunenummer as typed or as Excel saved it: 3 digits get their leading zero back (301 → 0301)."""
    number = text.strip()
    return "0" + number if _is_code(number, 3) else number


def read_kommunenummer(raw: RawTable, problems: list[Problem], notes: list[str]) -> list[str]:
    """kommunenummer as 4 ASCII digits; 3 digits get their leading zero back (Excel drops it)."""
    numbers = [padded_kommunenummer(cell) for cell in raw.column("kommunenummer")]
    padded = [cell.strip() for cell, number in zip(raw.column("kommunenummer"), numbers) if number != cell.strip()]
    if padded:
        shown = ", ".join(f"{n} → 0{n}" for n in padded[:5]) + (" …" if len(padded) > 5 else "")
        notes.append(f"{raw.file}: {_plural(len(padded), 'kommunenummer', 'kommunenumre')} med 3 sifre er lest med 0 foran ({shown}).")
    return numbers


def check_kommunenummer(rows: _Rows, problems: list[Problem]) -> None:
    seen: dict[str, str] = {}
    for label, number in zip(rows.labels, rows.numbers):
        if not _is_code(number):
            hint = " (bruk vanlige sifre 0–9)" if any(ch.isdigit() and not ch.isascii() for ch in number) else ""
            problems.append(Problem(rows.file, label, "kommunenummer", f"ventet 4 sifre, f.eks. 0301 eller 4601, fikk «{number}»{hint}"))
        elif number in seen:
            problems.append(Problem(rows.file, label, "kommunenummer", (
                f"kommunenummeret står også på {seen[number]}; hver kommune skal stå én gang")))
        else:
            seen[number] = label.split(" (")[0]
    for label, name in zip(rows.labels, rows.cells("kommune")):
        if not name:
            problems.append(Problem(rows.file, label, "kommune", "kommunenavn mangler"))


def check_counts(rows: _Rows, problems: list[Problem]) -> dict[str, np.ndarray]:
    """Population and every limit column: whole numbers in range (limits may be blank = no limit)."""
    parsed: dict[str, np.ndarray] = {}
    optional = [c for c in (*DATED_COLUMNS, *SCHEDULE_LOCK_COLUMNS, *MINOR_SPLIT_COLUMNS) if c in rows.raw.header]
    for column in ("population", *LIMIT_COLUMNS, *optional):
        if column not in rows.raw.header:
            parsed[column] = np.full(len(rows.numbers), np.nan)
            continue
        cells = rows.cells(column)
        values = _plain_numbers(cells)  # the common case, checked at once
        if values is not None:
            low, high = (1, MAX_POPULATION) if column == "population" else (0, MAX_PERSONS)
            given = values[~np.isnan(values)]
            if given.min(initial=low) >= low and given.max(initial=0) <= high and (column != "population" or len(given) == len(values)):
                parsed[column] = values
                continue
        values = np.full(len(rows.numbers), np.nan)
        for k, (label, text) in enumerate(zip(rows.labels, cells)):
            if text == "" and column != "population":
                continue
            number = None if _THOUSANDS_OR_DECIMAL.fullmatch(text) else parse_number(text)
            if number is not None and _SIGN_OR_EXPONENT.search(text):  # -0, +5, 1e3: a count is written as digits
                problems.append(Problem(rows.file, label, column, (
                    f"ventet et helt tall skrevet med sifre (uten fortegn eller eksponent), fikk «{text}»"
                    + (" (-0 er ikke en grense; skriv 0 for ingen, eller tom celle for «ingen grense»)" if number == 0 and text.startswith("-") else ""))))
                continue
            whole = number is not None and number.is_integer()
            if column == "population":
                if not whole or not 0 < number <= MAX_POPULATION:
                    problems.append(Problem(rows.file, label, column, (
                        f"ventet et helt tall over 0 og høyst {_fmt(MAX_POPULATION)} (innbyggere), fikk «{text}»{_number_hint(text, number)}")))
                    continue
            elif not whole or not 0 <= number <= MAX_PERSONS:
                problems.append(Problem(rows.file, label, column, (
                    f"ventet et helt tall fra 0 til {_fmt(MAX_PERSONS)}, eller tom celle for «ingen grense», fikk «{text}»{_number_hint(text, number)}")))
                continue
            values[k] = number
        parsed[column] = values
    return parsed


def _number_hint(text: str, number: float | None) -> str:
    if re.fullmatch(r"[+-]?[0-9]{1,3}(?:[.,][0-9]{3})+", text):
        return " (tusenskille skrives med mellomrom: 1 474)"
    if number is None and text and any(ch.isdigit() and not ch.isascii() for ch in text):
        return " (bruk vanlige sifre 0–9)"
    return ""


def check_min_max(rows: _Rows, parsed: dict[str, np.ndarray], problems: list[Problem]) -> None:
    for label, low, high in zip(rows.labels, parsed["min_total"], parsed["max_total"]):
        if low > high:  # NaN compares False: a blank is no limit
            problems.append(Problem(rows.file, label, "min_total", f"min_total ({_fmt(low)}) er større enn max_total ({_fmt(high)})"))


def resolve_key_columns(key: tuple[KeyTerm, ...], header: list[str]) -> tuple[KeyTerm, ...]:
    """Key columns matched to the table's headers regardless of case ("Sentralitet" = sentralitet)."""
    by_fold = {h.casefold(): h for h in header}
    return tuple(KeyTerm(by_fold.get(t.column.casefold(), t.column), t.weight, t.exponent, t.credit) for t in key)


def check_key_columns(rows: _Rows, key: tuple[KeyTerm, ...], problems: list[Problem], county_rows: dict[str, list[int]] | None,
                      counts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    parsed: dict[str, np.ndarray] = {}
    for term in key:
        if term.column == "population":  # checked with the counts; one message per mistake is enough
            continue
        if term.column not in rows.raw.header:
            if term.column.casefold() not in {c.casefold() for c in NOT_KEY_COLUMNS}:
                problems.append(Problem(rows.file, column=term.column, message=(
                    f"kolonnen brukes i [key], men finnes ikke i {rows.file} (kolonner: {', '.join(rows.raw.header)})")))
            continue
        cells = rows.cells(term.column)
        values = _plain_numbers(cells)  # the common case, at once
        if values is None or np.isnan(values).any() or values.max(initial=0) > MAX_KEY_VALUE:
            values = np.full(len(cells), np.nan)
            for k, (label, text) in enumerate(zip(rows.labels, cells)):
                number = parse_number(text)
                if number is None or not 0 <= number <= MAX_KEY_VALUE:
                    problems.append(Problem(rows.file, label, term.column, (
                        f"kolonnen brukes i [key]; ventet et tall fra 0 til {_fmt(MAX_KEY_VALUE)}, fikk «{text}»")))
                else:
                    values[k] = number
        if not np.isnan(values).any():
            parsed[term.column] = values
            groups = county_rows or {"": list(range(len(values)))}
            for fylke, positions in (groups.items() if not term.credit else ()):  # no load carried: a credit of 0
                where = f" i {fylke}" if fylke else ""
                given = values[positions]
                if positions and not (given > 0).any():
                    problems.append(Problem(rows.file, column=term.column, message=f"kolonnen brukes i [key], men er 0 for alle kommuner{where}"))
                elif positions and not (given[given > 0] ** term.exponent > 0).any():  # e.g. 1e-70 ** 5 is 0 in floating point
                    problems.append(Problem(rows.file, column=term.column, message=(
                        f"kolonnen brukes i [key] med eksponent {_fmt(term.exponent)}, men verdiene{where} er så små at de blir 0 "
                        f"opphøyd i {_fmt(term.exponent)}; skriv dem i en større enhet (f.eks. per 1 000 innbyggere)")))
    return parsed


def _extra_column(cells: list[str]) -> np.ndarray | list[str]:
    """An extra column as numbers if every non-blank cell is one, else kept as text."""
    plain = _plain_numbers(cells)
    if plain is not None:
        return plain
    values = np.full(len(cells), np.nan)
    for k, text in enumerate(cells):
        if text:
            number = parse_number(text)
            if number is None:
                return cells
            values[k] = number
    return values


def check_county_column(rows: _Rows, county_requests: dict[str, dict[str, int]] | None, wanted: bool,
                        settings_file: str, problems: list[Problem], notes: list[str] | None = None) -> dict[str, list[int]] | None:
    """With requests per county, every row needs a county, and every requested county rows."""
    if not wanted:
        return None
    if COUNTY_COLUMN not in rows.raw.header:
        problems.append(Problem(rows.file, column=COUNTY_COLUMN, message=(
            "anmodningen er gitt per fylke, men tabellen har ingen kolonne fylke; legg til fylket på hver kommune")))
        return None
    groups: dict[str, list[int]] = {}
    for k, (label, fylke) in enumerate(zip(rows.labels, rows.cells(COUNTY_COLUMN))):
        if not fylke:
            problems.append(Problem(rows.file, label, COUNTY_COLUMN, "fylke mangler; med anmodning per fylke må hver kommune ha sitt fylke"))
        else:
            groups.setdefault(fylke, []).append(k)
    _check_county_names(rows, groups, county_requests, settings_file, problems, notes)
    for fylke in county_requests or {}:
        if fylke not in groups:
            close = difflib.get_close_matches(fylke, list(groups), n=1)
            hint = f" (mente du «{close[0]}»?)" if close else ""
            problems.append(Problem(settings_file, column=f'request.counties."{fylke}"', message=(
                f"fylket har en anmodning, men ingen kommuner i {rows.file}{hint}"
                + (f"; fylkene der er: {', '.join(sorted(groups))}" if groups else ""))))
    return groups


def _check_county_names(rows: _Rows, groups: dict[str, list[int]], county_requests: dict | None, settings_file: str,
                        problems: list[Problem], notes: list[str] | None) -> None:
    """A county in the table that no request names and no county of Norway is called, but close to
    one («Agdar» beside «Agder»), is a typo that would make a county of its own: refused with the
    suggestion. A county with municipalities but no request (form 2) gets 0: said in a note."""
    requested = list(county_requests or {})
    national = national_counties()
    for fylke, positions in groups.items():
        if fylke in requested or (county_requests is None and fylke in national):
            continue
        close = [] if fylke in national else (  # a county of Norway is never a typo of another
            [name for name in (*requested, *national) if name.casefold() == fylke.casefold()]
            or difflib.get_close_matches(fylke, requested, n=1, cutoff=0.75)
            or difflib.get_close_matches(fylke, list(national), n=1, cutoff=0.75))
        if close and close[0] != fylke:
            where = f"anmodningen i {settings_file} har «{close[0]}»" if close[0] in requested else f"fylket heter «{close[0]}»"
            problems.append(Problem(rows.file, rows.labels[positions[0]], COUNTY_COLUMN, (
                f"fylket «{fylke}» ({_plural(len(positions), 'kommune', 'kommuner')}) finnes ikke; mente du «{close[0]}»? ({where})")))
        elif county_requests is not None and notes is not None:
            notes.append(f"{rows.file}: fylket «{fylke}» ({_plural(len(positions), 'kommune', 'kommuner')}) har ingen anmodning i "
                         f"{settings_file}; kommunene der får 0.")


def check_key_rules_fit(scenario: Scenario, file: str, problems: list[Problem], notes: list[str]) -> None:
    """`min_persons` above a request makes every fair share the same (the key no longer matters):
    refused; at or above what the request can give every municipality it asks: a note."""
    rules = scenario.key_rules
    if not rules.min_persons:
        return
    counties = scenario.counties
    of = np.array(scenario.county_of())
    population = scenario.table.numeric("population")
    pools = {"": scenario.total_request} if counties is None else {f: counties.total(f) for f in counties.names}
    for fylke, total in pools.items():
        if total <= 0:
            continue
        where = f" i {fylke}" if fylke else ""
        inside = (of == fylke) if fylke else np.ones(len(of), dtype=bool)
        asked = int((inside & (population >= rules.min_population)).sum()) if rules.min_population else int(inside.sum())
        if rules.min_persons > total:
            problems.append(Problem(file, column="key.min_persons", message=(
                f"min_persons ({_fmt(rules.min_persons)}) er større enn anmodningen{where} ({_fmt(total)}): da får alle kommuner "
                "samme rimelige andel og nøkkelen betyr ingenting; senk min_persons (f.eks. 5) eller sett den til 0")))
        elif asked and rules.min_persons * asked >= total:
            notes.append(f"{file}: key.min_persons = {_fmt(rules.min_persons)} for {_plural(asked, 'kommune', 'kommuner')}{where} er "
                         f"minst hele anmodningen ({_fmt(total)}); alle får da omtrent samme rimelige andel, uansett nøkkel.")
