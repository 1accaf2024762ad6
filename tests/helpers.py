"""Shared builders for the allocator tests.

- scenario folders on disk from TOML and CSV text (`write_scenario`, `scenario_toml`, `municipalities_csv`);
- `Scenario` objects in memory (`make_scenario`), bypassing the file readers;
- `solve_and_check`: every plan a test makes goes through the independent checker;
- `max_settled`: an independent "how many can be settled at most" model written directly with
  scipy.optimize.milp from the scenario's columns (it does not use allocator.model);
- `run_cli`: the command line in a subprocess, as a user runs it.
"""

from __future__ import annotations

import csv
import io
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from allocator import GROUPS, Housing, KeyTerm, Scenario, check_plan, solve
from allocator.check import violations
from allocator.scenario.data import LIMIT_COLUMNS, RESOURCE_OF_GROUP

REPO = Path(__file__).resolve().parent.parent
#: Property tests run `examples(n)` examples: n by default, ten times n with HYPOTHESIS_PROFILE=long.
EXAMPLES_SCALE = 10 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 1


def examples(n: int) -> int:
    return n * EXAMPLES_SCALE
SCENARIOS = REPO / "scenarios"

CSV_COLUMNS = ("kommunenummer", "kommune", "population", *LIMIT_COLUMNS)

# --------------------------------------------------------------------------- scenario folders


def scenario_toml(
    request: Mapping[str, object] | None = None,
    key: str = "population = 1.0",
    name: str = "Testfylke 2026",
    extra: str = "",
    top: str = "",
) -> str:
    """TOML text of a scenario; `key` is the body of the [key] table, `top` goes before the first
    table (top-level keys), `extra` is appended at the end (further tables)."""
    request = {"adults": 20, "families": 14, "minors": 3, "special_needs": 2} if request is None else request
    lines = [f'name = "{name}"', textwrap.dedent(top), "[request]"]
    lines += [f"{group} = {value}" for group, value in request.items()]
    lines += ["", "[key]", key, ""]
    return "\n".join(lines) + textwrap.dedent(extra)


DEFAULT_ROWS: tuple[dict[str, str], ...] = (
    {"kommunenummer": "4601", "kommune": "Bergen", "population": "291940"},
    {"kommunenummer": "4602", "kommune": "Kinn", "population": "17349"},
    {"kommunenummer": "4611", "kommune": "Etne", "population": "4072"},
    {"kommunenummer": "4612", "kommune": "Sveio", "population": "5742"},
)


def municipalities_csv(
    rows: Iterable[Mapping[str, object]] = DEFAULT_ROWS,
    columns: Iterable[str] = CSV_COLUMNS,
    changes: Mapping[tuple[str, str], object] | None = None,
) -> str:
    """CSV text with `columns`; cells not given are blank. `changes[(kommunenummer, column)]` overrides a cell."""
    columns = list(columns)
    changes = dict(changes or {})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = {c: ("" if row.get(c) is None else str(row.get(c))) for c in columns}
        for (number, column), value in changes.items():
            if row.get("kommunenummer") == number:
                cells[column] = str(value)
        writer.writerow([cells[c] for c in columns])
    return buffer.getvalue()


