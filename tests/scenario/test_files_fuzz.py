"""Random and mutated scenario files through the real readers (issue 8).

Every file goes in as bytes, the way a county adviser saves it (Excel's CSV dialects, encodings,
workbooks), and comes out through the real entry points: `load_scenario(folder)`,
`scenario_from_uploads` (a toml + csv pair, or one .xlsx) and the command line. Whatever the
input, the outcome is either a valid `Scenario` or a `ScenarioError` whose problems each name a
file and say in Norwegian what is wrong; never any other exception. An accepted scenario gives a
plan the independent checker finds nothing wrong with, and `solve` refuses (InfeasibleScenario)
exactly what the feasibility check that `validate` runs refuses (quarterly locks included).

Beyond "no crash", each mutation has its own oracle:

- saving the same table in another dialect (separator, quoting, line ends, blank lines, trailing
  separators, BOM, UTF-16, Windows-1252, Norwegian headers in any case, thousands separators,
  decimal commas, 3-digit kommunenummer, line breaks inside cells) gives the same scenario;
- one bad cell (junk, full-width digits, nan, inf, 1e300, negative, fractional, "1.000") is
  refused at the line the record starts on and its column;
- a field too many or too few, a duplicate or blank header is refused at its line or column;
- a wrong value in scenario.toml is refused naming its key;
- a workbook cell of any type (number, text, None, date, bool) is read as the number it shows,
  or refused at its sheet row and column.

Example counts are modest (the file runs in well under a minute); `HYPOTHESIS_PROFILE=long`
tries ten times as many (helpers.examples).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
import tomli_w
from helpers import examples, run_cli_many
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from allocator import GROUPS, InfeasibleScenario, Scenario, ScenarioError, load_scenario, solve
from allocator.check import violations
from allocator.optimize.solve import check_feasible
from allocator.scenario.data import LIMIT_COLUMNS
from allocator.scenario.readers import _header_names
from allocator.scenario.upload import scenario_from_uploads
from allocator.scenario.write import fingerprint

SETTINGS_FILE, ROWS_FILE = "scenario.toml", "municipalities.csv"
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# --------------------------------------------------------------------------- oracles

#: Words one of which every problem message holds: a raw Python or library error in English
#: ("could not convert string to float") has none of them.
NORWEGIAN_WORDS = {
    "ventet", "mangler", "kolonne", "kolonnen", "filen", "linje", "rad", "er", "og", "ikke", "kan", "for", "med",
    "til", "på", "har", "fikk", "ukjent", "nøkkel", "tabell", "tall", "kommunenummeret", "kommunenavn", "summen",
    "arket", "kunne", "lese", "syntaksfeil", "de", "en", "et", "fra", "mer", "finnes", "større", "vektene", "kolonnen",
}


def assert_good_problems(exc: ScenarioError, files: set[str]) -> None:
    """Each problem names one of `files` and says in Norwegian what is wrong."""
    assert exc.problems, "a ScenarioError without problems"
    for problem in exc.problems:
        named = problem.file in files or any(problem.file.startswith(f"{f}, ark ") for f in files)  # a workbook's sheet
        assert named, f"{problem.file!r} is not one of {files}: {problem}"
        assert isinstance(problem.message, str) and problem.message.strip(), problem
        words = set(re.findall(r"\w+", problem.message.casefold()))
        assert words & NORWEGIAN_WORDS, f"not a Norwegian message: {problem.message!r}"
        assert "Traceback" not in problem.message
    assert str(exc)


def read_folder(files: dict[str, bytes]) -> Scenario | ScenarioError:
    """`load_scenario` on a folder holding `files`: the scenario, or the ScenarioError it raised."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        try:
            return load_scenario(folder)
        except ScenarioError as exc:
            assert_good_problems(exc, set(files) | {SETTINGS_FILE, ROWS_FILE})
            return exc


def read_upload(files: dict[str, bytes]) -> Scenario | ScenarioError:
    try:
        return scenario_from_uploads(files)
    except ScenarioError as exc:
        assert_good_problems(exc, set(files))
        return exc


def read_both(toml: bytes, table: bytes) -> Scenario | ScenarioError:
    """The folder and the upload of the same two files; they must agree, to the problem.

    The upload uses other file names (as a user's files are called): every problem must name
    the file it is about by the name it was uploaded under."""
    from_folder = read_folder({SETTINGS_FILE: toml, ROWS_FILE: table})
    renamed = {SETTINGS_FILE: "Mitt scenario.TOML", ROWS_FILE: "kommuner 2026.csv"}
    from_upload = read_upload({renamed[SETTINGS_FILE]: toml, renamed[ROWS_FILE]: table})
    if isinstance(from_folder, Scenario):
        assert isinstance(from_upload, Scenario), f"the folder loads, the upload does not: {from_upload}"
        assert fingerprint(from_upload) == fingerprint(from_folder)
        # compared in the folder's names (a municipality may be called «scenario.toml»; its name is not renamed)
        assert tuple(n.replace(renamed[SETTINGS_FILE], SETTINGS_FILE).replace(renamed[ROWS_FILE], ROWS_FILE)
                     for n in from_upload.notes) == from_folder.notes
    else:
        assert isinstance(from_upload, ScenarioError), "the upload loads, the folder does not"
        as_folder = [(renamed_back(p.file, renamed), p.row, p.column,
                      p.message.replace(renamed[SETTINGS_FILE], SETTINGS_FILE).replace(renamed[ROWS_FILE], ROWS_FILE))
                     for p in from_upload.problems]
        assert as_folder == [(p.file, p.row, p.column, p.message) for p in from_folder.problems]
    return from_folder


