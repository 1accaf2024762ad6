"""The scenario: what a county is asked to settle and what its municipalities can take.

A scenario lives on disk as a folder with `scenario.toml` (request, housing, key) and
`municipalities.csv` (one row per municipality). Everything downstream (model, plan, app,
exports) works on the validated, immutable `Scenario` built here, never on raw files, so a
rule is checked in exactly one place (`validate.py`).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

GROUPS: tuple[str, ...] = ("adults", "families", "minors", "special_needs")

#: The municipality column that limits each group, and how a unit of it converts to persons.
RESOURCE_OF_GROUP: Mapping[str, str] = {
    "adults": "small_dwellings",
    "families": "family_dwellings",
    "minors": "minor_places",
    "special_needs": "special_places",
}
RESOURCE_COLUMNS: tuple[str, ...] = tuple(RESOURCE_OF_GROUP.values())
LIMIT_COLUMNS: tuple[str, ...] = ("max_total", "min_total", *RESOURCE_COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = ("kommunenummer", "kommune", "population")
#: Free text kept with a municipality, e.g. why its number is locked (shown in the app and exports).
TEXT_COLUMNS: tuple[str, ...] = ("lock_reason",)

SETTINGS_FILE = "scenario.toml"
MUNICIPALITIES_FILE = "municipalities.csv"


@dataclass(frozen=True)
class KeyTerm:
    """One column of the fair-share key.

    A municipality's share from this column is value**exponent over the sum of that across
    municipalities. A `credit` column measures load already carried (e.g. refugees settled in
    earlier years) and lowers the share instead of raising it, as in the Danish key.
    """

    column: str
    weight: float
    exponent: float = 1.0
    credit: bool = False


@dataclass(frozen=True)
class Housing:
    """How dwellings convert to persons (persons per dwelling)."""

    adults_per_small_dwelling: float = 1.0
    persons_per_family_dwelling: float = 3.5


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated scenario. Build it with `load_scenario` or `validate.build_scenario`.

    `municipalities` is indexed by `kommunenummer` (4-digit text) and always has the columns
    `kommune`, `population`, every column in `LIMIT_COLUMNS` (float, NaN = no limit),
    `lock_reason` (text, "" = none), and any further numeric columns of the input.
    """

    name: str
    request: Mapping[str, int]
    municipalities: pd.DataFrame
    key: tuple[KeyTerm, ...] = (KeyTerm("population", 1.0),)
    housing: Housing = field(default_factory=Housing)
    description: str = ""
    year: int | None = None

    @property
    def total_request(self) -> int:
        return sum(self.request.values())

    def group_limit(self, group: str) -> pd.Series:
        """Most persons of `group` each municipality can take from its own resource (inf = no limit)."""
        resource = self.municipalities[RESOURCE_OF_GROUP[group]]
        if group == "adults":
            persons = resource * self.housing.adults_per_small_dwelling
        elif group == "families":
            persons = resource * self.housing.persons_per_family_dwelling
        else:
            persons = resource
        # A small tolerance so 4 dwellings x 3.5 = 14.0 never floors to 13 through rounding error.
        return np.floor(persons + 1e-9).fillna(np.inf)

    def with_changes(self, **changes) -> "Scenario":
        """A copy with some fields replaced (the app's edits go through here)."""
        return dataclasses.replace(self, **changes)


# --------------------------------------------------------------------------- reading


def load_scenario(folder: str | os.PathLike) -> Scenario:
    """Read and validate a scenario folder; raise `ScenarioError` naming every problem found."""
    from .validate import Problem, ScenarioError, build_scenario, read_csv_rows, read_toml

    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError([Problem(str(folder), message="fant ingen scenariomappe her")])
    settings = read_toml(folder / SETTINGS_FILE)
    rows = read_csv_rows(folder / MUNICIPALITIES_FILE)
    return build_scenario(settings, rows, SETTINGS_FILE, MUNICIPALITIES_FILE)


# --------------------------------------------------------------------------- writing


def fingerprint(scenario: Scenario) -> str:
    """A digest of everything that decides the plan: equal scenarios give equal fingerprints."""
    import hashlib
    import json

    settings = json.dumps(settings_dict(scenario), sort_keys=True, ensure_ascii=False)
    table = municipalities_csv_frame(scenario).sort_values("kommunenummer").to_csv(index=False)
    return hashlib.sha256((settings + "\n" + table).encode("utf-8")).hexdigest()


def settings_dict(scenario: Scenario) -> dict:
    """The `scenario.toml` content of a scenario, as plain data."""
    key: dict[str, object] = {}
    for term in scenario.key:
        if term.exponent == 1.0 and not term.credit:
            key[term.column] = term.weight
        else:
            entry: dict[str, object] = {"weight": term.weight, "exponent": term.exponent}
            if term.credit:
                entry["credit"] = True
            key[term.column] = entry
    settings: dict[str, object] = {"name": scenario.name}
    if scenario.description:
        settings["description"] = scenario.description
    if scenario.year is not None:
        settings["year"] = scenario.year
    settings["request"] = {g: int(scenario.request.get(g, 0)) for g in GROUPS}
    settings["housing"] = dataclasses.asdict(scenario.housing)
    settings["key"] = key
    return settings


def municipalities_csv_frame(scenario: Scenario) -> pd.DataFrame:
    """The municipality table as written to `municipalities.csv`: whole numbers, blanks for no limit."""
    table = scenario.municipalities.reset_index()
    out = pd.DataFrame(index=table.index)
    for column in table.columns:
        values = table[column]
        if column in LIMIT_COLUMNS or column == "population":
            out[column] = values.map(lambda v: "" if pd.isna(v) else str(int(v)))
        elif pd.api.types.is_numeric_dtype(values) and column not in TEXT_COLUMNS:
            out[column] = values.map(_format_number)
        else:
            out[column] = values.fillna("").astype(str)
    if (out.get("lock_reason", pd.Series(dtype=str)) == "").all():
        out = out.drop(columns=["lock_reason"], errors="ignore")
    return out


def _format_number(value: float) -> str:
    if pd.isna(value):
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def save_scenario(scenario: Scenario, folder: str | os.PathLike) -> Path:
    """Write a scenario folder atomically: each file is written beside its target, then renamed."""
    import tomli_w

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / SETTINGS_FILE, tomli_w.dumps(settings_dict(scenario)).encode("utf-8"))
    csv_text = municipalities_csv_frame(scenario).to_csv(index=False, lineterminator="\n")
    atomic_write(folder / MUNICIPALITIES_FILE, csv_text.encode("utf-8"))
    return folder


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see either the old or the new file, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
