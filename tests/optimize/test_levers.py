"""The KS resolution's levers: a housing grant for single adults, unaccompanied minors assessed one
by one, and costs that make the least change the cheapest."""

from __future__ import annotations

import json
import math

import pytest
from helpers import examples, make_scenario, municipalities_csv, run_cli, scenario_toml, solve_and_check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import scenarios

from allocator import ScenarioError, load_scenario
from allocator.analysis.diagnose import apply_diagnosis, diagnose
from allocator.optimize.grant import settled_by_budget
from allocator.scenario.data import HousingGrant
from allocator.scenario.validate import validate_scenario

# --------------------------------------------------------------------------- housing grant


def scarce_adults(budget: float, price: float = 1_000_000.0, cap: int | None = None):
    """Three municipalities short of small dwellings: 30 adults, 12 dwellings."""
    scenario = make_scenario([40_000, 20_000, 10_000], {"adults": 30, "families": 7},
                             limits={0: {"small_dwellings": 6}, 1: {"small_dwellings": 4}, 2: {"small_dwellings": 2}})
    return validate_scenario(scenario.with_changes(housing_grant=HousingGrant(budget, price, cap)))


def test_the_grant_buys_dwellings_where_they_settle_persons_within_budget_and_cap():
    plan = solve_and_check(scarce_adults(7_500_000, cap=3))
    grant = plan.grant
    assert grant.dwellings == 7 and grant.spent == 7_000_000 and max(grant.bought.values()) <= 3
    assert grant.persons_thanks_to_grant == 7 and grant.persons_per_million == 1
    assert plan.shortfall["adults"] == 30 - 12 - 7
    doc = plan.to_dict()["housing_grant"]
    assert doc["persons_settled_thanks_to_grant"] == 7 and sum(b["dwellings"] for b in doc["bought"]) == 7


def test_with_no_shortfall_the_grant_buys_where_adults_are_furthest_below_their_fair_share():
    # Everyone can be placed (the big one has room for all), but the two small ones have too few
    # dwellings for their fair share: the grant brings the plan closer to fair.
    scenario = make_scenario([10_000, 10_000, 10_000], {"adults": 30},
                             limits={1: {"small_dwellings": 4}, 2: {"small_dwellings": 8}})
    plan = solve_and_check(validate_scenario(scenario.with_changes(housing_grant=HousingGrant(4_000_000, 1_000_000))))
    assert plan.grant.persons_thanks_to_grant == 0
    assert plan.grant.bought.get("1002", 0) == 4  # the one furthest below (4 of 10)
    assert plan.allocation["adults"].tolist() == [14, 8, 8] or plan.allocation.at["1002", "adults"] == 8


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 40), min_size=2, max_size=5, unique=True))
def test_more_grant_never_settles_fewer(millions):
    budgets = sorted(m * 1_000_000.0 for m in millions)
    settled = settled_by_budget(scarce_adults(0), budgets)
    assert settled == sorted(settled)
    for budget, count in zip(budgets, settled):
        plan = solve_and_check(scarce_adults(budget))
        assert sum(plan.settled.values()) == count


def test_a_grant_section_is_validated(scenario_dir):
    toml = scenario_toml(extra="[housing_grant]\nbudget = -5\nper_dwelling = \"1 mill\"\n")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(scenario_dir(toml=toml))
    columns = {p.column for p in raised.value.problems}
    assert {"housing_grant.budget", "housing_grant.per_dwelling"} <= columns


# --------------------------------------------------------------------------- minors one by one


def minors(care_places, other_places, care, other):
    scenario = make_scenario([5000] * len(care_places), {"adults": 2, "minors": care + other},
                             extra_columns={"minor_care_places": care_places, "minor_other_places": other_places})
    return validate_scenario(scenario.with_changes(minors_split={"minors_care": care, "minors_other": other}))


def test_a_care_place_takes_a_minor_who_needs_less():
    plan = solve_and_check(minors([3, 0], [0, 0], care=1, other=2))
    assert plan.to_dict()["shortfall"]["minors_other"] == 0
    assert plan.minors_split.tolist() == [[1, 2], [0, 0]]


def test_a_place_for_minors_who_need_less_never_takes_one_who_needs_care():
    plan = solve_and_check(minors([0, 0], [3, 2], care=2, other=1))
    figures = plan.to_dict()
    assert figures["settled"]["minors_care"] == 0 and figures["shortfall"]["minors_care"] == 2
    assert figures["settled"]["minors_other"] == 1


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=5), st.integers(0, 8), st.integers(0, 8))
def test_random_minor_splits_keep_every_rule_and_settle_the_most(places, care, other):
    scenario = minors([p[0] for p in places], [p[1] for p in places], care, other)
    plan = solve_and_check(scenario)  # the checker checks the split
    care_places = sum(p[0] for p in places)
    all_places = care_places + sum(p[1] for p in places)
    most = min(care, care_places) + min(other, all_places - min(care, care_places))
    assert int(plan.minors_split.sum()) == most
    assert int(plan.minors_split[:, 0].sum()) == min(care, care_places)  # minors needing care first (issue 15.3)