def renamed_back(name: str, renamed: dict[str, str]) -> str:
    return {v: k for k, v in renamed.items()}.get(name, name)


def assert_sane(scenario: Scenario) -> None:
    """What an accepted scenario holds is within the documented ranges: no inf, no NaN where a
    number is needed, shares that sum to 1."""
    assert all(isinstance(v, int) and 0 <= v <= 10_000_000 for v in scenario.request.values()), scenario.request
    assert all(math.isfinite(t.weight) and t.weight >= 0 and math.isfinite(t.exponent) for t in scenario.key), scenario.key
    assert 0 < scenario.housing.adults_per_small_dwelling <= 50 and 0 < scenario.housing.persons_per_family_dwelling <= 50
    table = scenario.table
    assert len(table) > 0 and all(len(n) == 4 and n.isascii() and n.isdigit() for n in table.numbers)
    assert len(set(table.numbers)) == len(table.numbers)
    assert all(name.strip() for name in table.text("kommune"))
    population = table.numeric("population")
    assert (population >= 1).all() and (population == np.floor(population)).all()
    for column in table.columns:
        if table.is_numeric(column):
            values = table.numeric(column)
            assert not np.isinf(values).any(), (column, values)
            if column in LIMIT_COLUMNS:
                given = values[~np.isnan(values)]
                assert (given >= 0).all() and (given == np.floor(given)).all(), (column, values)
    if scenario.quarters is not None:
        assert math.isclose(sum(scenario.quarters.baseline_shares), 1.0), scenario.quarters.baseline
        assert math.isfinite(scenario.quarters.timeliness_weight)
    incentives = scenario.incentives
    assert all(math.isfinite(v) for v in (*incentives.bonus, incentives.q4_threshold, incentives.q4_deduction, *incentives.grant.values()))


def assert_solves(scenario: Scenario) -> None:
    """`validate`'s feasibility check and `solve` agree; a plan passes the independent checker."""
    assert_sane(scenario)
    try:
        check_feasible(scenario)
    except InfeasibleScenario as exc:
        event("infeasible")
        assert_good_problems(exc, {ROWS_FILE})
        with pytest.raises(InfeasibleScenario):
            solve(scenario)
        return
    plan = solve(scenario)  # anything raised here is something validate accepted and solve refuses
    found = violations(plan, scenario)
    assert found == [], found
    event(plan.status)


# --------------------------------------------------------------------------- a valid scenario as cells

PLAIN_NAME = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzæøåÆØÅABCDEFGHIJKLMNOPQRSTUVWXYZé -'."), min_size=1, max_size=14)
#: Any unicode but control characters and lone surrogates (what a cell can hold).
ANY_TEXT = st.characters(blacklist_categories=("Cc", "Cs"))
#: A name (not "=…", which openpyxl would write as a formula).
NAME = st.one_of(PLAIN_NAME, st.text(ANY_TEXT, min_size=1, max_size=14)).filter(lambda s: s.strip() and not s.startswith("="))
REASON = st.one_of(
    st.just(""),
    PLAIN_NAME,
    st.lists(PLAIN_NAME, min_size=2, max_size=3).map("\n".join),  # Alt+Enter in an Excel cell
    st.lists(PLAIN_NAME, min_size=2, max_size=3).map("\r\n".join),
    st.text(ANY_TEXT, max_size=20),
)


@dataclass
class Draft:
    """A scenario before it is written: settings (the TOML) and the table as clean text cells."""

    settings: dict
    header: list[str]  # column codes
    rows: list[list[str]]

    def toml(self) -> bytes:
        return tomli_w.dumps(self.settings).encode("utf-8")

    def column(self, name: str) -> int:
        return self.header.index(name)


def _cell(blank_weight: int, high: int) -> st.SearchStrategy[str]:
    return st.one_of(*[st.just("")] * blank_weight, st.integers(0, high).map(str))


