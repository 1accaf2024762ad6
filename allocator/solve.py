"""Solve a scenario: stage 1 (settle as many as possible), stage 2 (as fair as possible) → `Plan`.

HiGHS (the `highspy` package, in process) is the default LP/MIP solver; CBC, shipped with PuLP 3.x,
is the fallback when highspy is missing. Stage 2's real-valued targets are a quadratic programme
solved by Clarabel (targets.py). A result is accepted only when the solver says the
*solution* is optimal: PuLP maps a HiGHS time-out to status "Optimal", so the model status alone
is not enough.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp

from .highs import BulkHiGHS
from .key import fair_shares
from . import targets
from .model import (
    AllocationModel,
    build_deviation_model,
    build_fair_model,
    build_rounding_model,
    build_settle_model,
    person_limits,
)
from .quarters import WAIT_WEIGHT, Schedule, ScheduleModel, add_schedule, build_schedule_model, objective_expression
from .plan import Plan
from .scenario import GROUPS, Scenario
from .validate import Problem, ScenarioError

DEFAULT_TIME_LIMIT = 60.0
SOLVERS = ("highs", "cbc")


class SolveError(RuntimeError):
    """The solver stopped without an optimal plan (time limit, numerical trouble, …)."""


class InfeasibleScenario(ScenarioError):
    """No plan meets every agreed minimum (min_total) within the limits: the input contradicts itself."""


def _silence_highs_banner() -> None:
    """HiGHS prints a banner to C-level stdout the first time a solver is made in a process,
    before any option can turn output off; it would corrupt `--json` output. Make that first
    instance here with stdout pointed at /dev/null."""
    try:
        import highspy
    except ImportError:
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_silence_highs_banner()


@dataclass
class _SolverRun:
    name: str
    seconds: float = 0.0


def _make_solver(name: str, time_limit: float, tmp_dir: str) -> tuple[pulp.LpSolver, str]:
    if name == "highs":
        # An exact MIP optimum: a relative gap would let the schedule's large objective hide real waiting.
        solver = BulkHiGHS(msg=False, timeLimit=time_limit, threads=1, gapRel=0.0, gapAbs=1e-6)
        if solver.available():
            return solver, "HiGHS"
        name = "cbc"
    if name == "cbc":
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=0.0)
        solver.tmpDir = tmp_dir  # PuLP writes .mps/.sol files there; the directory is removed after
        if solver.available():
            return solver, "CBC"
    raise SolveError(f"ingen LP-løser tilgjengelig (prøvde {name}); installer highspy")


def _run(model: AllocationModel, solver: pulp.LpSolver, run: _SolverRun) -> None:
    started = time.perf_counter()
    model.problem.solve(solver)
    run.seconds += time.perf_counter() - started


def _is_optimal(model: AllocationModel) -> bool:
    return model.problem.status == pulp.LpStatusOptimal and model.problem.sol_status == pulp.LpSolutionOptimal


def _whole_persons(model: AllocationModel, solver: pulp.LpSolver, run: _SolverRun):
    """The allocation in whole persons; re-solve as a MIP in the (unexpected) case the LP is not whole."""
    values = model.allocation()
    if not np.allclose(values, values.round(), atol=1e-6):
        model.set_integer()
        _run(model, solver, run)
        if not _is_optimal(model):
            raise SolveError(f"{run.name} fant ingen optimal plan i hele personer ({pulp.LpStatus[model.problem.status]})")
        values = model.allocation()
    return values.round().astype(int)


def solve(scenario: Scenario, solver: str = "highs", time_limit: float = DEFAULT_TIME_LIMIT) -> Plan:
    """The plan for a scenario: most persons settled, then closest to the fair shares."""
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {SOLVERS}")
    started = time.perf_counter()
    fair = fair_shares(scenario).sort_index()
    with tempfile.TemporaryDirectory(prefix="allocator-") as tmp_dir:
        lp_solver, name = _make_solver(solver, time_limit, tmp_dir)
        run = _SolverRun(name)

        settle = build_settle_model(scenario)
        _run(settle, lp_solver, run)
        if settle.problem.status == pulp.LpStatusInfeasible:
            raise InfeasibleScenario([_explain_infeasible(scenario)])
        if not _is_optimal(settle):
            raise SolveError(f"{name} stoppet uten optimal løsning ({pulp.LpStatus[settle.problem.status]}, tidsgrense {time_limit:g} s)")
        settled = int(round(pulp.value(settle.problem.objective) * -1))

        if targets.available():
            started_targets = time.perf_counter()
            try:
                proportional = targets.proportional_targets(scenario, fair, person_limits(scenario).sort_index(), settled, time_limit)
            except targets.TargetError as exc:
                raise SolveError(str(exc)) from None
            run.seconds += time.perf_counter() - started_targets
            fair_model = build_rounding_model(scenario, proportional, settled)
        else:
            fair_model = build_fair_model(scenario, fair, settled)
        _run(fair_model, lp_solver, run)
        if not _is_optimal(fair_model):
            raise SolveError(f"{name} stoppet uten optimal løsning ({pulp.LpStatus[fair_model.problem.status]}, tidsgrense {time_limit:g} s)")
        allocation = _whole_persons(fair_model, lp_solver, run)
        schedule = None
        if scenario.quarters is not None:
            allocation, schedule = _schedule(scenario, fair, settled, allocation, lp_solver, run)

    order = scenario.municipalities.index
    return Plan(
        scenario=scenario,
        allocation=allocation.reindex(order),
        fair_share=fair.reindex(order),
        solver=f"{name} + Clarabel" if targets.available() else name,
        solve_seconds=run.seconds,
        total_seconds=time.perf_counter() - started,
        schedule=schedule,
    )


def _schedule(scenario: Scenario, fair, settled: int, allocation, lp_solver, run: _SolverRun):
    """Stage 3: the quarterly schedule of the fair yearly plan. With a timeliness weight w, the
    yearly plan may move: a person moves away from the fair plan when that saves at least 1/w
    person-quarters of waiting; the moves are reported in `Schedule.moved_from_fair`."""
    weight = scenario.quarters.timeliness_weight
    if weight > 0:
        model = build_deviation_model(scenario, allocation, settled)
        persons, terms = add_schedule(model.problem, scenario, model.persons, weight=weight / WAIT_WEIGHT)
        model.problem.setObjective(model.problem.objective + objective_expression(terms))
        scheduled = ScheduleModel(model.problem, persons)
    else:
        scheduled = build_schedule_model(scenario, allocation)
    _run(scheduled, lp_solver, run)
    if scheduled.problem.status == pulp.LpStatusInfeasible:
        raise InfeasibleScenario([Problem(
            "municipalities.csv", column="locked_q1–locked_q4",
            message="de låste kvartalstallene kan ikke oppfylles med personene som er klare og boligene som finnes "
                    "i hvert kvartal; løs opp eller endre en kvartalslås.")])
    if not _is_optimal(scheduled):
        raise SolveError(f"{run.name} fant ingen optimal kvartalsplan ({pulp.LpStatus[scheduled.problem.status]})")
    table = scheduled.schedule()
    moved = None
    if weight > 0:
        yearly = table.groupby(level="kommunenummer").sum()[list(GROUPS)]
        moved = pd.DataFrame({"fair_first": allocation.sum(axis=1), "with_timeliness": yearly.sum(axis=1)})
        moved["moved"] = moved["with_timeliness"] - moved["fair_first"]
        allocation = yearly
    return allocation, Schedule(scenario, table, moved)


def _explain_infeasible(scenario: Scenario) -> Problem:
    """Name the agreed minimums, which are the only constraints that can make the model infeasible."""
    agreed = scenario.municipalities["min_total"].fillna(0)
    names = [f"{n} ({scenario.municipalities.at[n, 'kommune']}): {v:.0f}" for n, v in agreed.items() if v > 0]
    shown = "; ".join(names[:10]) + (" …" if len(names) > 10 else "")
    return Problem(
        "municipalities.csv",
        column="min_total",
        message=(
            "de avtalte minimumstallene kan ikke oppfylles samtidig innenfor anmodningen per gruppe og "
            f"kommunenes boliger og plasser. Kommuner med min_total: {shown}. "
            "Senk noen min_total, øk anmodningen i gruppene de trenger, eller øk boliger/plasser."
        ),
    )

