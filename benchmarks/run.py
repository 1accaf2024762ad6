"""Benchmark: medians per case, against the floor of the solvers solving the very same models.

    python -m benchmarks.run [--repeat N] [--quick]

Metrics (milliseconds, median of the runs):
  load    read and validate the scenario files (0 for a scenario made in memory; its generator is
          never timed)
  solver  time inside the solvers during allocator.solve (HiGHS LPs/MIP, Clarabel QP)
  e2e     end to end: load → solve → the plan's document (`Plan.to_dict`, what --json prints;
          writing it as text adds about 3 ms on the national case)
  raw     the floor: every programme that solve handed to a solver, handed again to a fresh solver
          in memory, in the same row and column order (no file round trip, which would change
          HiGHS's presolve path); HiGHS's run() is timed, and Clarabel's setup and solve()
  ratio   e2e / raw
  wall    whole-process wall time of a command (python -m allocator …), or of a sweep

Results go to benchmarks/results/latest.json. To add a case, append to CASES a
(name, callable(repeat) -> {metric: [seconds, …]}, default repeat).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from allocator import Scenario, load_scenario, solve
from allocator.optimize.lp import LinearProgram
from allocator.optimize.solvers import new_highs
from allocator.scenario.data import Counties
from allocator.scenario.validate import validate_scenario

from . import app_speed, store_speed
from .synthetic import synthetic_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
Samples = dict[str, list[float]]


def time_it(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


# --------------------------------------------------------------------------- the solver floor


def floor_seconds(record: list) -> float:
    """Seconds the solvers alone need for the recorded programmes, each handed over in memory."""
    total = 0.0
    for stage, programme, *rest in record:
        if isinstance(programme, LinearProgram):
            h = new_highs(60.0, 0.0, rest[0] if rest else 1e-6)
            programme.pass_to(h)
            started = time.perf_counter()
            h.run()
            total += time.perf_counter() - started
        else:  # the fair-split QP: Clarabel's setup (equilibration, KKT structure) and its solve
            started = time.perf_counter()
            programme.solve(60.0)
            total += time.perf_counter() - started
    return total


# --------------------------------------------------------------------------- cases


def scenario_case(make: Callable[[], Scenario] | Path) -> Callable[[int], Samples]:
    """load (if a folder) → solve → JSON, the solver time inside, and the floor of the same models."""
    folder = make if isinstance(make, Path) else None

    def run(repeat: int) -> Samples:
        scenario = load_scenario(folder) if folder else make()
        solve(scenario)  # warm-up: imports, caches
        e2e, solver, raw, load = [], [], [], []
        for _ in range(repeat):
            record: list = []
            started = time.perf_counter()
            current = load_scenario(folder) if folder else scenario
            loaded = time.perf_counter()
            plan = solve(current, record=record)
            plan.to_dict()
            e2e.append(time.perf_counter() - started)
            load.append(loaded - started)
            solver.append(plan.solve_seconds)
            raw.append(floor_seconds(record))
        return {"load": load, "solver": solver, "e2e": e2e, "raw": raw}

    return run


def folder_with(name: str, change: Callable[[Scenario], Scenario]) -> Callable[[], Scenario]:
    return lambda: change(load_scenario(SCENARIOS / name))


def national_counties(total: int | None = None, cross_border: bool = True) -> Callable[[], Scenario]:
    """All 357 municipalities with each county's real 2026 request (the catalog's national
    scenario), settlement across county borders on, optionally scaled to `total` persons."""

    def make() -> Scenario:
        from allocator.analysis.sweep import scaled
        from allocator.scenario.catalog import scenario_files
        from allocator.scenario.upload import scenario_from_uploads

        settings, rows = scenario_files("Norge", 2026)
        scenario = scenario_from_uploads({"scenario.toml": settings.encode(), "municipalities.csv": rows.encode()})
        scenario = validate_scenario(scenario.with_changes(counties=Counties(scenario.counties.requests, cross_border=cross_border)))
        return scaled(scenario, total) if total else scenario

    return make


def sweep_case(make: Callable[[], Scenario], totals: list[int], workers: int = 2) -> Callable[[int], Samples]:
    def run(repeat: int) -> Samples:
        from allocator.analysis.sweep import sweep

        scenario = make()
        return {"wall": time_it(lambda: sweep(scenario, totals, workers=workers), repeat)}

    return run


def command_case(*args: str) -> Callable[[int], Samples]:
    """Whole-process wall time of `python -m allocator ARGS`."""

    def run(repeat: int) -> Samples:
        argv = [sys.executable, "-m", "allocator", *args]
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)  # warm the file cache

        def once() -> None:
            result = subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
            assert result.returncode == 0, result.stderr.decode()

        return {"wall": time_it(once, repeat)}

    return run


def call_case(make: Callable[[], Scenario], work: Callable[[Scenario], object]) -> Callable[[int], Samples]:
    """In-process wall time of one call on a scenario made once (not timed)."""

    def run(repeat: int) -> Samples:
        scenario = make()
        work(scenario)  # warm-up: imports, caches
        return {"e2e": time_it(lambda: work(scenario), repeat)}

    return run


def _explain(scenario: Scenario) -> object:
    from allocator.analysis.explain import explain

    return explain(scenario, "4601")  # Bergen: held by its minor places


def _diagnose(scenario: Scenario) -> object:
    from allocator.analysis.diagnose import diagnose

    return diagnose(scenario)


def _calibrate(scenario: Scenario) -> object:
    from allocator.analysis.calibrate import calibrate

    return calibrate(scenario, "anmodning_2024")


def national_pool(total: int) -> Scenario:
    """norge-2026 (all 357 municipalities as one pool) with its request scaled to `total` persons."""
    from allocator.whole import split_by_shares

    scenario = load_scenario(SCENARIOS / "norge-2026")
    request = scenario.request
    shares = [v / sum(request.values()) for v in request.values()]
    return scenario.with_changes(request=dict(zip(request, split_by_shares(total, shares))))


def national_table_2024() -> Scenario:
    """All 357 municipalities with the 2024 county requests and the real 2024 requests per municipality."""
    from allocator.scenario.catalog import scenario_files
    from allocator.scenario.upload import scenario_from_uploads

    settings, rows = scenario_files("Norge", 2024)
    return scenario_from_uploads({"scenario.toml": settings.encode(), "municipalities.csv": rows.encode()})


def _year(scenario: Scenario) -> object:
    from allocator.analysis.year import year_state

    return year_state(scenario).to_dict()


def _round2(scenario: Scenario) -> object:
    from allocator.analysis.round2 import round2

    return round2(scenario).to_dict()


def _revise(scenario: Scenario) -> object:
    from allocator.analysis.revise import revise

    return revise(scenario, 30_000).to_dict()  # the need rises from the 28 436 agreed


def _followup(scenario: Scenario) -> object:
    from allocator.analysis.followup import followup

    return followup(scenario).to_dict()


def national_2024_quarters() -> Scenario:
    """The national 2024 year with settled figures per quarter (Q1–Q3 reached; the year's settled
    figure spread 30/35/35 %), so follow-up computes bonus, schedule and projection."""
    from allocator.whole import split_by_shares

    scenario = national_table_2024()
    settled = np.nan_to_num(scenario.table.numeric("bosatt"))
    quarters = np.array([split_by_shares(int(v), [0.3, 0.35, 0.35]) for v in settled], dtype=float).reshape(-1, 3)
    columns = {f"bosatt_q{q + 1}": quarters[:, q] for q in range(3)}
    columns["bosatt_q4"] = np.full(len(settled), np.nan)
    columns["bosatt"] = np.full(len(settled), np.nan)
    return scenario.with_changes(table=scenario.table.with_columns(columns))


def scale_cases() -> list[tuple[str, Callable[[int], Samples], int]]:
    return [(f"synthetic-{n}", scenario_case(lambda n=n: synthetic_scenario(n, check=False)), 3) for n in (357, 1000, 2000, 5000)]


def without_quarters(scenario: Scenario) -> Scenario:
    return scenario.with_changes(quarters=None)


def with_quarters(scenario: Scenario) -> Scenario:
    from allocator.scenario.data import Quarters

    return scenario.with_changes(quarters=Quarters.evenly(scenario.request))


CASES: list[tuple[str, Callable[[int], Samples], int]] = [
    ("vestland-2026 (year)", scenario_case(folder_with("vestland-2026", without_quarters)), 9),
    ("trondelag-2026", scenario_case(SCENARIOS / "trondelag-2026"), 9),
    ("vestland-2026 (quarters)", scenario_case(SCENARIOS / "vestland-2026"), 5),
    ("norge-2026", scenario_case(SCENARIOS / "norge-2026"), 7),
    ("norge-2026 (quarters)", scenario_case(folder_with("norge-2026", with_quarters)), 3),
    ("norge per county, across borders", scenario_case(national_counties()), 5),
    ("norge per county 22 000, across borders", scenario_case(national_counties(22_000)), 5),
    *scale_cases(),
    ("sweep 15 totals, norge-2026", sweep_case(lambda: load_scenario(SCENARIOS / "norge-2026"), list(range(5000, 40001, 2500))), 3),
    ("sweep 15 totals, norge per county", sweep_case(national_counties(), list(range(5000, 40001, 2500))), 3),
    ("explain one municipality, norge-2026", call_case(lambda: load_scenario(SCENARIOS / "norge-2026"), _explain), 5),
    ("diagnose, norge per county 22 000", call_case(national_counties(22_000, cross_border=False), _diagnose), 3),
    ("diagnose, norge per county 22 000 across borders", call_case(national_counties(22_000), _diagnose), 3),
    ("diagnose, norge-2026 as one pool of 30 000", call_case(lambda: national_pool(30_000), _diagnose), 3),
    ("calibrate on the national table", call_case(national_table_2024, _calibrate), 3),
    ("settlement year: year, national 2024", call_case(national_table_2024, _year), 9),
    ("settlement year: round2, national 2024", call_case(national_table_2024, _round2), 9),
    ("settlement year: revise, national 2024", call_case(national_table_2024, _revise), 9),
    ("settlement year: followup, national 2024 by quarter", call_case(national_2024_quarters, _followup), 9),
    ("cli --help", command_case("--help"), 7),
    ("cli validate vestland", command_case("validate", "scenarios/vestland-2026"), 7),
    ("cli solve trondelag", command_case("solve", "scenarios/trondelag-2026"), 7),
    ("cli solve vestland --json", command_case("solve", "scenarios/vestland-2026", "--json"), 7),
]

# (label, case, metric, limit): metrics in ms; "ratio" is e2e / raw.
TARGETS = [
    ("county plan end to end <= 30 ms", "trondelag-2026", "e2e", 30.0),
    ("county plan (Vestland, year) end to end <= 30 ms", "vestland-2026 (year)", "e2e", 30.0),
    ("national plan end to end <= 150 ms", "norge-2026", "e2e", 150.0),
    ("national plan <= 1.5 x the solvers' own time", "norge-2026", "ratio", 1.5),
    ("national plan with quarters <= 1.5 s", "norge-2026 (quarters)", "e2e", 1500.0),
    ("national per county across borders <= 1 s", "norge per county 22 000, across borders", "e2e", 1000.0),
    ("national per county across borders <= 2 x the solvers", "norge per county 22 000, across borders", "ratio", 2.0),
    ("5,000 municipalities <= 2 s", "synthetic-5000", "e2e", 2000.0),
    ("15-point national sweep on 2 cores <= 10 s", "sweep 15 totals, norge-2026", "wall", 10000.0),
    ("15-point national sweep per county <= 10 s", "sweep 15 totals, norge per county", "wall", 10000.0),
    ("explain one municipality, national <= 0.3 s", "explain one municipality, norge-2026", "e2e", 300.0),
    ("diagnose national <= 1 s", "diagnose, norge per county 22 000", "e2e", 1000.0),
    ("diagnose national across borders <= 5 s", "diagnose, norge per county 22 000 across borders", "e2e", 5000.0),
    ("calibrate on the national table <= 10 s", "calibrate on the national table", "e2e", 10000.0),
    ("year, national 2024 <= 150 ms", "settlement year: year, national 2024", "e2e", 150.0),
    ("round2, national 2024 <= 150 ms", "settlement year: round2, national 2024", "e2e", 150.0),
    ("revise, national 2024 <= 150 ms", "settlement year: revise, national 2024", "e2e", 150.0),
    ("followup, national 2024 <= 50 ms", "settlement year: followup, national 2024 by quarter", "e2e", 50.0),
    ("--help <= 0.4 s", "cli --help", "wall", 400.0),
    ("validate <= 0.4 s", "cli validate vestland", "wall", 400.0),
    ("county solve from the command line <= 0.8 s", "cli solve trondelag", "wall", 800.0),
]

# The store of saved scenarios (benchmarks/store_speed.py; `--only store` runs just these).
CASES += store_speed.CASES
TARGETS += store_speed.TARGETS

# The app in a browser, as users meet it (benchmarks/app_speed.py; `--only app` runs just these).
CASES += app_speed.CASES
TARGETS += app_speed.TARGETS


def fitted_exponent(results: dict) -> float | None:
    """The exponent b of e2e ≈ a·n^b fitted over the synthetic sizes (least squares on logs)."""
    points = [(int(name.split("-")[1]), r["median_ms"]["e2e"]) for name, r in results.items() if name.startswith("synthetic-")]
    if len(points) < 2:
        return None
    n, t = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(n, t, 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, help="runs per measurement (default per case)")
    parser.add_argument("--only", help="run only the cases whose name contains this text")
    args = parser.parse_args()
    results = {}
    for name, case, default in CASES:
        if args.only and args.only not in name:
            continue
        samples = case(args.repeat or default)
        medians = {k: 1000 * statistics.median(v) for k, v in samples.items()}
        if "e2e" in medians and "raw" in medians:
            medians["ratio"] = medians["e2e"] / medians["raw"]
        results[name] = {"median_ms": medians, "samples_ms": {k: [round(1000 * s, 3) for s in v] for k, v in samples.items()}}
        print(f"  {name}: " + ", ".join(f"{k} {v:.1f}" for k, v in medians.items()), file=sys.stderr)

    columns = ("load", "solver", "e2e", "raw", "ratio", "wall")
    print(f"{'case':<50}" + "".join(f"{c:>9}" for c in columns) + "   (ms, medians; ratio = e2e / raw)")
    for name, result in results.items():
        cells = [result["median_ms"].get(c) for c in columns]
        print(f"{name:<50}" + "".join(f"{'-':>9}" if v is None else f"{v:>9.1f}" if c != "ratio" else f"{v:>9.2f}"
                                      for c, v in zip(columns, cells)))
    exponent = fitted_exponent(results)
    if exponent is not None:
        print(f"\ntime grows as n^{exponent:.2f} between 357 and 5,000 municipalities (target: no faster than n^1.2)")
    print()
    verdicts = []
    for label, case, metric, limit in TARGETS:
        if case not in results:
            continue
        value = results[case]["median_ms"].get(metric, math.nan)
        verdicts.append({"target": label, "case": case, "value": value, "limit": limit, "pass": value <= limit})
        print(f"{'PASS' if value <= limit else 'MISS'}  {label}: {value:.2f}")
    if exponent is not None:
        verdicts.append({"target": "time grows no faster than n^1.2", "value": exponent, "limit": 1.2, "pass": exponent <= 1.2})
        print(f"{'PASS' if exponent <= 1.2 else 'MISS'}  time grows no faster than n^1.2: n^{exponent:.2f}")

    import pandas as pd
    import pulp

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "versions": {"pulp": pulp.__version__, "highspy": new_highs(1.0).version(), "numpy": np.__version__, "pandas": pd.__version__},
        "cases": results, "targets": verdicts, "exponent": exponent,
    }, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        main()