@st.composite
def drafts(draw, max_rows: int = 6) -> Draft:
    """A valid-looking scenario: 1-6 municipalities, some limits and minimums (they may contradict
    each other: then the scenario is infeasible, which is a fine outcome too), a key of one or two
    columns, sometimes housing, quarters with dated dwellings and locks, or requests per county."""
    n = draw(st.integers(1, max_rows))
    numbers = draw(st.lists(st.integers(101, 5699).map(lambda v: f"{v:04d}"), min_size=n, max_size=n, unique=True))
    request = {g: draw(st.integers(0, 40)) for g in GROUPS if draw(st.integers(0, 5))}
    settings_: dict[str, Any] = {"name": draw(NAME).strip() or "x", "request": request}
    if draw(st.booleans()):
        settings_["year"] = draw(st.integers(2024, 2030))
    header = ["kommunenummer", "kommune", "population"]
    columns: dict[str, list[str]] = {
        "kommunenummer": numbers,
        "kommune": [draw(NAME) for _ in numbers],
        "population": [str(draw(st.one_of(st.integers(1, 3000), st.integers(1, 2_000_000)))) for _ in numbers],
    }
    for column in draw(st.lists(st.sampled_from(LIMIT_COLUMNS), unique=True, max_size=4)):
        high = 6 if column == "min_total" else 40
        blanks = 4 if column == "min_total" else 1
        columns[column] = [draw(_cell(blanks, high)) for _ in numbers]
        header.append(column)
    if draw(st.booleans()):
        header.append("lock_reason")
        columns["lock_reason"] = [draw(REASON) for _ in numbers]
    key: dict[str, Any] = {"population": draw(st.sampled_from([1.0, 0.5, {"weight": 1.0, "exponent": 0.6}]))}
    extra = draw(st.sampled_from([None, "sentralitet", "bosatt"]))
    if extra == "sentralitet":  # decimals, in the key or only shown
        header.append(extra)
        odd = st.sampled_from(["0", "0,0001", "1e-70", "1e-200", "5e-324", "1e12"])  # tiny, huge, none
        columns[extra] = [draw(st.one_of(st.integers(1, 10_000).map(lambda v: f"{v / 10:.1f}"), odd)) for _ in numbers]
        if draw(st.booleans()):
            key[extra] = {"weight": draw(st.sampled_from([0.3, 1.0])), "exponent": draw(st.sampled_from([0.5, 1.0, 2.0, 5.0]))}
    elif extra == "bosatt":  # a credit column
        header.append(extra)
        columns[extra] = [str(draw(st.integers(0, 500))) for _ in numbers]
        key[extra] = {"weight": 0.3, "credit": True}
    settings_["key"] = key
    if draw(st.integers(0, 3)) == 0:
        settings_["housing"] = {"adults_per_small_dwelling": draw(st.sampled_from([1, 2, 0.5])),
                                "persons_per_family_dwelling": draw(st.sampled_from([3.5, 4, 2.5]))}
    if draw(st.integers(0, 4)) == 0:
        settings_["quarters"] = {"timeliness_weight": draw(st.sampled_from([0, 0.5])), "baseline": "backloaded"}
        for column in draw(st.lists(st.sampled_from(["family_dwellings_q3", "small_dwellings_q2", "locked_q1", "locked_q4"]),
                                    unique=True, max_size=2)):
            header.append(column)
            columns[column] = [draw(_cell(3, 5)) for _ in numbers]
    if draw(st.integers(0, 4)) == 0:
        counties = [draw(st.sampled_from(["Vestland", "Rogaland"])) for _ in numbers]
        header.append("fylke")
        columns["fylke"] = counties
        if draw(st.booleans()):
            settings_["counties"] = {"split": "key", "cross_border": draw(st.booleans())}
        else:
            settings_["request"] = {"counties": {c: {g: draw(st.integers(0, 20)) for g in GROUPS} for c in sorted(set(counties))}}
            if draw(st.booleans()):
                settings_["counties"] = {"cross_border": True, "max_share": draw(st.sampled_from([0.2, 1.0]))}
    rows = [[columns[c][k] for c in header] for k in range(n)]
    return Draft(settings_, header, rows)


# --------------------------------------------------------------------------- saving a table

ALIASES: dict[str, list[str]] = {}
for _name, _code in _header_names().items():
    ALIASES.setdefault(_code, []).append(_name)
THOUSANDS = (" ", "\u00a0", "\u202f")  # space, no-break space, narrow no-break space
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-be", "cp1252", "cp1252 with a UTF-8 mark", "utf-8 with two marks")
COUNT_COLUMNS = ("population", *LIMIT_COLUMNS, "family_dwellings_q3", "small_dwellings_q2", "locked_q1", "locked_q4")


@dataclass
class Dialect:
    """How a table is saved: what Excel and other tools vary."""

    sep: str = ","
    quote_all: bool = False
    newline: str = "\n"
    encoding: str = "utf-8"
    trailing_sep: bool = False
    blank_lines: dict[int, str] = field(default_factory=dict)  # before record k (0 = the header): the line's text
    headers: dict[str, str] = field(default_factory=dict)  # column code -> header text written
    thousands: str | None = None
    short_numbers: bool = False  # 0301 written as 301 (Excel drops the zero)
    decimal_comma: bool = False  # 270,2 in a key column
    count_decimals: bool = False  # 1 474,0 in a count column


CLEAN = Dialect()


@st.composite
def dialects(draw, header: list[str]) -> Dialect:
    sep = draw(st.sampled_from([",", ";", "\t"]))
    blank = st.sampled_from(["", "   ", sep * 3, sep * len(header)])
    headers = {}
    for code in header:
        if draw(st.integers(0, 2)) == 0:
            if code in ALIASES:  # a known column: any accepted name, in any case, with spaces
                text = draw(st.sampled_from(ALIASES[code]))
                text = draw(st.sampled_from([text, text.upper(), text.title(), f"  {text} "]))
            else:  # a key column keeps its name; spaces around it do not matter
                text = f" {code}  "
            headers[code] = text
    return Dialect(
        sep=sep,
        quote_all=draw(st.booleans()),
        newline=draw(st.sampled_from(["\n", "\r\n", "\r\n", "\r"])),
        encoding=draw(st.sampled_from(ENCODINGS)),
        trailing_sep=draw(st.integers(0, 3)) == 0,
        blank_lines=draw(st.dictionaries(st.integers(0, 9), blank, max_size=3)),  # before the header, between rows, at the end
        headers=headers,
        thousands=draw(st.sampled_from([None, *THOUSANDS])),
        short_numbers=draw(st.booleans()),
        decimal_comma=draw(st.booleans()),
        count_decimals=draw(st.integers(0, 3)) == 0,
    )


@dataclass
class Saved:
    data: bytes
    lines: list[int]  # the file line each data record starts on
    encoding: str  # the encoding actually used
    width: int  # fields in the header line
    text: str = ""


_BREAK = re.compile(r"\r\n|\r|\n")


def _grouped(text: str, sep: str) -> str:
    return f"{int(text):,}".replace(",", sep) if text.isdigit() and int(text) >= 1000 else text


