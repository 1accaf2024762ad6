"""Plans out to CSV and Excel; scenarios in from the same Excel workbook.

The workbook is meant to be attached to an agreement and to be loaded again: besides the plan it
holds the scenario's inputs (settings, key, municipalities) in sheets that `read_workbook` turns
back into the same `Scenario`, so the same plan follows.

Everything a person reads is bokmål: headers from `labels` (column_label, GROUP_LABELS,
LIMIT_LABELS), groups and limits as words, blanks as empty cells, and numbers stored as numbers
(shown by Excel in the user's own number format, 1 474 and 270,2 on a Norwegian PC). Only the
settings' field names (`request.adults` …), the key's column names and the plain CSV's headers
stay in the stable codes: they are the machine contract (the TOML and the `--json` names).
Workbooks written before the headers were Norwegian (field/value, column/weight, code headers in
`kommuner`) still load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from allocator.files import slugify
from allocator.output.tables import (
    plan_csv_bytes,
)
from allocator.output.workbook import (
    XLSX_MIME,
    plan_workbook_bytes,
)
from allocator.plan import Plan

# --------------------------------------------------------------------------- the plan table


@dataclass(frozen=True)
class Download:
    """A file the app offers: button text, how to make its content (only when clicked), file name,
    MIME type and a tooltip (bokmål)."""

    label: str
    make: Callable[[], bytes] = field(compare=False)
    file_name: str
    mime: str
    help: str

    @property
    def data(self) -> bytes:
        return self.make()


def _file_stem(plan: Plan) -> str:
    return slugify(plan.scenario.name) or "plan"


def csv_download(plan: Plan, dialect: str = "excel") -> Download:
    """The plan as CSV for a download button: `excel` (for Norwegian Excel) or `plain` (other tools)."""
    stem = _file_stem(plan)
    if dialect == "excel":
        return Download("Last ned CSV for Excel", lambda: plan_csv_bytes(plan, "excel"), f"{stem}.csv", "text/csv",
                        "Semikolon, desimalkomma og norske overskrifter, slik norsk Excel leser CSV.")
    if dialect == "plain":
        return Download("Last ned CSV (komma, punktum)", lambda: plan_csv_bytes(plan, "plain"), f"{stem}-komma.csv", "text/csv",
                        "For andre verktøy: komma, desimalpunktum og kolonnenavn som i JSON (kommunenummer, adults …).")
    raise ValueError(f"ukjent CSV-form «{dialect}»; bruk excel eller plain")


def plan_downloads(plan: Plan) -> list[Download]:
    """Everything the export tab offers: the workbook, the CSV for Excel and the CSV for other tools."""
    workbook = Download("Last ned Excel (.xlsx)", lambda: plan_workbook_bytes(plan), f"{_file_stem(plan)}.xlsx", XLSX_MIME,
                        "Planen med sammendrag, forutsetninger, nøkkel og låser; kan lastes opp igjen og gir samme plan.")
    return [workbook, csv_download(plan, "excel"), csv_download(plan, "plain")]


# --------------------------------------------------------------------------- the workbook's sheets


# --------------------------------------------------------------------------- writing files


# --------------------------------------------------------------------------- reading a workbook


