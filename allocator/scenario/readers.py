"""Scenario files as people really save them: bytes in, plain rows of text cells out.

A municipality table may come as CSV from Norwegian Excel (semicolon-separated, Windows-1252 or
UTF-8 with a byte-order mark, `301` for `0301`), as CSV from other tools (comma or tab), or as a
sheet of an Excel workbook (xlsx.py). Every reader turns its input into the same `RawTable`: the
header with known column names recognised (trimmed, any case, Norwegian or code names), the cells
as text, and the file's own line (or sheet row) of each row, so that `validate.py` checks every
value by one set of rules and points at the line a user sees in their editor.

Nothing is guessed silently: a fallback (Windows-1252, a padded kommunenummer) is reported as a
note, and what cannot be read safely (a row with too many fields, a duplicate or unnamed column
holding data) is refused with the line and a hint how to fix it. No pandas here: the command line
reads and validates a scenario without importing it.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allocator.columns import COLUMNS, header_names
from allocator.files import os_reason
from allocator.labels import COLUMN_LABELS
from allocator.problems import Problem, ScenarioError

#: Columns read under their code whatever the header says (`Maks totalt` → max_total): the input
#: columns of columns.COLUMNS, the one table of known columns and their Norwegian headers.
KNOWN_COLUMNS: tuple[str, ...] = tuple(c.code for c in COLUMNS if c.read_as_code)
SEPARATORS = {";": "semikolon", ",": "komma", "\t": "tabulator"}


@dataclass
class RawTable:
    """Rows of text cells with the file's own line of each row.

    `header` holds the recognised column names; `rows[k][j]` is the text of column j in data row
    k ("" when blank), read from line (or sheet row) `lines[k]`. `problems` are what could not be
    read (a row with a wrong number of fields is left out of `rows` and reported here instead).
    """

    file: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    line_word: str = "linje"
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def column(self, name: str) -> list[str]:
        """The cells of one column, top to bottom (kept: the checks read a column several times)."""
        cache = self.__dict__.setdefault("_columns", {})
        if name not in cache:
            j = self.header.index(name)
            cache[name] = [row[j] for row in self.rows]
        return cache[name]

    def where(self, k: int) -> str:
        return f"{self.line_word} {self.lines[k]}"

    @staticmethod
    def from_records(file: str, header: list[str], rows: list[list[str]], line_word: str = "rad") -> "RawTable":
        """A table from clean header and rows held in memory (the app's own scenario): no file
        lines, so messages name each row by its kommunenummer."""
        return RawTable(file, list(header), [list(r) for r in rows], [], line_word)


@functools.lru_cache(maxsize=1)
def _header_names() -> dict[str, str]:
    """Every accepted header (casefolded) → column code: the codes themselves, the Norwegian labels
    the app and the exports write (labels.COLUMN_LABELS), and common spellings (columns.COLUMNS)."""
    names = {label.casefold(): code for code, label in COLUMN_LABELS.items() if code in KNOWN_COLUMNS}
    names.update(header_names())
    return names


def canonical_header(text: str) -> str:
    """A header cell as a column code: trimmed; known columns in any case or by their Norwegian name."""
    name = " ".join(str(text).split())
    return _header_names().get(name.casefold(), name)


# --------------------------------------------------------------------------- text


def decode_text(data: bytes, file: str, what: str) -> tuple[str, list[str]]:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else Windows-1252 with a note."""
    if data.startswith(b"PK\x03\x04"):
        raise ScenarioError([Problem(file, message=f"filen ser ut som en Excel-arbeidsbok (.xlsx), ikke {what}; "
                                                   "last den opp som .xlsx eller lagre som CSV")])
    # A second byte-order mark (a tool that adds one to a file that has one) is no more text than the first.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").lstrip("\ufeff"), []
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig").lstrip("\ufeff"), []
    except UnicodeDecodeError:
        pass
    try:  # a UTF-8 mark on Windows-1252 text (edited in an editor set to ANSI) would read as «ï»¿»
        text = data.removeprefix(b"\xef\xbb\xbf").decode("cp1252")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(file, message=(
            "filen er verken UTF-8 eller Windows-1252-tekst; lagre den på nytt som «CSV UTF-8» i Excel"))]) from None
    return text, [f"{file}: lest som Windows-1252 (ikke UTF-8); sjekk at æ, ø og å ser riktige ut."]