def save_table(draft: Draft, dialect: Dialect, keep: set[tuple[int, int]] = frozenset()) -> Saved:
    """The table as bytes in `dialect`; cells in `keep` ((row, column) positions) are written as they are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.sep, quoting=csv.QUOTE_ALL if dialect.quote_all else csv.QUOTE_MINIMAL,
                        lineterminator=dialect.newline)
    # csv quotes a line break only when it is part of the line terminator; Excel quotes every one
    quoted = csv.writer(buffer, delimiter=dialect.sep, quoting=csv.QUOTE_ALL, lineterminator=dialect.newline)
    header = [dialect.headers.get(code, code) for code in draft.header]
    records = [header]
    for k, row in enumerate(draft.rows):
        cells = []
        for j, text in enumerate(row):
            code = draft.header[j] if j < len(draft.header) else None  # a field too many has no column
            if (k, j) not in keep:
                if code == "kommunenummer" and dialect.short_numbers and len(text) == 4 and text.startswith("0"):
                    text = text[1:]
                elif code in COUNT_COLUMNS and text and dialect.count_decimals:
                    text = f"{_grouped(text, dialect.thousands or '')},0"  # a cell formatted with one decimal
                elif code in COUNT_COLUMNS and dialect.thousands:
                    text = _grouped(text, dialect.thousands)
                elif code == "sentralitet" and dialect.decimal_comma:
                    text = text.replace(".", ",")
            cells.append(text)
        records.append(cells)
    parts, line, starts = [], 1, []
    for k, cells in enumerate(records):
        if k in dialect.blank_lines:
            parts.append(dialect.blank_lines[k] + dialect.newline)
            line += 1
        start = buffer.tell()
        broken = any("\n" in c or "\r" in c for c in cells)
        (quoted if broken else writer).writerow(cells + ([""] if dialect.trailing_sep else []))
        record = buffer.getvalue()[start:]
        if k:
            starts.append(line)
        line += len(_BREAK.findall(record))
        parts.append(record)
    parts += [dialect.blank_lines[k] + dialect.newline for k in sorted(dialect.blank_lines) if k >= len(records)]  # at the end
    text = "".join(parts)
    encoding, width = dialect.encoding, len(records[0]) + dialect.trailing_sep
    if encoding in ("cp1252", "cp1252 with a UTF-8 mark"):
        mark = b"\xef\xbb\xbf" if encoding != "cp1252" else b""
        try:
            data = mark + text.encode("cp1252")
            data.decode("utf-8-sig")  # valid UTF-8 as well: it would (rightly) be read as UTF-8
            encoding = "utf-8-sig"
        except UnicodeEncodeError:
            encoding = "utf-8-sig"
        except UnicodeDecodeError:
            return Saved(data, starts, "cp1252", width, text)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    elif encoding == "utf-8 with two marks":
        data = b"\xef\xbb\xbf" + text.encode("utf-8-sig")
    else:
        data = text.encode(encoding)
    return Saved(data, starts, encoding, width, text)


def problems_at(exc: ScenarioError, line: int | None = None, column: str | None = None, file: str = ROWS_FILE):
    """The problems of `file` at `line` (the record's first line) and `column`."""
    found = []
    for p in exc.problems:
        if p.file != file:
            continue
        if line is not None and not (p.row == f"linje {line}" or (p.row or "").startswith(f"linje {line} (")):
            continue
        if column is not None and p.column != column:
            continue
        found.append(p)
    return found


# --------------------------------------------------------------------------- CSV: the same table in any dialect


def assert_same_scenario(got: Scenario, want: Scenario) -> None:
    assert got.table.numbers == want.table.numbers
    assert set(got.table.columns) == set(want.table.columns)
    for column in want.table.columns:
        a, b = got.table.raw(column), want.table.raw(column)
        if isinstance(b, np.ndarray):
            assert isinstance(a, np.ndarray) and np.array_equal(a, b, equal_nan=True), (column, a, b)
        else:
            assert a == b, (column, a, b)
    assert fingerprint(got) == fingerprint(want)


@settings(FUZZ, max_examples=examples(60))
@given(st.data())
def test_the_same_table_saved_in_any_dialect_reads_the_same(data):
    draft = data.draw(drafts())
    dialect = data.draw(dialects(draft.header))
    clean = read_both(draft.toml(), save_table(draft, CLEAN).data)
    saved = save_table(draft, dialect)
    note(f"{dialect}\n{saved.data!r}")
    got = read_both(draft.toml(), saved.data)
    if isinstance(clean, ScenarioError):
        event("refused")
        assert isinstance(got, ScenarioError), "the clean file is refused, the same table in another dialect is not"
        assert {(p.file, p.column) for p in got.problems} == {(p.file, p.column) for p in clean.problems}
        return
    assert isinstance(got, Scenario), f"the clean file loads, in {dialect} it is refused: {got}"
    assert_same_scenario(got, clean)
    assert any("Windows-1252" in n for n in got.notes) == (saved.encoding == "cp1252" and not saved.text.isascii())
    padded = dialect.short_numbers and any(n.startswith("0") for n in got.table.numbers)
    assert any("3 sifre" in n for n in got.notes) == padded
    assert_solves(got)


# --------------------------------------------------------------------------- CSV: one bad cell

BAD_COUNTS = [
    "abc", "１２", "٣", "nan", "NaN", "inf", "-inf", "Infinity", "1e300", "-1e300", "-3", "2.5", "12,5", "0,5", "1 2 3",
    "12a", "0x1A", "1_000", "½", "--1", "1e", ".", ",", "-", "+", "3/4", "'12", "12%", "kr 5", "12.", "1 0000",
    "1.000", "2,000", "12.000", "1.5e-1", "1e400", "٣٠", "𝟙𝟚", "1\u20092", "１ ２３４",
]
BAD = {
    "kommunenummer": ["０３０１", "４６０１", "46O1", "46-1", "46011", "46", "4601.0", "", " ", "4 601", "x", "-301", "30 1", "٤٦٠١", "1e3"],
    "kommune": ["", "   "],
    "population": [*BAD_COUNTS, "0", "-0", "0,0", "", "1e9", "100000001"],
    **{column: [*BAD_COUNTS, "10000001", "1e8"] for column in COUNT_COLUMNS if column != "population"},
    "sentralitet": ["abc", "nan", "inf", "-1", "1e13", "", "１", "-0,5", "1e300"],
    "bosatt": ["abc", "nan", "-1", "", "inf"],
}


@settings(FUZZ, max_examples=examples(80))
@given(st.data())
def test_a_bad_cell_is_refused_at_its_line_and_column(data):
    draft = data.draw(drafts())
    dialect = data.draw(dialects(draft.header))
    key = draft.settings["key"]
    columns = [c for c in draft.header if c in BAD and (c not in ("sentralitet", "bosatt") or c in key)]
    column = data.draw(st.sampled_from(columns))
    k = data.draw(st.integers(0, len(draft.rows) - 1))
    bad = data.draw(st.sampled_from(BAD[column]))
    draft.rows[k][draft.column(column)] = bad
    saved = save_table(draft, dialect, keep={(k, draft.column(column))})
    note(f"{column} = {bad!r} on line {saved.lines[k]}\n{saved.data!r}")
    got = read_both(draft.toml(), saved.data)
    assert isinstance(got, ScenarioError), f"{column} = {bad!r} was accepted"
    assert problems_at(got, saved.lines[k], column), f"no problem at linje {saved.lines[k]}, {column}: {got.problems}"


# --------------------------------------------------------------------------- CSV: structure


@settings(FUZZ, max_examples=examples(60))
@given(st.data())
def test_a_broken_structure_is_refused_at_its_line_or_column(data):
    draft = data.draw(drafts())
    dialect = data.draw(dialects(draft.header))
    kind = data.draw(st.sampled_from(["field too many", "field too few", "duplicate header", "blank header"]))
    event(kind)
    k = data.draw(st.integers(0, len(draft.rows) - 1))
    if kind == "field too many":
        draft.rows[k].append(data.draw(st.sampled_from(["", "x", "12"])))
        saved = save_table(draft, dialect)
        got = read_both(draft.toml(), saved.data)
        assert isinstance(got, ScenarioError)
        wanted = f"linje {saved.lines[k]} har {saved.width + 1} felt, overskriften har {saved.width}"
        assert any(wanted in p.message for p in problems_at(got, saved.lines[k])), (wanted, got.problems)
    elif kind == "field too few":
        draft.rows[k].pop()
        saved = save_table(draft, dialect)
        got = read_both(draft.toml(), saved.data)
        assert isinstance(got, ScenarioError)
        wanted = f"linje {saved.lines[k]} har {saved.width - 1} felt, overskriften har {saved.width}"
        assert any(wanted in p.message for p in problems_at(got, saved.lines[k])), (wanted, got.problems)
    elif kind == "duplicate header":
        j = data.draw(st.integers(1, len(draft.header) - 1))
        i = data.draw(st.integers(0, j - 1))
        twin = draft.header[i]
        dialect.headers.pop(draft.header[j], None)
        draft.header[j] = data.draw(st.sampled_from([twin, twin.upper(), f" {twin} ", *ALIASES.get(twin, [])]))
        got = read_both(draft.toml(), save_table(draft, dialect).data)
        assert isinstance(got, ScenarioError)
        assert any("to ganger" in p.message for p in problems_at(got, column=twin)), got.problems
    else:
        j = data.draw(st.integers(0, len(draft.header) - 1))
        filled = any(row[j].strip() for row in draft.rows)
        dialect.headers[draft.header[j]] = data.draw(st.sampled_from(["", "  "]))
        got = read_both(draft.toml(), save_table(draft, dialect).data)
        if filled:
            assert isinstance(got, ScenarioError)
            assert any("ingen overskrift" in p.message for p in problems_at(got, column=f"nr. {j + 1}")), got.problems
        elif isinstance(got, Scenario):
            assert_solves(got)


# --------------------------------------------------------------------------- bytes: random and mutated files


@st.composite
def mutated_bytes(draw, data: bytes) -> bytes:
    """`data` with a few random edits: bytes replaced, inserted or deleted, or cut short."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "replace" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.one_of(st.binary(min_size=1, max_size=4),
                                         st.sampled_from([b",", b";", b"\t", b'"', b"\n", b"\r", b"\xc3", b"\xa0", b"\xef\xbb\xbf"])))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 8))]
        else:
            del data[at:]
    return bytes(data)


@settings(FUZZ, max_examples=examples(80))
@given(st.data())
def test_random_and_mutated_bytes_give_a_scenario_or_a_located_refusal(data):
    draft = data.draw(drafts())
    toml, table = draft.toml(), save_table(draft, data.draw(dialects(draft.header))).data
    which = data.draw(st.sampled_from(["table", "settings", "both", "random table", "random settings", "empty"]))
    event(which)
    if which in ("table", "both"):
        table = data.draw(mutated_bytes(table))
    if which in ("settings", "both"):
        toml = data.draw(mutated_bytes(toml))
    if which == "random table":
        table = data.draw(st.binary(max_size=300))
    if which == "random settings":
        toml = data.draw(st.binary(max_size=300))
    if which == "empty":
        toml, table = data.draw(st.sampled_from([(b"", table), (toml, b""), (b"\xef\xbb\xbf", table), (toml, b"\xff\xfe")]))
    note(f"{toml!r}\n{table!r}")
    got = read_both(toml, table)
    if isinstance(got, Scenario):
        assert_solves(got)


# --------------------------------------------------------------------------- TOML: values of the wrong kind

ODD_VALUES = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e300, -1.0, 0, 2.5, 10**7 + 1, 10**18, True, False, "", "40", "4O",
                     "nan", [], [1, 2], {}, {"x": 1}, datetime.date(2026, 1, 1), "even", "backloaded", "Even",
                     [1, 2, 3, 4], [0, 0, 0, 0], [1e308] * 4, [1.0, math.nan, 0, 0], [math.inf, 0, 0, 0], [1, -1, 1, 1], [1, "2", 3, 4]]),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(ANY_TEXT, max_size=10),
)


def _set(settings_: dict, path: tuple[str, ...], value: Any) -> None:
    target = settings_
    for part in path[:-1]:
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    target[path[-1]] = value


def _whole_persons(value: Any) -> bool:
    return (not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
            and float(value).is_integer() and 0 <= value <= 10_000_000)


def _number_in(value: Any, low: float, high: float, low_open: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    return (low < value if low_open else low <= value) and value <= high


def _four(value: Any, high: float, positive_sum: bool = False) -> bool:
    """Four numbers from 0 to `high` (one per quarter)."""
    if not isinstance(value, list) or len(value) != 4 or not all(_number_in(v, 0, high) for v in value):
        return False
    return sum(value) > 0 or not positive_sum


#: (path in scenario.toml, the column a problem must name, is the value acceptable?)
TOML_RULES: list[tuple[tuple[str, ...], str, Any]] = [
    *[(("request", g), f"request.{g}", _whole_persons) for g in GROUPS],
    (("housing", "adults_per_small_dwelling"), "housing.adults_per_small_dwelling", lambda v: _number_in(v, 0, 50, low_open=True)),
    (("housing", "persons_per_family_dwelling"), "housing.persons_per_family_dwelling", lambda v: _number_in(v, 0, 50, low_open=True)),
    (("key", "population"), "key.population", lambda v: _number_in(v, 0, 1000)),  # 0: refused as [key]
    (("key", "population", "exponent"), "key.population.exponent", lambda v: _number_in(v, 0, 5)),
    (("quarters", "baseline"), "quarters.baseline", lambda v: v in ("even", "backloaded") or _four(v, math.inf, positive_sum=True)),
    (("incentives", "bonus"), "incentives.bonus", lambda v: _four(v, 1e10)),
    (("quarters", "timeliness_weight"), "quarters.timeliness_weight", lambda v: _number_in(v, 0, 1000)),
    (("incentives", "q4_threshold"), "incentives.q4_threshold", lambda v: _number_in(v, 0, 1)),
    (("incentives", "q4_deduction"), "incentives.q4_deduction", lambda v: _number_in(v, 0, 1e10)),
    (("year",), "year", lambda v: _whole_persons(v) and 1900 <= v <= 2200),
    (("name",), "name", lambda v: isinstance(v, str) and bool(v.strip())),
    (("description",), "description", lambda v: isinstance(v, str)),
    (("surprise",), "surprise", lambda v: False),
    (("housing", "dwellings"), "housing.dwellings", lambda v: False),
    (("quarters", "speed"), "quarters.speed", lambda v: False),
    (("incentives", "malus"), "incentives.malus", lambda v: False),
    (("request", "children"), "request.children", lambda v: False),
]


@settings(FUZZ, max_examples=examples(80))
@given(st.data())
def test_a_wrong_value_in_scenario_toml_is_refused_naming_its_key(data):
    draft = data.draw(drafts())
    draft.settings.pop("counties", None)
    draft.settings["request"] = {g: 3 for g in GROUPS}
    table = save_table(draft, CLEAN).data
    path, column, acceptable = data.draw(st.sampled_from(TOML_RULES))
    value = data.draw(ODD_VALUES)
    if path[0] == "key":
        draft.settings["key"] = {"population": 1.0}
    _set(draft.settings, path, value)
    toml = tomli_w.dumps(draft.settings).encode("utf-8")
    toml = data.draw(st.sampled_from([toml, b"\xef\xbb\xbf" + toml, toml.decode().encode("utf-16"), toml.replace(b"\n", b"\r\n")]))
    note(f"{column} = {value!r}\n{toml!r}")
    got = read_both(toml, table)
    if acceptable(value):
        event("acceptable")
        if isinstance(got, ScenarioError):
            assert not problems_at(got, column=column, file=SETTINGS_FILE), got.problems
        else:
            assert_solves(got)
    else:
        assert isinstance(got, ScenarioError), f"{column} = {value!r} was accepted"
        assert problems_at(got, column=column, file=SETTINGS_FILE), got.problems


@settings(FUZZ, max_examples=examples(40))
@given(st.data())
def test_random_settings_of_any_shape_give_a_scenario_or_a_located_refusal(data):
    """Random tables and values under every section (unknown keys, nesting, non-finite floats)."""
    draft = data.draw(drafts())
    keys = st.one_of(st.sampled_from(["request", "key", "housing", "quarters", "incentives", "counties", "ready", "deadline",
                                      "grant", "bonus", "baseline", "split", "cross_border", "max_share", "population",
                                      "weight", "exponent", "credit", *GROUPS]), st.text(ANY_TEXT, min_size=1, max_size=6))
    leaf = st.one_of(ODD_VALUES, st.lists(ODD_VALUES.filter(lambda v: not isinstance(v, (dict, list))), max_size=5))
    table = st.dictionaries(keys, leaf, max_size=4)
    tree = st.one_of(leaf, table, st.dictionaries(keys, st.one_of(leaf, table), max_size=3))  # up to two levels of tables
    for _ in range(data.draw(st.integers(1, 4))):
        path = tuple(data.draw(st.lists(keys, min_size=1, max_size=3)))
        _set(draft.settings, path, data.draw(tree))
    try:
        toml = tomli_w.dumps(draft.settings).encode("utf-8")
    except (TypeError, ValueError):  # tomli_w cannot write it (e.g. a dict inside an array)
        return
    note(toml.decode())
    got = read_both(toml, save_table(draft, CLEAN).data)
    if isinstance(got, Scenario):
        assert_solves(got)


# --------------------------------------------------------------------------- Excel workbooks


def workbook(draft: Draft, cells: list[list[Any]], header: list[Any] | None = None) -> bytes:
    """An .xlsx like the app's export: innstillinger (field, value), nøkkel, kommuner."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "innstillinger"
    sheet.append(["field", "value"])
    sheet.append(["name", draft.settings["name"]])
    for g, count in draft.settings["request"].items():
        sheet.append([f"request.{g}", count])
    key = book.create_sheet("nøkkel")
    key.append(["column", "weight", "exponent", "credit"])
    key.append(["population", 1.0, 1.0, False])
    table = book.create_sheet("kommuner")
    table.append(header or draft.header)
    for row in cells:
        table.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return _timeless(buffer.getvalue())


def _timeless(xlsx: bytes) -> bytes:
    """The workbook with its save time taken out (the zip entries' dates and the document's
    created/modified stamps), so equal draws give equal bytes: Hypothesis requires a strategy to
    be a function of its draws, and a second ticking over changed the file's length."""
    source, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data)
            target.writestr(zipfile.ZipInfo(entry.filename, date_time=(2026, 1, 1, 0, 0, 0)), data,
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


@dataclass(frozen=True)
class Cell:
    """A workbook cell and what it must be read as: a number, blank (None) or refused (BAD)."""

    value: Any
    means: Any


BAD_CELL = "refused"
WHEN = datetime.datetime(2026, 3, 1, 12, 30)


def count_cells(value: int, bad: bool) -> st.SearchStrategy[Cell]:
    """A count in every form a workbook cell can hold it; with `bad`, also forms that must be refused."""
    good = [
        Cell(value, value), Cell(float(value), value), Cell(str(value), value), Cell(f" {value} ", value),
        Cell(f"{value:,}".replace(",", "\u00a0"), value), Cell(f"{value},0", value), Cell(-0.0, 0) if not value else Cell(value, value),
        Cell(None, None), Cell("", None), Cell("   ", None),
        Cell(math.nan, None), Cell(math.inf, None),  # Excel cannot hold these: openpyxl writes an empty cell
    ]
    wrong = [
        Cell(value + 0.5, BAD_CELL), Cell(-value - 1, BAD_CELL), Cell(True, BAD_CELL), Cell(False, BAD_CELL),
        Cell(WHEN, BAD_CELL), Cell(WHEN.date(), BAD_CELL), Cell(WHEN.time(), BAD_CELL), Cell("mange", BAD_CELL),
        Cell("１２", BAD_CELL), Cell(1e300, BAD_CELL), Cell(-0.5, BAD_CELL), Cell("nan", BAD_CELL), Cell("inf", BAD_CELL),
        Cell(10**9, BAD_CELL), Cell(f"{value}.000", BAD_CELL if 1 <= value <= 999 else value),  # 1.000: one or a thousand?
    ]
    return st.sampled_from(good + wrong) if bad else st.sampled_from(good)


def number_cells(number: str, bad: bool) -> st.SearchStrategy[Cell]:
    n = int(number)
    good = [Cell(number, number), Cell(n, number), Cell(float(n), number), Cell(f" {number} ", number), Cell(str(n), number)]  # 301 → 0301
    wrong = [Cell(None, BAD_CELL), Cell(WHEN, BAD_CELL), Cell(n + 0.5, BAD_CELL), Cell(True, BAD_CELL), Cell("０３０１", BAD_CELL)]
    return st.sampled_from(good + wrong) if bad else st.sampled_from(good)


@settings(FUZZ, max_examples=examples(50))
@given(st.data())
def test_workbook_cells_of_any_type_are_read_as_they_show_or_refused_at_their_row(data):
    draft = data.draw(drafts(max_rows=4))
    header = ["kommunenummer", "kommune", "population", *[c for c in LIMIT_COLUMNS if c in draft.header or data.draw(st.booleans())]]
    draft.settings["request"] = {g: 3 for g in GROUPS}
    bad = data.draw(st.booleans())  # half the workbooks hold only cells that must be read
    grid: list[list[Cell]] = []
    for row in draft.rows:
        number, name, population = row[0], row[1], int(row[2])
        cells = [data.draw(number_cells(number, bad)), Cell(name, name.strip())]
        cells.append(data.draw(st.one_of(count_cells(population, bad), st.just(Cell(population, population)))))
        for column in header[3:]:
            cells.append(data.draw(st.one_of(count_cells(data.draw(st.integers(0, 1500)), bad), st.just(Cell(None, None)))))
        grid.append(cells)
    raw = data.draw(st.sampled_from([None, [h.upper() for h in header], [f" {h} " for h in header]]))
    book = workbook(draft, [[c.value for c in row] for row in grid], raw or header)
    got = read_upload({"Plan Vestland.xlsx": book})
    note(f"{header}\n" + "\n".join(repr([c.value for c in row]) for row in grid))
    sheet = "Plan Vestland.xlsx, ark kommuner"
    refused = [(k, header[j]) for k, row in enumerate(grid) for j, c in enumerate(row)
               if c.means == BAD_CELL or (header[j] == "population" and c.means is None)]
    numbers = [row[0].means for row in grid]
    duplicate = len(set(numbers)) < len(numbers)
    if refused:
        assert isinstance(got, ScenarioError), f"accepted {refused}"
        for k, column in refused:
            at = [p for p in got.problems if p.file == sheet and p.column == column
                  and (p.row == f"rad {k + 2}" or (p.row or "").startswith(f"rad {k + 2} ("))]
            assert at, f"no problem at rad {k + 2}, {column}: {got.problems}"
        return
    if duplicate:
        assert isinstance(got, ScenarioError) and problems_at(got, column="kommunenummer", file=sheet)
        return
    if isinstance(got, ScenarioError):  # e.g. min_total above max_total: a rule, not a cell's form
        assert all(p.column in ("min_total", "max_total") for p in got.problems), got.problems
        return
    assert got.table.numbers == tuple(numbers)
    assert got.table.text("kommune") == tuple(row[1].means for row in grid)
    for j, column in enumerate(header[2:], start=2):
        expected = np.array([np.nan if row[j].means is None else float(row[j].means) for row in grid])
        assert np.array_equal(got.table.numeric(column), expected, equal_nan=True), (column, got.table.numeric(column), expected)
    assert_solves(got)


@settings(FUZZ, max_examples=examples(30))
@given(st.data())
def test_a_workbook_with_random_cells_and_bytes_gives_a_scenario_or_a_located_refusal(data):
    draft = data.draw(drafts(max_rows=4))
    draft.settings["request"] = {g: 3 for g in GROUPS}
    anything = st.one_of(st.none(), st.integers(-(10**12), 10**12), st.floats(allow_nan=False, allow_infinity=False),
                         st.text(ANY_TEXT, max_size=8), st.booleans(), st.datetimes(min_value=datetime.datetime(1900, 3, 1)),
                         st.dates(min_value=datetime.date(1900, 3, 1)), st.sampled_from(["4601", "301", "1 474", "12,5", "nan"]))
    header = data.draw(st.lists(st.one_of(st.sampled_from(draft.header), anything), min_size=1, max_size=8))
    rows = data.draw(st.lists(st.lists(anything, max_size=9), max_size=5))
    book = workbook(draft, rows, header)
    if data.draw(st.booleans()):
        book = data.draw(mutated_bytes(book))
    got = read_upload({"plan.xlsx": book})
    if isinstance(got, Scenario):
        assert_solves(got)


# --------------------------------------------------------------------------- the command line


def _cli_case(draft: Draft, dialect: Dialect, mutation: str | None, data) -> tuple[bytes, bytes]:
    toml, table = draft.toml(), save_table(draft, dialect).data
    if mutation == "bytes":
        table = data.draw(mutated_bytes(table))
    elif mutation == "cell":
        column = data.draw(st.sampled_from([c for c in draft.header if c in BAD and c not in ("sentralitet", "bosatt")]))
        k = data.draw(st.integers(0, len(draft.rows) - 1))
        draft.rows[k][draft.column(column)] = data.draw(st.sampled_from(BAD[column]))
        table = save_table(draft, dialect).data
    elif mutation == "toml":
        path, _, _ = data.draw(st.sampled_from(TOML_RULES))
        _set(draft.settings, path, data.draw(ODD_VALUES))
        toml = tomli_w.dumps(draft.settings).encode("utf-8")
    return toml, table


@settings(FUZZ, max_examples=examples(4))
@given(data=st.data())
def test_command_line_validate_and_solve_agree_and_never_show_a_traceback(data, tmp_path_factory):
    """Several scenarios per example, run together (each command is a new Python process)."""
    folders = []
    for _ in range(3):
        draft = data.draw(drafts())
        mutation = data.draw(st.sampled_from([None, None, "bytes", "cell", "toml"]))
        toml, table = _cli_case(draft, data.draw(dialects(draft.header)), mutation, data)
        folder = tmp_path_factory.mktemp("cli")
        (folder / SETTINGS_FILE).write_bytes(toml)
        (folder / ROWS_FILE).write_bytes(table)
        folders.append(folder)
    commands = [(command, folder, *(["--json"] if command == "solve" else [])) for folder in folders for command in ("validate", "solve")]
    results = run_cli_many(commands)
    for folder, validate, solved in zip(folders, results[::2], results[1::2]):
        note(f"{folder}: validate {validate.returncode} {validate.stderr!r}; solve {solved.returncode} {solved.stderr!r}")
        for result in (validate, solved):
            assert "Traceback" not in result.stderr
            assert result.returncode in (0, 2), result.stderr
            if result.returncode == 2:
                assert "Ugyldig scenario" in result.stderr
                assert SETTINGS_FILE in result.stderr or ROWS_FILE in result.stderr, result.stderr
        assert validate.returncode == solved.returncode, (validate.stderr, solved.stderr)
        if solved.returncode == 0:
            plan = json.loads(solved.stdout)
            for g in GROUPS:
                assert sum(row["allocation"][g] for row in plan["municipalities"]) == plan["settled"][g]
                assert plan["settled"][g] + plan["shortfall"][g] == plan["request"][g]
            event("plan")
        else:
            event("refused")
