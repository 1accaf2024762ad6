"""Excel workbooks as people save them: sheets read to the same `RawTable` as a CSV (readers.py),
cells as the text a CSV would hold, and the checks only a workbook needs (formula cells without a
saved value, hidden rows and columns)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from allocator.problems import Problem, ScenarioError
from allocator.scenario.readers import RawTable, cell_text, header_below_title, table_from_cells


def read_workbook_sheets(source: str | Path | BinaryIO, label: str) -> dict[str, list[tuple[int, list[Any]]]]:
    """Every sheet of an .xlsx workbook as (sheet row, cell values), blank rows left out."""
    import openpyxl  # on demand: heavy to import (see allocator/__init__)

    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        raise ScenarioError([Problem(label, message="filen er ikke en Excel-arbeidsbok (.xlsx), eller den er skadet; "
                                                    "lagre den på nytt fra Excel som «Excel-arbeidsbok (.xlsx)»")]) from None
    try:
        sheets = {}
        for sheet in book.worksheets:
            rows = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if any(v is not None and str(v).strip() for v in values):
                    rows.append((number, list(values)))
            sheets[sheet.title] = rows
        return sheets
    finally:
        book.close()


def sheet_table(rows: list[tuple[int, list[Any]]], file: str) -> RawTable:
    """A sheet's rows as a `RawTable` (first non-blank row = header), lines = sheet rows."""
    if not rows:
        raise ScenarioError([Problem(file, message="arket er tomt; ventet en overskriftsrad og én rad per kommune")])
    header_below_title(rows, file, "rad")
    (_, header), *data = rows
    width = max(len(header), *(len(values) for _, values in data)) if data else len(header)
    pad = lambda values: [cell_text(v) for v in values] + [""] * (width - len(values))  # noqa: E731
    return table_from_cells(file, pad(header), [(number, pad(values)) for number, values in data], "rad")


def workbook_cell_checks(source: str | Path | BinaryIO, label: str, sheets: dict[str, list[tuple[int, list[Any]]]],
                         titles: tuple[str, ...]) -> tuple[list[Problem], list[str]]:
    """What a workbook's values alone do not show, for the sheets read: a formula cell without a
    saved value (a workbook written by a program that does not calculate: its value reads as
    blank, which in a limit column would be «no limit») is refused by cell; hidden rows and
    columns that hold values are used, and said in a note by row and column."""
    import openpyxl  # on demand: heavy to import (see allocator/__init__)
    from openpyxl.utils import get_column_letter

    if hasattr(source, "seek"):
        source.seek(0)
    try:
        formulas = openpyxl.load_workbook(source, read_only=False, data_only=False)
    except Exception:  # already read once; a failure here is the same failure
        return [], []
    problems: list[Problem] = []
    notes: list[str] = []
    try:
        for title in titles:
            if title not in formulas.sheetnames:
                continue
            sheet, saved = formulas[title], dict(sheets.get(title, []))  # saved values (read_workbook_sheets)
            where = f"{label}, ark {title}"
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" and (cell.column > len(saved.get(cell.row, [])) or saved[cell.row][cell.column - 1] is None):
                        problems.append(Problem(where, f"rad {cell.row}", cell.column_letter, (
                            f"cellen {cell.coordinate} har en formel ({str(cell.value)[:40]}) uten lagret verdi; åpne arbeidsboken i Excel og "
                            "lagre den på nytt (da lagres verdiene), eller skriv inn tallet")))
            hidden_rows = [r for r, dim in sheet.row_dimensions.items() if dim.hidden and any(
                c.value not in (None, "") for c in sheet[r])]
            hidden_columns = []
            for letter, dim in sheet.column_dimensions.items():
                if dim.hidden:
                    low, high = dim.min or 0, dim.max or 0
                    span = range(low, high + 1) if low else [openpyxl.utils.column_index_from_string(letter)]
                    for index in span:
                        if index <= sheet.max_column and any(
                                sheet.cell(r, index).value not in (None, "") for r in range(1, sheet.max_row + 1)):
                            head = sheet.cell(1, index).value
                            hidden_columns.append(get_column_letter(index) + (f" ({head})" if head not in (None, "") else ""))
            if hidden_rows:
                notes.append(f"{where}: {'rad' if len(hidden_rows) == 1 else 'radene'} {', '.join(map(str, hidden_rows[:10]))}"
                             f"{' …' if len(hidden_rows) > 10 else ''} er skjult i Excel, men er med i planen.")
            if hidden_columns:
                notes.append(f"{where}: {'kolonne' if len(hidden_columns) == 1 else 'kolonnene'} {', '.join(hidden_columns[:10])}"
                             f"{' …' if len(hidden_columns) > 10 else ''} er skjult i Excel, men er lest.")
    finally:
        formulas.close()
    return problems, notes
