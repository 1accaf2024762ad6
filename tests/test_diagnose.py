"""The least change that makes a plan possible: applying it places everyone, nothing smaller
would, conflicting minimums and locks are named (as HiGHS's own infeasibility analysis names
them), and given costs give the cheapest change."""

from __future__ import annotations

import json
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from scipy.optimize import Bounds, LinearConstraint, milp

from allocator import GROUPS, solve
from allocator.diagnose import apply_diagnosis, diagnose
from allocator.lp import new_highs, run_highs
from allocator.model import build_settle_model, network
from allocator.scenario import RESOURCE_OF_GROUP
from helpers import SCENARIOS, examples, make_scenario, run_cli, solve_and_check
from test_counties import county_only, national_scenarios
from test_properties import scenarios

DEMO = SCENARIOS / "demo-shortfall"


def least_change(scenario) -> int:
    """The fewest added units (dwellings, places, persons of cap or of minimum), by scipy milp,
    written from the scenario's columns without allocator.model or allocator.diagnose."""
    table = scenario.municipalities
    n, m = len(table), len(GROUPS)
    per_unit = [scenario.housing.adults_per_small_dwelling, scenario.housing.persons_per_family_dwelling, 1.0, 1.0]
    resources = list(RESOURCE_OF_GROUP.values())
    columns = []  # (kind, i, g)
    for i in range(n):
        for g in range(m):
            columns.append(("x", i, g))
    for i in range(n):
        for g, resource in enumerate(resources):
            if not math.isnan(table[resource].iat[i]):
                columns.append(("add", i, g))
        if not math.isnan(table["max_total"].iat[i]):
            columns.append(("raise", i, None))
        if table["min_total"].fillna(0).iat[i] > 0:
            columns.append(("lower", i, None))
    index = {c: k for k, c in enumerate(columns)}
    rows, lows, highs = [], [], []

    def add(coefficients, low, high):
        row = np.zeros(len(columns))
        for key, value in coefficients.items():
            row[index[key]] = value
        rows.append(row), lows.append(low), highs.append(high)

    for g, group in enumerate(GROUPS):
        add({("x", i, g): 1 for i in range(n)}, scenario.request[group], scenario.request[group])
    for i in range(n):
        for g, resource in enumerate(resources):
            units = table[resource].iat[i]
            if not math.isnan(units):
                add({("x", i, g): 1, ("add", i, g): -per_unit[g]}, -np.inf, per_unit[g] * units + 1e-9)
        everyone = {("x", i, g): 1 for g in range(m)}
        if ("raise", i, None) in index:
            add({**everyone, ("raise", i, None): -1}, -np.inf, table["max_total"].iat[i])
        if ("lower", i, None) in index:
            add({**everyone, ("lower", i, None): 1}, table["min_total"].iat[i], np.inf)
    cost = np.array([0.0 if kind == "x" else 1.0 for kind, _, _ in columns])
    result = milp(cost, constraints=LinearConstraint(np.array(rows), lows, highs), integrality=np.ones(len(columns)),
                  bounds=Bounds(np.zeros(len(columns)), np.full(len(columns), np.inf)))
    assert result.status == 0, result.message
    return int(round(result.fun))


def test_the_demo_needs_family_dwellings_and_minor_places_and_then_places_everyone():
    from allocator import load_scenario

    scenario = load_scenario(DEMO)
    diagnosis = diagnose(scenario)
    assert diagnosis.shortfall == solve(scenario).shortfall
    assert {a.resource for a in diagnosis.additions} == {"family_dwellings", "minor_places"}
    assert sum(a.add for a in diagnosis.additions if a.resource == "minor_places") == 12  # 20 minors, 8 places
    assert diagnosis.total_added == least_change(scenario)
    after = solve_and_check(apply_diagnosis(scenario, diagnosis))
    assert after.status == "optimal"
    text = "\n".join(diagnosis.lines())
    assert "Det mangler 12 plasser for enslige mindreårige" in text and "Minste endring:" in text


