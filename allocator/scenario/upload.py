"""A scenario from files a user uploads: the two scenario files, or one Excel workbook."""

from __future__ import annotations

import io
from typing import Mapping

from allocator.scenario.data import MUNICIPALITIES_FILE, SETTINGS_FILE, Scenario
from allocator.scenario.readers import parse_csv, parse_toml
from allocator.scenario.validate import Problem, ScenarioError, build_scenario
from allocator.scenario.workbook import read_workbook

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
EXPECTED = f"last opp enten {SETTINGS_FILE} og {MUNICIPALITIES_FILE} sammen, eller én Excel-arbeidsbok (.xlsx)"


def scenario_from_uploads(files: Mapping[str, bytes]) -> Scenario:
    """Build and validate a scenario from {file name: content}; raise `ScenarioError` otherwise."""
    for name, data in files.items():
        if len(data) > MAX_UPLOAD_BYTES:
            raise ScenarioError([Problem(name, message=f"filen er større enn {MAX_UPLOAD_BYTES // 2**20} MB")])
    by_type = {name.lower().rsplit(".", 1)[-1]: name for name in files}
    if len(files) == 1 and "xlsx" in by_type:
        name = by_type["xlsx"]
        return read_workbook(io.BytesIO(files[name]), label=name)
    if len(files) == 2 and {"toml", "csv"} <= set(by_type):
        toml_name, csv_name = by_type["toml"], by_type["csv"]
        settings, notes = parse_toml(files[toml_name], toml_name)
        rows = parse_csv(files[csv_name], csv_name)
        rows.notes[:0] = notes
        return build_scenario(settings, rows, toml_name, csv_name)
    raise ScenarioError([Problem(", ".join(files) or "opplasting", message=EXPECTED)])
