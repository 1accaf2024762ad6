"""The quarterly settlement schedule ([quarters], [incentives], dated resources, quarter locks).

- random scenarios: the schedule passes the independent checker and, checked again here from the
  scenario's raw columns, nobody is settled before ready, no dwelling is used before it exists,
  the quarters add up to the yearly plan, the yearly plan is the one without [quarters], every
  group is settled as early as readiness and dwellings allow (least waiting, fewest late), and
  `timeliness()` agrees with a first-ready-first-settled count written here;
- the checker (`schedule_violations`) catches tampered schedules;
- bonus, deduction and grants by hand, through the solver and on a hand-built schedule;
- dated housing, readiness, value of the agreement, the timeliness weight, quarter locks and
  `edits.lock_schedule`, validation messages and the CLI's `--json`.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from helpers import (
    CSV_COLUMNS,
    SCENARIOS,
    assert_caught,
    examples,
    make_scenario,
    municipalities_csv,
    run_cli,
    run_cli_many,
    scenario_toml,
    solve_and_check,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from allocator import GROUPS, Housing, InfeasibleScenario, ScenarioError, SolveError, load_scenario, solve
from allocator.check import violations
from allocator.optimize.quarters import Schedule
from allocator.present import edits
from allocator.scenario.data import DEFAULT_DEADLINES, DEFAULT_GRANTS, RESOURCE_OF_GROUP, Incentives, Quarters
from allocator.scenario.write import save_scenario
from allocator.whole import even_split

QUARTERS = (1, 2, 3, 4)
GRANT = DEFAULT_GRANTS  # 2024 rates, restated by hand in test_default_grants_are_the_2024_rates


# --------------------------------------------------------------------------- independent helpers


def with_quarters(scenario, ready=None, deadline=None, weight=0.0, baseline="even", incentives=None):
    """The scenario with a [quarters] section (readiness even over the year where not given)."""
    ready = {g: tuple((ready or {}).get(g, even_split(scenario.request[g]))) for g in GROUPS}
    quarters = Quarters(ready=ready, deadline={**DEFAULT_DEADLINES, **(deadline or {})}, timeliness_weight=weight, baseline=baseline)
    changes = {"quarters": quarters}
    if incentives is not None:
        changes["incentives"] = incentives
    return scenario.with_changes(**changes)


def own_cap(scenario, number: str, group: str, quarter: int) -> float:
    """Persons of `group` the municipality's dwellings/places allow by the end of `quarter`, from the raw
    columns: the undated column plus the dated additions up to the quarter. A blank undated column is
    no limit, unless dated additions are given: then it is none until they come."""
    row = scenario.municipalities.loc[number]
    resource = RESOURCE_OF_GROUP[group]
    units = float(row[resource])
    dated = [row.get(f"{resource}_q{q}", np.nan) for q in QUARTERS]
    if math.isnan(units):
        if all(pd.isna(a) for a in dated):
            return math.inf
        units = 0.0
    for q in range(1, quarter + 1):
        added = row.get(f"{resource}_q{q}", np.nan)
        units += 0.0 if pd.isna(added) else float(added)
    per_unit = {"adults": scenario.housing.adults_per_small_dwelling, "families": scenario.housing.persons_per_family_dwelling}
    return math.floor(units * per_unit.get(group, 1.0) + 1e-9)


def own_fifo(ready, settled, deadline: int) -> dict:
    """First ready, first settled, person by person: avg months, share within, late, carried over."""
    queue = [r for r, n in zip(QUARTERS, ready) for _ in range(n)]  # ready quarter of each person, in order
    slots = [s for s, n in zip(QUARTERS, settled) for _ in range(n)]
    assert len(slots) <= len(queue)
    waits = [s - r for r, s in zip(queue, slots)]
    assert all(w >= 0 for w in waits), "settled before ready"
    within = sum(w <= deadline for w in waits)
    return {
        "avg_months": 3 * sum(waits) / len(waits) if waits else 0.0,
        "within_target": within / len(waits) if waits else 1.0,
        "late": len(waits) - within,
        "carried_over": len(queue) - len(slots),
        "months": 3 * sum(waits),
    }


def assert_timeliness_matches_own_count(schedule: Schedule, table: pd.DataFrame | None = None) -> None:
    table = schedule.table if table is None else table
    quarters = schedule.scenario.quarters
    reported = schedule.timeliness(table)
    county = table.groupby(level="quarter").sum()
    for g in GROUPS:
        settled = [int(county.at[q, g]) if q in county.index else 0 for q in QUARTERS]
        own = own_fifo(quarters.ready[g], settled, quarters.deadline[g])
        got = reported[g]
        assert got["late"] == own["late"], (g, got, own)
        assert got["carried_over"] == own["carried_over"], (g, got, own)
        assert got["avg_months"] == pytest.approx(own["avg_months"], abs=0.005 + 1e-9), (g, got, own)  # 2 decimals
        assert got["within_target"] == pytest.approx(own["within_target"], abs=5e-5), (g, got, own)
        assert got["waiting_person_months"] == own["months"], (g, got, own)


def own_economics(scenario, table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Bonus, deduction and grants per municipality, person by person from the schedule."""
    incentives = scenario.incentives
    out = {}
    for number in table.index.get_level_values("kommunenummer").unique():
        rows = table.loc[number]
        persons = [int(rows.loc[q].sum()) if q in rows.index else 0 for q in QUARTERS]
        allowed = math.floor(incentives.q4_threshold * sum(persons) + 1e-9)
        over = max(0, persons[3] - allowed)
        figures = {
            "bonus": sum(p * b for p, b in zip(persons, incentives.bonus)),
            "deduction": over * incentives.q4_deduction,
            "q4_over_threshold": over,
        }
        for q in QUARTERS:
            figures[f"grant_q{q}"] = sum(int(rows.at[q, g]) * incentives.grant[g] for g in GROUPS) if q in rows.index else 0
        figures["net_incentive"] = figures["bonus"] - figures["deduction"]
        out[number] = figures
    return out


def assert_schedule_keeps_every_rule(plan, scenario) -> None:
    """The quarterly rules, checked here from the raw columns (not with allocator.check)."""
    table = plan.schedule.table
    numbers = list(scenario.municipalities.index)
    assert list(table.columns) == list(GROUPS)
    assert table.index.names == ["kommunenummer", "quarter"]
    assert sorted(table.index) == sorted(itertools.product(numbers, QUARTERS)), "one row per municipality and quarter"
    assert (table >= 0).all().all()
    assert all(pd.api.types.is_integer_dtype(table[g]) for g in GROUPS)
    # the quarters add up to the yearly plan
    yearly = table.groupby(level="kommunenummer").sum()
    pd.testing.assert_frame_equal(yearly.loc[numbers], plan.allocation.loc[numbers], check_dtype=False, check_names=False)
    # nobody is settled before ready (county, per group, cumulative)
    for g in GROUPS:
        settled = ready = 0
        for q in QUARTERS:
            settled += int(table.xs(q, level="quarter")[g].sum())
            ready += scenario.quarters.ready[g][q - 1]
            assert settled <= ready, f"{g}: {settled} settled by Q{q}, {ready} ready"
    # a dwelling or place is used only once it exists
    for number in numbers:
        rows = table.loc[number]
        for g in GROUPS:
            used = 0
            for q in QUARTERS:
                used += int(rows.at[q, g])
                assert used <= own_cap(scenario, number, g, q), f"{number} {g}: {used} by Q{q}"