def detect_separator(text: str) -> str:
    """The separator of the header line: `;`, `,` or tab, whichever splits it into most fields."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    # A title line above the header ("Bosetting 2026") has no separator: the header is the first that has one.
    header = next((line for line in lines if any(_count_outside_quotes(line, sep) for sep in SEPARATORS)), "")
    counts = {sep: _count_outside_quotes(header, sep) for sep in SEPARATORS}
    best = max(counts, key=lambda sep: (counts[sep], sep == ";", sep == ","))
    return best if counts[best] else ","


def _count_outside_quotes(line: str, sep: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == sep and not quoted:
            count += 1
    return count


# --------------------------------------------------------------------------- CSV






def read_file_bytes(path: Path) -> bytes:
    """The bytes of a scenario file, or a Norwegian refusal that says what is there instead: a
    folder, a file spelt differently (`Municipalities.csv`), no access."""
    if path.is_dir():
        raise ScenarioError([Problem(path.name, message=f"{path} er en mappe, ikke en fil; ventet filen {path.name} her")])
    if not path.is_file():
        raise ScenarioError([Problem(path.name, message=_missing_file(path))])
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([Problem(path.name, message=(
                f"filen er {size // 2**20} MB; høyst {MAX_FILE_BYTES // 2**20} MB leses (er dette riktig fil?)"))])
        return path.read_bytes()
    except OSError as exc:
        raise ScenarioError([Problem(path.name, message=f"kan ikke lese {path}: {os_reason(exc)}")]) from None


#: The largest scenario file read (a county table is about 5 kB, the national one 20 kB, 5 000
#: synthetic municipalities 300 kB): bounds the memory any command needs for its input.
MAX_FILE_BYTES = 10 * 2**20


def _missing_file(path: Path) -> str:
    """«filen mangler», with what the folder holds instead when that is probably it."""
    message = f"filen mangler (ventet den i {path.parent})"
    try:
        present = sorted(p.name for p in path.parent.iterdir())
    except OSError:
        return message
    same = [name for name in present if name.casefold() == path.name.casefold()]
    if same:
        return f"{message}; mappen har «{same[0]}»: gi den navnet {path.name} (med små bokstaver)"
    close = difflib.get_close_matches(path.name, present, n=1, cutoff=0.6) or [
        name for name in present if name.casefold().startswith(path.stem.casefold())][:1]
    if close:
        return f"{message}; mappen har «{close[0]}»: er det den? Gi den navnet {path.name}"
    return message


def read_csv_file(path: Path) -> RawTable:
    return parse_csv(read_file_bytes(path), path.name)


_SEP_HINT = re.compile(r'"?sep=([;,\t])"?[ \t]*(?=\r|\n|$)', re.IGNORECASE)


def parse_csv(data: bytes, file: str) -> RawTable:
    """Rows of a CSV file as text, with the separator detected and every record's first line."""
    text, notes = decode_text(data, file, "CSV")
    if "\x00" in text:
        raise ScenarioError([Problem(file, message="filen inneholder binærdata (NUL-tegn); ventet tekst (CSV)")])
    hint = _SEP_HINT.match(text)
    if hint:  # Excel's "sep=;" first line names the separator; it is not the header (lines keep their numbers)
        separator, text = hint.group(1), text[hint.end():]
    else:
        separator = detect_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if any(cell.strip() for cell in record):
                records.append((start, record))
    except csv.Error as exc:
        raise ScenarioError([Problem(file, f"linje {reader.line_num}", message=_csv_error(str(exc)))]) from None
    if not records:
        raise ScenarioError([Problem(file, message="filen er tom; ventet en overskriftsrad og én rad per kommune")])
    header_below_title(records, file, "linje")
    (header_line, header), *data_rows = records
    table = table_from_cells(file, header, data_rows, "linje", SEPARATORS[separator])
    table.notes[:0] = notes
    return table


def header_below_title(records: list[tuple[int, list[str]]], file: str, line_word: str) -> None:
    """Refuse a table whose header is not its first line (a title or a note above it), naming the
    header's line: otherwise the title is read as the header and every column as unnamed."""
    def known(cells: list[Any]) -> int:
        return sum(canonical_header(cell_text(c)) in KNOWN_COLUMNS for c in cells if c is not None)

    if not records or known(records[0][1]) >= 2:
        return
    for line, cells in records[1:10]:
        if known(cells) >= 2:
            first = next((cell_text(c).strip() for c in records[0][1] if cell_text(c).strip()), "")
            raise ScenarioError([Problem(file, f"{line_word} {records[0][0]}", message=(
                f"overskriften står på {line_word} {line}, men {line_word} {records[0][0]} («{first}») er over den; "
                f"slett {'radene' if line_word == 'rad' else 'linjene'} over overskriften (tittel eller merknader), så den blir første {line_word}"))])