def write_scenario(folder: Path, toml: str | None = None, csv: str | None = None) -> Path:
    """A scenario folder; pass toml=False / csv=False to leave that file out."""
    folder.mkdir(parents=True, exist_ok=True)
    if toml is not False:
        (folder / "scenario.toml").write_text(scenario_toml() if toml is None else toml, encoding="utf-8")
    if csv is not False:
        (folder / "municipalities.csv").write_text(municipalities_csv() if csv is None else csv, encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- scenarios in memory


def numbers_for(n: int, start: int = 1001) -> list[str]:
    return [f"{start + i:04d}" for i in range(n)]


def make_scenario(
    populations: Iterable[int],
    request: Mapping[str, int],
    limits: Mapping[int | str, Mapping[str, float]] | None = None,
    key: tuple[KeyTerm, ...] = (KeyTerm("population", 1.0),),
    housing: Housing | None = None,
    numbers: Iterable[str] | None = None,
    extra_columns: Mapping[str, Iterable[float]] | None = None,
    name: str = "Test",
) -> Scenario:
    """A `Scenario` built directly, with the columns the library documents.

    `limits` maps a municipality (position or kommunenummer) to {column: value} for columns in
    LIMIT_COLUMNS; everything else is NaN (no limit).
    """
    populations = [int(p) for p in populations]
    numbers = list(numbers) if numbers is not None else numbers_for(len(populations))
    table = pd.DataFrame(
        {"kommune": [f"Kommune {n}" for n in numbers], "population": populations},
        index=pd.Index(numbers, name="kommunenummer"),
    )
    for column in LIMIT_COLUMNS:
        table[column] = np.nan
    table["lock_reason"] = ""
    for column, values in (extra_columns or {}).items():
        table[column] = [float(v) for v in values]
    for where, cells in (limits or {}).items():
        number = numbers[where] if isinstance(where, int) else where
        for column, value in cells.items():
            table.at[number, column] = np.nan if value is None else float(value)
    full_request = {g: 0 for g in GROUPS}
    full_request.update({g: int(v) for g, v in request.items()})
    return Scenario(name=name, request=full_request, municipalities=table, key=tuple(key), housing=housing or Housing())


# --------------------------------------------------------------------------- solving


def solve_and_check(scenario: Scenario, **kwargs):
    """Solve and pass the plan through the independent checker; return the plan."""
    plan = solve(scenario, **kwargs)
    check_plan(plan, scenario)
    assert violations(plan, scenario) == []
    assert list(plan.allocation.columns) == list(GROUPS)
    assert set(plan.allocation.index) == set(scenario.municipalities.index)
    return plan


def own_limits(scenario: Scenario) -> pd.DataFrame:
    """u_ig computed here from the raw columns: dwellings × persons per dwelling (rounded down), places."""
    table = scenario.municipalities
    per_unit = {
        "adults": scenario.housing.adults_per_small_dwelling,
        "families": scenario.housing.persons_per_family_dwelling,
        "minors": 1.0,
        "special_needs": 1.0,
    }
    out = {}
    for group, resource in RESOURCE_OF_GROUP.items():
        out[group] = [
            math.inf if math.isnan(v) else math.floor(v * per_unit[group] + 1e-9) for v in table[resource].astype(float)
        ]
    return pd.DataFrame(out, index=table.index)


def max_settled(scenario: Scenario) -> int | None:
    """The most persons any plan can settle (None when no plan meets every min_total).

    Independent of allocator.model: an integer program over x_ig written with scipy.optimize.milp.
    """
    table = scenario.municipalities
    numbers = list(table.index)
    n, m = len(numbers), len(GROUPS)
    caps = own_limits(scenario)
    var = lambda i, g: i * m + g  # noqa: E731
    upper = np.array([min(caps.iat[i, g], scenario.request[GROUPS[g]]) for i in range(n) for g in range(m)], dtype=float)
    rows, lows, highs = [], [], []
    for g, group in enumerate(GROUPS):
        row = np.zeros(n * m)
        row[[var(i, g) for i in range(n)]] = 1
        rows.append(row)
        lows.append(0)
        highs.append(scenario.request[group])
    for i, number in enumerate(numbers):
        row = np.zeros(n * m)
        row[[var(i, g) for g in range(m)]] = 1
        low, high = table.at[number, "min_total"], table.at[number, "max_total"]
        rows.append(row)
        lows.append(0 if math.isnan(low) else low)
        highs.append(math.inf if math.isnan(high) else high)
    result = milp(
        c=-np.ones(n * m),
        constraints=LinearConstraint(np.array(rows), lows, highs),
        integrality=np.ones(n * m),
        bounds=Bounds(np.zeros(n * m), upper),
    )
    if result.status == 2:  # infeasible
        return None
    assert result.status == 0, result.message
    return int(round(-result.fun))


def per_group_scale(plan, held: Iterable[str]) -> dict[str, float]:
    """t_g: what the municipalities not in `held` got, relative to their fair shares, per group."""
    held = list(held)
    others = [n for n in plan.allocation.index if n not in held]
    scale = {}
    for g in GROUPS:
        fair = plan.fair_share.loc[others, g].sum()
        scale[g] = (plan.settled[g] - plan.allocation.loc[held, g].sum()) / fair if fair > 0 else 0.0
    return scale


# --------------------------------------------------------------------------- command line


def run_cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python -m allocator ARGS` from the project folder, as a user runs it."""
    return run_cli_many([args], timeout=timeout)[0]


def run_cli_many(commands: Iterable[Iterable[str]], timeout: float = 180) -> list[subprocess.CompletedProcess]:
    """Several `python -m allocator ...` runs started together (they are independent), in order."""
    started = []
    for args in commands:
        argv = [sys.executable, "-m", "allocator", *map(str, args)]
        process = subprocess.Popen(
            argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8"
        )
        started.append((argv, process))
    results = []
    for argv, process in started:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            raise AssertionError(f"{' '.join(argv)} took longer than {timeout} s") from None
        results.append(subprocess.CompletedProcess(argv, process.returncode, out, err))
    return results


def assert_caught(plan, fragment: str) -> None:
    """The independent checker names a broken rule containing `fragment`, and check_plan raises."""
    from allocator import PlanViolation

    found = violations(plan, plan.scenario)
    assert any(fragment in v for v in found), found
    try:
        check_plan(plan)
    except PlanViolation:
        return
    raise AssertionError("check_plan accepted a plan that breaks a rule")


def with_allocation(plan, allocation):
    """The plan with its persons replaced by a table (kommunenummer × group): a tampered plan for the checker."""
    return plan.replace(persons=allocation.reindex(list(plan.scenario.table.numbers))[list(GROUPS)].to_numpy())


#: Debian's Chromium, which the browser tests drive (CI installs it; without it they are skipped).
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (CI installs the Debian chromium package)"
)


def wait_idle(page) -> None:
    """Wait until the app has finished its run (Streamlit shows its status widget while running; a
    click during a run may be dropped, and the old and new element can both be on the page)."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=60_000)


def independent_optimum(scenario) -> tuple[int, int]:
    """(most persons settled, fewest persons across borders among such plans), by scipy milp.

    Variables y[c, i, g]: persons of county c's request in group g settled in municipality i.
    """
    table = scenario.municipalities
    counties = sorted(scenario.counties.requests)
    numbers = list(table.index)
    of = list(table["fylke"])
    caps = own_limits(scenario)
    cross = scenario.counties.cross_border
    C, n, m = len(counties), len(numbers), len(GROUPS)
    var = lambda c, i, g: (c * n + i) * m + g  # noqa: E731
    size = C * n * m
    upper = np.zeros(size)
    for c, fylke in enumerate(counties):
        for i in range(n):
            for g in range(m):
                allowed = cross or of[i] == fylke
                upper[var(c, i, g)] = min(caps.iat[i, g], scenario.counties.requests[fylke][GROUPS[g]]) if allowed else 0
    rows, lows, highs = [], [], []

    def add(coefficients: dict[int, float], low: float, high: float) -> None:
        row = np.zeros(size)
        for k, v in coefficients.items():
            row[k] = v
        rows.append(row)
        lows.append(low)
        highs.append(high)

    for c, fylke in enumerate(counties):
        for g in range(m):
            add({var(c, i, g): 1 for i in range(n)}, 0, scenario.counties.requests[fylke][GROUPS[g]])
        if cross and scenario.counties.max_share is not None:
            add({var(c, i, g): 1 for i in range(n) if of[i] != fylke for g in range(m)}, 0,
                math.floor(scenario.counties.max_share * sum(scenario.counties.requests[fylke].values()) + 1e-9))
    for i, number in enumerate(numbers):
        for g in range(m):
            add({var(c, i, g): 1 for c in range(C)}, 0, caps.iat[i, g])
        low, high = table.at[number, "min_total"], table.at[number, "max_total"]
        add({var(c, i, g): 1 for c in range(C) for g in range(m)}, 0 if math.isnan(low) else low, math.inf if math.isnan(high) else high)
    constraints = LinearConstraint(np.array(rows), lows, highs)
    first = milp(-np.ones(size), constraints=constraints, integrality=np.ones(size), bounds=Bounds(np.zeros(size), upper))
    assert first.status == 0, first.message
    settled = int(round(-first.fun))
    crossing = np.array([1.0 if of[i] != counties[c] else 0.0 for c in range(C) for i in range(n) for g in range(m)])
    second = milp(crossing, constraints=[constraints, LinearConstraint(np.ones(size), settled, settled)],
                  integrality=np.ones(size), bounds=Bounds(np.zeros(size), upper))
    assert second.status == 0, second.message
    return settled, int(round(second.fun))
