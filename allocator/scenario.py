"""The scenario: what a county is asked to settle and what its municipalities can take.

A scenario lives on disk as a folder with `scenario.toml` (request, housing, key) and
`municipalities.csv` (one row per municipality). Everything downstream (model, plan, app,
exports) works on the validated, immutable `Scenario` built here, never on raw files, so a
rule is checked in exactly one place (`validate.py`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

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

QUARTERS: tuple[int, ...] = (1, 2, 3, 4)
#: Quarters allowed from ready to settled: the national targets are 6 months for adults and
#: 3 months for unaccompanied minors and families with children (IMDi).
DEFAULT_DEADLINES: Mapping[str, int] = {"adults": 2, "families": 1, "minors": 1, "special_needs": 2}
#: Year-1 integration grant per person, NOK, 2024 rates: single adult 241,100; adult or child in a
#: family 194,400; unaccompanied minor 187,000; special needs = single adult + the one-off
#: special-needs grant 196,400.
DEFAULT_GRANTS: Mapping[str, float] = {"adults": 241_100, "families": 194_400, "minors": 187_000, "special_needs": 437_500}
BASELINE_PATTERNS: Mapping[str, tuple[float, ...]] = {"even": (0.25, 0.25, 0.25, 0.25), "backloaded": (0.1, 0.2, 0.3, 0.4)}
#: Dwellings/places added during the year: `<resource>_q<n>` (e.g. family_dwellings_q3).
DATED_COLUMNS: tuple[str, ...] = tuple(f"{r}_q{q}" for r in RESOURCE_COLUMNS for q in QUARTERS)
#: A municipality's quarterly schedule locked in persons per quarter (blank = free).
SCHEDULE_LOCK_COLUMNS: tuple[str, ...] = tuple(f"locked_q{q}" for q in QUARTERS)

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


def split_by_shares(total: int, shares: Sequence[float]) -> list[int]:
    """`total` whole persons split by shares, largest remainders first (the earlier part on ties)."""
    scale = sum(shares) or 1.0
    raw = [total * share / scale for share in shares]
    counts = [math.floor(v + 1e-9) for v in raw]
    for k in sorted(range(len(raw)), key=lambda k: (-(raw[k] - counts[k]), k))[: total - sum(counts)]:
        counts[k] += 1
    return counts


def even_split(total: int, parts: int = 4) -> tuple[int, ...]:
    """`total` in `parts` whole numbers as equal as possible, earlier parts first (46 → 12,12,11,11)."""
    return tuple(split_by_shares(int(total), [1.0] * parts))


@dataclass(frozen=True)
class Quarters:
    """When persons become ready for settlement, and how fast they should be settled.

    `ready[g][q-1]`: persons of group g whose residence permit comes in quarter q.
    `deadline[g]`: quarters allowed from ready to settled (1 = within 3 months).
    `timeliness_weight` w: 0 keeps the yearly split exactly as fair as without quarters and only
    then settles as early as possible; w > 0 moves a person from one municipality to another in
    the yearly split when that saves at least 1/w person-quarters of waiting.
    `baseline`: the quarterly pattern the optimised schedule is compared with.
    """

    ready: Mapping[str, tuple[int, ...]]
    deadline: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_DEADLINES))
    timeliness_weight: float = 0.0
    baseline: str | tuple[float, ...] = "even"

    @staticmethod
    def evenly(request: Mapping[str, int]) -> "Quarters":
        return Quarters(ready={g: even_split(request[g]) for g in GROUPS})

    @property
    def baseline_shares(self) -> tuple[float, ...]:
        if isinstance(self.baseline, str):
            return BASELINE_PATTERNS[self.baseline]
        return tuple(self.baseline)


@dataclass(frozen=True)
class Incentives:
    """The KS idea priced: a bonus per person settled early, a deduction for Q4 pile-ups (NOK).

    No such scheme exists; the defaults are illustrative. A municipality pays `q4_deduction` for
    each person settled in Q4 beyond `q4_threshold` × its yearly number (rounded down).
    """

    bonus: tuple[float, ...] = (50_000.0, 25_000.0, 0.0, 0.0)
    q4_threshold: float = 0.4
    q4_deduction: float = 25_000.0
    grant: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_GRANTS))


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
    quarters: Quarters | None = None
    incentives: Incentives = field(default_factory=Incentives)

    @property
    def total_request(self) -> int:
        return sum(self.request.values())

    def resource_available(self, resource: str, quarter: int | None = None) -> pd.Series:
        """Dwellings or places of one kind per municipality (NaN = no limit).

        With `quarter`, only what exists by the end of that quarter: the undated column plus what
        is added (`<resource>_q<n>`) up to it; without, the whole year's. A blank undated cell
        with dated additions means none until they come ("0 now, 2 from Q3"), not "no limit".
        """
        table = self.municipalities
        dated = [f"{resource}_q{q}" for q in QUARTERS if f"{resource}_q{q}" in table]
        available = table[resource].copy()
        if dated:
            available = available.where(available.notna() | table[dated].isna().all(axis=1), 0.0)
        for q in QUARTERS[: quarter or len(QUARTERS)]:
            if f"{resource}_q{q}" in dated:
                available = available + table[f"{resource}_q{q}"].fillna(0)
        return available

    def group_limit(self, group: str, quarter: int | None = None) -> pd.Series:
        """Most persons of `group` each municipality can take from its own resource (inf = no limit)."""
        resource = self.resource_available(RESOURCE_OF_GROUP[group], quarter)
        if group == "adults":
            persons = resource * self.housing.adults_per_small_dwelling
        elif group == "families":
            persons = resource * self.housing.persons_per_family_dwelling
        else:
            persons = resource
        # A small tolerance so 4 dwellings x 3.5 = 14.0 never floors to 13 through rounding error.
        return np.floor(persons + 1e-9).fillna(np.inf)

    def total_bounds(self) -> tuple[pd.Series, pd.Series]:
        """min_total and max_total per municipality, tightened by a locked quarterly schedule.

        Locked quarters must be settled, so the year is at least their sum; with all four quarters
        locked the year is exactly that. (0 and NaN = no bound.)
        """
        table = self.municipalities
        low, high = table["min_total"].copy(), table["max_total"].copy()
        locks = [c for c in SCHEDULE_LOCK_COLUMNS if c in table]
        if locks:
            locked = table[locks]
            low = np.fmax(low, locked.sum(axis=1, min_count=1))
            all_four = locked.notna().sum(axis=1) == len(QUARTERS)
            high = high.where(~all_four, np.fmin(high, locked.sum(axis=1)))
        return low, high

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
    if scenario.quarters is not None:
        quarters = scenario.quarters
        settings["quarters"] = {
            "ready": {g: list(quarters.ready[g]) for g in GROUPS},
            "deadline": dict(quarters.deadline),
            "timeliness_weight": quarters.timeliness_weight,
            "baseline": quarters.baseline if isinstance(quarters.baseline, str) else list(quarters.baseline),
        }
    incentives = scenario.incentives
    if scenario.quarters is not None or incentives != Incentives():
        settings["incentives"] = {
            "bonus": list(incentives.bonus),
            "q4_threshold": incentives.q4_threshold,
            "q4_deduction": incentives.q4_deduction,
            "grant": dict(incentives.grant),
        }
    return settings


def municipalities_csv_frame(scenario: Scenario) -> pd.DataFrame:
    """The municipality table as written to `municipalities.csv`: whole numbers, blanks for no limit."""
    table = scenario.municipalities.reset_index()
    out = pd.DataFrame(index=table.index)
    for column in table.columns:
        values = table[column]
        if column in LIMIT_COLUMNS or column == "population":
            out[column] = values.map(_format_number)  # a fraction stays visible, so validation refuses it
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