def table_from_cells(file: str, header: list[str], data_rows: list[tuple[int, list[str]]], line_word: str,
                      separator_word: str | None = None) -> RawTable:
    """Check the header and each row's width; keep what can be read, report the rest."""
    problems: list[Problem] = []
    width = len(header)
    good: list[tuple[int, list[str]]] = []
    for line, cells in data_rows:
        if len(cells) != width:
            extra = len(cells) > width
            hint = ""
            if extra and separator_word == "komma":
                hint = " (et desimaltall med komma uten anførselstegn, eller et komma for mye på slutten?)"
            elif extra and separator_word:
                hint = f" (et {separator_word} for mye?)"
            elif separator_word:
                hint = f" (mangler et {separator_word}?)"
            problems.append(Problem(file, f"{line_word} {line}", message=(
                f"{line_word} {line} har {len(cells)} felt, overskriften har {width}{hint}")))
        else:
            good.append((line, cells))
    names = [canonical_header(h) for h in header]
    keep: list[int] = []
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if not name:
            filled = next(((line, cells[j]) for line, cells in good if cells[j].strip()), None)
            if filled:
                problems.append(Problem(file, column=f"nr. {j + 1}", message=(
                    f"kolonne nr. {j + 1} har ingen overskrift, men har verdier ({line_word} {filled[0]}: «{filled[1].strip()}»); "
                    "gi den et navn eller slett kolonnen")))
            continue  # an unnamed, empty column (e.g. separators at the end of each line) holds nothing
        first = seen.get(name.casefold())  # «Sentralitet» and «sentralitet» are one column to [key]
        if first is not None:
            spelt = "" if names[first] == name else f" som «{names[first]}» og «{name}»"
            problems.append(Problem(file, column=names[first], message=(
                f"kolonnen finnes to ganger{spelt} (kolonne nr. {first + 1} og {j + 1}); slett den ene")))
            continue
        seen[name.casefold()] = j
        keep.append(j)
    rows = [[cells[j] for j in keep] for _, cells in good]
    return RawTable(file, [names[j] for j in keep], rows, [line for line, _ in good], line_word, [], problems)


# --------------------------------------------------------------------------- TOML


def read_toml_file(path: Path) -> tuple[dict, list[str]]:
    return parse_toml(read_file_bytes(path), path.name)


def parse_toml(data: bytes, file: str) -> tuple[dict, list[str]]:
    """Settings from TOML (a BOM is fine); a syntax error names its line."""
    text, notes = decode_text(data, file, "TOML-tekst")
    try:
        return tomllib.loads(text), notes
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)|\(at end of document\)", str(exc))
        row = f"linje {match.group(1)}, tegn {match.group(2)}" if match and match.group(1) else (
            "slutten av filen" if match else None)
        raise ScenarioError([Problem(file, row, message=f"TOML-syntaksfeil: {_toml_error(str(exc))}")]) from None


#: tomllib's messages (Python 3.11–3.13) in Norwegian; the first words identify them.
_TOML_ERRORS = (
    ("Invalid value", "ugyldig verdi (tekst skal stå i anførselstegn, desimaltall med punktum: 3.5)"),
    ("Expected '=' after a key", "ventet «=» etter navnet"),
    ("Invalid statement", "ugyldig linje; ventet navn = verdi eller [seksjon]"),
    ("Cannot overwrite a value", "verdien er gitt to ganger"),
    ("Cannot declare", "seksjonen er gitt to ganger"),
    ("Cannot mutate", "seksjonen er gitt to ganger"),
    ("Unclosed array", "listen mangler «]»"),
    ("Unclosed inline table", "tabellen mangler «}»"),
    ("Unterminated string", "teksten mangler avsluttende anførselstegn"),
    ("Illegal character", "ugyldig tegn i teksten"),
    ("Invalid initial character for a key part", "ugyldig tegn i navnet; navn med mellomrom eller æøå skrives i anførselstegn"),
    ("Invalid key", "ugyldig navn; navn med mellomrom eller æøå skrives i anførselstegn"),
    ("Expected ']'", "ventet «]»"),
    ("Expected newline or end of document", "ventet linjeskift etter verdien"),
    ("Invalid date or datetime", "ugyldig dato"),
    ("Invalid hex value", "ugyldig tegnkode i teksten"),
    ("Unescaped", "ugyldig tegn i teksten"),
)


def _toml_error(message: str) -> str:
    text = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
    for start, norwegian in _TOML_ERRORS:
        if text.startswith(start):
            return norwegian
    return "filen følger ikke TOML-formatet her (sjekk anførselstegn, «=» og [seksjoner])"


def _csv_error(message: str) -> str:
    """Python's csv errors in Norwegian."""
    limit = re.search(r"field larger than field limit \((\d+)\)", message)
    if limit:
        return f"en celle er lengre enn {int(limit.group(1)):,} tegn; er dette riktig fil?".replace(",", "\u00a0")
    if "new-line character seen in unquoted field" in message:
        return "linjeskift midt i en celle uten anførselstegn; lagre filen på nytt fra Excel"
    return "kunne ikke lese CSV-filen her (sjekk anførselstegn og skilletegn)"


def cell_text(value: Any) -> str:
    """An Excel cell as the text a CSV would hold: 12 not 12.0, blank for empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
