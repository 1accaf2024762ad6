"""IMDi's list of requests, decisions and settled persons, read into a scenario's table.

IMDi publishes per municipality `Fylke`, `Kommune`, `Anmodet`, `Vedtatt`, `Bosatte` (optionally
`Kommunenummer`), as CSV or Excel, with `:` for a suppressed figure (under 5), `-` for none and
`avventer vedtak` for a pending decision, numbers the Norwegian way («1 474»). This module matches
each row to a municipality of the scenario (by number, else by name within its county, see
`names.py`), checks every cell, and writes `anmodning`, `vedtak` and `bosatt` into the scenario's
`municipalities.csv`, keeping every other column and row.

Refused, with file, line and column, and nothing written: a name that matches no municipality or
two, a municipality twice, text in a number, a decision above the municipality's `max_total`, a
settled figure above the decision, and (unless `force`) a change to a decision already recorded.
Rows of counties the scenario does not have (a national list read into a county's scenario) and
sum rows («Totalt», «Sum») are left out, and the answer says how many.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from allocator.files import atomic_write
from allocator.labels import number
from allocator.problems import Problem, ScenarioError
from allocator.scenario.data import MUNICIPALITIES_FILE
from allocator.scenario.names import fold, name_index
from allocator.scenario.readers import RawTable, parse_csv, table_from_cells
from allocator.scenario.table import padded_kommunenummer
from allocator.scenario.validate import validate_scenario
from allocator.scenario.write import municipalities_csv_text
from allocator.scenario.xlsx import cell_text, read_workbook_sheets
from allocator.scenario.yeardata import SUPPRESSED, _cell_value, year_columns, year_data

#: The list's columns, by folded header → our name.
LIST_HEADERS = {
    "fylke": "fylke", "fylkesnavn": "fylke",
    "kommune": "kommune", "kommunenavn": "kommune", "navn": "kommune",
    "kommunenummer": "kommunenummer", "kommunenr.": "kommunenummer", "kommunenr": "kommunenummer", "knr": "kommunenummer",
    "anmodet": "anmodning", "anmodning": "anmodning", "anmodede": "anmodning",
    "vedtatt": "vedtak", "vedtak": "vedtak",
    "bosatte": "bosatt", "bosatt": "bosatt", "bosatt hittil": "bosatt",
}
REQUIRED = ("kommune", "anmodning", "vedtak")
SUM_ROWS = ("totalt", "sum", "i alt", "hele landet", "landet", "total")
WRITTEN = ("anmodning", "vedtak", "bosatt")


@dataclass
class Change:
    kommunenummer: str
    kommune: str
    old: dict[str, float]
    new: dict[str, float]


@dataclass
class DecisionsResult:
    """What reading the list changed; the new table is written by `write_decisions`."""

    scenario: object  # the scenario with the new figures
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    matched: int = 0

    def lines(self) -> list[str]:
        def show(code: str, value: float) -> str:
            if np.isnan(value):
                return "avventer" if code == "vedtak" else "tom"
            return number(value)

        out = [f"Leste {self.matched} kommuner fra listen; {len(self.changes)} endret."]
        out += [f"Merk: {note}" for note in self.notes]
        for change in self.changes:
            parts = [f"{code} {show(code, change.old[code])} → {show(code, change.new[code])}"
                     for code in WRITTEN if not _same(change.old[code], change.new[code])]
            out.append(f"{change.kommunenummer} {change.kommune}: " + ", ".join(parts))
        return out


def _shown(value: float) -> str:
    return "avventer" if np.isnan(value) else f"{value:.0f}"


def _same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == b


def read_list(path: str | Path):
    """The list as a RawTable (CSV of any of the readers' forms, or the first sheet of an .xlsx,
    its header the first row that has a «Kommune» cell)."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError([Problem(path.name, message=f"fant ikke filen (ventet den i {path.parent})")])
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = read_workbook_sheets(path, path.name)
        rows = next(iter(sheets.values()), [])
        start = next((i for i, (_, values) in enumerate(rows)
                      if any(LIST_HEADERS.get(fold(cell_text(v))) == "kommune" for v in values)), 0)
        rows = rows[start:]
        if not rows:
            raise ScenarioError([Problem(path.name, message="arket er tomt; ventet overskriftene Fylke, Kommune, Anmodet, Vedtatt, Bosatte")])
        (_, header), *data = rows
        width = max(len(header), *(len(v) for _, v in data)) if data else len(header)
        pad = lambda values: [cell_text(v) for v in values] + [""] * (width - len(values))  # noqa: E731
        return table_from_cells(path.name, pad(header), [(n, pad(v)) for n, v in data], "rad")
    table: RawTable = parse_csv(path.read_bytes(), path.name)
    return table