def test_nothing_to_add_when_everyone_can_be_placed():
    diagnosis = diagnose(make_scenario([1000, 2000], {"adults": 10}))
    assert diagnosis.additions == [] and diagnosis.relax == [] and diagnosis.total_added == 0


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_municipalities=8))
def test_the_least_change_places_everyone_and_nothing_smaller_would(scenario):
    diagnosis = diagnose(scenario)
    changed = diagnosis.total_added + sum(r.by for r in diagnosis.relax)
    assert changed == least_change(scenario)
    after = solve_and_check(apply_diagnosis(scenario, diagnosis))
    assert after.status == "optimal", (diagnosis.to_dict(), after.shortfall)


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(national_scenarios(cross=False))
def test_counties_without_flows_need_each_their_own_least_change(scenario):
    # Solved county by county (the programme falls apart into counties): the total is still the
    # least, and it is the sum of what each county would need on its own.
    diagnosis = diagnose(scenario)
    changed = diagnosis.total_added + sum(r.by for r in diagnosis.relax)
    present = set(scenario.county_of())
    assert changed == sum(least_change(county_only(scenario, fylke)) for fylke in scenario.counties.requests if fylke in present)
    after = solve_and_check(apply_diagnosis(scenario, diagnosis))
    assert after.status == "optimal" and not any(after.shortfall.values()), diagnosis.to_dict()


def test_ties_go_to_the_municipality_furthest_below_its_fair_share():
    # Two equal municipalities without family dwellings; one has already got its fair share of
    # adults, the other none: the dwelling goes where there is most room.
    scenario = make_scenario([5000, 5000], {"adults": 4, "families": 3},
                             limits={0: {"family_dwellings": 0, "small_dwellings": 4}, 1: {"family_dwellings": 0, "small_dwellings": 0}})
    diagnosis = diagnose(scenario)
    [addition] = diagnosis.additions
    assert addition.resource == "family_dwellings" and addition.add == 1 and addition.kommunenummer == "1002"


def test_minimums_that_cannot_be_met_together_are_named_as_highs_infeasibility_analysis_names_them():
    # 10 adults requested, but two municipalities agreed to take 8 each
    scenario = make_scenario([1000, 2000, 3000], {"adults": 10}, limits={0: {"min_total": 8}, 1: {"min_total": 8}})
    diagnosis = diagnose(scenario)
    assert diagnosis.infeasible and diagnosis.additions == []
    assert sum(r.by for r in diagnosis.relax) == 6
    named = {r.kommunenummer for r in diagnosis.relax}
    # HiGHS's irreducible infeasible subset of the stage-1 programme: the rows that conflict
    net = network(scenario)
    model = build_settle_model(net)
    highs = new_highs(60.0)
    highs.setOptionValue("iis_strategy", 2)
    model.lp.pass_to(highs)
    assert run_highs(highs, model.lp).status == "infeasible"
    _, iis = highs.getIis()
    total_rows = model.lp.rows["total"]
    in_conflict = {net.numbers[k] for k in np.flatnonzero((net.low > 0) | np.isfinite(net.high))
                   if total_rows.start + list(np.flatnonzero((net.low > 0) | np.isfinite(net.high))).index(k) in set(iis.row_index_)}
    assert in_conflict == {"1001", "1002"} and named <= in_conflict
    solve_and_check(apply_diagnosis(scenario, diagnosis))
    assert "det avtalte minimumet må senkes" in "\n".join(diagnosis.lines())


def test_a_lock_that_cannot_be_met_is_named():
    scenario = make_scenario([1000, 2000], {"adults": 5}, limits={0: {"min_total": 8, "max_total": 8}})
    diagnosis = diagnose(scenario)
    [relax] = diagnosis.relax
    assert (relax.kommunenummer, relax.limit, relax.by, relax.direction) == ("1001", "locked", 3, "down")
    assert "låsen må løses" in "\n".join(diagnosis.lines())


def test_diagnose_on_the_command_line(tmp_path):
    result = run_cli("diagnose", DEMO, "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) >= {"shortfall", "additions", "relax", "total_added"}
    assert set(doc["shortfall"]) == set(GROUPS)
    assert all(set(a) >= {"kommunenummer", "resource", "add"} for a in doc["additions"])
    assert doc["total_added"] == sum(a["add"] for a in doc["additions"])
    text = run_cli("diagnose", DEMO)
    assert text.returncode == 0 and "Minste endring" in text.stdout


def test_a_change_found_before_the_time_limit_says_how_far_from_the_least_it_may_be():
    from allocator.diagnose import Addition, Diagnosis

    diagnosis = Diagnosis(shortfall={"adults": 3}, additions=[Addition("4601", "Bergen", "small_dwellings", 3)], unproven_by=1)
    assert diagnosis.to_dict()["unproven_by"] == 1
    assert "den minste kan være inntil 1 enhet mindre" in " ".join(diagnosis.lines())
    assert "unproven_by" not in Diagnosis(shortfall={"adults": 0}).to_dict()