# --------------------------------------------------------------------------- 1. random scenarios

HOUSINGS = [Housing(), Housing(1.0, 3.0), Housing(1.5, 4.2)]
RESOURCES = tuple(RESOURCE_OF_GROUP.values())


@st.composite
def readiness(draw, total: int):
    if draw(st.integers(0, 2)) == 0:  # everyone ready in one quarter
        quarter = draw(st.sampled_from(QUARTERS))
        return tuple(total if q == quarter else 0 for q in QUARTERS)
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=3, max_size=3)))
    return (cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1], total - cuts[2])


def assert_as_early_as_possible(plan, scenario, group: str) -> None:
    """County cumulative settled by each quarter is the most possible: min(ready so far, what the
    municipalities' yearly numbers and dwellings existing by then allow). A greedy quarter-by-quarter
    settlement reaches this bound in every quarter at once, and such a schedule settles the k-th
    person in the queue (first ready, first settled) no later than any other schedule does: it has
    the least waiting and the fewest late, so with timeliness_weight 0 and no quarter locks it is
    the schedule the stated priorities ask for."""
    county = plan.schedule.county_by_quarter()[group].cumsum().tolist()
    ready = list(itertools.accumulate(scenario.quarters.ready[group]))
    for q in QUARTERS:
        room = sum(min(int(plan.allocation.at[n, group]), own_cap(scenario, n, group, q)) for n in scenario.municipalities.index)
        assert county[q - 1] == min(ready[q - 1], room), (group, q, county, ready, room)


@st.composite
def quarterly_scenarios(draw, max_municipalities: int = 15):
    n = draw(st.integers(1, max_municipalities))
    numbers = [f"{x:04d}" for x in draw(st.lists(st.integers(1, 9999), min_size=n, max_size=n, unique=True))]
    populations = draw(st.lists(st.integers(100, 300_000), min_size=n, max_size=n))
    request = {g: draw(st.one_of(st.just(0), st.integers(0, 12), st.integers(0, 60))) for g in GROUPS}
    dated = draw(st.lists(st.sampled_from([f"{r}_q{q}" for r in RESOURCES for q in (2, 3, 4)] + [f"{r}_q1" for r in RESOURCES]),
                          max_size=6, unique=True))
    blank_in_4 = draw(st.sampled_from([3, 1, 0]))
    limits, extra = {}, {c: [] for c in dated}
    for i in range(n):
        cells = {r: None if draw(st.integers(0, 3)) < blank_in_4 else draw(st.integers(0, 8)) for r in RESOURCES}
        cells["max_total"] = draw(st.one_of(st.none(), st.none(), st.integers(0, 30)))
        limits[i] = cells
        for column in dated:
            extra[column].append(np.nan if draw(st.integers(0, 4)) == 0 else draw(st.integers(0, 4)))
    scenario = make_scenario(populations, request, limits=limits, housing=draw(st.sampled_from(HOUSINGS)), numbers=numbers,
                             extra_columns=extra)
    ready = {g: draw(readiness(request[g])) for g in GROUPS}
    deadline = {g: draw(st.integers(0, 3)) for g in GROUPS}
    incentives = Incentives(
        bonus=tuple(draw(st.sampled_from([(50_000.0, 25_000.0, 0.0, 0.0), (10_000.0, 10_000.0, 5_000.0, 0.0)]))),
        q4_threshold=draw(st.sampled_from([0.0, 0.25, 0.4, 1.0])),
        q4_deduction=draw(st.sampled_from([0.0, 10_000.0, 25_000.0])),
    )
    return with_quarters(scenario, ready=ready, deadline=deadline, baseline=draw(st.sampled_from(["even", "backloaded", (0.4, 0.3, 0.2, 0.1)])),
                         incentives=incentives)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quarterly_scenarios())
def test_random_schedule_keeps_every_rule_and_reports_timeliness_first_ready_first_settled(scenario):
    plan = solve_and_check(scenario)  # includes allocator.check.schedule_violations
    assert plan.schedule is not None and plan.schedule.moved_from_fair is None
    event(plan.status)
    assert_schedule_keeps_every_rule(plan, scenario)
    assert_timeliness_matches_own_count(plan.schedule)

    # timeliness_weight 0: the yearly plan is exactly the one without [quarters]
    yearly_only = solve_and_check(scenario.with_changes(quarters=None))
    assert yearly_only.schedule is None
    pd.testing.assert_frame_equal(plan.allocation, yearly_only.allocation)

    # least waiting and fewest late: every group is settled as early as ready persons and dwellings allow
    for g in GROUPS:
        assert_as_early_as_possible(plan, scenario, g)

    # where a group is limited nowhere and fully settled, nobody waits: settled in the quarter ready
    county = plan.schedule.county_by_quarter()
    for g in GROUPS:
        unlimited = all(math.isinf(own_cap(scenario, n, g, q)) for n in scenario.municipalities.index for q in QUARTERS)
        if unlimited and plan.shortfall[g] == 0:
            assert tuple(int(v) for v in county[g]) == tuple(scenario.quarters.ready[g]), g
            assert plan.schedule.timeliness()[g]["avg_months"] == 0

    # the money, person by person
    economics = plan.schedule.economics()
    for number, figures in own_economics(scenario, plan.schedule.table).items():
        for column, value in figures.items():
            assert economics.at[number, column] == pytest.approx(value), (number, column)

    # the baseline keeps the yearly split and the value of the agreement adds up
    baseline = plan.schedule.baseline
    pd.testing.assert_frame_equal(baseline.groupby(level="kommunenummer").sum().loc[plan.allocation.index], plan.allocation,
                                  check_dtype=False, check_names=False)
    value = plan.schedule.value_of_agreement()
    assert value["waiting_person_months_saved"] == value["waiting_person_months_baseline"] - value["waiting_person_months_optimised"]
    assert value["deduction_baseline"] == pytest.approx(sum(f["deduction"] for f in own_economics(scenario, baseline).values()))


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quarterly_scenarios(max_municipalities=8), st.sampled_from([0.5, 5.0, 1000.0]))
def test_random_schedule_with_a_timeliness_weight_keeps_every_rule(scenario, weight):
    scenario = scenario.with_changes(quarters=dataclasses.replace(scenario.quarters, timeliness_weight=weight))
    plan = solve_and_check(scenario)
    assert_schedule_keeps_every_rule(plan, scenario)
    assert_timeliness_matches_own_count(plan.schedule)
    fair_first = solve_and_check(scenario.with_changes(quarters=None))
    moved = plan.schedule.moved_from_fair
    assert (moved["fair_first"] == fair_first.allocation.sum(axis=1).loc[moved.index]).all()
    assert (moved["with_timeliness"] == plan.allocation.sum(axis=1).loc[moved.index]).all()
    assert (moved["moved"] == moved["with_timeliness"] - moved["fair_first"]).all()
    # earlier settlement may move persons, never settle fewer
    assert sum(plan.settled.values()) == sum(fair_first.settled.values())


# --------------------------------------------------------------------------- the checker catches a bad schedule


