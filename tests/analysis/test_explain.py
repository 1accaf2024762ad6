"""Why this number: the key's parts, what holds a municipality, what one more unit is worth, and
its number without each of its limits — each checked against solving again."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import SCENARIOS, examples, make_scenario, run_cli
from hypothesis import HealthCheck, assume, given, settings
from strategies import scenarios

from allocator import GROUPS, ScenarioError, load_scenario, solve
from allocator.analysis.explain import explain, key_contributions
from allocator.optimize import targets
from allocator.optimize.model import add_settled, allocation_model, network
from allocator.scenario.key import key_share_array

DEMO = SCENARIOS / "demo-shortfall"


def with_one_more(scenario, number: str, resource: str):
    table = scenario.table
    values = table.numeric(resource).copy()
    values[table.position[number]] += 1
    return scenario.with_changes(table=table.with_columns({resource: values}), municipalities=None)


def settled(scenario) -> int:
    return sum(solve(scenario).settled.values())


def fair_split_distance(scenario, total: int) -> float:
    """Clarabel's objective for the fair split at `total` persons (Σ (x − f)²/f up to a constant)."""
    net = network(scenario)
    shape = allocation_model("t", net)
    add_settled(shape, total)
    return float(targets.quadratic_programme(shape).solve(60.0).obj_val)


def test_the_key_terms_add_up_to_the_key_share():
    scenario = load_scenario(SCENARIOS / "vestland-2026")
    shares = key_share_array(scenario)
    for row in (0, 5, 20):
        share, terms = key_contributions(scenario, row)
        assert share == pytest.approx(shares[row], rel=1e-12)
        assert sum(t.contribution for t in terms) == pytest.approx(share, rel=1e-9)
        [term] = terms
        assert term.column == "population" and term.exponent == 0.6
        population = scenario.table.numeric("population")
        assert term.share_before_exponent == pytest.approx(population[row] / population.sum())


def test_an_explanation_names_the_limits_and_what_lifting_each_would_give():
    scenario = load_scenario(DEMO)
    explanation = explain(scenario, "4639")  # Vik: capped, too few family dwellings, no minor places
    assert explanation.allocation == {g: int(v) for g, v in zip(GROUPS, solve(scenario).allocation.loc["4639"])}
    codes = [code for code, _ in explanation.holding]
    assert codes[0] == "max_total" and "family_dwellings" in codes
    assert explanation.marginal["family_dwellings"]["persons"] > 0  # the county falls short of families
    for limit, total in explanation.without_limit.items():
        table = scenario.table
        column = {"max_total": "max_total"}.get(limit, limit)
        values = table.numeric(column).copy()
        values[table.position["4639"]] = np.nan
        lifted = scenario.with_changes(table=table.with_columns({column: values}), municipalities=None)
        assert solve(lifted).allocation.loc["4639"].sum() == total
    text = "\n".join(explanation.lines())
    assert "Vik" in text and "Begrenset av maks totalt" in text and "familiebolig" in text


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenarios(max_municipalities=8))
def test_marginal_values_agree_with_solving_again_with_one_more_unit(scenario):
    try:
        plan = solve(scenario)
    except ScenarioError:
        assume(False)
    total = sum(plan.settled.values())
    for number in list(scenario.table.numbers)[:3]:
        explanation = explain(scenario, number, plan)
        for resource, value in explanation.marginal.items():
            more = with_one_more(scenario, number, resource)
            try:
                gained = settled(more) - total
            except ScenarioError:
                continue
            # persons: the dual value (within HiGHS's range) or a re-solve, exactly the difference
            assert value["persons"] == pytest.approx(gained, abs=1e-6), (number, resource, value, gained)
            if gained == 0 and value["persons_per_unit"] > 0 and targets.available():
                # fairness: from the multiplier, as far as the unit helps. The fair split's distance
                # is a convex function of the bound, so the true fall never exceeds it; and a unit
                # is worth something exactly when solving again shows the split coming closer.
                # Both are read from Clarabel's objective. Where a fair share of a hundredth of a
                # person must take 14 (the objective then reaches 10^4–10^5), an error of 10^-5
                # person in x moves it by about 10^-6 of its size (seen up to 1.2 × 10^-6 when two
                # solves stop at different points within Clarabel's tolerances): below 3 × 10^-6, noise.
                before = fair_split_distance(scenario, total)
                fell = before - fair_split_distance(more, total)
                noise = 1e-6 + 3e-6 * max(1.0, abs(before))
                assert fell <= value["fairness"] + 1e-5 + noise, (number, resource, value, fell)
                if value["fairness"] > 10 * noise:
                    assert fell > noise, (number, resource, value, fell, before)
                if fell > 10 * noise:
                    assert value["fairness"] > noise, (number, resource, value, fell, before)


def test_explain_on_the_command_line(tmp_path):
    result = run_cli("explain", DEMO, "4639", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) >= {"kommunenummer", "fair_share", "allocation", "key_terms", "binding", "marginal", "without_limit"}
    assert doc["kommunenummer"] == "4639" and set(doc["allocation"]) == set(GROUPS)
    assert all(set(t) >= {"column", "value", "share", "weight"} for t in doc["key_terms"])
    assert all("persons" in m for m in doc["marginal"].values())
    text = run_cli("explain", DEMO, "4639")
    assert text.returncode == 0 and "Vik" in text.stdout and "Begrenset av" in text.stdout
    unknown = run_cli("explain", DEMO, "9999")
    assert unknown.returncode == 2 and "9999" in unknown.stderr and "Traceback" not in unknown.stderr


@pytest.mark.parametrize("populations, request_", [([10000, 10000, 10], 10), ([10000, 10000, 3000], 10), ([5000] * 6 + [300], 40)])
def test_the_fairness_value_of_one_more_place_is_close_to_solving_again(populations, request_):
    """One more special place for a municipality that has none: how much closer to fair the split
    comes, against the fair split solved again with the place. A fair share of 0,005 person gains
    0,0025 from a whole place, not the multiplier's 1,0 per unit."""
    scenario = make_scenario(populations, {"special_needs": request_}, limits={len(populations) - 1: {"special_places": 0}})
    plan = solve(scenario)
    total, number = sum(plan.settled.values()), scenario.table.numbers[-1]
    value = explain(scenario, number, plan).marginal["special_places"]["fairness"]
    fell = fair_split_distance(scenario, total) - fair_split_distance(with_one_more(scenario, number, "special_places"), total)
    assert fell > 0 and fell - 1e-6 <= value <= 1.1 * fell
