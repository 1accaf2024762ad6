"""Reading a scenario folder into a validated `Scenario`: the files, then every rule.

`load_scenario` is the door every command, the app and the tests come in by: nothing downstream reads
a scenario file itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from allocator.problems import Problem, ScenarioError
from allocator.scenario.data import MUNICIPALITIES_FILE, SETTINGS_FILE, Scenario
from allocator.scenario.readers import read_csv_file, read_toml_file
from allocator.scenario.validate import build_scenario


def load_scenario(folder: str | os.PathLike, agreed_minimums: bool = True) -> Scenario:
    """Read and validate a scenario folder; raise `ScenarioError` naming every problem found
    (`agreed_minimums=False`: all but whether minimums and locks can be met together, for `diagnose`)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError([Problem(str(folder), message="fant ingen scenariomappe her")])
    settings, settings_notes = read_toml_file(folder / SETTINGS_FILE)
    rows = read_csv_file(folder / MUNICIPALITIES_FILE)
    scenario = build_scenario(settings, rows, SETTINGS_FILE, MUNICIPALITIES_FILE, agreed_minimums=agreed_minimums)
    return scenario.with_changes(notes=(*settings_notes, *scenario.notes)) if settings_notes else scenario
