"""Who solves the programmes, and stage 1: the most persons the limits allow.

Every stage of the plan (the grant, the yearly plan, the schedule) hands its programmes to one
`SolverRun`, which picks HiGHS (in process) or CBC, counts the seconds spent inside the solvers and
accepts a result only when the solver says it is optimal. Stage 1 lives here because every later
stage and the grant start from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from allocator.optimize.lp import LinearProgram
from allocator.optimize.model import Network, build_settle_model
from allocator.optimize.solvers import Solution, highs_available, solve_lp
from allocator.problems import Problem, ScenarioError
from allocator.scenario.data import Scenario

SOLVERS = ("highs", "cbc")


class SolveError(RuntimeError):
    """The solver stopped without an optimal plan (time limit, numerical trouble, …)."""


class InfeasibleScenario(ScenarioError):
    """No plan meets every agreed minimum (min_total) within the limits: the input contradicts itself."""


@dataclass
class SolverRun:
    """Which solver runs the linear programmes, and the seconds spent inside the solvers."""

    backend: str
    name: str
    time_limit: float
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    record: list | None = None  # (stage, programme) of every solve, for the benchmark's solver floor

    def solve(self, lp: LinearProgram, stage: str, abs_gap: float = 1e-6) -> Solution:
        if self.record is not None:
            self.record.append((stage, lp, abs_gap))
        solution = solve_lp(lp, self.backend, self.time_limit, 0.0, abs_gap)
        self.seconds += solution.seconds
        self.stages[stage] = self.stages.get(stage, 0.0) + solution.seconds
        return solution

    def require_optimal(self, solution: Solution, what: str) -> None:
        if solution.status != "optimal":
            limit = f", tidsgrense {self.time_limit:g} s" if solution.status == "time_limit" else ""
            raise SolveError(f"{self.name} stoppet uten optimal {what} ({solution.detail}{limit})")


def solver_run(solver: str, time_limit: float) -> SolverRun:
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {SOLVERS}")
    if solver == "highs" and highs_available():
        return SolverRun("highs", "HiGHS", time_limit)
    return SolverRun("cbc", "CBC", time_limit)


def settle_most(net: Network, run: SolverRun, scenario: Scenario) -> int:
    """Stage 1: S*, the most persons the limits allow (InfeasibleScenario when minimums conflict)."""
    settle = build_settle_model(net)
    solution = run.solve(settle.lp, "settle")
    if solution.status == "infeasible":
        raise InfeasibleScenario([explain_infeasible(scenario)])
    run.require_optimal(solution, "løsning")
    return int(round(solution.objective))


def explain_infeasible(scenario: Scenario) -> Problem:
    """Name the agreed minimums, which are the only constraints that can make the model infeasible."""
    table = scenario.table
    agreed = np.nan_to_num(table.numeric("min_total"))
    names = table.text("kommune")
    listed = [f"{n} ({names[k]}): {agreed[k]:.0f}" for k, n in enumerate(table.numbers) if agreed[k] > 0]
    shown = "; ".join(listed[:10]) + (" …" if len(listed) > 10 else "")
    return Problem(
        "municipalities.csv",
        column="min_total",
        message=(
            "de avtalte minimumstallene kan ikke oppfylles samtidig innenfor anmodningen per gruppe og "
            f"kommunenes boliger og plasser. Kommuner med min_total: {shown}. "
            "Senk noen min_total, øk anmodningen i gruppene de trenger, eller øk boliger/plasser."
        ),
    )