def test_minors_split_from_files_and_shown_everywhere(scenario_dir):
    toml = scenario_toml(request={"adults": 10, "minors_care": 2, "minors_other": 3},
                         extra="[incentives.grant]\nminors_care = 300000\nminors_other = 150000\n")
    csv = municipalities_csv(columns=("kommunenummer", "kommune", "population", "minor_care_places", "minor_other_places"),
                             changes={("4601", "minor_care_places"): 2, ("4601", "minor_other_places"): 2,
                                      ("4602", "minor_care_places"): 0, ("4602", "minor_other_places"): 1})
    folder = scenario_dir(toml=toml, csv=csv)
    scenario = load_scenario(folder)
    assert scenario.request["minors"] == 5 and scenario.minors_split == {"minors_care": 2, "minors_other": 3}
    result = run_cli("solve", folder, "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["request"]["minors_care"] == 2 and doc["settled"]["minors_other"] == 3
    assert doc["minors_grant"] == {"minors_care": 300000.0, "minors_other": 150000.0}
    assert all({"minors_care", "minors_other"} <= set(m["allocation"]) for m in doc["municipalities"])
    text = run_cli("solve", folder)
    assert "omsorg" in text.stdout.lower()


def test_minors_given_both_ways_must_agree(scenario_dir):
    toml = scenario_toml(request={"minors": 4, "minors_care": 2, "minors_other": 3})
    with pytest.raises(ScenarioError) as raised:
        load_scenario(scenario_dir(toml=toml))
    assert any(p.column == "request.minors" for p in raised.value.problems)


# --------------------------------------------------------------------------- costs


def test_costs_make_the_least_change_the_cheapest():
    # 3 adults cannot be placed: A has dwellings but is at its cap; B has room under its cap but
    # no dwellings. Raising A's cap or building in B both work.
    base = make_scenario([5000, 5000], {"adults": 13}, limits={0: {"max_total": 5}, 1: {"small_dwellings": 5}})
    cheap_caps = validate_scenario(base.with_changes(costs={"small_dwellings": 2_000_000, "max_total": 100_000}))
    cheap_homes = validate_scenario(base.with_changes(costs={"small_dwellings": 100_000, "max_total": 2_000_000}))
    first, second = diagnose(cheap_caps), diagnose(cheap_homes)
    assert [(a.kommunenummer, a.resource, a.add) for a in first.additions] == [("1001", "max_total", 3)]
    assert [(a.kommunenummer, a.resource, a.add) for a in second.additions] == [("1002", "small_dwellings", 3)]
    assert first.total_cost == 300_000 and second.total_cost == 300_000
    for scenario, diagnosis in ((cheap_caps, first), (cheap_homes, second)):
        assert solve_and_check(apply_diagnosis(scenario, diagnosis)).status == "optimal"


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_municipalities=6), st.integers(1, 12))
def test_the_grant_buys_only_dwellings_the_plan_uses(scenario, dwellings):
    """Issue 15.5: national 2026 spent 99 MNOK for 0 more persons, partly on dwellings where
    max_total holds the municipality. Every dwelling kept is used by the plan (it settles persons
    or makes the split fairer), and the answer says how many settle persons."""
    from allocator import ScenarioError

    try:
        plan = solve_and_check(validate_scenario(scenario.with_changes(housing_grant=HousingGrant(dwellings * 1e6, 1e6))))
    except ScenarioError:
        return
    grant = plan.grant
    table = plan.scenario.table  # with the dwellings bought
    units = table.numeric("small_dwellings")
    per_adult = plan.scenario.housing.adults_per_small_dwelling
    adults = plan.allocation["adults"]
    for number, count in grant.bought.items():
        k = table.position[number]
        assert math.ceil(adults.iat[k] / per_adult - 1e-9) >= units[k], (number, count)  # every dwelling, bought ones too, used
    assert grant.dwellings_to_settle + grant.dwellings_for_fairness == grant.dwellings
    if grant.persons_thanks_to_grant == 0:
        assert grant.dwellings_to_settle == 0 and grant.average_persons_per_million == 0
    doc = plan.to_dict()["housing_grant"]
    assert {"average_persons_per_million", "dwellings_to_settle", "dwellings_for_fairness", "returned_unused"} <= set(doc)
