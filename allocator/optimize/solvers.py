"""Solving a `LinearProgram`: HiGHS in process (one hand-over of the arrays), CBC through PuLP
where highspy is missing, and programmes solved part by part (independent counties one at a time)
with an optional tie-break. Every solve returns a `Solution` whose status says whether the answer
may be used; callers accept only "optimal" (or say how far from it a time limit left them).
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from allocator.optimize.lp import DEFAULT_TIME_LIMIT, INF, LinearProgram

highspy = None  # imported on first use: the command line's --help must not pay for the solver


def _highspy():
    """The highspy module, or None when it is not installed (CBC through PuLP is the fallback)."""
    global highspy
    if highspy is None:
        try:
            import highspy as module  # on demand: heavy to import (see allocator/__init__)
        except ImportError:
            return None
        highspy = module
    return highspy


@dataclass
class Solution:
    """What a solver returned. `status` is "optimal", "infeasible", "unbounded", "time_limit" or
    "error"; `detail` is the solver's own word for it."""

    status: str
    detail: str
    x: np.ndarray
    objective: float
    seconds: float
    row_dual: np.ndarray | None = None
    col_dual: np.ndarray | None = None
    proven_gap: float | None = None  # MIP: |objective − best bound|
    untied_parts: int = 0  # solve_in_parts: parts whose tie-break did not finish, left at their first optimum

    def values(self, lp: LinearProgram, family: str) -> np.ndarray:
        block = lp.columns[family]
        return self.x[block.start:block.stop]

    def duals(self, lp: LinearProgram, family: str) -> np.ndarray:
        block = lp.rows[family]
        return self.row_dual[block.start:block.stop]


_BANNER_SILENCED = False


def _silence_highs_banner() -> None:
    """HiGHS prints a banner to C-level stdout the first time a solver is made in a process,
    before any option can turn output off; it would corrupt `--json` output. Make that first
    instance with stdout pointed at /dev/null."""
    global _BANNER_SILENCED
    if _BANNER_SILENCED or _highspy() is None:
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
    _BANNER_SILENCED = True


def highs_available() -> bool:
    return _highspy() is not None


def new_highs(time_limit: float, rel_gap: float = 0.0, abs_gap: float = 1e-6):
    """A silent, single-threaded (deterministic) HiGHS instance. A MIP stops when its proven gap is
    within `abs_gap` (or `rel_gap` of the objective)."""
    _silence_highs_banner()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    h.setOptionValue("mip_abs_gap", float(abs_gap))
    return h


def run_highs(h, lp: LinearProgram) -> Solution:
    """Run an instance that holds `lp` (passed or changed in place) and read the result."""
    started = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - started
    model_status = h.getModelStatus()
    detail = h.modelStatusToString(model_status)
    statuses = highspy.HighsModelStatus
    status = {
        statuses.kOptimal: "optimal",
        statuses.kInfeasible: "infeasible",
        statuses.kUnbounded: "unbounded",
        statuses.kUnboundedOrInfeasible: "infeasible",
        statuses.kTimeLimit: "time_limit",
    }.get(model_status, "error")
    info = h.getInfo()
    solution = h.getSolution()
    has_values = solution.value_valid
    x = np.asarray(solution.col_value) if has_values else np.full(lp.num_cols, np.nan)
    sign = -1.0 if lp.maximize else 1.0
    objective = sign * info.objective_function_value if has_values else math.nan
    row_dual = col_dual = None
    if solution.dual_valid:
        row_dual = sign * np.asarray(solution.row_dual)
        col_dual = sign * np.asarray(solution.col_dual)
    gap = None
    if lp.integer.any() and has_values:
        gap = abs(info.objective_function_value - info.mip_dual_bound)
    return Solution(status, detail, x, objective, seconds, row_dual, col_dual, gap)


def solve_lp(lp: LinearProgram, solver: str = "highs", time_limit: float = DEFAULT_TIME_LIMIT, rel_gap: float = 0.0,
             abs_gap: float = 1e-6, start: np.ndarray | None = None) -> Solution:
    """Solve with HiGHS (in memory, one hand-over) or CBC (through PuLP). `start`: a feasible
    solution HiGHS may begin a MIP from (HiGHS only). Without highspy, "highs" means CBC, the fallback
    the README promises: every caller asking for the default solver then gets CBC, never an
    AttributeError."""
    if solver == "highs" and not highs_available():
        solver = "cbc"
    if solver == "highs":
        h = new_highs(time_limit, rel_gap, abs_gap)
        lp.pass_to(h)
        if start is not None:
            h.setSolution(len(start), np.arange(len(start), dtype=np.int32), np.asarray(start, dtype=float))
        return run_highs(h, lp)
    if solver == "cbc":
        return _solve_cbc(lp, time_limit, rel_gap, abs_gap)
    raise ValueError(f"unknown solver {solver!r}")


