"""The proportional targets: the fairest split in real numbers, before whole persons.

minimise   Σ_ig (x_ig − f_ig)² / d_ig,   d_ig = max(f_ig, 0.01)
subject to constraints (1)–(5) of model.py, with x_ig real.

This is a convex quadratic programme (strictly convex: its optimum is unique), solved by HiGHS
directly through highspy, because PuLP writes linear models only. Its optimality conditions say
that, within a group, every municipality not held by a limit gets the same relative deviation
(x − f)/f: what a capped municipality cannot take is spread over the others in proportion to
their fair shares, and what a lock takes from them is taken in proportion too. With no limit in
the way the targets are the fair shares themselves. `model.build_rounding_model` then rounds
the targets to whole persons, each up or down by less than one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .scenario import GROUPS, Scenario

MIN_CURVATURE_SHARE = 0.01

try:
    import highspy
except ImportError:  # without highspy the LP approximation in model.build_fair_model is used
    highspy = None


class TargetError(RuntimeError):
    """HiGHS did not solve the quadratic programme to optimality."""


def available() -> bool:
    return highspy is not None


def proportional_targets(scenario: Scenario, fair: pd.DataFrame, limits: pd.DataFrame, settled: int, time_limit: float) -> pd.DataFrame:
    """The real-valued optimum x_ig of the problem above, municipality × group."""
    numbers = list(limits.index)
    n_groups = len(GROUPS)
    f_all = fair.reindex(numbers)[list(GROUPS)].to_numpy().ravel()  # entry j: municipality j // 4, group j % 4
    upper_all = limits[list(GROUPS)].to_numpy().ravel().astype(float)
    free = np.flatnonzero(upper_all > 0)  # a variable fixed at 0 need not be in the model
    f, upper = f_all[free], upper_all[free]
    d = np.maximum(f, MIN_CURVATURE_SHARE)
    n = len(free)
    inf = highspy.kHighsInf
    if n == 0:  # nobody can be placed anywhere (or nobody is requested): nothing to solve
        return pd.DataFrame(0.0, index=pd.Index(numbers, name="kommunenummer"), columns=list(GROUPS))

    # Rows: demand per group, a total row per municipality with a min or max total, settled.
    lows, highs = (bound.reindex(numbers).to_numpy() for bound in scenario.total_bounds())
    bounded = np.flatnonzero(~np.isnan(highs) | (np.nan_to_num(lows) > 0))
    total_row = np.full(len(numbers), -1)
    total_row[bounded] = n_groups + np.arange(len(bounded))
    settled_row = n_groups + len(bounded)
    row_lower = np.concatenate([np.full(n_groups, -inf), np.nan_to_num(lows[bounded], nan=-inf), [settled]])
    row_upper = np.concatenate([[scenario.request[g] for g in GROUPS], np.nan_to_num(highs[bounded], nan=inf), [settled]])
    municipality_rows = total_row[free // n_groups]
    starts, index = [0], []
    for group_row, total in zip(free % n_groups, municipality_rows):
        rows = [group_row] + ([total] if total >= 0 else []) + [settled_row]
        index += rows
        starts.append(len(index))

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, settled_row + 1
    lp.col_cost_ = -2.0 * f / d
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = upper
    lp.row_lower_, lp.row_upper_ = row_lower.astype(float), row_upper.astype(float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.ones(len(index))
    hessian = highspy.HighsHessian()
    hessian.dim_ = n
    hessian.format_ = highspy.HessianFormat.kTriangular
    hessian.start_ = np.arange(n + 1, dtype=np.int32)
    hessian.index_ = np.arange(n, dtype=np.int32)
    hessian.value_ = 2.0 / d
    model = highspy.HighsModel()
    model.lp_, model.hessian_ = lp, hessian

    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("time_limit", float(time_limit))
    solver.setOptionValue("threads", 1)
    solver.passModel(model)
    solver.run()
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise TargetError(f"HiGHS løste ikke målfordelingen ({solver.modelStatusToString(solver.getModelStatus())})")
    values = np.zeros(len(f_all))
    values[free] = solver.getSolution().col_value
    values = values.reshape(len(numbers), n_groups)
    return pd.DataFrame(values, index=pd.Index(numbers, name="kommunenummer"), columns=list(GROUPS))
