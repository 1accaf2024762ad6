"""The proportional targets: the fairest split in real numbers, before whole persons.

minimise   Σ_ig (x_ig − f_ig)² / d_ig,   d_ig = max(f_ig, 0.01)
subject to constraints (1)–(6) of model.py, with x_ig (and z_cdg) real.

A strictly convex quadratic programme in x: its optimum is unique. Its optimality conditions say
that, within a county and group, every municipality not held by a limit gets the same relative
deviation (x − f)/f: what a capped municipality cannot take is spread over the others in
proportion to their fair shares, and what a lock takes from them is taken in proportion too. With
no limit in the way the targets are the fair shares themselves. `model.build_rounding_model` then
rounds the targets to whole persons, each up or down by less than one.

The constraints are not written again here: `qp_form` turns the very linear programme that
model.py builds (rows and bounds) into Clarabel's form A x + s = b, s in a cone.

Solver: Clarabel (interior point). HiGHS's active-set QP method, measured here, needs 1.5 s for
the national case (its cost grows with the number of municipalities strictly between their
limits, i.e. nearly all), where Clarabel needs 20 ms. Without Clarabel, stage 2 falls back to the
piecewise-linear LP in `model.build_fair_model`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from allocator.optimize.lp import INF, LinearProgram
from allocator.optimize.model import AllocationModel
from allocator.scenario.data import GROUPS

MIN_CURVATURE_SHARE = 0.01
TOLERANCE = 1e-10

clarabel = None  # imported on first use (see lp.py)


class TargetError(RuntimeError):
    """The quadratic programme was not solved to optimality."""


def available() -> bool:
    global clarabel
    if clarabel is None:
        try:
            import clarabel as module  # on demand: heavy to import (see allocator/__init__)
        except ImportError:
            return False
        clarabel = module
    return True


def qp_form(lp: LinearProgram):
    """Rows and bounds of `lp` as Clarabel's (A, b, cones): equalities first (zero cone), then
    every finite inequality as a ≤ row (nonnegative cone). `QuadraticProgram.origin` says which
    row or column bound each of Clarabel's rows came from, to read multipliers back."""
    import scipy.sparse as sparse  # on demand: heavy to import (see allocator/__init__)

    rows, cols, values = lp.triplets()
    lower, upper = lp.row_lower, lp.row_upper
    col_lower, col_upper = lp.col_lower, lp.col_upper
    equal = np.flatnonzero(lower == upper)
    at_most = np.flatnonzero((upper < INF) & (lower != upper))
    at_least = np.flatnonzero((lower > -INF) & (lower != upper))
    col_at_most = np.flatnonzero(col_upper < INF)
    col_at_least = np.flatnonzero(col_lower > -INF)
    # New row number of each original row in each block (−1 = not in the block).
    offset, parts_r, parts_c, parts_v, b = 0, [], [], [], []
    for selected, sign, bound in ((equal, 1.0, upper), (at_most, 1.0, upper), (at_least, -1.0, lower)):
        position = np.full(lp.num_rows, -1)
        position[selected] = offset + np.arange(len(selected))
        keep = position[rows] >= 0
        parts_r.append(position[rows[keep]])
        parts_c.append(cols[keep])
        parts_v.append(sign * values[keep])
        b.append(sign * bound[selected])
        offset += len(selected)
    for selected, sign, bound in ((col_at_most, 1.0, col_upper), (col_at_least, -1.0, col_lower)):
        parts_r.append(offset + np.arange(len(selected)))
        parts_c.append(selected)
        parts_v.append(np.full(len(selected), sign))
        b.append(sign * bound[selected])
        offset += len(selected)
    a = sparse.csc_matrix((np.concatenate(parts_v), (np.concatenate(parts_r), np.concatenate(parts_c))), shape=(offset, lp.num_cols))
    cones = [clarabel.ZeroConeT(len(equal))] if len(equal) else []
    cones.append(clarabel.NonnegativeConeT(offset - len(equal)))
    origin = {"equal": equal, "row_upper": at_most, "row_lower": at_least, "col_upper": col_at_most, "col_lower": col_at_least}
    return a, np.concatenate(b).astype(float), cones, origin


