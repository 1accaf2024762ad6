"""Sweeps (what if the need changes), the consistency view across counties, and `new` on the command line."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import SCENARIOS, examples, make_scenario, run_cli, solve_and_check, write_scenario
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from three_counties import TIGHT_AGDER, national

from allocator import GROUPS, load_scenario
from allocator.analysis.consistency import consistency
from allocator.analysis.sweep import first_limits, parse_totals, plan_point, scaled, sweep

# --------------------------------------------------------------------------- totals and scaling


@pytest.mark.parametrize("text, totals", [
    ("5000:40000:2500", list(range(5000, 40001, 2500))),
    ("100:300:100", [100, 200, 300]),
    ("8000, 13000,40000", [8000, 13000, 40000]),
    ("13 000:14 000:500", [13000, 13500, 14000]),
])
def test_totals_are_read_as_a_range_or_a_list(text, totals):
    assert parse_totals(text) == totals


@pytest.mark.parametrize("text", ["", "a:b:c", "100:50:10", "100:200:0", "5:10", "-5,10"])
def test_bad_totals_are_refused(text):
    with pytest.raises(ValueError):
        parse_totals(text)


def test_scaling_keeps_the_groups_in_proportion_with_exact_totals():
    scenario = load_scenario(SCENARIOS / "vestland-2026")
    for total in (0, 1, 737, 1474, 5000):
        request = scaled(scenario, total).request
        assert sum(request.values()) == total
        for g in GROUPS:
            assert abs(request[g] - total * scenario.request[g] / scenario.total_request) < 1


def test_scaling_per_county_requests_scales_every_county(tmp_path):
    toml, csv = national()
    scenario = load_scenario(write_scenario(tmp_path / "s", toml=toml, csv=csv))
    doubled = scaled(scenario, 2 * scenario.total_request)
    for fylke, counts in scenario.counties.requests.items():
        for g in GROUPS:
            assert abs(doubled.counties.requests[fylke][g] - 2 * counts[g]) < 1
    assert sum(doubled.request.values()) == 2 * scenario.total_request


# --------------------------------------------------------------------------- the sweep


def test_a_sweep_finds_where_capacity_runs_out(tmp_path):
    toml, csv = national(limits=TIGHT_AGDER)
    scenario = load_scenario(write_scenario(tmp_path / "s", toml=toml, csv=csv))
    totals = [50, 100, 220, 400, 800]
    points = sweep(scenario, totals, workers=1)
    assert [p.total for p in points] == totals
    for point in points:
        assert sum(point.request.values()) == point.total
        for g in GROUPS:
            assert point.settled[g] + point.shortfall[g] == point.request[g]
        assert {c["fylke"] for c in point.counties} == {"Agder", "Buskerud", "Finnmark"}
    assert sum(points[0].shortfall.values()) == 0  # 50 persons fit
    assert sum(points[-1].shortfall.values()) > 0
    agder = next(f for f in first_limits(points) if f["fylke"] == "Agder")
    # Agder has 10 family places; at 220 it is asked for about 58 persons in families
    assert agder["limit"] == "family_dwellings" and agder["total"] <= 220
    # the point equals a plan made directly
    direct = solve_and_check(scaled(scenario, 220))
    assert points[2].settled == direct.settled


def test_a_sweep_in_parallel_gives_the_same_points_as_one_by_one():
    scenario = load_scenario(SCENARIOS / "trondelag-2026")
    totals = [500, 1500, 3000, 6000]
    one = sweep(scenario, totals, workers=1)
    two = sweep(scenario, totals, workers=2)
    assert [p.to_dict() for p in one] == [p.to_dict() for p in two]


def test_a_total_below_the_agreed_minimums_is_a_point_with_a_message():
    scenario = make_scenario([1000, 2000], {"adults": 10}, limits={0: {"min_total": 8}})
    point = plan_point(scenario, 5)
    assert point.error and "min_total" in point.error
    assert plan_point(scenario, 20).error is None


def test_sweep_on_the_command_line(tmp_path):
    out = tmp_path / "sweep.xlsx"
    result = run_cli("sweep", SCENARIOS / "demo-shortfall", "--totals", "100:400:100", "--json", "--out", out)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [p["total"] for p in doc["points"]] == [100, 200, 300, 400]
    for point in doc["points"]:
        assert set(point) >= {"total", "settled", "shortfall", "counties", "at_limit"}
        assert set(point["settled"]) == set(GROUPS)
    assert doc["first_limits"] and doc["first_limits"][0]["limit"] in ("family_dwellings", "minor_places", "max_total")
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets["totaler"]["Total"]) == [100, 200, 300, 400]
    text = run_cli("sweep", SCENARIOS / "demo-shortfall", "--totals", "100,300")
    assert text.returncode == 0 and "Underskudd" in text.stdout and "går først tom" in text.stdout


def test_sweep_never_overwrites_a_file_unless_asked(tmp_path):
    out = tmp_path / "sweep.xlsx"
    out.write_bytes(b"someone's work")
    refused = run_cli("sweep", SCENARIOS / "demo-shortfall", "--totals", "100,200", "--out", out)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert out.read_bytes() == b"someone's work"
    assert run_cli("sweep", SCENARIOS / "demo-shortfall", "--totals", "100,200", "--out", out, "--force").returncode == 0
    assert list(pd.read_excel(out, sheet_name="totaler")["Total"]) == [100, 200]


@pytest.mark.parametrize("args", [("--totals", "mange"), ("--totals", "10:5:1"), ("--totals", "100:200:50", "--out", "x.csv")])
def test_sweep_refuses_bad_arguments_with_exit_code_2(args):
    result = run_cli("sweep", SCENARIOS / "demo-shortfall", *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr


# --------------------------------------------------------------------------- consistency


def _peers():
    populations = [10000, 11000, 12000, 9000, 10500, 9500]
    scenario = make_scenario(populations, {"adults": 60}, extra_columns={"sentralitet": [4] * 6, "kostragruppe": [2] * 6},
                             limits={5: {"min_total": 40}})  # one municipality agreed to take far more
    table = scenario.municipalities.copy()
    table["fylke"] = ["Agder", "Agder", "Agder", "Troms", "Troms", "Troms"]
    return scenario.with_changes(municipalities=table)


def test_consistency_flags_a_municipality_far_from_its_peers():
    plan = solve_and_check(_peers())
    result = consistency(plan, "sentralitet")
    [group] = result["groups"]
    assert group["municipalities"] == 6 and set(group["by_county"]) == {"Agder", "Troms"}
    flagged = {f["kommunenummer"]: f for f in result["flagged"]}
    assert "1006" in flagged and flagged["1006"]["ratio"] > 2 and flagged["1006"]["peer_size"] == 6
    assert "Troms" in flagged["1006"]["text"] and "ganger medianen" in flagged["1006"]["text"]
    assert consistency(plan, "kostragruppe")["groups"][0]["group"] == "KOSTRA-gruppe 2"


def test_consistency_on_the_command_line(tmp_path):
    folder = tmp_path / "land"
    assert run_cli("new", folder, "--fylke", "Norge").returncode == 0
    result = run_cli("consistency", folder, "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["by"] == "sentralitet" and doc["groups"]
    assert sum(g["municipalities"] for g in doc["groups"]) == 357
    text = run_cli("consistency", folder, "--by", "kostragruppe")
    assert text.returncode == 0 and "KOSTRA-gruppe" in text.stdout
    missing = run_cli("consistency", write_scenario(tmp_path / "plain"))  # no sentralitet column
    assert missing.returncode == 2 and "sentralitet" in missing.stderr and "Traceback" not in missing.stderr


# --------------------------------------------------------------------------- new


def test_new_writes_a_ready_county_scenario_and_never_overwrites(tmp_path):
    folder = tmp_path / "agder"
    result = run_cli("new", folder, "--fylke", "agder", "--year", "2025")
    assert result.returncode == 0, result.stderr
    scenario = load_scenario(folder)
    assert scenario.name == "Agder 2025" and scenario.total_request == 765
    again = run_cli("new", folder, "--fylke", "Agder")
    assert again.returncode == 2 and "--force" in again.stderr
    assert run_cli("new", folder, "--fylke", "Agder", "--force").returncode == 0
    assert load_scenario(folder).year == 2026


def test_new_with_a_misspelt_county_lists_the_valid_ones(tmp_path):
    result = run_cli("new", tmp_path / "x", "--fylke", "Vestlandet")
    assert result.returncode == 2
    assert "Vestland" in result.stderr and "Trøndelag" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()


def test_new_for_norway_solves_with_every_county_request(tmp_path):
    folder = tmp_path / "norge"
    assert run_cli("new", folder, "--fylke", "Norge").returncode == 0
    plan = solve_and_check(load_scenario(folder))
    assert plan.scenario.total_request == 13000 and plan.scenario.request["minors"] == 651
    assert len(plan.county_figures) == 15


@settings(max_examples=examples(40))
@given(st.lists(st.integers(0, 400), min_size=2, max_size=8), st.integers(0, 3000), st.integers(1, 200))
def test_no_county_or_group_request_falls_when_the_total_rises(requests, start, step):
    """The Alabama paradox: with largest remainders a county's group could lose a person when the
    total grows (1 872 of the national totals 5 000–20 000); the sweep's scaling never does."""
    from allocator.analysis.sweep import _house_monotone_split

    assume(sum(requests) > 0)
    before = _house_monotone_split(start, requests)
    after = _house_monotone_split(start + step, requests)
    assert sum(before) == start and sum(after) == start + step
    assert all(b <= a for b, a in zip(before, after))


