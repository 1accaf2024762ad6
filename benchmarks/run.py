"""Benchmark: medians per stage for each case, against the floor of HiGHS solving the same model directly.

    python -m benchmarks.run [--repeat N]

Stages (milliseconds, median of the runs): load (read + validate the files), build (fair shares and
both models), solve (the two PuLP → HiGHS solver calls), tables (municipality_table, summary_table,
to_dict), e2e (load → allocator.solve → tables). raw2 is the stage-2 model written as MPS and solved
by highspy directly (only `run()` is timed), raw12 the same for stage 1 + stage 2. ratio = e2e / raw2.
To add a case, append `(name, callable)` to CASES: the callable takes `repeat` and returns
{metric: [seconds, ...]} for any of METRICS (a missing metric prints as "-").
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import highspy
import numpy as np
import pandas as pd
import pulp

from allocator import GROUPS, KeyTerm, Scenario, fair_shares, load_scenario, solve
from allocator.model import build_fair_model, build_settle_model
from allocator.scenario import LIMIT_COLUMNS, RESOURCE_COLUMNS
from allocator.solve import DEFAULT_TIME_LIMIT
from allocator.validate import validate_scenario

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
METRICS = ("load", "build", "solve", "tables", "e2e", "raw2", "raw12")


def time_it(fn: Callable, repeat: int, setup: Callable | None = None) -> list[float]:
    """Seconds per call of `fn` (given `setup()`'s result when there is a setup, which is not timed)."""
    times = []
    for _ in range(repeat):
        arg = setup() if setup else None
        started = time.perf_counter()
        fn(arg) if setup else fn()
        times.append(time.perf_counter() - started)
    return times


def tables(plan) -> None:
    plan.municipality_table(), plan.summary_table(), plan.to_dict()


def raw_highs(models: list[pulp.LpProblem], repeat: int) -> list[float]:
    """Summed `Highs.run()` seconds per run for the models, each exported to MPS and read fresh."""
    with tempfile.TemporaryDirectory(prefix="allocator-bench-") as tmp:
        paths = [os.path.join(tmp, f"{p.name}.mps") for p in models]
        for problem, path in zip(models, paths):
            problem.writeMPS(path)

        def fresh(path: str) -> highspy.Highs:
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            h.readModel(path)
            return h

        runs = [time_it(lambda h: h.run(), repeat, setup=lambda p=path: fresh(p)) for path in paths]
        check = fresh(paths[-1])  # the floor must solve the same problem to the same optimum
        check.run()
        assert check.getModelStatus() == highspy.HighsModelStatus.kOptimal
        assert abs(check.getInfo().objective_function_value - pulp.value(models[-1].objective)) < 1e-6
    return [sum(t) for t in zip(*runs)]


def scenario_case(source: Path | Callable[[], Scenario]) -> Callable[[int], dict]:
    """Every metric for one scenario: a folder (load timed) or a function that makes it (load = 0)."""
    folder = source if isinstance(source, Path) else None

    def run(repeat: int) -> dict[str, list[float]]:
        scenario = load_scenario(folder) if folder else source()
        plan = solve(scenario)  # warm-up, and the number settled for stage 2
        settled = sum(plan.settled.values())
        fair = fair_shares(scenario).sort_index()
        highs = pulp.HiGHS(msg=False, timeLimit=DEFAULT_TIME_LIMIT, threads=1)  # as allocator.solve
        models = lambda: (build_settle_model(scenario), build_fair_model(scenario, fair, settled))

        def solve_both(pair) -> None:
            for model in pair:
                model.problem.solve(highs)

        def build() -> None:
            fair_shares(scenario).sort_index()
            models()

        def end_to_end() -> None:
            tables(solve(load_scenario(folder) if folder else scenario))

        built = models()
        solve_both(built)
        return {
            "load": time_it(lambda: load_scenario(folder), repeat) if folder else [0.0] * repeat,
            "build": time_it(build, repeat),
            "solve": time_it(solve_both, repeat, setup=models),
            "tables": time_it(tables, repeat, setup=lambda: dataclasses.replace(plan)),  # fresh caches
            "e2e": time_it(end_to_end, repeat),
            "raw2": raw_highs([built[1].problem], repeat),
            "raw12": raw_highs([m.problem for m in built], repeat),
        }
    return run


def synthetic_scenario(n: int = 357, seed: int = 2026) -> Scenario:
    """A national-size scenario with every limit in use and some of each binding (deterministic)."""
    rng = np.random.default_rng(seed)
    request = {"adults": 6051, "families": 5619, "minors": 651, "special_needs": 679}  # 13,000
    population = np.clip(rng.lognormal(9.0, 1.2, n), 200, 720_000).round()
    share = population**0.6 / (population**0.6).sum()
    fair = {g: share * request[g] for g in GROUPS}
    slack = lambda tight: np.where(rng.random(n) < tight, rng.uniform(0.3, 0.9, n), rng.uniform(1.2, 2.5, n))
    table = pd.DataFrame({"kommune": [f"Kommune {i}" for i in range(n)], "population": population.astype(int)})
    table["small_dwellings"] = np.ceil(fair["adults"] * slack(0.25))
    table["family_dwellings"] = np.ceil(fair["families"] * slack(0.25) / 3.5)
    table["minor_places"] = np.where(rng.random(n) < 0.4, 0, np.ceil(2 * fair["minors"] * slack(0.25)))
    table["special_places"] = np.ceil(fair["special_needs"] * slack(0.25))
    fair_total = sum(fair.values())
    table["max_total"] = np.ceil(fair_total * slack(0.2))
    room = sum(np.minimum(table[r] * f, request[g]) for r, f, g in zip(RESOURCE_COLUMNS, (1, 3.5, 1, 1), GROUPS))
    low = np.floor(np.minimum.reduce([fair_total * rng.uniform(1.1, 1.4, n), 0.9 * room, table["max_total"]]))
    table["min_total"] = np.where(rng.random(n) < 0.15, low, np.nan)
    table = table[["kommune", "population", *LIMIT_COLUMNS]].astype({c: float for c in LIMIT_COLUMNS})
    table["lock_reason"] = ""
    table.index = pd.Index([f"{1001 + i:04d}" for i in range(n)], name="kommunenummer")
    scenario = Scenario("Syntetisk 357", request, table, key=(KeyTerm("population", 1.0, 0.6),), year=2026)
    validate_scenario(scenario)  # raises if the generator ever makes an invalid scenario
    binding = solve(scenario).binding_summary().set_index("limit")["municipalities"]  # raises if infeasible
    missing = [code for code in LIMIT_COLUMNS if binding[code] == 0]
    assert not missing, f"synthetic case: no municipality at {missing}"
    return scenario


CASES: list[tuple[str, Callable[[int], dict], int]] = [  # (name, callable, default repeat)
    ("vestland-2026", scenario_case(ROOT / "scenarios" / "vestland-2026"), 7),
    ("norge-2026", scenario_case(ROOT / "scenarios" / "norge-2026"), 5),
    ("synthetic-357", scenario_case(synthetic_scenario), 5),
    # ---- APP EDIT CASE (to be added): time from a changed cap (e.g. max_total of one municipality,
    # via Scenario.with_changes) to a new plan, as the app does it. Append something like
    #   ("vestland-2026 app edit", app_edit_case(ROOT / "scenarios" / "vestland-2026"), 7),
    # where the callable returns {"app_edit": time_it(...)}; add "app_edit" to METRICS and a TARGETS row.
]
# (label, case, metric, limit): metric in METRICS is in ms; "ratio" is e2e / raw2.
TARGETS = [
    ("county plan end to end <= 300 ms", "vestland-2026", "e2e", 300.0),
    ("national plan end to end <= 2000 ms", "norge-2026", "e2e", 2000.0),
    ("national plan (synthetic) end to end <= 2000 ms", "synthetic-357", "e2e", 2000.0),
    ("end to end <= 2 x raw HiGHS (national)", "norge-2026", "ratio", 2.0),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, help="runs per measurement (default: 7 county, 5 national)")
    args = parser.parse_args()
    results = {}
    for name, case, default in CASES:
        samples = case(args.repeat or default)
        medians = {k: 1000 * statistics.median(v) for k, v in samples.items()}
        if "e2e" in medians and "raw2" in medians:
            medians["ratio"] = medians["e2e"] / medians["raw2"]
            medians["ratio12"] = medians["e2e"] / medians["raw12"]
        results[name] = {"median_ms": medians, "samples_ms": {k: [1000 * s for s in v] for k, v in samples.items()}}

    columns = (*METRICS, "ratio", "ratio12")
    print(f"{'case':<16}" + "".join(f"{c:>9}" for c in columns) + "   (ms, medians; ratio = e2e / raw2)")
    for name, result in results.items():
        cells = [result["median_ms"].get(c) for c in columns]
        print(f"{name:<16}" + "".join(f"{'-':>9}" if v is None else f"{v:>9.1f}" for v in cells))
    print("\n(e2e solves two stages; raw2 = stage-2 model alone in highspy, raw12 = stage 1 + stage 2)\n")
    verdicts = []
    for label, case, metric, limit in TARGETS:
        value = results[case]["median_ms"][metric]
        verdicts.append({"target": label, "case": case, "value": value, "limit": limit, "pass": value <= limit})
        print(f"{'PASS' if value <= limit else 'MISS'}  {label}: {value:.2f}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": {"pulp": pulp.__version__, "highspy": highspy.Highs().version(), "numpy": np.__version__, "pandas": pd.__version__},
        "cases": results, "targets": verdicts,
    }, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