def solve_in_parts(lp: LinearProgram, time_limit: float = DEFAULT_TIME_LIMIT, abs_gap: float = 1e-6,
                   then: np.ndarray | None = None, then_time_limit: float | None = None) -> Solution:
    """Solve a programme part by part with HiGHS: its independent parts (counties that share no
    flows) one at a time. Why: a branch-and-bound over the whole works on all parts at once and can
    spend seconds closing gaps that part by part close in milliseconds; the optimum is the same.

    With `then` (a second cost per column), each part's optimum is followed by a tie-break: among
    the solutions just as good, the least `then`-cost, searched over the columns the relaxation of
    that question uses and those of the first optimum (a restricted search, as in RENS). Why not one
    objective with a small weight on the second: that makes the objective fractional, so HiGHS
    cannot round its bound up to the next whole unit, and proving the first optimum took it up to a
    minute. Why restricted: the full tie-break spent 10–25 s in HiGHS's cut rounds on national
    cases, ignoring the time limit; the restricted one takes under 2 s and came within 0.2 % of it.

    `then_time_limit` caps the seconds of each part's tie-break. A tie-break that does not finish
    within it keeps the part's first optimum (counted in `untied_parts`), not the best found by
    then: that would depend on how far a machine gets in the time, and the same scenario must give
    the same answer everywhere.

    The status is the worst part's; `proven_gap` sums the parts' gaps on the first cost (0 when
    every part was proven optimal)."""
    x = np.full(lp.num_cols, np.nan)
    started = time.perf_counter()
    status, detail, gap, untied = "optimal", "Optimal", 0.0, 0

    def left() -> float:
        return max(time_limit - (time.perf_counter() - started), 0.01)

    for cols, part in lp.parts():
        if _fixed_alone(part):
            x[cols] = part.col_lower  # its only solution, in both steps
            continue
        first = _first_optimum(part, left, abs_gap)
        if first.status != "optimal":
            status, detail = first.status, first.detail
        if np.isnan(first.x).any():
            break  # infeasible, or no solution within the time
        x[cols] = first.x
        gap += first.proven_gap or 0.0
        second_cost = then[cols] if then is not None else None
        if second_cost is None or not second_cost.any():
            continue
        priced = np.flatnonzero(part.cost)
        second = part.copy()
        second.add_rows("first_objective", -INF, first.objective + abs_gap + 1e-9 * abs(first.objective),
                        np.zeros(len(priced)), priced, part.cost[priced])
        second.set_cost(np.arange(part.num_cols), second_cost)
        relaxed = second.copy()
        relaxed.set_integer(False)
        guide = solve_lp(relaxed, time_limit=left())
        if np.isnan(guide.x).any():
            continue
        closed = priced[(guide.x[priced] <= 1e-6) & (first.x[priced] <= 0.5)]
        second.set_bounds(closed, 0.0, 0.0)
        tie_time = left() if then_time_limit is None else min(left(), then_time_limit)
        tie = solve_lp(second, time_limit=tie_time, start=first.x if highs_available() else None)
        if tie.status == "optimal" and not np.isnan(tie.x).any():
            x[cols] = tie.x
        else:
            untied += 1
    objective = float(np.dot(lp.cost, x)) if not np.isnan(x).any() else math.nan
    return Solution(status, detail, x, objective, time.perf_counter() - started, proven_gap=gap, untied_parts=untied)


#: Seconds each restricted search of `_first_optimum` may take; one that does not finish is left
#: out (so what the answer starts from never depends on the machine's speed).
RESTRICTED_SECONDS = 5.0


def _whole_objective(lp: LinearProgram) -> bool:
    """Whether every solution's cost is a whole number: costs only on integer columns, each whole."""
    priced = lp.cost != 0
    return bool(priced.any() and lp.integer[priced].all() and np.array_equal(lp.cost, np.round(lp.cost)))


