"""Properties every plan must have, on random scenarios, checked against independent code.

- the independent checker (`allocator.check`) catches a tampered plan;
- random scenarios: the plan passes the checker, settled + shortfall = request, and the number
  settled equals the maximum found by a separate integer program (scipy.optimize.milp, in
  helpers.max_settled) written from the scenario's columns without allocator.model;
  InfeasibleScenario only when that program also finds no plan;
- the same scenario gives the same plan every time and for every row order;
- the CBC fallback gives a valid plan with HiGHS's totals and leaves no files behind.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import assert_caught, examples, make_scenario, max_settled, own_limits, solve_and_check, with_allocation
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from strategies import scenarios

from allocator import GROUPS, InfeasibleScenario, solve
from allocator.check import violations
from allocator.optimize import targets

# --------------------------------------------------------------------------- the checker

CHECKED = make_scenario(
    [40000, 20000, 10000, 5000],
    {"adults": 40, "families": 30, "minors": 4, "special_needs": 2},
    limits={
        0: {"max_total": 20},  # capped well below its fair share
        1: {"small_dwellings": 3},  # adults limited to 3
        3: {"min_total": 12},  # held above its fair share
    },
)


@pytest.fixture(scope="module")
def valid_plan():
    return solve_and_check(CHECKED)


def _tampered(plan, changes: dict[tuple[int, str], float]):
    allocation = plan.allocation.astype(float).copy()
    for (position, group), delta in changes.items():
        allocation.iloc[position, GROUPS.index(group)] += delta
    return with_allocation(plan, allocation)


def test_the_valid_plan_is_at_its_limits(valid_plan):
    # The tampering below relies on this plan sitting at its limits.
    numbers = CHECKED.municipalities.index
    assert valid_plan.allocation.loc[numbers[0]].sum() == 20
    assert valid_plan.allocation.at[numbers[1], "adults"] == 3
    assert valid_plan.allocation.loc[numbers[3]].sum() == 12
    assert valid_plan.status == "optimal"
    assert violations(valid_plan, CHECKED) == []


def test_checker_catches_a_plan_above_max_total(valid_plan):
    assert_caught(_tampered(valid_plan, {(0, "families"): +1, (2, "families"): -1}), "max_total")


def test_checker_catches_a_plan_beyond_the_dwellings(valid_plan):
    assert_caught(_tampered(valid_plan, {(1, "adults"): +1, (2, "adults"): -1}), "exceed the limit 3")


def test_checker_catches_a_plan_below_min_total(valid_plan):
    assert_caught(_tampered(valid_plan, {(3, "families"): -1, (2, "families"): +1}), "min_total")


def test_checker_catches_a_plan_settling_more_than_requested(valid_plan):
    assert_caught(_tampered(valid_plan, {(2, "minors"): +1}), "exceeds the request")


def test_checker_catches_a_fractional_number_of_persons(valid_plan):
    assert_caught(_tampered(valid_plan, {(2, "adults"): -0.5}), "whole number")


def test_checker_catches_a_negative_number_of_persons(valid_plan):
    plan = valid_plan
    number = plan.allocation.index[2]
    allocation = plan.allocation.copy()
    moved = allocation.at[number, "special_needs"] + 1
    allocation.at[number, "special_needs"] = -1
    allocation.at[plan.allocation.index[1], "special_needs"] += moved
    assert_caught(with_allocation(plan, allocation), "whole number of persons ≥ 0")


def test_checker_catches_a_plan_missing_a_municipality(valid_plan):
    plan = valid_plan.replace(persons=valid_plan.persons[1:])
    assert_caught(plan, "municipalities")


# --------------------------------------------------------------------------- random scenarios

PROPERTY_SETTINGS = settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(scenarios())
def test_random_plan_is_valid_and_settles_as_many_as_possible(scenario):
    best = max_settled(scenario)
    try:
        plan = solve_and_check(scenario)
    except InfeasibleScenario:
        event("infeasible")
        assert best is None, "solve says infeasible, but an independent model finds a plan"
        return
    event(plan.status)
    assert best is not None, "solve made a plan, but an independent model says no plan meets every min_total"
    for g in GROUPS:
        assert plan.settled[g] + plan.shortfall[g] == scenario.request[g]
        assert plan.shortfall[g] >= 0
    assert sum(plan.shortfall.values()) == scenario.total_request - best
    assert plan.status == ("optimal" if best == scenario.total_request else "shortfall")
    assert list(plan.allocation.index) == list(scenario.municipalities.index)


@settings(PROPERTY_SETTINGS, max_examples=examples(80))
@given(scenarios(), st.randoms(use_true_random=False))
def test_random_plan_is_the_same_every_time_and_for_every_row_order(scenario, random):
    try:
        first = solve_and_check(scenario)
    except InfeasibleScenario:
        return
    again = solve_and_check(scenario)
    pd.testing.assert_frame_equal(first.allocation, again.allocation)

    order = list(scenario.municipalities.index)
    random.shuffle(order)
    shuffled = scenario.with_changes(municipalities=scenario.municipalities.loc[order])
    moved = solve_and_check(shuffled)
    assert list(moved.allocation.index) == order
    pd.testing.assert_frame_equal(first.allocation.sort_index(), moved.allocation.sort_index())


@settings(max_examples=examples(25), deadline=None)
@given(scenarios(max_municipalities=20))
def test_nobody_is_placed_beyond_the_own_limits_computed_independently(scenario):
    try:
        plan = solve_and_check(scenario)
    except InfeasibleScenario:
        return
    caps = own_limits(scenario)
    assert (plan.allocation <= caps).all().all()
    max_total = scenario.municipalities["max_total"].fillna(np.inf)
    assert (plan.allocation.sum(axis=1) <= max_total).all()
    assert (plan.allocation.sum(axis=1) >= scenario.municipalities["min_total"].fillna(0)).all()


def test_a_request_that_cannot_be_met_gives_the_largest_possible_plan():
    scenario = make_scenario(
        [10000, 5000, 2000],
        {"adults": 50, "families": 40, "minors": 10, "special_needs": 5},
        limits={
            0: {"small_dwellings": 10, "family_dwellings": 2, "minor_places": 3, "special_places": 1},
            1: {"small_dwellings": 5, "family_dwellings": 1, "minor_places": 0, "special_places": 1},
            2: {"max_total": 4},
        },
    )
    plan = solve_and_check(scenario)
    assert plan.status == "shortfall"
    assert sum(plan.settled.values()) == max_settled(scenario)
    assert plan.shortfall["minors"] >= 10 - 3 - 4


# --------------------------------------------------------------------------- CBC fallback

SMALL = make_scenario(
    [60000, 25000, 9000, 4000, 1500],
    {"adults": 60, "families": 45, "minors": 6, "special_needs": 4},
    limits={0: {"max_total": 25}, 2: {"min_total": 20}, 3: {"family_dwellings": 2, "minor_places": 0}},
)

SOLVER_FILES = ("*.mps", "*.sol", "*.lp")


def _solver_files() -> set[Path]:
    tmp = Path(tempfile.gettempdir())
    found = {p for pattern in SOLVER_FILES for p in tmp.glob(pattern)}
    for folder in tmp.glob("allocator-*"):  # the solver's own temporary folders
        found |= {p for pattern in SOLVER_FILES for p in folder.glob(pattern)}
    return found


def test_cbc_gives_a_valid_plan_with_the_same_totals_as_highs():
    highs = solve_and_check(SMALL, solver="highs")
    cbc = solve_and_check(SMALL, solver="cbc")
    assert cbc.solver.startswith("CBC")
    assert highs.solver.startswith("HiGHS")
    assert cbc.settled == highs.settled


def test_cbc_gives_the_same_plan_twice():
    first = solve_and_check(SMALL, solver="cbc")
    second = solve_and_check(SMALL, solver="cbc")
    pd.testing.assert_frame_equal(first.allocation, second.allocation)


def test_cbc_leaves_no_solver_files_in_the_temporary_folder():
    before = _solver_files()
    solve_and_check(SMALL, solver="cbc")
    solve_and_check(make_scenario([1000], {"adults": 3}), solver="cbc")
    assert _solver_files() - before == set()


def test_cbc_is_used_when_highs_is_not_available(monkeypatch):
    import sys

    from allocator import solve as solve_module  # noqa: F401  (the function; the module is below)

    monkeypatch.setattr(sys.modules["allocator.optimize.run"], "highs_available", lambda: False)
    plan = solve_and_check(SMALL)
    assert plan.solver.startswith("CBC")
    assert plan.settled == solve_and_check(SMALL, solver="cbc").settled


def test_without_a_qp_solver_the_lp_fallback_gives_a_valid_plan_with_the_same_totals(monkeypatch):
    expected = solve_and_check(SMALL).settled
    monkeypatch.setattr(targets, "available", lambda: False)
    for solver in ("highs", "cbc"):
        plan = solve_and_check(SMALL, solver=solver)
        assert plan.settled == expected


def test_an_unknown_solver_is_refused():
    with pytest.raises(ValueError):
        solve(SMALL, solver="gurobi")
