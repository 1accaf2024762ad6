"""Benchmark: medians per stage for each case, against the floor of HiGHS solving the same models directly.

    python -m benchmarks.run [--repeat N]

Metrics (milliseconds, median of the runs): load (read + validate the files); solver (time inside
the solvers during allocator.solve: stage 1 LP, stage 2a QP, stage 2b rounding LP, stage 3
schedule MIP when the scenario has quarters); tables (municipality_table, summary_table, to_dict);
e2e (load → allocator.solve → tables); raw (the floor: the same LPs/MIP written as MPS and solved by
highspy directly, only `run()` timed, plus the QP, which is already solved by highspy directly);
app_edit (a changed max_total → the app's edit path → new plan → the tables the app shows).
ratio = e2e / raw. To add a case, append `(name, callable, repeat)` to CASES: the callable takes
`repeat` and returns {metric: [seconds, ...]} for any of METRICS (a missing metric prints as "-").
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
from allocator import targets as qp
from allocator.model import build_rounding_model, build_settle_model, person_limits
from allocator.quarters import build_schedule_model
from allocator.scenario import LIMIT_COLUMNS, RESOURCE_COLUMNS, Quarters
from allocator.solve import DEFAULT_TIME_LIMIT
from allocator.validate import validate_scenario
from allocator.views import apply_editor_edits, editor_frame, plan_view

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
METRICS = ("load", "solver", "tables", "e2e", "raw", "app_edit")


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
            h.setOptionValue("threads", 1)
            h.readModel(path)
            return h

        runs = [time_it(lambda h: h.run(), repeat, setup=lambda p=path: fresh(p)) for path in paths]
    return [sum(t) for t in zip(*runs)]


def floor_models(scenario: Scenario, plan) -> tuple[list[pulp.LpProblem], Callable[[], None]]:
    """The LP/MIP models allocator.solve builds, and the QP solve (already direct highspy)."""
    settled = sum(plan.settled.values())
    fair = fair_shares(scenario).sort_index()
    limits = person_limits(scenario).sort_index()
    targets = qp.proportional_targets(scenario, fair, limits, settled, DEFAULT_TIME_LIMIT)
    models = [build_settle_model(scenario).problem, build_rounding_model(scenario, targets, settled).problem]
    if scenario.quarters is not None:
        models.append(build_schedule_model(scenario, plan.allocation).problem)
    return models, lambda: qp.proportional_targets(scenario, fair, limits, settled, DEFAULT_TIME_LIMIT)


def scenario_case(source: Path | Callable[[], Scenario], quarters: bool = False) -> Callable[[int], dict]:
    """Every metric for one scenario: a folder (load timed) or a function that makes it (load = 0)."""
    folder = source if isinstance(source, Path) else None

    def make() -> Scenario:
        scenario = load_scenario(folder) if folder else source()
        return scenario.with_changes(quarters=Quarters.evenly(scenario.request)) if quarters and scenario.quarters is None else scenario

    def run(repeat: int) -> dict[str, list[float]]:
        scenario = make()
        plan = solve(scenario)  # warm-up
        models, solve_targets = floor_models(scenario, plan)
        solver_seconds: list[float] = []

        def end_to_end() -> None:
            result = solve(make())
            solver_seconds.append(result.solve_seconds)
            tables(result)

        e2e = time_it(end_to_end, repeat)
        raw = [lp + qp_time for lp, qp_time in zip(raw_highs(models, repeat), time_it(solve_targets, repeat))]
        return {
            "load": time_it(lambda: load_scenario(folder), repeat) if folder else [0.0] * repeat,
            "solver": solver_seconds,
            "tables": time_it(tables, repeat, setup=lambda: dataclasses.replace(plan)),  # fresh caches
            "e2e": e2e,
            "raw": raw,
        }
    return run


def app_edit_case(folder: Path) -> Callable[[int], dict]:
    """A changed cap to a new plan, through the app's code path (views → edits → solve → views)."""

    def run(repeat: int) -> dict[str, list[float]]:
        base = load_scenario(folder)
        plan = solve(base)
        frame = editor_frame(base, plan)
        largest = int(np.argmax(plan.allocation.sum(axis=1).reindex(frame.index)))
        current = int(plan.allocation.sum(axis=1).iloc[largest])
        caps = iter(range(current - 1, current - 1 - 10 * repeat, -3))  # a new cap each run: no cache

        def edit() -> None:
            scenario = apply_editor_edits(base, plan, base, frame, {largest: {"max_total": next(caps)}})
            new_plan = solve(scenario)
            plan_view(new_plan, plan), editor_frame(scenario, new_plan, plan)

        return {"app_edit": time_it(edit, repeat)}
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
    ("norge-2026+quarters", scenario_case(ROOT / "scenarios" / "norge-2026", quarters=True), 3),
    ("vestland app edit", app_edit_case(ROOT / "scenarios" / "vestland-2026"), 7),
    ("norge app edit", app_edit_case(ROOT / "scenarios" / "norge-2026"), 3),
]
# (label, case, metric, limit): metric in METRICS is in ms; "ratio" is e2e / raw.
TARGETS = [
    ("county plan end to end <= 300 ms", "vestland-2026", "e2e", 300.0),
    ("national plan end to end <= 2000 ms", "norge-2026", "e2e", 2000.0),
    ("national plan (synthetic) end to end <= 2000 ms", "synthetic-357", "e2e", 2000.0),
    ("end to end <= 2 x raw HiGHS (national)", "norge-2026", "ratio", 2.0),
    ("national plan with quarters end to end <= 3000 ms", "norge-2026+quarters", "e2e", 3000.0),
    ("changed cap to new plan, county <= 300 ms", "vestland app edit", "app_edit", 300.0),
    ("changed cap to new plan, national <= 2000 ms", "norge app edit", "app_edit", 2000.0),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, help="runs per measurement (default: 7 county, 5 national)")
    args = parser.parse_args()
    results = {}
    for name, case, default in CASES:
        samples = case(args.repeat or default)
        medians = {k: 1000 * statistics.median(v) for k, v in samples.items()}
        if "e2e" in medians and "raw" in medians:
            medians["ratio"] = medians["e2e"] / medians["raw"]
        results[name] = {"median_ms": medians, "samples_ms": {k: [1000 * s for s in v] for k, v in samples.items()}}

    columns = (*METRICS, "ratio")
    print(f"{'case':<22}" + "".join(f"{c:>10}" for c in columns) + "   (ms, medians; ratio = e2e / raw)")
    for name, result in results.items():
        cells = [result["median_ms"].get(c) for c in columns]
        print(f"{name:<22}" + "".join(f"{'-':>10}" if v is None else f"{v:>10.1f}" for v in cells))
    print()
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