def test_what_a_county_settles_never_falls_as_the_sweep_rises(tmp_path):
    toml, csv = national(limits=TIGHT_AGDER)
    scenario = load_scenario(write_scenario(tmp_path / "s", toml=toml, csv=csv))
    points = sweep(scenario, list(range(40, 200)), workers=1)  # every total: a drop of one person shows
    for low, high in zip(points, points[1:]):
        for a, b in zip(low.counties, high.counties):
            assert a["fylke"] == b["fylke"]
            assert all(a["request"][g] <= b["request"][g] for g in GROUPS)
            assert sum(a["settled"].values()) <= sum(b["settled"].values())


def test_what_runs_out_first_is_what_first_leaves_persons_unplaced(tmp_path):
    """Issue 15.9: «Hva går først tom» named minors' places at the sweep's lowest total in 14 of 15
    counties (most municipalities have none), though nobody was left out there. Now each row is
    the lowest total at which the county's request cannot all be placed, and the limit causing it."""
    from allocator.scenario.catalog import write_new_scenario
    from allocator.scenario.data import RESOURCE_OF_GROUP

    scenario = load_scenario(write_new_scenario(tmp_path / "norge", "Norge", 2026))
    totals = [6000, 13000, 26000, 52000]
    points = sweep(scenario, totals, workers=1)
    rows = first_limits(points)
    assert rows
    named_minors = 0
    for row in rows:
        at = next(p for p in points if p.total == row["total"])
        [county] = [c for c in at.counties if c["fylke"] == row["fylke"]]
        short = {g for g, v in county["shortfall"].items() if v > 0}
        assert sum(county["shortfall"].values()) == row["shortfall"] > 0
        assert row["limit"] in {RESOURCE_OF_GROUP[g] for g in short} | {"max_total", "locked"}
        for earlier in (p for p in points if p.total < row["total"]):  # nobody was left out before
            [before] = [c for c in earlier.counties if c["fylke"] == row["fylke"]]
            assert sum(before["shortfall"].values()) == 0
        named_minors += row["limit"] == "minor_places"
    assert named_minors < len(rows) / 2
