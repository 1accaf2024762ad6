"""The settlement year's optional columns of `municipalities.csv`: requests, decisions, settled.

Why a module of its own: the yearly plan never reads these columns; only the year's commands do
(year, round2, revise, followup, decisions). Keeping their names, Norwegian headers and cell rules
here leaves the readers and the plan's validation untouched, apart from one call that checks them
where the table is read (`validate.build_scenario`), so a bad cell is refused when the scenario is
loaded, with its file, line and column.

Columns (all optional; persons, whole numbers):

- `anmodning`, `anmodning_em`: the request sent this year (of which unaccompanied minors); blank = not asked.
- `vedtak`, `vedtak_em`: the council's decision; blank or `avventer vedtak` = pending, `-` = none (0).
- `kan_ta_flere`: persons more the council said it could take if the need rises; blank = not stated.
- `bosatt`: settled so far this year; or `bosatt_q1` … `bosatt_q4`, settled in each quarter (blank =
  quarter not reached), whose sum is then the settled figure.

IMDi's own lists write `:` for a figure under 5 that is suppressed; in a settled column it is read
as unknown (counted as 0, with a note), anywhere else it is refused: a request or a decision must be known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from allocator.problems import Problem, ScenarioError
from allocator.scenario.cells import _THOUSANDS_OR_DECIMAL, parse_number
from allocator.scenario.data import MUNICIPALITIES_FILE

QUARTER_COLUMNS: tuple[str, ...] = tuple(f"bosatt_q{q}" for q in (1, 2, 3, 4))
YEAR_COLUMNS: tuple[str, ...] = ("anmodning", "anmodning_em", "vedtak", "vedtak_em", "kan_ta_flere", "bosatt", *QUARTER_COLUMNS)

#: The Norwegian header each column is shown with (app, exports, messages).
YEAR_LABELS: dict[str, str] = {
    "anmodning": "Anmodning",
    "anmodning_em": "Anmodning EM",
    "vedtak": "Vedtak",
    "vedtak_em": "Vedtak EM",
    "kan_ta_flere": "Kan ta flere",
    "bosatt": "Bosatt",
    **{f"bosatt_q{q}": f"Bosatt {q}. kv." for q in (1, 2, 3, 4)},
}

#: Further headers people write (compared trimmed, in any case, spaces collapsed).
_ALIASES: dict[str, str] = {
    "anmodet": "anmodning", "anmodning personer": "anmodning",
    "anmodet em": "anmodning_em", "anmodning enslige mindreårige": "anmodning_em",
    "vedtatt": "vedtak", "vedtak personer": "vedtak",
    "vedtatt em": "vedtak_em", "vedtak enslige mindreårige": "vedtak_em",
    "kan ta imot flere": "kan_ta_flere", "kan ta flere personer": "kan_ta_flere",
    "bosatte": "bosatt", "bosatt hittil": "bosatt", "bosatt så langt": "bosatt",
    **{f"bosatt {q}. kvartal": f"bosatt_q{q}" for q in (1, 2, 3, 4)},
    **{f"bosatt k{q}": f"bosatt_q{q}" for q in (1, 2, 3, 4)},
    **{f"bosatt {q}.kv.": f"bosatt_q{q}" for q in (1, 2, 3, 4)},
    **{f"bosatt {q}. kv": f"bosatt_q{q}" for q in (1, 2, 3, 4)},
}

PENDING_WORDS = ("avventer vedtak", "avventer", "ikke behandlet")
NONE_WORDS = ("-", "–", "—")
SUPPRESSED = ":"
MAX_PERSONS = 10_000_000


def _fold(text: str) -> str:
    return " ".join(str(text).replace("\u00a0", " ").split()).casefold()


_BY_HEADER: dict[str, str] = {
    **{_fold(code): code for code in YEAR_COLUMNS},
    **{_fold(label): code for code, label in YEAR_LABELS.items()},
    **{_fold(alias): code for alias, code in _ALIASES.items()},
}


def year_code(header: str) -> str | None:
    """The year column a header names («Vedtak», «vedtak», «Bosatt 2. kvartal» …), or None."""
    return _BY_HEADER.get(_fold(header))


def year_columns(header: Sequence[str]) -> dict[str, str]:
    """code → the table's own column name, for the year columns a table has."""
    found: dict[str, str] = {}
    for name in header:
        code = year_code(name)
        if code is not None and code not in found:
            found[code] = name
    return found