def _first_optimum(part: LinearProgram, left, abs_gap: float) -> Solution:
    """A part's optimum, proven, for a minimum whose cost is a whole number, found by two restricted
    searches before the full one. Why: on national diagnoses HiGHS had its bound within a unit of
    the optimum in 0.2 s, then spent 3–5 s in its root heuristics looking for a solution that
    reached it; the restricted searches find one in under a second, and then the proof is at hand.

    The relaxation's optimum L bounds the cost from below, and so does its bound rounded up,
    B = ⌈L⌉ (the cost is whole; for the same reason HiGHS may stop once its bound is within less
    than a unit of its best solution). First, only the priced columns the relaxation uses (as in
    RENS; the others held at their lower bounds): a solution costing B is the optimum. Then the
    columns whose reduced cost r_j exceeds B − L held at their lower bounds: a solution costing at
    most B has Σ r_j (x_j − l_j) ≤ B − L, so it cannot move them, and this search holds every
    solution of cost B. Its optimum is therefore the optimum if it costs B, and also if it costs
    B + 1 (then nothing costs B). Otherwise the full search starts from the best solution found.
    A proven optimum has `proven_gap` 0 (HiGHS's own gap may be up to a unit), so that the gaps
    solve_in_parts adds up count only unproven parts."""
    if part.maximize or not part.integer.any() or not highs_available() or not _whole_objective(part):
        return solve_lp(part, time_limit=left(), abs_gap=abs_gap)
    gap = max(abs_gap, 1.0 - 1e-3)
    relaxed = part.copy()
    relaxed.set_integer(False)
    guide = solve_lp(relaxed, time_limit=left())
    best = None
    if guide.status == "optimal" and not np.isnan(guide.x).any() and guide.col_dual is not None:
        bound = math.ceil(guide.objective - 1e-6)
        priced = np.flatnonzero(part.cost)
        lower = part.col_lower
        at_lower = np.abs(guide.x - lower) <= 1e-6
        unused = priced[at_lower[priced]]
        dear = np.flatnonzero(part.integer & at_lower & (guide.col_dual > bound - guide.objective + 1e-6))
        for fixed, proves in ((unused, bound), (dear, bound + 1)):
            restricted = part.copy()
            restricted.set_bounds(fixed, lower[fixed], lower[fixed])
            found = solve_lp(restricted, time_limit=min(left(), RESTRICTED_SECONDS), abs_gap=gap)
            if found.status != "optimal" or np.isnan(found.x).any():
                continue
            if found.objective <= proves + 1e-6:
                found.proven_gap = 0.0
                return found
            if best is None or found.objective < best.objective:
                best = found
    # Otherwise (or when the relaxation is infeasible or unbounded) the full search, which says which.
    full = solve_lp(part, time_limit=left(), abs_gap=gap, start=None if best is None else best.x)
    if full.status == "optimal":
        full.proven_gap = 0.0  # less than one whole unit from its bound: no cheaper solution exists
    return full


def _fixed_alone(part: LinearProgram) -> bool:
    """Whether a part is columns in no row, each fixed by its bounds (at a whole number where it is
    integer): its one solution is its bounds, so it needs no solver. Why: a solver run costs about
    0.3 ms however small the part, and diagnose's programme without excess has one such part per
    municipality (its excess columns, fixed at 0)."""
    if part.num_rows:
        return False
    lower, upper = part.col_lower, part.col_upper
    whole = lower[part.integer]
    return bool(np.array_equal(lower, upper) and np.isfinite(lower).all() and np.array_equal(whole, np.round(whole)))


def _solve_cbc(lp: LinearProgram, time_limit: float, rel_gap: float, abs_gap: float) -> Solution:
    import tempfile

    import pulp  # on demand: heavy to import (see allocator/__init__)

    problem, variables = lp.to_pulp()
    with tempfile.TemporaryDirectory(prefix="allocator-") as tmp:
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=rel_gap, gapAbs=abs_gap)
        solver.tmpDir = tmp  # PuLP writes .mps/.sol files there; the directory is removed after
        if not solver.available():
            raise RuntimeError("CBC er ikke tilgjengelig")
        started = time.perf_counter()
        problem.solve(solver)
        seconds = time.perf_counter() - started
    if problem.status == pulp.LpStatusOptimal and problem.sol_status == pulp.LpSolutionOptimal:
        status = "optimal"
    elif problem.status == pulp.LpStatusInfeasible:
        status = "infeasible"
    elif problem.status == pulp.LpStatusUnbounded:
        status = "unbounded"
    elif problem.sol_status in (pulp.LpSolutionIntegerFeasible, pulp.LpSolutionNoSolutionFound) and problem.status != pulp.LpStatusOptimal:
        status = "time_limit"
    else:
        status = "time_limit" if problem.status == pulp.LpStatusOptimal else "error"
    x = np.array([v.varValue if v.varValue is not None else np.nan for v in variables], dtype=float)
    objective = float(np.nansum(lp.cost * x))
    row_dual = None
    if not lp.integer.any() and status == "optimal":
        try:
            duals = [c.pi for c in problem.constraints.values()]
            if all(d is not None for d in duals) and len(duals) == lp.num_rows:
                row_dual = np.array(duals, dtype=float)
        except AttributeError:
            pass
    return Solution(status, pulp.LpStatus[problem.status], x, objective, seconds, row_dual, None)