@pytest.fixture(scope="module")
def checked_plan():
    """Families ready from Q2, dwellings of 1002 only from Q3; 1003 locked at 2 persons in Q4."""
    scenario = make_scenario(
        [20000, 10000, 5000],
        {"adults": 12, "families": 14, "minors": 2},
        limits={1: {"family_dwellings": 0}},
        extra_columns={"family_dwellings_q3": [np.nan, 2, np.nan], "locked_q4": [np.nan, np.nan, 2]},
    )
    scenario = with_quarters(scenario, ready={"families": (0, 7, 7, 0), "adults": (6, 6, 0, 0)})
    plan = solve_and_check(scenario)
    assert plan.allocation.at["1002", "families"] > 0 and plan.allocation.at["1001", "families"] > 0
    return plan


def _tampered(plan, moves: list[tuple[str, int, str, int]]):
    """The plan with persons moved within the schedule: (kommunenummer, quarter, group, +/- persons)."""
    table = plan.schedule.table.copy()
    for number, quarter, group, delta in moves:
        table.at[(number, quarter), group] += delta
    return dataclasses.replace(plan, schedule=Schedule(plan.scenario, table))


def test_checker_accepts_the_valid_schedule(checked_plan):
    assert violations(checked_plan, checked_plan.scenario) == []
    assert int(checked_plan.schedule.table.loc[("1003", 4)].sum()) == 2


def test_checker_catches_settlement_before_ready(checked_plan):
    quarter = next(q for q in (2, 3) if checked_plan.schedule.table.at[("1001", q), "families"] > 0)
    assert_caught(_tampered(checked_plan, [("1001", quarter, "families", -1), ("1001", 1, "families", +1)]), "ready")


def test_checker_catches_a_dwelling_used_before_it_exists(checked_plan):
    table = checked_plan.schedule.table
    later = next(q for q in (3, 4) if table.at[("1002", q), "families"] > 0)
    other = next(q for q in (2,) if table.at[("1001", q), "families"] > 0)
    # 1002 settles a family in Q2 instead, 1001 one later: readiness still holds, the dwelling does not exist yet
    plan = _tampered(checked_plan, [("1002", later, "families", -1), ("1002", 2, "families", +1),
                                    ("1001", other, "families", -1), ("1001", later, "families", +1)])
    assert_caught(plan, "family_dwellings allows 0")


def test_checker_catches_quarters_that_do_not_add_up_to_the_year(checked_plan):
    assert_caught(_tampered(checked_plan, [("1001", 4, "adults", +1)]), "quarters sum to")


def test_checker_catches_a_broken_quarter_lock(checked_plan):
    quarter = next(q for q in (1, 2, 3) if checked_plan.schedule.table.loc[("1003", q)].sum() > 0)
    group = next(g for g in GROUPS if checked_plan.schedule.table.at[("1003", quarter), g] > 0)
    assert_caught(_tampered(checked_plan, [("1003", quarter, group, -1), ("1003", 4, group, +1)]), "locked at 2")


# --------------------------------------------------------------------------- 2. no [quarters]: the yearly plan as before


def test_without_quarters_the_yearly_plan_is_unchanged_and_there_is_no_schedule(scenario_dir):
    rows = [
        {"kommunenummer": "4601", "kommune": "Bergen", "population": "291940", "max_total": "30", "family_dwellings": "4",
         "family_dwellings_q3": "2"},
        {"kommunenummer": "4602", "kommune": "Kinn", "population": "17349", "small_dwellings": "2", "family_dwellings_q4": ""},
        {"kommunenummer": "4611", "kommune": "Etne", "population": "4072", "minor_places": "0"},
        {"kommunenummer": "4612", "kommune": "Sveio", "population": "5742", "family_dwellings": "1", "family_dwellings_q2": "1"},
    ]
    columns = (*CSV_COLUMNS, "family_dwellings_q2", "family_dwellings_q3", "family_dwellings_q4")
    csv = municipalities_csv(rows, columns)
    request = {"adults": 40, "families": 35, "minors": 3, "special_needs": 2}
    plain = load_scenario(scenario_dir(toml=scenario_toml(request), csv=csv))
    quarterly = load_scenario(scenario_dir(toml=scenario_toml(request, extra="""
        [quarters]
        ready.adults = [0, 10, 10, 20]
        ready.families = [35, 0, 0, 0]
        timeliness_weight = 0
        baseline = "backloaded"
        """), csv=csv))
    assert plain.quarters is None and quarterly.quarters is not None
    without, with_ = solve_and_check(plain), solve_and_check(quarterly)
    assert without.schedule is None
    assert with_.schedule is not None
    pd.testing.assert_frame_equal(without.allocation, with_.allocation)
    # the dated dwellings count for the year also without [quarters]: Sveio has 2 family dwellings = 7 persons
    assert without.allocation.at["4612", "families"] <= 7
    assert plain.group_limit("families").at["4612"] == 7


def test_the_schedule_does_not_depend_on_row_order():
    scenario = with_quarters(
        make_scenario([9000, 4000, 30000, 700], {"adults": 25, "families": 18, "minors": 3},
                      limits={0: {"family_dwellings": 1}, 3: {"small_dwellings": 1}},
                      extra_columns={"family_dwellings_q3": [2, 0, 0, 0]}),
        ready={"adults": (10, 5, 5, 5), "families": (0, 9, 9, 0)},
    )
    first = solve_and_check(scenario)
    shuffled = scenario.with_changes(municipalities=scenario.municipalities.iloc[[2, 0, 3, 1]])
    second = solve_and_check(shuffled)
    pd.testing.assert_frame_equal(first.schedule.table.sort_index(), second.schedule.table.sort_index())


# --------------------------------------------------------------------------- 3. money by hand

HAND_INCENTIVES = Incentives(bonus=(50_000.0, 25_000.0, 0.0, 0.0), q4_threshold=0.25, q4_deduction=10_000.0)


def test_default_grants_are_the_2024_rates():
    assert dict(Incentives().grant) == {"adults": 241_100, "families": 194_400, "minors": 187_000, "special_needs": 437_500}


def test_bonus_deduction_and_grants_by_hand_when_readiness_fixes_the_schedule():
    # One municipality, housing for all: each person is settled in the quarter ready.
    scenario = with_quarters(make_scenario([5000], {"adults": 8, "families": 4}),
                             ready={"adults": (4, 2, 0, 2), "families": (0, 0, 2, 2)}, incentives=HAND_INCENTIVES)
    plan = solve_and_check(scenario)
    table = plan.schedule.table.loc["1001"]
    assert table["adults"].tolist() == [4, 2, 0, 2]
    assert table["families"].tolist() == [0, 0, 2, 2]
    row = plan.schedule.economics().loc["1001"]
    assert row["grant_q1"] == 4 * 241_100 == 964_400
    assert row["grant_q2"] == 2 * 241_100 == 482_200
    assert row["grant_q3"] == 2 * 194_400 == 388_800
    assert row["grant_q4"] == 2 * 241_100 + 2 * 194_400 == 871_000
    assert row["bonus"] == 4 * 50_000 + 2 * 25_000 == 250_000
    # 12 persons in the year: floor(0.25 × 12) = 3 may come in Q4 without deduction; 4 do
    assert row["q4_persons"] == 4 and row["q4_over_threshold"] == 1
    assert row["deduction"] == 10_000
    assert row["net_incentive"] == 240_000
    timeliness = plan.schedule.timeliness()
    assert all(timeliness[g] == {"avg_months": 0.0, "within_target": 1.0, "late": 0, "carried_over": 0, "waiting_person_months": 0}
               for g in GROUPS)