@dataclass(frozen=True)
class YearData:
    """The year's figures per municipality, in table order (NaN = blank).

    `vedtak` is NaN where the decision is pending. `settled` is the settled figure to date (the sum
    of the quarters where any quarter is given, else `bosatt`, blank = 0). `quarters_given` says
    whether the table has quarterly figures at all.
    """

    numbers: tuple[str, ...]
    names: tuple[str, ...]
    counties: tuple[str, ...]
    anmodning: np.ndarray
    anmodning_em: np.ndarray
    vedtak: np.ndarray
    vedtak_em: np.ndarray
    kan_ta_flere: np.ndarray
    bosatt: np.ndarray
    bosatt_q: np.ndarray  # (n, 4)
    columns: Mapping[str, str]  # code → the table's column name
    notes: tuple[str, ...] = ()

    @property
    def present(self) -> bool:
        """Whether the table has any request or decision at all (columns left blank, as `new`
        writes them for a coming year, are not a year yet)."""
        return bool((~np.isnan(self.anmodning)).any() or (~np.isnan(self.vedtak)).any())

    @property
    def quarters_given(self) -> bool:
        return any(c in self.columns for c in QUARTER_COLUMNS)

    @property
    def asked(self) -> np.ndarray:
        return np.nan_to_num(self.anmodning) > 0

    @property
    def decided(self) -> np.ndarray:
        return ~np.isnan(self.vedtak)

    @property
    def pending(self) -> np.ndarray:
        """Asked, and the council has not decided yet."""
        return self.asked & ~self.decided

    @property
    def agreed(self) -> np.ndarray:
        """The agreement: the decision where decided, else the request, else 0."""
        return np.where(self.decided, self.vedtak, np.nan_to_num(self.anmodning))

    @property
    def agreed_minors(self) -> np.ndarray:
        return np.where(self.decided, np.nan_to_num(self.vedtak_em), np.nan_to_num(self.anmodning_em))

    @property
    def settled(self) -> np.ndarray:
        quarters = ~np.isnan(self.bosatt_q).all(axis=1)
        return np.where(quarters, np.nansum(self.bosatt_q, axis=1), np.nan_to_num(self.bosatt))

    @property
    def offered(self) -> np.ndarray:
        """Stated extra capacity (NaN = not stated)."""
        return self.kan_ta_flere


def _cell_value(code: str, text: str) -> tuple[float, str | None]:
    """One cell: (value, problem). NaN for blank, pending or suppressed."""
    cell = " ".join(text.replace("\u00a0", " ").split())
    folded = cell.casefold()
    if cell == "":
        return np.nan, None
    if folded in PENDING_WORDS:
        if code in ("vedtak", "vedtak_em"):
            return np.nan, None
        return np.nan, f"«{cell}» gjelder bare vedtak; ventet et helt tall, «-» for ingen, eller tom celle"
    if cell in NONE_WORDS:
        return 0.0, None
    if cell == SUPPRESSED:
        if code == "bosatt" or code in QUARTER_COLUMNS:
            return np.nan, None
        return np.nan, "«:» (skjult tall under 5) kan ikke brukes her; skriv tallet"
    number = None if _THOUSANDS_OR_DECIMAL.fullmatch(cell) else parse_number(cell)
    if number is None or not number.is_integer() or not 0 <= number <= MAX_PERSONS:
        hint = " (tusenskille skrives med mellomrom: 1 474)" if re.fullmatch(r"[0-9]{1,3}(?:[.,][0-9]{3})+", cell) else ""
        return np.nan, f"ventet et helt antall personer (0 til {MAX_PERSONS:,}".replace(",", " ") + f"), «-» for ingen eller tom celle, fikk «{cell}»{hint}"
    return number, None


def _cells(table, column: str) -> list[str]:
    values = table.raw(column)
    if isinstance(values, np.ndarray):
        return ["" if np.isnan(v) else (str(int(v)) if float(v).is_integer() else repr(float(v))) for v in values]
    return list(values)


