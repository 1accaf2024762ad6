"""The proportional targets: the fairest split in real numbers, before whole persons.

minimise   Σ_ig (x_ig − f_ig)² / d_ig,   d_ig = max(f_ig, 0.01)
subject to constraints (1)–(5) of model.py, with x_ig real.

A strictly convex quadratic programme: its optimum is unique. Its optimality conditions say that,
within a group, every municipality not held by a limit gets the same relative deviation
(x − f)/f: what a capped municipality cannot take is spread over the others in proportion to their
fair shares, and what a lock takes from them is taken in proportion too. With no limit in the way
the targets are the fair shares themselves. `model.build_rounding_model` then rounds the targets
to whole persons, each up or down by less than one.

Solver: Clarabel (interior point). PuLP writes linear models only, and HiGHS's active-set QP
method, measured here, needs 1.5 s for the national case (its cost grows with the number of
municipalities strictly between their limits, i.e. nearly all), where Clarabel needs 20 ms.
Without Clarabel, stage 2 falls back to the piecewise-linear LP in `model.build_fair_model`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sparse

from .scenario import GROUPS, Scenario

MIN_CURVATURE_SHARE = 0.01
TOLERANCE = 1e-10

try:
    import clarabel
except ImportError:
    clarabel = None


class TargetError(RuntimeError):
    """The quadratic programme was not solved to optimality."""


def available() -> bool:
    return clarabel is not None


def proportional_targets(scenario: Scenario, fair: pd.DataFrame, limits: pd.DataFrame, settled: int, time_limit: float) -> pd.DataFrame:
    """The real-valued optimum x_ig of the problem above, municipality × group."""
    numbers = list(limits.index)
    n_groups = len(GROUPS)
    index = pd.Index(numbers, name="kommunenummer")
    f = fair.reindex(numbers)[list(GROUPS)].to_numpy().ravel()  # entry j: municipality j // 4, group j % 4
    upper = limits[list(GROUPS)].to_numpy().ravel().astype(float)
    n = len(f)
    if n == 0 or not upper.any():  # nobody can be placed anywhere (or nobody is requested)
        return pd.DataFrame(0.0, index=index, columns=list(GROUPS))
    d = np.maximum(f, MIN_CURVATURE_SHARE)
    columns = np.arange(n)
    ones = np.ones(n)

    def rows(which: np.ndarray, count: int) -> sparse.csr_matrix:
        return sparse.csr_matrix((ones, (which, columns)), shape=(count, n))

    lows, highs = (bound.reindex(numbers).to_numpy() for bound in scenario.total_bounds())
    capped, agreed = ~np.isnan(highs), np.nan_to_num(lows) > 0
    municipality = rows(columns // n_groups, len(numbers))
    # (5) settled as the one equality, then Ax ≤ b: (1) demand, (2) capacity, (3) agreed, (4) bounds.
    a = sparse.vstack([
        rows(np.zeros(n, dtype=int), 1),
        rows(columns % n_groups, n_groups),
        municipality[capped],
        -municipality[agreed],
        sparse.identity(n),
        -sparse.identity(n),
    ]).tocsc()
    b = np.concatenate([
        [settled], [scenario.request[g] for g in GROUPS], highs[capped], -lows[agreed], upper, np.zeros(n),
    ]).astype(float)
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.time_limit = float(time_limit)
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = TOLERANCE
    solver = clarabel.DefaultSolver(
        sparse.diags(2.0 / d).tocsc(), -2.0 * f / d, a, b,
        [clarabel.ZeroConeT(1), clarabel.NonnegativeConeT(a.shape[0] - 1)], settings,
    )
    solution = solver.solve()
    # "AlmostSolved" is within reduced tolerances (a degenerate case such as a single municipality):
    # good enough for targets, since the rounding LP then enforces every constraint exactly.
    if str(solution.status) not in ("Solved", "AlmostSolved"):
        raise TargetError(f"målfordelingen ble ikke løst ({solution.status})")
    values = np.clip(np.asarray(solution.x), 0.0, upper).reshape(len(numbers), n_groups)
    return pd.DataFrame(values, index=index, columns=list(GROUPS))