def test_bonus_deduction_grants_and_waiting_by_hand_with_a_locked_schedule():
    # Two equal municipalities, 8 adults all ready in Q1; the quarters are locked: 1001 (1, 1, 0, 2), 1002 (0, 0, 0, 4).
    scenario = make_scenario([1000, 1000], {"adults": 8}, extra_columns={
        "locked_q1": [1, 0], "locked_q2": [1, 0], "locked_q3": [0, 0], "locked_q4": [2, 4]})
    plan = solve_and_check(with_quarters(scenario, ready={"adults": (8, 0, 0, 0)}, incentives=HAND_INCENTIVES))
    assert plan.schedule.table["adults"].tolist() == [1, 1, 0, 2, 0, 0, 0, 4]
    economics = plan.schedule.economics()
    first, second = economics.loc["1001"], economics.loc["1002"]
    assert [first[f"grant_q{q}"] for q in QUARTERS] == [241_100, 241_100, 0, 482_200]
    assert [second[f"grant_q{q}"] for q in QUARTERS] == [0, 0, 0, 964_400]
    assert (first["bonus"], second["bonus"]) == (75_000, 0)
    # floor(0.25 × 4) = 1 each: 1001 is 1 over, 1002 is 3 over
    assert (first["deduction"], second["deduction"]) == (10_000, 30_000)
    assert (first["net_incentive"], second["net_incentive"]) == (65_000, -30_000)
    adults = plan.schedule.timeliness()["adults"]
    # waits 0, 1, 3 × 6 quarters = 19 quarters = 57 months over 8 persons; deadline 2 quarters: 6 late
    assert adults["waiting_person_months"] == 57
    assert adults["avg_months"] == pytest.approx(57 / 8, abs=0.005)
    assert (adults["late"], adults["carried_over"], adults["within_target"]) == (6, 0, 0.25)


def _hand_table(cells: dict[tuple[str, int], dict[str, int]]) -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples(sorted(cells), names=["kommunenummer", "quarter"])
    return pd.DataFrame([[cells[k].get(g, 0) for g in GROUPS] for k in sorted(cells)], index=index, columns=list(GROUPS))


def test_economics_of_a_hand_built_schedule():
    scenario = with_quarters(make_scenario([3000, 2000], {"adults": 6, "families": 5, "minors": 1, "special_needs": 3}),
                             incentives=HAND_INCENTIVES)
    table = _hand_table({
        ("1001", 1): {"adults": 2}, ("1001", 2): {"adults": 1, "families": 4}, ("1001", 3): {},
        ("1001", 4): {"adults": 3, "families": 1},
        ("1002", 1): {"minors": 1}, ("1002", 2): {}, ("1002", 3): {"special_needs": 1}, ("1002", 4): {"special_needs": 2},
    })
    economics = Schedule(scenario, table).economics()
    first, second = economics.loc["1001"], economics.loc["1002"]
    assert first["kommune"] == "Kommune 1001"
    # 1001: persons 2, 5, 0, 4 = 11; floor(2.75) = 2 allowed in Q4, 2 over
    assert [first[f"grant_q{q}"] for q in QUARTERS] == [482_200, 241_100 + 4 * 194_400, 0, 3 * 241_100 + 194_400]
    assert (first["persons"], first["q4_persons"], first["q4_over_threshold"]) == (11, 4, 2)
    assert (first["bonus"], first["deduction"], first["net_incentive"]) == (225_000, 20_000, 205_000)
    # 1002: persons 1, 0, 1, 2 = 4; floor(1.0) = 1 allowed, 1 over
    assert [second[f"grant_q{q}"] for q in QUARTERS] == [187_000, 0, 437_500, 875_000]
    assert (second["persons"], second["q4_persons"], second["q4_over_threshold"]) == (4, 2, 1)
    assert (second["bonus"], second["deduction"], second["net_incentive"]) == (50_000, 10_000, 40_000)


def test_q4_threshold_is_floored_without_rounding_error():
    # 0.57 × 100 is 56.99999999999999 in floating point; the rule is floor(57) = 57 persons allowed.
    incentives = Incentives(bonus=(0.0, 0.0, 0.0, 0.0), q4_threshold=0.57, q4_deduction=1_000.0)
    scenario = with_quarters(make_scenario([1000], {"adults": 100}), incentives=incentives)
    table = _hand_table({("1001", 1): {"adults": 10}, ("1001", 2): {"adults": 20}, ("1001", 3): {"adults": 12},
                         ("1001", 4): {"adults": 58}})
    row = Schedule(scenario, table).economics().loc["1001"]
    assert row["q4_over_threshold"] == 1 and row["deduction"] == 1_000


def test_value_of_agreement_of_a_hand_built_schedule():
    # 8 adults ready 2 per quarter, deadline 0; one municipality settles 2, 2, 2, 2 against the back-loaded 10/20/30/40 %.
    incentives = Incentives(bonus=(50_000.0, 25_000.0, 0.0, 0.0), q4_threshold=0.25, q4_deduction=10_000.0)
    scenario = with_quarters(make_scenario([1000], {"adults": 8}), deadline={"adults": 0}, baseline="backloaded",
                             incentives=incentives)
    table = _hand_table({("1001", q): {"adults": 2} for q in QUARTERS})
    schedule = Schedule(scenario, table)
    # baseline: 8 × (0.1, 0.2, 0.3, 0.4) = 0.8, 1.6, 2.4, 3.2 → largest remainders → 1, 2, 2, 3
    assert schedule.baseline.loc["1001"]["adults"].tolist() == [1, 2, 2, 3]
    value = schedule.value_of_agreement()
    # baseline, first ready first settled: Q1 1 (wait 0); Q2 1 from Q1 (1) + 1 from Q2 (0); Q3 1 from Q2 (1) + 1 from Q3 (0);
    # Q4 1 from Q3 (1) + 2 from Q4 (0): 3 quarters = 9 months, 3 persons late with deadline 0
    assert value["waiting_person_months_baseline"] == 9
    assert value["waiting_person_months_optimised"] == 0
    assert value["waiting_person_months_saved"] == 9
    assert (value["late_baseline"], value["late_optimised"]) == (3, 0)
    assert value["bonus_optimised"] == 2 * 50_000 + 2 * 25_000
    assert value["bonus_baseline"] == 1 * 50_000 + 2 * 25_000
    # floor(0.25 × 8) = 2: the optimised 2 in Q4 are free, the baseline's 3 draw one deduction
    assert (value["deduction_optimised"], value["deduction_baseline"]) == (0.0, 10_000.0)


# --------------------------------------------------------------------------- 4. dated housing


def test_families_are_not_settled_before_their_dwellings_arrive_in_q3():
    scenario = make_scenario([20000, 20000, 8000], {"adults": 20, "families": 30, "minors": 2},
                             limits={0: {"family_dwellings": 0}}, extra_columns={"family_dwellings_q3": [4, np.nan, np.nan]})
    scenario = with_quarters(scenario, ready={"families": (15, 15, 0, 0)})  # families ready early
    assert scenario.group_limit("families", 2).at["1001"] == 0
    assert scenario.group_limit("families", 3).at["1001"] == 14
    plan = solve_and_check(scenario)
    table = plan.schedule.table
    assert plan.allocation.at["1001", "families"] > 0, "the test needs families in 1001"
    assert table.at[("1001", 1), "families"] == 0 and table.at[("1001", 2), "families"] == 0
    assert table.loc["1001", "families"].sum() == plan.allocation.at["1001", "families"]
    # 1001 settles its families as soon as the dwellings exist; the others, with dwellings from Q1, by Q2
    assert table.at[("1001", 3), "families"] == plan.allocation.at["1001", "families"]
    assert table.loc[["1002", "1003"], "families"].xs(3, level="quarter").sum() == 0
    assert table.loc[["1002", "1003"], "families"].xs(4, level="quarter").sum() == 0