def parse_year(table, labels: Sequence[str] | None = None, file: str = "municipalities.csv") -> tuple[YearData, list[Problem]]:
    """The year columns of a `MunicipalityTable`, and every problem with them (file, row, column)."""
    n = len(table)
    names = table.text("kommune")
    labels = list(labels) if labels is not None else [f"rad {number} ({name})" for number, name in zip(table.numbers, names)]
    columns = year_columns(table.columns)
    # a problem names the column as the file wrote it; a header read as its code is named by its label
    shown = {code: YEAR_LABELS.get(code, code) if name == code else name for code, name in columns.items()}
    problems: list[Problem] = []
    notes: list[str] = []
    values: dict[str, np.ndarray] = {}
    for code in YEAR_COLUMNS:
        array = np.full(n, np.nan)
        if code in columns and table.is_numeric(columns[code]):  # the common case, at once
            name = columns[code]
            array = np.array(table.numeric(name), dtype=float)
            bad = ~np.isnan(array) & ((array != np.floor(array)) | (array < 0) | (array > MAX_PERSONS))
            for k in np.flatnonzero(bad):
                problems.append(Problem(file, labels[k], shown[code], _cell_value(code, repr(float(array[k])))[1]))
                array[k] = np.nan
        elif code in columns:
            name = columns[code]
            suppressed = 0
            for k, text in enumerate(_cells(table, name)):
                value, problem = _cell_value(code, text)
                if problem:
                    problems.append(Problem(file, labels[k], shown[code], problem))
                array[k] = value
                suppressed += text.strip() == SUPPRESSED
            if suppressed:
                notes.append(f"{file}: {suppressed} tall i kolonnen {name} er skjult («:», under 5) og regnes som 0.")
        values[code] = array
    quarters = np.column_stack([values[c] for c in QUARTER_COLUMNS])
    check = np.flatnonzero(~np.isnan(quarters).all(axis=1) | (values["anmodning_em"] > values["anmodning"])
                           | (values["vedtak_em"] > values["vedtak"]))
    for k in check:
        given = ~np.isnan(quarters[k])
        if given.any() and not given[: int(np.flatnonzero(given).max()) + 1].all():
            missing = [q + 1 for q in range(int(np.flatnonzero(given).max())) if not given[q]]
            problems.append(Problem(file, labels[k], shown.get(f"bosatt_q{missing[0]}", YEAR_LABELS[f"bosatt_q{missing[0]}"]), (
                f"{missing[0]}. kvartal er tomt, men et senere kvartal har tall; skriv 0 for et kvartal uten bosatte")))
        if given.any() and not np.isnan(values["bosatt"][k]) and np.nansum(quarters[k]) != values["bosatt"][k]:
            problems.append(Problem(file, labels[k], shown.get("bosatt", YEAR_LABELS["bosatt"]), (
                f"bosatt ({values['bosatt'][k]:.0f}) er ikke summen av kvartalene ({np.nansum(quarters[k]):.0f}); "
                "gi bare kvartalene, eller rett summen")))
        for part, whole in (("anmodning_em", "anmodning"), ("vedtak_em", "vedtak")):
            if values[part][k] > values[whole][k]:  # NaN compares False
                problems.append(Problem(file, labels[k], shown[part], (
                    f"{YEAR_LABELS[part].lower()} ({values[part][k]:.0f}) er mer enn {YEAR_LABELS[whole].lower()} "
                    f"i alt ({values[whole][k]:.0f}); enslige mindreårige er en del av tallet")))
    data = YearData(
        numbers=tuple(table.numbers), names=tuple(names), counties=tuple(table.text("fylke")),
        anmodning=values["anmodning"], anmodning_em=values["anmodning_em"], vedtak=values["vedtak"],
        vedtak_em=values["vedtak_em"], kan_ta_flere=values["kan_ta_flere"], bosatt=values["bosatt"],
        bosatt_q=quarters, columns=columns, notes=tuple(notes),
    )
    return data, problems


def check_year_columns(table, labels: Sequence[str], file: str, problems: list[Problem], notes: list[str]) -> None:
    """Called where the scenario's table is read: the year columns' problems join the others."""
    if not year_columns(table.columns):
        return
    data, found = parse_year(table, labels, file)
    problems.extend(found)
    notes.extend(data.notes)


def year_data(scenario) -> YearData:
    """The scenario's year figures (ScenarioError if a cell is bad: an edited scenario in memory)."""
    data, problems = parse_year(scenario.table, file=MUNICIPALITIES_FILE)
    if problems:
        raise ScenarioError(problems)
    return data
