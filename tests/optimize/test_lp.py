"""Programmes as arrays (optimize/lp.py) split into independent parts, and solved part by part (optimize/solvers.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator.optimize.lp import INF, LinearProgram
from allocator.optimize.solvers import solve_in_parts, solve_lp


def separable() -> LinearProgram:
    """Two parts with rows, woven through each other's column and row order, a fixed column in no
    row and a priced column in no row (min Σ cost·x, one optimum: x = 3, 3, 0, 2, 4, 0, 9)."""
    lp = LinearProgram("separable")
    lp.add_columns("x", 7, 0.0, [4.0, 5.0, 3.0, 2.0, 6.0, 2.0, 9.0], cost=[1.0, -1.0, 2.0, 0.0, -2.0, 2.0, -1.0], integer=True)
    lp.set_bounds(np.array([3]), 2.0, 2.0)  # column 3: fixed, in no row
    # rows: 0 joins columns 1 and 4; 1 joins 0 and 5; 2 joins 4 alone; 3 joins 0 and 2 (so {0, 2, 5}, {1, 4})
    lp.add_rows("rows", [-INF, 3.0, -INF, 2.0], [7.0, INF, 4.0, INF],
                rows=[0, 0, 1, 1, 2, 3, 3], cols=[1, 4, 0, 5, 4, 0, 2], values=[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    return lp


def test_parts_are_the_components_in_order_of_their_first_column_with_their_own_rows():
    lp = separable()
    parts = lp.parts()
    assert [cols.tolist() for cols, _ in parts] == [[0, 2, 5], [1, 4], [3], [6]]
    rows_of = {0: [1, 3], 1: [0, 2]}
    r, c, v = lp.triplets()
    for k, (cols, part) in enumerate(parts):
        assert np.array_equal(part.col_lower, lp.col_lower[cols]) and np.array_equal(part.col_upper, lp.col_upper[cols])
        assert np.array_equal(part.cost, lp.cost[cols]) and np.array_equal(part.integer, lp.integer[cols])
        rows = rows_of.get(k, [])
        assert np.array_equal(part.row_lower, lp.row_lower[rows]) and np.array_equal(part.row_upper, lp.row_upper[rows])
        pr, pc, pv = part.triplets()  # the part's entries are the whole's, renumbered within the part
        mine = np.isin(r, rows)
        assert np.array_equal(np.asarray(rows, dtype=np.int64)[pr], r[mine]) and np.array_equal(cols[pc], c[mine])
        assert np.array_equal(pv, v[mine])


def test_solved_in_parts_is_solved_whole():
    lp = separable()
    whole, in_parts = solve_lp(lp), solve_in_parts(lp)
    assert in_parts.status == whole.status == "optimal" and in_parts.proven_gap == 0.0
    assert np.array_equal(in_parts.x, whole.x) and in_parts.objective == whole.objective
    assert in_parts.x.tolist() == [3.0, 3.0, 0.0, 2.0, 4.0, 0.0, 9.0]  # the fixed column 3 keeps its bound


def test_a_tie_break_that_does_not_finish_keeps_the_first_optimum():
    """Two equally cheap ways to cover a row (x0 + x1 ≥ 2, both cost 1); the second cost prefers x1.
    With the tie-break the part ends at x1 = 2; a tie-break stopped by its time limit keeps the
    first optimum (not whatever it had found by then, which would depend on the machine), the same
    as solving the part alone, and is counted."""
    lp = LinearProgram("tie")
    lp.add_columns("x", 2, 0.0, 5.0, cost=[1.0, 1.0], integer=True)
    lp.add_rows("cover", [2.0], [INF], rows=[0, 0], cols=[0, 1], values=[1.0, 1.0])
    prefer_x1 = np.array([1.0, 0.0])
    tied = solve_in_parts(lp, then=prefer_x1)
    assert tied.x.tolist() == [0.0, 2.0] and tied.untied_parts == 0
    untied = solve_in_parts(lp, then=prefer_x1, then_time_limit=0.0)
    assert untied.untied_parts == 1 and np.array_equal(untied.x, solve_lp(lp).x) and untied.objective == 2.0


@st.composite
def whole_cost_programmes(draw) -> LinearProgram:
    """Small minimum-cost programmes as diagnose's least change: whole costs on integer columns
    (some with a lower bound of 1), continuous columns at no cost, rows with coefficients such as
    2 and 3 (so the relaxation is fractional), equalities, ranges and open rows; feasible or not."""
    n = draw(st.integers(2, 7))
    integer = np.array([draw(st.booleans()) or k == 0 for k in range(n)])
    cost = np.where(integer, [draw(st.integers(0, 5)) for _ in range(n)], 0.0)
    lower = np.array([float(draw(st.integers(0, 1))) if integer[k] else 0.0 for k in range(n)])
    upper = lower + [draw(st.integers(0, 9)) for _ in range(n)]
    lp = LinearProgram("whole")
    for k in range(n):  # one family per column: integer and continuous columns interleaved
        lp.add_columns(f"x{k}", 1, lower[k], upper[k], cost=cost[k], integer=bool(integer[k]))
    m = draw(st.integers(1, 4))
    rows, cols, values = [], [], []
    for r in range(m):
        for k in sorted(set(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n)))):
            rows.append(r)
            cols.append(k)
            values.append(float(draw(st.sampled_from([-1, 1, 2, 3, 4]))))
    low = [float(draw(st.integers(0, 15))) for _ in range(m)]
    high = [lo + draw(st.sampled_from([0.0, 3.0, INF])) for lo in low]
    lp.add_rows("rows", low, high, rows=rows, cols=cols, values=values)
    return lp


@given(whole_cost_programmes())
def test_the_least_whole_cost_is_scipys(lp):
    """The first step of solve_in_parts (restricted searches, a stop within less than one unit of
    whole cost) proves the same optimum as an independent solver, or the same infeasibility."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    r, c, v = lp.triplets()
    matrix = np.zeros((lp.num_rows, lp.num_cols))
    np.add.at(matrix, (r, c), v)
    reference = milp(lp.cost, integrality=lp.integer.astype(int), bounds=Bounds(lp.col_lower, lp.col_upper),
                     constraints=LinearConstraint(matrix, lp.row_lower, lp.row_upper))
    ours = solve_in_parts(lp)
    if reference.status == 2:  # infeasible
        assert np.isnan(ours.x).any()
        return
    assert reference.status == 0 and ours.status == "optimal" and ours.proven_gap == 0.0
    assert ours.objective == pytest.approx(reference.fun, abs=1e-6)
    assert np.all(ours.x >= lp.col_lower - 1e-6) and np.all(ours.x <= lp.col_upper + 1e-6)
    assert np.allclose(ours.x[lp.integer], np.round(ours.x[lp.integer]), atol=1e-6)
    activity = matrix @ ours.x
    assert np.all(activity >= lp.row_lower - 1e-6) and np.all(activity <= lp.row_upper + 1e-6)


@pytest.mark.parametrize("cost_a, cost_b, least", [
    (8.0, 7.0, 7.0),  # relaxation a = ¾ (6); both restricted searches find a = 1 (8): the full search finds b = 1
    (4.0, 4.0, 4.0),  # relaxation 3; b's reduced cost 1 holds it at 0; a = 1 costs 3 + 1: proven there
    (7.0, 6.0, 6.0),  # relaxation 5.25, bound 6; b's reduced cost ¾ = 6 − 5.25 keeps it free: b = 1 at 6
])
def test_the_least_whole_cost_outside_the_relaxations_columns_is_found(cost_a, cost_b, least):
    """min cost_a·a + cost_b·b with 4a + 3b ≥ 3, a and b whole: the relaxation takes only a, so
    the least change may lie outside the first restricted search, and each search may claim a
    proof only where its rule gives one."""
    lp = LinearProgram("outside")
    lp.add_columns("x", 2, 0.0, 5.0, cost=[cost_a, cost_b], integer=True)
    lp.add_rows("cover", [3.0], [INF], rows=[0, 0], cols=[0, 1], values=[4.0, 3.0])
    solution = solve_in_parts(lp)
    assert solution.status == "optimal" and solution.objective == least and solution.proven_gap == 0.0