def test_dated_additions_accumulate_quarter_by_quarter():
    # 1 family dwelling from Q1, +1 in Q2, +2 in Q4 (3 persons each): at most 3, 6, 6 and 12 persons by the end of Q1..Q4
    scenario = make_scenario([50000, 100], {"families": 12}, limits={0: {"family_dwellings": 1}, 1: {"family_dwellings": 0}},
                             housing=Housing(1.0, 3.0),
                             extra_columns={"family_dwellings_q2": [1, 0], "family_dwellings_q4": [2, 0]})
    plan = solve_and_check(with_quarters(scenario, ready={"families": (12, 0, 0, 0)}, deadline={"families": 3}))
    assert plan.allocation.at["1001", "families"] == 12
    assert plan.schedule.table.loc["1001", "families"].tolist() == [3, 3, 0, 6]


def test_persons_are_settled_as_soon_as_the_dwellings_exist():
    # No Q4 deduction and readiness in Q1: only waiting decides. Dwellings for 1001 from Q2, for 1002 from Q3.
    scenario = make_scenario([10000, 10000], {"families": 20, "adults": 8}, limits={0: {"family_dwellings": 0}, 1: {"family_dwellings": 0}},
                             extra_columns={"family_dwellings_q2": [4, 0], "family_dwellings_q3": [0, 4]})
    incentives = Incentives(q4_threshold=1.0)
    plan = solve_and_check(with_quarters(scenario, ready={"families": (20, 0, 0, 0)}, deadline={"families": 3}, incentives=incentives))
    assert plan.allocation["families"].tolist() == [10, 10]
    assert plan.schedule.table["families"].tolist() == [0, 10, 0, 0, 0, 0, 10, 0]
    assert plan.schedule.timeliness()["families"]["waiting_person_months"] == 10 * 3 + 10 * 6
    assert_as_early_as_possible(plan, plan.scenario, "families")


# --------------------------------------------------------------------------- 5. readiness drives timing


def test_back_loaded_readiness_with_ample_housing_settles_everyone_in_the_quarter_ready():
    ready = {"adults": (0, 0, 5, 25), "families": (0, 4, 0, 16), "minors": (0, 0, 0, 3), "special_needs": (1, 0, 1, 0)}
    request = {g: sum(r) for g, r in ready.items()}
    scenario = with_quarters(make_scenario([40000, 12000, 3000, 900], request), ready=ready)
    plan = solve_and_check(scenario)
    county = plan.schedule.county_by_quarter()
    for g in GROUPS:
        assert tuple(county[g]) == ready[g], g  # not before ready, and not later either
        assert plan.schedule.timeliness()[g] == {"avg_months": 0.0, "within_target": 1.0, "late": 0, "carried_over": 0,
                                                 "waiting_person_months": 0}


def test_back_loaded_readiness_with_housing_arriving_earlier_still_waits_for_readiness():
    # dwellings exist from Q1, persons are ready only in Q3/Q4
    scenario = make_scenario([10000, 10000], {"adults": 10, "families": 7}, limits={0: {"small_dwellings": 5, "family_dwellings": 1},
                                                                                 1: {"small_dwellings": 5, "family_dwellings": 1}})
    plan = solve_and_check(with_quarters(scenario, ready={"adults": (0, 0, 4, 6), "families": (0, 0, 0, 7)}))
    county = plan.schedule.county_by_quarter()
    assert county.loc[[1, 2], ["adults", "families"]].to_numpy().sum() == 0
    assert county.at[3, "families"] == 0
    assert county.at[3, "adults"] == 4 and county.at[4, "adults"] == 6


# --------------------------------------------------------------------------- 6. value of the agreement


def test_value_of_agreement_against_a_back_loaded_baseline():
    scenario = make_scenario([60000, 25000, 9000, 4000, 1500], {"adults": 40, "families": 28, "minors": 4, "special_needs": 2})
    plan = solve_and_check(with_quarters(scenario, baseline="backloaded"))  # readiness even over the year
    value = plan.schedule.value_of_agreement()
    assert value["waiting_person_months_optimised"] == 0
    assert value["waiting_person_months_saved"] > 0
    assert value["waiting_person_months_saved"] == value["waiting_person_months_baseline"]
    assert value["deduction_baseline"] >= value["deduction_optimised"]
    assert value["deduction_baseline"] > 0
    assert value["bonus_optimised"] > value["bonus_baseline"]
    assert value["late_baseline"] >= value["late_optimised"] == 0
    # the baseline is the yearly plan in the back-loaded pattern, checked by our own count
    baseline = plan.schedule.baseline
    for number in scenario.municipalities.index:
        for g in GROUPS:
            x = plan.allocation.at[number, g]
            split = baseline.loc[number, g].tolist()
            assert sum(split) == x
            assert all(abs(n - x * share) < 1 for n, share in zip(split, (0.1, 0.2, 0.3, 0.4))), (number, g, split)
    county = baseline.groupby(level="quarter").sum()
    quarters = plan.scenario.quarters
    months = sum(own_fifo(quarters.ready[g], county[g].tolist(), quarters.deadline[g])["months"]
                 for g in GROUPS)
    assert value["waiting_person_months_baseline"] == months


# --------------------------------------------------------------------------- 7. the timeliness weight


def _weighted_scenario(weight: float):
    # 1001's family dwellings all come in Q4; families are ready in Q1 with a deadline of one quarter.
    scenario = make_scenario([50000, 50000, 20000], {"adults": 10, "families": 20},
                             limits={0: {"family_dwellings": 0}, 1: {"family_dwellings": 20}, 2: {"family_dwellings": 20}},
                             extra_columns={"family_dwellings_q4": [10, np.nan, np.nan]})
    return with_quarters(scenario, ready={"families": (20, 0, 0, 0)}, deadline={"families": 1}, weight=weight)


def test_a_timeliness_weight_moves_persons_to_settle_them_earlier():
    fair = solve_and_check(_weighted_scenario(0.0))
    fair_plain = solve_and_check(_weighted_scenario(0.0).with_changes(quarters=None))
    pd.testing.assert_frame_equal(fair.allocation, fair_plain.allocation)
    assert fair.schedule.moved_from_fair is None
    late_fair = fair.schedule.timeliness()["families"]["late"]
    assert fair.allocation.at["1001", "families"] > 0
    assert late_fair == fair.allocation.at["1001", "families"]  # 1001 can settle its families only in Q4

    quick = solve_and_check(_weighted_scenario(1000.0))
    assert quick.schedule.timeliness()["families"]["late"] < late_fair
    assert quick.schedule.timeliness()["families"]["late"] == 0
    moved = quick.schedule.moved_from_fair
    assert (moved["moved"] != 0).any()
    assert moved["moved"].sum() == 0
    assert moved.at["1001", "moved"] < 0
    assert (moved["fair_first"] == fair.allocation.sum(axis=1).loc[moved.index]).all()
    assert (moved["with_timeliness"] == quick.allocation.sum(axis=1).loc[moved.index]).all()
    assert quick.settled == fair.settled


