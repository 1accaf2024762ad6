"""The national model: requests per county, a national request split by the key, and settlement
across county borders.

- per-county requests (form 2) give exactly the plans of the separate county scenarios when no
  border is crossed;
- a national request split by the key (form 3) gives county requests that sum to the national
  request and follow each county's share of the key, within one person;
- across borders, only what a county cannot place at home moves, and the number moved is the
  least possible: checked against an independent integer programme (scipy.optimize.milp) that
  tracks each county's persons to each municipality, written here without allocator.model;
- without cross_border nothing moves, and the plan says how many could have been placed;
- the independent checker checks county totals and flows, and catches tampered ones;
- the command line, the JSON shape, the text and the Excel file carry the county figures.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from helpers import (
    assert_caught,
    examples,
    independent_optimum,
    municipalities_csv,
    run_cli,
    solve_and_check,
    with_allocation,
    write_scenario,
)
from hypothesis import HealthCheck, given, settings
from strategies import national_scenarios
from three_counties import COUNTY_REQUESTS, ROWS, TIGHT_AGDER, county_only, load, national

from allocator import GROUPS, ScenarioError, load_scenario
from allocator.check import violations
from allocator.plan import Flow
from allocator.scenario.key import key_share_array

# --------------------------------------------------------------------------- builders

# --------------------------------------------------------------------------- form 2


def test_per_county_requests_give_the_separate_county_plans(tmp_path):
    scenario = load(tmp_path, limits={"1201": {"max_total": 30}, "1302": {"small_dwellings": 1}, "1101": {"min_total": 50}})
    plan = solve_and_check(scenario)
    assert scenario.request == {g: sum(r[g] for r in COUNTY_REQUESTS.values()) for g in GROUPS}
    for fylke in COUNTY_REQUESTS:
        alone = solve_and_check(county_only(scenario, fylke))
        joint = plan.allocation.loc[alone.allocation.index]
        pd.testing.assert_frame_equal(joint, alone.allocation, check_names=False)
        pd.testing.assert_frame_equal(plan.fair_share.loc[alone.allocation.index], alone.fair_share, check_names=False, atol=1e-9)
    assert plan.flows == ()


def test_a_county_without_a_request_table_gets_nobody(tmp_path):
    requests = {k: v for k, v in COUNTY_REQUESTS.items() if k != "Finnmark"}
    plan = solve_and_check(load(tmp_path, requests=requests))
    finnmark = [n for n, _, f, _ in ROWS if f == "Finnmark"]
    assert plan.allocation.loc[finnmark].to_numpy().sum() == 0
    figures = {c["fylke"]: c for c in plan.county_figures}
    assert figures["Finnmark"]["request"] == {g: 0 for g in GROUPS}


def test_without_cross_border_a_shortfall_stays_in_its_county_and_the_plan_says_what_could_move(tmp_path):
    plan = solve_and_check(load(tmp_path, limits=TIGHT_AGDER))
    figures = {c["fylke"]: c for c in plan.county_figures}
    assert figures["Agder"]["shortfall"]["families"] == 30 - 10
    assert all(sum(figures[f]["shortfall"].values()) == 0 for f in ("Buskerud", "Finnmark"))
    assert plan.flows == () and all(sum(c["received"].values()) == 0 for c in plan.county_figures)
    assert plan.placeable_across_borders == 20
    assert plan.to_dict()["placeable_across_borders"] == 20


# --------------------------------------------------------------------------- form 3


def test_a_national_request_split_by_the_key_sums_to_it_and_follows_the_key(tmp_path):
    toml = """