def read_decisions(scenario, path: str | Path, force: bool = False) -> DecisionsResult:
    """The scenario with the list's figures in its table (ScenarioError naming every problem)."""
    raw = read_list(path)
    file = raw.file
    problems: list[Problem] = list(raw.problems)
    columns: dict[str, int] = {}
    for j, name in enumerate(raw.header):
        code = LIST_HEADERS.get(fold(name))
        if code is None:
            continue
        if code in columns:
            problems.append(Problem(file, column=name, message=f"kolonnen står to ganger ({raw.header[columns[code]]} og {name})"))
        columns[code] = j
    missing = [c for c in REQUIRED if c not in columns] + ([] if "bosatt" in columns else [])
    if missing:
        raise ScenarioError(problems + [Problem(file, column=c, message=(
            f"kolonnen mangler; ventet Fylke, Kommune, Anmodet, Vedtatt, Bosatte (fant: {', '.join(raw.header)})")) for c in missing])
    # the readers write known headers by their code (kommune, fylke); messages use IMDi's words
    shown = {"kommune": "Kommune", "fylke": "Fylke", "kommunenummer": "Kommunenummer"}
    header = {code: shown.get(raw.header[j], raw.header[j]) for code, j in columns.items()}
    table = scenario.table
    numbers = list(table.numbers)
    counties = list(table.text("fylke"))
    index = name_index(numbers, table.text("kommune"), counties)
    known_counties = set(index.counties) - {""}  # the table's fylke, else the national table's
    position = {n: k for k, n in enumerate(numbers)}
    found: dict[int, tuple[str, dict[str, float]]] = {}
    skipped_counties: dict[str, int] = {}
    skipped_sums = 0
    suppressed = 0
    for r, row in enumerate(raw.rows):
        where = raw.where(r)
        cell = lambda code: row[columns[code]].strip() if code in columns else ""  # noqa: E731
        name, fylke = cell("kommune"), cell("fylke")
        if fold(name) in SUM_ROWS or (not name and fold(fylke) in SUM_ROWS):
            skipped_sums += 1
            continue
        if fylke and known_counties and fold(fylke) not in known_counties:
            skipped_counties[fylke] = skipped_counties.get(fylke, 0) + 1
            continue
        number = padded_kommunenummer(cell("kommunenummer")) if cell("kommunenummer") else ""
        if number:
            if number not in position:
                problems.append(Problem(file, where, header["kommunenummer"], f"kommunenummeret {number} finnes ikke i scenariet"))
                continue
            k = position[number]
        else:
            if not name:
                problems.append(Problem(file, where, header["kommune"], "kommunenavn mangler"))
                continue
            rows, suggestions = index.find(name, fylke)
            if len(rows) != 1:
                if rows:
                    message = (f"«{name}» passer på flere kommuner: {', '.join(index.labels[k] for k in rows)}; "
                               "skriv fylket i kolonnen Fylke eller legg til kolonnen Kommunenummer")
                else:
                    where_county = f" i {fylke}" if fylke else ""
                    hint = f" (mente du {' eller '.join(f'«{s}»' for s in suggestions)}?)" if suggestions else ""
                    message = f"fant ingen kommune som heter «{name}»{where_county}{hint}"
                problems.append(Problem(file, where, header["kommune"], message))
                continue
            k = rows[0]
        values: dict[str, float] = {}
        for code in WRITTEN:
            if code not in columns:
                continue
            text = cell(code)
            value, problem = _cell_value(code, text)
            if problem:
                problems.append(Problem(file, where, header[code], problem))
            suppressed += code == "bosatt" and text == SUPPRESSED
            values[code] = value
        if k in found:
            problems.append(Problem(file, where, header.get("kommunenummer", header["kommune"]), (
                f"{index.labels[k]} står også på {found[k][0]}; hver kommune skal stå én gang")))
            continue
        found[k] = (where, values)
        high = table.numeric("max_total")[k]
        if values.get("vedtak", np.nan) > high:
            problems.append(Problem(file, where, header["vedtak"], (
                f"vedtaket ({values['vedtak']:.0f}) er over grensen max_total ({high:.0f}) for {index.labels[k]} i scenariet; "
                "rett listen eller grensen")))
        if values.get("bosatt", np.nan) > values.get("vedtak", np.nan):
            problems.append(Problem(file, where, header["bosatt"], (
                f"bosatte ({values['bosatt']:.0f}) er flere enn vedtaket ({values['vedtak']:.0f}); rett tallet, "
                "eller skriv vedtaket slik kommunestyret har endret det")))
    if problems:
        raise ScenarioError(problems)
    return _apply(scenario, found, force, skipped_counties, skipped_sums, suppressed, file)