def _late_dwellings_scenario(weight: float, deadline: int):
    # 1001's family dwellings come in Q3: its families, ready in Q1, wait two quarters.
    scenario = make_scenario([50000, 50000, 20000], {"adults": 10, "families": 20},
                             limits={0: {"family_dwellings": 0}, 1: {"family_dwellings": 20}, 2: {"family_dwellings": 20}},
                             extra_columns={"family_dwellings_q3": [10, np.nan, np.nan]})
    return with_quarters(scenario, ready={"families": (20, 0, 0, 0)}, deadline={"families": deadline}, weight=weight)


def test_with_a_small_weight_persons_past_their_deadline_weigh_far_more_than_waiting():
    # Weight 0.1: a person-quarter of waiting is worth 0.1 of fairness cost, a person past the deadline 100 times that.
    on_time = solve_and_check(_late_dwellings_scenario(0.1, deadline=2))  # two quarters of waiting are within the deadline
    late = solve_and_check(_late_dwellings_scenario(0.1, deadline=1))  # … and past it
    fair = solve_and_check(_late_dwellings_scenario(0.0, deadline=1))
    assert fair.allocation.at["1001", "families"] >= 8 and fair.schedule.timeliness()["families"]["late"] >= 8
    # waiting alone is not worth moving most of 1001's families away from their fair share …
    assert on_time.allocation.at["1001", "families"] >= 5
    # … persons past the deadline are
    assert late.allocation.at["1001", "families"] == 0
    assert late.schedule.timeliness()["families"]["late"] == 0
    assert late.schedule.moved_from_fair.at["1001", "moved"] <= -8


# --------------------------------------------------------------------------- 10. locks


def test_a_locked_quarterly_schedule_is_honoured():
    scenario = make_scenario([30000, 20000, 10000], {"adults": 24, "families": 14, "minors": 2},
                             extra_columns={"locked_q1": [0, 5, np.nan], "locked_q2": [0, np.nan, np.nan],
                                            "locked_q3": [1, np.nan, np.nan], "locked_q4": [9, np.nan, 0]})
    plan = solve_and_check(with_quarters(scenario))
    per_quarter = plan.schedule.table.sum(axis=1)
    assert per_quarter.loc["1001"].tolist() == [0, 0, 1, 9]
    assert plan.allocation.loc["1001"].sum() == 10  # all four quarters locked: the year follows
    assert per_quarter.at[("1002", 1)] == 5
    assert per_quarter.at[("1003", 4)] == 0


def test_a_quarter_lock_that_readiness_cannot_meet_is_refused():
    scenario = make_scenario([30000, 20000], {"adults": 12}, extra_columns={"locked_q1": [8, np.nan]})
    with pytest.raises(InfeasibleScenario, match="locked_q1"):
        solve(with_quarters(scenario, ready={"adults": (4, 4, 4, 0)}))


def test_the_yearly_plan_without_its_schedule_is_the_same_and_weights_or_locks_keep_the_schedule():
    """The app's negotiation table asks for the yearly plan only (`quarterly=False`): the same plan to
    the person, without the schedule, unless the schedule can change the year (a timeliness weight)
    or refuse it (quarter locks)."""
    vestland = load_scenario(SCENARIOS / "vestland-2026")
    assert vestland.quarters is not None and vestland.quarters.timeliness_weight == 0
    full, yearly = solve(vestland), solve(vestland, quarterly=False)
    assert full.schedule is not None and yearly.schedule is None
    pd.testing.assert_frame_equal(full.allocation, yearly.allocation)
    assert full.to_dict()["municipalities"] == yearly.to_dict()["municipalities"]

    weighted = _weighted_scenario(1000.0)
    moved = solve(weighted, quarterly=False)
    assert moved.schedule is not None and (moved.schedule.moved_from_fair["moved"] != 0).any()
    pd.testing.assert_frame_equal(moved.allocation, solve(weighted).allocation)

    impossible = with_quarters(make_scenario([30000, 20000], {"adults": 12}, extra_columns={"locked_q1": [8, np.nan]}),
                               ready={"adults": (4, 4, 4, 0)})
    with pytest.raises(InfeasibleScenario, match="locked_q1"):
        solve(impossible, quarterly=False)


def test_lock_schedule_fixes_the_current_quarters_and_unlock_releases_them():
    base = make_scenario([30000, 15000, 9000, 2000], {"adults": 30, "families": 20, "minors": 3},
                         limits={1: {"family_dwellings": 1}}, extra_columns={"family_dwellings_q3": [np.nan, 2, np.nan, np.nan]})
    scenario = with_quarters(base, ready={"adults": (12, 6, 6, 6), "families": (0, 10, 10, 0)})
    plan = solve_and_check(scenario)
    before = plan.schedule.table.loc["1002"].sum(axis=1).tolist()
    assert len(set(before)) > 1, "the test needs an uneven schedule"

    locked = edits.lock_schedule(scenario, plan, "1002")
    assert [locked.municipalities.at["1002", f"locked_q{q}"] for q in QUARTERS] == before
    assert locked.municipalities.drop(index="1002")[[f"locked_q{q}" for q in QUARTERS]].isna().all().all()
    again = solve_and_check(locked)
    assert again.schedule.table.loc["1002"].sum(axis=1).tolist() == before
    assert again.allocation.loc["1002"].sum() == sum(before)

    # another edit and a different readiness: the locked municipality keeps its quarters
    edited = edits.set_municipality_values(locked, {"1001": {"max_total": 20}})
    edited = edited.with_changes(quarters=dataclasses.replace(edited.quarters, ready={**edited.quarters.ready, "adults": (18, 6, 6, 0)}))
    moved = solve_and_check(edited)
    assert moved.allocation.loc["1001"].sum() <= 20
    assert moved.schedule.table.loc["1002"].sum(axis=1).tolist() == before

    released = edits.unlock_schedule(locked, "1002")
    assert released.municipalities.loc["1002", [f"locked_q{q}" for q in QUARTERS]].isna().all()
    solve_and_check(released)


def test_set_request_rescales_readiness_keeping_its_pattern():
    scenario = with_quarters(make_scenario([1000, 2000], {"adults": 40, "families": 12}),
                             ready={"adults": (0, 0, 10, 30), "families": (3, 3, 3, 3)})
    changed = edits.set_request(scenario, {"adults": 20, "families": 12, "minors": 4})
    assert changed.quarters.ready["adults"] == (0, 0, 5, 15)
    assert changed.quarters.ready["families"] == (3, 3, 3, 3)
    assert sum(changed.quarters.ready["minors"]) == 4
    solve_and_check(changed)


# --------------------------------------------------------------------------- 8. validation