name = "Nasjonalt"
[request]
adults = 1001
families = 777
minors = 65
special_needs = 43
[counties]
split = "key"
[key]
population = { weight = 1.0, exponent = 0.6 }
"""
    _, csv = national()
    scenario = load_scenario(write_scenario(tmp_path / "n", toml=toml, csv=csv))
    counties = scenario.counties
    assert counties.split == "key" and set(counties.requests) == {"Agder", "Buskerud", "Finnmark"}
    shares = key_share_array(scenario)
    of = np.array(scenario.county_of())
    for g, total in scenario.request.items():
        assert sum(counties.requests[f][g] for f in counties.requests) == total
        for fylke in counties.requests:
            assert abs(counties.requests[fylke][g] - total * shares[of == fylke].sum()) < 1
    plan = solve_and_check(scenario)
    doc = plan.to_dict()
    assert {c["fylke"]: c["request"] for c in doc["counties"]} == counties.requests
    # within each county, the fair shares are the county's request split by the key
    for fylke in counties.requests:
        rows = plan.fair_share[of == fylke]
        assert rows.sum().to_dict() == pytest.approx(counties.requests[fylke])


def test_a_national_request_split_by_the_key_survives_a_save(tmp_path):
    from allocator import save_scenario

    toml = '''name = "N"\n[request]\nadults = 100\n[counties]\nsplit = "key"\ncross_border = true\nmax_share = 0.25\n[key]\npopulation = 1.0\n'''
    _, csv = national()
    scenario = load_scenario(write_scenario(tmp_path / "n", toml=toml, csv=csv))
    again = load_scenario(save_scenario(scenario, tmp_path / "saved"))
    assert again.counties == scenario.counties
    assert "split" in (tmp_path / "saved" / "scenario.toml").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- across borders


def test_across_borders_only_what_a_county_cannot_place_moves(tmp_path):
    plan = solve_and_check(load(tmp_path, limits=TIGHT_AGDER, cross_border=True))
    assert plan.shortfall == {g: 0 for g in GROUPS}
    moved = sum(f.persons for f in plan.flows)
    assert moved == 20
    assert all(f.origin == "Agder" and f.group == "families" for f in plan.flows)
    figures = {c["fylke"]: c for c in plan.county_figures}
    assert figures["Agder"]["sent"]["families"] == 20 and figures["Agder"]["settled"] == COUNTY_REQUESTS["Agder"]
    received = sum(figures[f]["received"]["families"] for f in ("Buskerud", "Finnmark"))
    assert received == 20
    # each receiving municipality's own "received" adds up to what its county received
    table = plan.municipality_table()
    for fylke in ("Buskerud", "Finnmark"):
        assert table.loc[table["fylke"] == fylke, "received"].sum() == figures[fylke]["received"]["families"]


def test_persons_received_are_spread_over_the_receiving_county_in_proportion_to_fair_shares(tmp_path):
    requests = {**COUNTY_REQUESTS, "Buskerud": {"adults": 55, "families": 400, "minors": 5, "special_needs": 4}}
    plan = solve_and_check(load(tmp_path, limits=TIGHT_AGDER, requests=requests, cross_border=True))
    # Buskerud is the big one: with a large own request its relative load is high, so Agder's
    # families go to Finnmark, and within Finnmark in proportion to the fair shares
    finnmark = [n for n, _, f, _ in ROWS if f == "Finnmark"]
    families = plan.allocation.loc[finnmark, "families"]
    fair = plan.fair_share.loc[finnmark, "families"]
    scale = families.sum() / fair.sum()
    assert ((families - scale * fair).abs() < 1).all(), (families.tolist(), (scale * fair).round(2).tolist())


def test_max_share_caps_what_a_county_sends(tmp_path):
    plan = solve_and_check(load(tmp_path, limits=TIGHT_AGDER, cross_border=True, max_share=0.1))
    sent = sum(f.persons for f in plan.flows if f.origin == "Agder")
    assert sent == math.floor(0.1 * sum(COUNTY_REQUESTS["Agder"].values()))  # 7 of the 20 it cannot place
    assert plan.shortfall["families"] == 20 - sent


def test_with_cross_border_off_nothing_moves_even_with_room_next_door(tmp_path):
    plan = solve_and_check(load(tmp_path, limits=TIGHT_AGDER, cross_border=False))
    assert plan.flows == () and plan.received is None
    assert plan.shortfall["families"] == 20


# --------------------------------------------------------------------------- random national cases

@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(national_scenarios())
def test_random_national_plans_settle_the_most_and_cross_the_fewest_borders(scenario):
    plan = solve_and_check(scenario)
    settled, crossing = independent_optimum(scenario)
    assert sum(plan.settled.values()) == settled
    moved = sum(f.persons for f in plan.flows)
    if scenario.counties.cross_border:
        assert moved == crossing
    else:
        assert moved == 0 and plan.received is None
    for figure in plan.county_figures:
        for g in GROUPS:
            assert figure["settled"][g] + figure["shortfall"][g] == figure["request"][g]


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(national_scenarios(cross=False))
def test_random_per_county_requests_equal_the_separate_county_plans(scenario):
    plan = solve_and_check(scenario)
    for fylke in scenario.counties.requests:
        if fylke not in set(scenario.county_of()):
            continue
        alone = solve_and_check(county_only(scenario, fylke))
        assert (plan.allocation.loc[alone.allocation.index] == alone.allocation).all().all()


# --------------------------------------------------------------------------- the checker


@pytest.fixture
def crossing_plan(tmp_path):
    return solve_and_check(load(tmp_path, limits=TIGHT_AGDER, cross_border=True))


def test_checker_catches_a_county_settling_more_than_its_request(crossing_plan):
    allocation = crossing_plan.allocation.copy()
    allocation.at["1102", "adults"] += 1  # an Agder adult too many, nobody sent for it
    assert_caught(with_allocation(crossing_plan, allocation), "Agder adults")


def test_checker_catches_flows_that_do_not_match_the_plan(crossing_plan):
    flows = tuple(Flow(f.origin, f.destination, f.group, f.persons + (1 if k == 0 else 0)) for k, f in enumerate(crossing_plan.flows))
    assert_caught(crossing_plan.replace(flows=flows), "received")


def test_checker_catches_flows_when_borders_are_closed(tmp_path):
    plan = solve_and_check(load(tmp_path, limits=TIGHT_AGDER))
    tampered = plan.replace(flows=(Flow("Agder", "Buskerud", "families", 1),))
    assert_caught(tampered, "cross_border")


def test_checker_catches_more_sent_than_max_share(tmp_path):
    plan = solve_and_check(load(tmp_path, limits=TIGHT_AGDER, cross_border=True, max_share=0.1))
    allocation = plan.allocation.copy()
    allocation.at["1201", "families"] += 1
    flows = tuple(Flow(f.origin, f.destination, f.group, f.persons + (1 if f.destination == "Buskerud" else 0)) for f in plan.flows)
    if not any(f.destination == "Buskerud" for f in plan.flows):
        flows = (*flows, Flow("Agder", "Buskerud", "families", 1))
    tampered = with_allocation(plan, allocation).replace(flows=flows)
    assert any("max_share" in v for v in violations(tampered, tampered.scenario))


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("toml, column, fragment", [
    ('name = "x"\n[request.counties."Vestlandet"]\nadults = 5\n[request.counties."Agder"]\nadults = 5\n', 'request.counties."Vestlandet"', "ingen kommuner"),
    ('name = "x"\n[request]\nadults = 5\n[request.counties."Agder"]\nadults = 5\n', "[request]", "ikke begge"),
    ('name = "x"\n[request]\nadults = 5\n[counties]\ncross_border = true\n', "[counties]", "split"),
    ('name = "x"\n[request]\nadults = 5\n[counties]\nsplit = "population"\n', "counties.split", "key"),
    ('name = "x"\n[request.counties."Agder"]\nadults = "5"\n', 'request.counties."Agder".adults', "tekst"),
    ('name = "x"\n[request.counties."Agder"]\nadults = 5\n[counties]\nmax_share = 1.5\n', "counties.max_share", "mellom 0 og 1"),
    ('name = "x"\n[request.counties."Agder"]\nadults = 5\n[counties]\ncross_border = "ja"\n', "counties.cross_border", "true eller false"),
])
def test_county_settings_that_make_no_sense_are_refused_naming_the_key(toml, column, fragment, tmp_path):
    _, csv = national()
    folder = write_scenario(tmp_path / "bad", toml=toml, csv=csv)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    assert any(p.column == column and fragment in p.message for p in caught.value.problems), caught.value.problems
    result = run_cli("validate", folder)
    assert result.returncode == 2 and column in result.stderr and "Traceback" not in result.stderr


def test_a_misspelt_county_gets_a_suggestion(tmp_path):
    _, csv = national()
    toml = 'name = "x"\n[request.counties."Agdr"]\nadults = 5\n'
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write_scenario(tmp_path / "bad", toml=toml, csv=csv))
    assert "mente du «Agder»" in str(caught.value)


def test_county_requests_need_a_county_on_every_row(tmp_path):
    toml, csv = national()
    csv = csv.replace("1102,Bby,Agder", "1102,Bby,")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write_scenario(tmp_path / "bad", toml=toml, csv=csv))
    assert [(p.row, p.column) for p in caught.value.problems] == [("linje 3 (1102 Bby)", "fylke")]


def test_county_requests_need_a_fylke_column(tmp_path):
    toml, _ = national()
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write_scenario(tmp_path / "bad", toml=toml, csv=municipalities_csv()))
    assert any(p.column == "fylke" and "ingen kolonne fylke" in p.message for p in caught.value.problems)


def test_minimums_above_a_county_request_are_refused_without_cross_border(tmp_path):
    limits = {"1301": {"min_total": 30}, "1302": {"min_total": 20}}  # Finnmark asks for 37
    with pytest.raises(ScenarioError) as caught:
        load(tmp_path, limits=limits)
    assert any("Finnmark" in p.message and p.column == "min_total" for p in caught.value.problems)
    plan = solve_and_check(load(tmp_path, "open", limits=limits, cross_border=True))
    assert plan.allocation.loc[["1301", "1302"]].to_numpy().sum() >= 50


# --------------------------------------------------------------------------- output


def test_json_text_and_excel_carry_counties_and_flows(tmp_path):
    toml, csv = national(limits=TIGHT_AGDER, cross_border=True)
    folder = write_scenario(tmp_path / "s", toml=toml, csv=csv)
    result = run_cli("solve", folder, "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [c["fylke"] for c in doc["counties"]] == ["Agder", "Buskerud", "Finnmark"]
    for county in doc["counties"]:
        assert set(county) >= {"fylke", "request", "settled", "shortfall", "received", "sent"}
        for part in ("request", "settled", "shortfall", "received", "sent"):
            assert set(county[part]) == set(GROUPS)
    assert sum(f["persons"] for f in doc["flows"]) == 20
    assert all(set(f) == {"from", "to", "group", "persons"} for f in doc["flows"])
    assert all(row["fylke"] for row in doc["municipalities"])
    received = sum(sum(row["received"].values()) for row in doc["municipalities"])
    assert received == 20
    for g in GROUPS:  # allocation is everything a municipality settles, received included
        assert sum(row["allocation"][g] for row in doc["municipalities"]) == doc["settled"][g]

    text = run_cli("solve", folder)
    assert text.returncode == 0 and "Fylker" in text.stdout and "på tvers av fylkesgrenser" in text.stdout

    out = tmp_path / "plan.xlsx"
    assert run_cli("solve", folder, "--out", out).returncode == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert "fylker" in sheets and "flyt mellom fylker" in sheets
    assert sheets["flyt mellom fylker"].iloc[:, -1].sum() == 20