def _apply(scenario, found, force, skipped_counties, skipped_sums, suppressed, file) -> DecisionsResult:
    table = scenario.table
    names_of = year_columns(table.columns)
    old = year_data(scenario)
    current = {"anmodning": old.anmodning, "vedtak": old.vedtak, "bosatt": old.bosatt}
    new = {code: current[code].copy() for code in WRITTEN}
    changes, refused = [], []
    quarterly = old.quarters_given  # settled per quarter is kept; the list's one figure would contradict it
    for k, (where, values) in sorted(found.items(), key=lambda item: table.numbers[item[0]]):
        for code, value in values.items():
            if not (quarterly and code == "bosatt"):
                new[code][k] = value
        if "vedtak" in values and not np.isnan(old.vedtak[k]) and not _same(old.vedtak[k], values["vedtak"]):
            refused.append(Problem(file, where, "Vedtatt", (
                f"{table.numbers[k]} {table.text('kommune')[k]} har allerede vedtaket {old.vedtak[k]:.0f} i scenariet; "
                f"listen sier {_shown(values['vedtak'])}. "
                "Bruk --force for å erstatte vedtak")))
        before = {code: current[code][k] for code in WRITTEN}
        after = {code: new[code][k] for code in WRITTEN}
        if any(not _same(before[c], after[c]) for c in WRITTEN):
            changes.append(Change(table.numbers[k], table.text("kommune")[k], before, after))
    if refused and not force:
        raise ScenarioError(refused)
    updated = table.with_columns({names_of.get(code, code): new[code] for code in WRITTEN})
    result_scenario = validate_scenario(scenario.with_changes(table=updated))
    notes = []
    if quarterly and any("bosatt" in values for _, values in found.values()):
        notes.append("scenariet har bosatte per kvartal (bosatt_q1–q4); listens Bosatte er ikke skrevet inn.")
    if skipped_counties:
        notes.append(f"{sum(skipped_counties.values())} rader for fylker som ikke er i scenariet er hoppet over "
                     f"({', '.join(sorted(skipped_counties))}).")
    if skipped_sums:
        notes.append(f"{skipped_sums} summerader (Totalt/Sum) er hoppet over.")
    if suppressed:
        notes.append(f"{suppressed} tall for bosatte er skjult i listen («:», under 5) og står som tomme.")
    missing = len(table) - len(found)
    if missing:
        notes.append(f"{missing} kommuner i scenariet står ikke i listen; tallene deres er uendret.")
    return DecisionsResult(result_scenario, changes, notes, len(found))


def write_decisions(result: DecisionsResult, folder: str | Path) -> Path:
    """Write the scenario's municipalities.csv with the new figures, atomically."""
    path = Path(folder) / MUNICIPALITIES_FILE
    atomic_write(path, municipalities_csv_text(result.scenario).encode("utf-8"))
    return path