QUARTER_TOML_PROBLEMS = [
    ("[quarters]\nready.adults = [5, 5, 5, 4]\n", "quarters.ready.adults", "20"),  # sums to 19, request 20
    ("[quarters]\nready.adults = [5, 5, 10]\n", "quarters.ready.adults", "fire"),
    ("[quarters]\nready.elders = [0, 0, 0, 0]\n", "quarters.ready.elders", "ukjent gruppe"),
    ("[quarters]\nready.adults = [25, -5, 0, 0]\n", "quarters.ready.adults", "≥ 0"),
    ("[quarters]\nready.adults = [5.5, 4.5, 5, 5]\n", "quarters.ready.adults", "hele"),
    ("[quarters]\nready = [1, 2, 3, 4]\n", "quarters.ready", "tabell"),
    ("[quarters]\ndeadline.adults = 5\n", "quarters.deadline.adults", "0–4"),
    ("[quarters]\ndeadline.adults = -1\n", "quarters.deadline.adults", "0–4"),
    ("[quarters]\ndeadline.elders = 1\n", "quarters.deadline.elders", "ukjent gruppe"),
    ("[quarters]\ndeadline = 2\n", "quarters.deadline", "tabell"),
    ("[quarters]\ntimeliness_weight = -1\n", "quarters.timeliness_weight", "fra 0 til"),
    ("[quarters]\nbaseline = \"frontloaded\"\n", "quarters.baseline", "backloaded"),
    ("[quarters]\nbaseline = [1, 2]\n", "quarters.baseline", "fire"),
    ("[quarters]\nbaseline = [0, 0, 0, 0]\n", "quarters.baseline", "fire"),
    ("[quarters]\nbaseline = { even = 1 }\n", "quarters.baseline", "even"),
    ("[quarters]\nspeed = 1\n", "quarters.speed", "ukjent nøkkel"),
    ("[incentives]\nbonus = [50000, 25000, 0]\n", "incentives.bonus", "fire"),
    ("[incentives]\nbonus = [50000, -1, 0, 0]\n", "incentives.bonus", "≥ 0"),
    ("[incentives]\nq4_threshold = 1.5\n", "incentives.q4_threshold", "0 og 1"),
    ("[incentives]\nq4_deduction = -10\n", "incentives.q4_deduction", "≥ 0"),
    ("[incentives]\ngrant.elders = 100\n", "incentives.grant.elders", "ukjent gruppe"),
    ("[incentives]\ngrant.adults = -100\n", "incentives.grant.adults", "≥ 0"),
    ("[incentives]\ngrant = 5\n", "incentives.grant", "tabell"),
]


@pytest.mark.parametrize("extra, column, fragment", QUARTER_TOML_PROBLEMS, ids=[c[1] + ":" + c[2] for c in QUARTER_TOML_PROBLEMS])
def test_invalid_quarters_and_incentives_are_refused_naming_the_key(extra, column, fragment, scenario_dir):
    folder = scenario_dir(toml=scenario_toml(extra=extra))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    problems = caught.value.problems
    assert any(p.file == "scenario.toml" and p.column == column and fragment in p.message for p in problems), problems
    assert f"nøkkel {column}" in str(caught.value)  # a key of scenario.toml, not a column


DATED_CSV_PROBLEMS = [
    ("family_dwellings_q3", "1.5"),
    ("family_dwellings_q3", "-2"),
    ("small_dwellings_q2", "mange"),
    ("minor_places_q4", "-1"),
    ("locked_q2", "2.5"),
    ("locked_q4", "-3"),
]


@pytest.mark.parametrize("column, cell", DATED_CSV_PROBLEMS)
def test_dated_and_lock_columns_must_be_whole_numbers_at_least_zero(column, cell, scenario_dir):
    csv = municipalities_csv(columns=(*CSV_COLUMNS, column), changes={("4602", column): cell})
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario_dir(toml=scenario_toml(extra="[quarters]\n"), csv=csv))
    problems = caught.value.problems
    assert [(p.file, p.row, p.column) for p in problems] == [("municipalities.csv", "linje 3 (4602 Kinn)", column)], problems
    assert f"«{cell}»" in problems[0].message


def test_valid_quarters_incentives_and_dated_columns_load_and_survive_a_save(scenario_dir, tmp_path):
    csv = municipalities_csv(columns=(*CSV_COLUMNS, "family_dwellings_q3", "locked_q2"),
                             changes={("4601", "family_dwellings"): 3, ("4601", "family_dwellings_q3"): 2, ("4611", "locked_q2"): 1})
    folder = scenario_dir(toml=scenario_toml(extra="""
        [quarters]
        ready.adults = [10, 5, 5, 0]
        deadline.adults = 3
        timeliness_weight = 2.5
        baseline = [1, 1, 1, 2]

        [incentives]
        bonus = [40000, 20000, 0, 0]
        q4_threshold = 0.3
        q4_deduction = 5000
        grant.minors = 190000
        """), csv=csv)
    scenario = load_scenario(folder)
    quarters, incentives = scenario.quarters, scenario.incentives
    assert quarters.ready["adults"] == (10, 5, 5, 0)
    assert quarters.ready["families"] == even_split(14) == (4, 4, 3, 3)  # absent: the request evenly over the year
    assert quarters.deadline == {"adults": 3, "families": 1, "minors": 1, "special_needs": 2}
    assert quarters.timeliness_weight == 2.5
    assert quarters.baseline_shares == pytest.approx((0.2, 0.2, 0.2, 0.4))
    assert incentives.bonus == (40_000, 20_000, 0, 0)
    assert (incentives.q4_threshold, incentives.q4_deduction) == (0.3, 5_000)
    assert incentives.grant == {**GRANT, "minors": 190_000}
    assert scenario.group_limit("families", 2).at["4601"] == 10  # 3 dwellings × 3.5
    assert scenario.group_limit("families", 3).at["4601"] == 17  # 5 dwellings × 3.5, floored
    reloaded = load_scenario(save_scenario(scenario, tmp_path / "saved"))
    assert reloaded.quarters == quarters
    assert reloaded.incentives == incentives
    assert reloaded.municipalities.at["4611", "locked_q2"] == 1


# --------------------------------------------------------------------------- 8/9. the command line