@dataclass
class QuadraticProgram:
    """min ½ xᵀPx + qᵀx subject to A x + s = b, s in `cones`: the data Clarabel takes."""

    p: object
    q: np.ndarray
    a: object
    b: np.ndarray
    cones: list
    origin: dict

    def solver(self, time_limit: float, tolerance: float | None = TOLERANCE):
        """A Clarabel solver holding this programme, ready to `solve()` (`tolerance` None:
        Clarabel's own, looser tolerances)."""
        settings = clarabel.DefaultSettings()
        settings.verbose = False
        settings.time_limit = float(time_limit)
        if tolerance is not None:
            settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = tolerance
        return clarabel.DefaultSolver(self.p, self.q, self.a, self.b, self.cones, settings)

    def solve(self, time_limit: float) -> "QPSolution":
        """Clarabel's solution at TOLERANCE. Where a badly scaled programme makes no progress there
        (fair shares of a thousandth beside hundreds of persons), at Clarabel's own tolerances; and
        where even that fails (millions of persons in a few municipalities), with persons counted
        in units of the largest total, which Clarabel's absolute tolerances can handle."""
        solution = self.solver(time_limit).solve()
        if str(solution.status) == "InsufficientProgress":
            solution = self.solver(time_limit, tolerance=None).solve()
        scale = 1.0
        if str(solution.status) == "InsufficientProgress":
            scale = max(1.0, float(np.abs(self.b[:len(self.origin["equal"])]).max(initial=0.0)))
            # x = scale·x′: the objective divided by scale keeps P·scale and q; b is divided by scale
            scaled = QuadraticProgram(self.p * scale, self.q, self.a, self.b / scale, self.cones, self.origin)
            solution = scaled.solver(time_limit, tolerance=None).solve()
        return QPSolution(str(solution.status), np.asarray(solution.x) * scale, float(solution.obj_val) * scale)


@dataclass(frozen=True)
class QPSolution:
    """What the targets and the explanations read of Clarabel's answer, in persons."""

    status: str
    x: np.ndarray
    obj_val: float


def quadratic_programme(model: AllocationModel) -> QuadraticProgram:
    """The fair-split QP over `model`'s rows and bounds: P = diag(2/d) and q = −2f/d on x, 0 on z,
    plus the totals' term W (T_i − F_i)²/D_i (D_i = max(F_i, MIN_CURVATURE_SHARE)): 2W/D_i on every
    pair of municipality i's groups in P and −2W F_i/D_i on each of them in q."""
    import scipy.sparse as sparse  # on demand: heavy to import (see allocator/__init__)

    net, lp = model.net, model.lp
    f = net.fair.ravel()
    d = np.maximum(f, MIN_CURVATURE_SHARE)
    curvature = np.zeros(lp.num_cols)
    linear = np.zeros(lp.num_cols)
    curvature[model.x.ravel()] = 2.0 / d
    linear[model.x.ravel()] = -2.0 * f / d
    p = sparse.diags(curvature).tocsc()
    if net.total_weight > 0:
        fair_total = net.fair.sum(axis=1)
        total_d = np.maximum(fair_total, MIN_CURVATURE_SHARE)
        x = model.x
        groups = x.shape[1]
        rows = np.repeat(x, groups, axis=1).ravel()
        cols = np.tile(x, (1, groups)).ravel()
        values = np.repeat(2.0 * net.total_weight / total_d, groups * groups)
        p = p + sparse.csc_matrix((values, (rows, cols)), shape=(lp.num_cols, lp.num_cols))
        linear[x] += (-2.0 * net.total_weight * fair_total / total_d)[:, None]
    a, b, cones, origin = qp_form(lp)
    # Clarabel reads P's upper triangle (as it read the diagonal before the totals' term)
    return QuadraticProgram(sparse.triu(p).tocsc(), linear, a, b, cones, origin)


def proportional_targets(model: AllocationModel, time_limit: float, record: list | None = None) -> tuple[np.ndarray, float]:
    """The real-valued optimum x_ig (model order, (n, G)) over `model`'s constraints, and the seconds
    Clarabel took. `record` (the benchmark's) receives the programme as solved."""
    net = model.net
    if net.n == 0 or not net.upper.any():  # nobody can be placed anywhere (or nobody is requested)
        return np.zeros((net.n, len(GROUPS))), 0.0
    programme = quadratic_programme(model)
    if record is not None:
        record.append(("targets", programme))
    started = time.perf_counter()  # Clarabel's setup (equilibration, KKT structure) is solver work too
    solution = programme.solve(time_limit)
    seconds = time.perf_counter() - started
    # "AlmostSolved" is within reduced tolerances (a degenerate case such as a single municipality):
    # good enough for targets, since the rounding LP then enforces every constraint exactly.
    if str(solution.status) not in ("Solved", "AlmostSolved"):
        raise TargetError(f"målfordelingen ble ikke løst ({solution.status})")
    values = np.asarray(solution.x)
    return np.clip(values[model.x], 0.0, net.upper), seconds