def test_cli_refuses_invalid_quarters_and_dated_columns_with_exit_code_2(scenario_dir):
    cases = [
        (scenario_dir(toml=scenario_toml(extra="[quarters]\nready.adults = [1, 2, 3]\n")), "quarters.ready.adults"),
        (scenario_dir(toml=scenario_toml(extra="[incentives]\nbonus = [1, 2]\n")), "incentives.bonus"),
        (scenario_dir(toml=scenario_toml(extra="[quarters]\nbaseline = \"late\"\n")), "quarters.baseline"),
        (scenario_dir(csv=municipalities_csv(columns=(*CSV_COLUMNS, "family_dwellings_q3"),
                                             changes={("4611", "family_dwellings_q3"): "0.5"})), "family_dwellings_q3"),
    ]
    commands = [("validate", folder, column) for folder, column in cases] + [("solve", folder, column) for folder, column in cases[::3]]
    results = run_cli_many([(command, folder) for command, folder, _ in commands])
    for (command, folder, column), result in zip(commands, results):
        assert result.returncode == 2, (command, folder, result.stderr)
        assert column in result.stderr, (command, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_cli_json_has_quarters_and_timeliness(scenario_dir):
    csv = municipalities_csv(columns=(*CSV_COLUMNS, "family_dwellings_q3"),
                             changes={("4602", "family_dwellings"): 0, ("4602", "family_dwellings_q3"): 2})
    folder = scenario_dir(toml=scenario_toml(extra="""
        [quarters]
        ready.families = [6, 4, 4, 0]
        baseline = "backloaded"
        """), csv=csv)
    result = run_cli("solve", folder, "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    numbers = {row["kommunenummer"] for row in doc["municipalities"]}
    rows = doc["quarters"]
    assert isinstance(rows, list) and len(rows) == 4 * len(numbers) == 16
    for row in rows:
        assert set(row) == {"kommunenummer", "quarter", "allocation"}
        assert isinstance(row["kommunenummer"], str) and row["kommunenummer"] in numbers
        assert type(row["quarter"]) is int and row["quarter"] in QUARTERS
        assert set(row["allocation"]) == set(GROUPS)
        assert all(type(v) is int and v >= 0 for v in row["allocation"].values())
    for number in numbers:
        assert sorted(r["quarter"] for r in rows if r["kommunenummer"] == number) == [1, 2, 3, 4]
    for municipality in doc["municipalities"]:
        mine = [r for r in rows if r["kommunenummer"] == municipality["kommunenummer"]]
        for g in GROUPS:
            assert sum(r["allocation"][g] for r in mine) == municipality["allocation"][g]
    assert sum(r["allocation"]["families"] for r in rows if r["kommunenummer"] == "4602" and r["quarter"] < 3) == 0
    assert set(doc["timeliness"]) == set(GROUPS)
    for g, figures in doc["timeliness"].items():
        assert set(figures) == {"avg_months", "within_target", "late", "carried_over"}
        assert type(figures["avg_months"]) is float and figures["avg_months"] >= 0
        assert type(figures["within_target"]) is float and 0 <= figures["within_target"] <= 1
        assert type(figures["late"]) is int and type(figures["carried_over"]) is int
    # the same figures as the library's own plan
    plan = solve_and_check(load_scenario(folder))
    assert doc["quarters"] == plan.to_dict()["quarters"]
    assert doc["timeliness"] == {g: {k: v for k, v in f.items() if k != "waiting_person_months"}
                                 for g, f in plan.schedule.timeliness().items()}


# --------------------------------------------------------------------------- first ready, first settled


def test_the_schedule_is_best_on_the_reported_first_ready_first_settled_figures():
    # 2 adults ready in Q1 and Q3, deadline 0; one small dwelling from Q2, another from Q4.
    scenario = make_scenario([1000], {"adults": 2}, limits={0: {"small_dwellings": 0}},
                             extra_columns={"small_dwellings_q2": [1], "small_dwellings_q4": [1]})
    scenario = with_quarters(scenario, ready={"adults": (1, 0, 1, 0)}, deadline={"adults": 0})
    plan = solve_and_check(scenario)
    # (0, 1, 0, 1): late 2, 6 months of waiting, 1 in Q4 — better than any other feasible schedule.
    # A model that matches ready to settled persons freely (on-time persons first) picks (0, 0, 1, 1):
    # "1 late" by its own count, but late 2 and 9 months of waiting by the report.
    assert plan.schedule.table.loc["1001", "adults"].tolist() == [0, 1, 0, 1]
    adults = plan.schedule.timeliness()["adults"]
    assert (adults["late"], adults["waiting_person_months"], adults["carried_over"]) == (2, 6, 0)


def test_with_a_shortfall_the_earliest_ready_are_settled_first():
    # 2 adults ready in Q2 and Q4, deadline 0, one small dwelling from Q3: one person is carried over.
    scenario = make_scenario([1000], {"adults": 2}, limits={0: {"small_dwellings": 0}}, extra_columns={"small_dwellings_q3": [1]})
    plan = solve_and_check(with_quarters(scenario, ready={"adults": (0, 1, 0, 1)}, deadline={"adults": 0}))
    assert plan.shortfall["adults"] == 1
    # settling the Q2 person in Q3 (3 months) beats leaving them for next year and settling the Q4 person in Q4
    assert plan.schedule.table.loc["1001", "adults"].tolist() == [0, 0, 1, 0]
    adults = plan.schedule.timeliness()["adults"]
    assert (adults["late"], adults["waiting_person_months"], adults["carried_over"]) == (1, 3, 1)


def test_dated_places_with_a_blank_undated_cell_mean_none_until_they_come():
    # family_dwellings blank, 2 added in Q3: 0 before Q3 and 7 persons (2 × 3.5) in the year, not "no limit"
    scenario = make_scenario([10000, 10000], {"families": 20}, extra_columns={"family_dwellings_q3": [2, float("nan")]})
    plan = solve_and_check(with_quarters(scenario, ready={"families": (20, 0, 0, 0)}, deadline={"families": 3}))
    assert plan.allocation.at["1001", "families"] == 7
    assert plan.schedule.table.loc["1001", "families"].tolist()[:2] == [0, 0]
    assert plan.allocation.at["1002", "families"] == 13


# --------------------------------------------------------------------------- the comparison pattern and the MIP's stop


@pytest.mark.parametrize("baseline", ["even", "backloaded", (0.7, 0.1, 0.1, 0.1)])
def test_the_comparison_pattern_never_settles_anyone_before_they_are_ready(baseline):
    # Most permits come late in the year: an even (or front-loaded) pattern would settle persons
    # in Q1 who are not there yet.
    scenario = with_quarters(make_scenario([30000, 20000, 10000, 5000], {"adults": 120, "families": 80, "minors": 10}),
                             ready={"adults": (10, 10, 40, 60), "families": (5, 5, 30, 40), "minors": (0, 2, 4, 4)},
                             baseline=baseline)
    plan = solve_and_check(scenario)
    baseline_values = plan.schedule.baseline_values  # (n, G, Q)
    county = baseline_values.sum(axis=0).cumsum(axis=1)
    for j, g in enumerate(GROUPS):
        ready = np.cumsum(scenario.quarters.ready[g])
        assert (county[j] <= ready).all(), (g, county[j], ready)
    # and every municipality still settles its whole yearly number
    assert (baseline_values.sum(axis=2) == plan.allocation.to_numpy()).all()


def test_a_pattern_that_readiness_does_not_hold_back_is_unchanged():
    scenario = with_quarters(make_scenario([1000], {"adults": 8}), ready={"adults": (8, 0, 0, 0)}, baseline="backloaded")
    plan = solve_and_check(scenario)
    assert plan.schedule.baseline.loc["1001"]["adults"].tolist() == [1, 2, 2, 3]


def test_a_schedule_stopped_at_its_time_limit_within_the_whole_person_gap_is_accepted(monkeypatch):
    import sys

    from allocator import solve as solve_function  # noqa: F401
    from allocator.optimize.solvers import Solution

    solve_module = sys.modules["allocator.optimize.solve"]
    real = solve_module.SolverRun.solve

    def stopped(self, lp, stage, abs_gap=1e-6):
        solution = real(self, lp, stage, abs_gap)
        if stage == "schedule":
            return Solution("time_limit", "Time limit reached", solution.x, solution.objective, solution.seconds,
                            proven_gap=gap_seen.setdefault("gap", abs_gap / 2))
        return solution

    gap_seen: dict = {}
    monkeypatch.setattr(solve_module.SolverRun, "solve", stopped)
    scenario = with_quarters(make_scenario([3000, 2000], {"adults": 12, "families": 7}))
    plan = solve_and_check(scenario)
    assert plan.schedule.solver_status == "Time limit reached"

    gap_seen["gap"] = 10.0  # not proven close enough: refused, with the solver's own words
    with pytest.raises(SolveError) as raised:
        solve(scenario)
    assert "Time limit reached" in str(raised.value) and "Optimal" not in str(raised.value)
