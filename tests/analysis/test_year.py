"""The settlement year: state, second round, changed need, planning range, follow-up (library).

Property tests draw random years (requests, decisions, pending councils, offers, settled figures,
limits) and check every rule of issue 18 against the answers of the real code, computed directly.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import examples, make_scenario
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from allocator import KeyTerm
from allocator.analysis.followup import followup
from allocator.analysis.planrange import plan_range
from allocator.analysis.revise import revise
from allocator.analysis.round2 import round2
from allocator.analysis.year import year_state
from allocator.optimize.apportion import apportion
from allocator.problems import ScenarioError
from allocator.scenario.catalog import write_new_scenario
from allocator.scenario.data import Incentives
from allocator.scenario.load import load_scenario

NAN = float("nan")


@pytest.fixture(scope="module")
def norway_2024(tmp_path_factory):
    folder = tmp_path_factory.mktemp("norge") / "norge-2024"
    write_new_scenario(folder, "Norge", 2024)
    return load_scenario(folder)


# --------------------------------------------------------------------------- the real 2024 year


def test_replaying_2024_shows_what_was_asked_and_decided(norway_2024):
    state = year_state(norway_2024)
    assert state.total["anmodning"] == 36_985 and state.total["vedtak"] == 28_327
    assert sum(c["gap"] for c in state.counties) == state.total["gap"]
    assert state.total["gap"] == 36_985 - 28_327 - state.total["avventer"]
    assert len(state.counties) == 15 and state.total["municipalities_pending"] == 4
    zero = year_state(norway_2024, "zero")
    assert zero.total["gap"] == 36_985 - 28_327


def test_round2_on_2024_asks_only_those_who_may_be_asked(norway_2024):
    result = round2(norway_2024)
    state = year_state(norway_2024)
    status = dict(zip(state.data.numbers, state.status))
    assert result.placed + result.unplaced == result.gap > 0
    assert all(status[a["kommunenummer"]] in ("ja", "ikke anmodet") for a in result.asks())
    for county in state.counties:  # without cross_border no county's gap leaves it
        asked = sum(a["extra"] for a in result.asks() if a["fylke"] == county["fylke"])
        assert asked <= max(county["gap"], 0)


def test_revise_keeps_settled_and_direction_on_2024(norway_2024):
    state = year_state(norway_2024)
    down = revise(norway_2024, 20_000)
    # nobody below what it has settled (where that is above the decision, the decision stands: the need fell)
    assert (down.after >= np.minimum(state.data.settled, down.before)).all() and (down.after <= down.before).all()
    assert down.after.sum() > 20_000 and down.reasons  # 22 572 are settled already: said, not hidden
    up = revise(norway_2024, 36_985)
    assert up.after.sum() == 36_985 and (up.after >= up.before).all()
    vestland = revise(norway_2024, 30_000, fylke="vestland")
    assert vestland.fylke == "Vestland" and set(vestland.to_dict()["municipalities"][0]) >= {"kommunenummer", "before", "after", "bosatt"}
    with pytest.raises(ScenarioError, match="Vestlandet|mente du"):
        revise(norway_2024, 30_000, fylke="Vestlandet")


# --------------------------------------------------------------------------- random years


@st.composite
def years(draw, offers: bool = True):
    n = draw(st.integers(2, 9))
    population = draw(st.lists(st.integers(500, 200_000), min_size=n, max_size=n))
    asked = draw(st.lists(st.one_of(st.just(NAN), st.integers(0, 120).map(float)), min_size=n, max_size=n))
    decided, settled, offered, max_total = [], [], [], []
    for k in range(n):
        kind = draw(st.sampled_from(["pending", "decided", "decided"]))
        decision = NAN if kind == "pending" else float(draw(st.integers(0, 150)))
        decided.append(decision)
        top = asked[k] if np.isnan(decision) else decision
        settled.append(float(draw(st.integers(0, int(np.nan_to_num(top)))) if not np.isnan(top) else 0))
        offered.append(float(draw(st.integers(0, 60))) if offers and draw(st.booleans()) else NAN)
        max_total.append(NAN if draw(st.booleans()) else float(np.nan_to_num(top) + draw(st.integers(0, 80))))
    limits = {k: {"max_total": max_total[k]} for k in range(n)}
    scenario = make_scenario(population, {"adults": 100}, limits=limits, key=(KeyTerm("population", 1.0, 0.6),),
                             extra_columns={"anmodning": asked, "vedtak": decided, "bosatt": settled, "kan_ta_flere": offered})
    return scenario


@settings(max_examples=examples(60))
@given(years())
def test_round2_never_breaks_a_rule(scenario):
    from allocator.scenario.yeardata import year_data

    assume(year_data(scenario).present)  # a year with no request or decision at all is refused (tested below)
    result = round2(scenario)
    data = result.data
    extra = result.extra
    agreed = data.agreed
    high = scenario.table.numeric("max_total")
    offered = ~np.isnan(data.kan_ta_flere)
    under = data.decided & (data.vedtak < np.nan_to_num(data.anmodning))
    assert (extra >= 0).all() and float(extra.sum()) == result.placed <= result.gap
    assert (extra[data.pending] == 0).all()  # pending councils: their request, no extra
    assert (extra[under & ~offered] == 0).all()  # decided less, stated nothing: not asked again
    assert (extra[offered] <= data.kan_ta_flere[offered]).all()
    assert not ((agreed + extra) > high).any()  # the limits apply to the final numbers
    room = np.where(~data.pending & (~under | offered), np.fmin(np.where(np.isnan(high), np.inf, high) - agreed,
                                                              np.where(offered, data.kan_ta_flere, np.inf)), 0)
    room = np.maximum(room, 0)
    assert result.placed == min(result.gap, room.sum())  # (1) as much of the gap as the limits allow
    full = extra[offered] >= room[offered]
    if (extra[~offered] > 0).any():  # (3) offers are used before anyone who stated none is asked
        assert full.all()


@settings(max_examples=examples(60))
@given(years(), st.integers(0, 900), st.integers(0, 900))
def test_revise_keeps_settled_direction_and_the_total(scenario, a, b):
    low, high = sorted((a, b))
    first, second = revise(scenario, low), revise(scenario, high)
    before = first.before
    # what the rules allow, computed here from the columns: up to max_total, a stated offer, and not
    # at all for a council that decided less than asked without one; down to what is settled
    from allocator.scenario.yeardata import year_data

    data = year_data(scenario)
    cap = np.where(np.isnan(scenario.table.numeric("max_total")), np.inf, scenario.table.numeric("max_total"))
    under = data.decided & (data.vedtak < np.nan_to_num(data.anmodning))
    offered = ~np.isnan(data.kan_ta_flere)
    ceiling = np.where(offered, np.minimum(cap, before + data.kan_ta_flere), np.where(under, before, cap))
    ceiling = np.where(data.pending, cap, ceiling)
    ceiling = np.maximum(ceiling, before)
    floor = np.minimum(data.settled, before)
    for r, n in ((first, low), (second, high)):
        if floor.sum() <= n <= ceiling.sum():
            assert r.after.sum() == n  # sums to N wherever the rules allow it
    for r, n in ((first, low), (second, high)):
        assert (r.after >= np.minimum(r.settled, before)).all()  # nobody below what it has settled
        if n >= before.sum():
            assert (r.after >= before).all()
        else:
            assert (r.after <= before).all()
        if r.after.sum() != n:  # cannot be met: every municipality is at its bound on that side
            assert r.reasons
    assert (second.after >= first.after).all()  # no number falls when the need rises


@settings(max_examples=examples(40))
@given(st.lists(st.integers(500, 100_000), min_size=2, max_size=8), st.integers(0, 300), st.integers(0, 300),
       st.integers(0, 300), st.lists(st.one_of(st.none(), st.integers(0, 80)), min_size=8, max_size=8))
def test_the_planning_range_never_falls(population, a, b, c, caps):
    low, plan, high = sorted((a, b, c))
    limits = {k: {"max_total": caps[k]} for k in range(len(population)) if caps[k] is not None}
    scenario = make_scenario(population, {"adults": 100, "families": 50}, limits=limits)
    result = plan_range(scenario, low, plan, high)
    assert (np.diff(result.numbers, axis=1) >= 0).all()
    caps_array = np.array([np.inf if caps[k] is None else caps[k] for k in range(len(population))])
    assert (result.numbers.max(axis=1) <= caps_array).all()


@settings(max_examples=examples(80))
@given(st.lists(st.floats(0, 10), min_size=1, max_size=12), st.integers(0, 200), st.integers(0, 200), st.data())
def test_apportion_is_house_monotone_and_within_bounds(weights, t1, t2, data):
    n = len(weights)
    lower = np.array(data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=float)
    upper = lower + np.array(data.draw(st.lists(st.one_of(st.integers(0, 30), st.just(10**9)), min_size=n, max_size=n)), dtype=float)
    small, large = sorted((t1, t2))
    a, b = apportion(weights, lower, upper, small), apportion(weights, lower, upper, large)
    for x, t in ((a, small), (b, large)):
        assert (x >= lower).all() and (x <= upper).all()
        assert x.sum() == max(lower.sum(), min(t, upper.sum()))
    assert (b >= a).all()


# --------------------------------------------------------------------------- follow-up


@st.composite
def quarterly_years(draw):
    n = draw(st.integers(1, 6))
    decided = [float(draw(st.integers(0, 100))) for _ in range(n)]
    reached = draw(st.integers(0, 4))
    quarters = {f"bosatt_q{q}": [float(draw(st.integers(0, 40))) if q <= reached else NAN for _ in range(n)] for q in (1, 2, 3, 4)}
    scenario = make_scenario([1000 * (k + 1) for k in range(n)], {"adults": 10},
                             extra_columns={"anmodning": decided, "vedtak": decided, **quarters})
    bonus = tuple(float(draw(st.integers(0, 60_000))) for _ in range(4))
    incentives = Incentives(bonus=bonus, q4_threshold=draw(st.sampled_from([0.25, 0.4, 0.5])), q4_deduction=25_000.0)
    return scenario.with_changes(incentives=incentives), decided, quarters, reached


@settings(max_examples=examples(60))
@given(quarterly_years())
def test_followup_equals_a_direct_computation(case):
    scenario, decided, quarters, reached = case
    result = followup(scenario).to_dict()
    inc = scenario.incentives
    for k, row in enumerate(sorted(result["municipalities"], key=lambda r: r["kommunenummer"])):
        settled = [quarters[f"bosatt_q{q}"][k] for q in (1, 2, 3, 4)]
        got = [0 if np.isnan(v) else v for v in settled]
        assert row["agreed"] == decided[k]
        assert row["bonus"] == sum(b * s for b, s in zip(inc.bonus, got))
        allowed = int(inc.q4_threshold * decided[k] + 1e-9)
        assert row["deduction"] == max(0, got[3] - allowed) * inc.q4_deduction
        assert row["projected"] == (int(sum(got) * 4 / reached) if reached else 0)
        assert sum(row["schedule"]) == decided[k]
    assert result["total"]["bonus"] == sum(r["bonus"] for r in result["municipalities"])


def test_a_quarter_left_blank_before_a_filled_one_is_refused(scenario_dir):
    from helpers import municipalities_csv, scenario_toml

    csv = municipalities_csv(columns=("kommunenummer", "kommune", "population", "vedtak", "bosatt_q1", "bosatt_q2"))
    lines = csv.splitlines()
    lines[1] = lines[1].rsplit(",", 3)[0] + ",40,,5"
    folder = scenario_dir(toml=scenario_toml(), csv="\n".join(lines) + "\n")
    with pytest.raises(ScenarioError, match="1. kvartal er tomt"):
        load_scenario(folder)


def test_norwegian_headers_and_imdi_words_in_the_table(scenario_dir):
    from helpers import municipalities_csv, scenario_toml

    csv = municipalities_csv(columns=("kommunenummer", "kommune", "population", "Anmodning", "Vedtak", "Kan ta flere", "Bosatt 1. kv."))
    rows = csv.splitlines()
    rows[1] = rows[1].rsplit(",", 4)[0] + ",40,avventer vedtak,,3"
    rows[2] = rows[2].rsplit(",", 4)[0] + ",30,-,5,0"
    rows[3] = rows[3].rsplit(",", 4)[0] + ",1 200,tre,,"
    folder = scenario_dir(toml=scenario_toml(), csv="\n".join(rows) + "\n")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(folder)
    [problem] = raised.value.problems
    assert problem.column == "Vedtak" and "«tre»" in problem.message and problem.row.startswith("linje 4")


# --------------------------------------------------------------------------- counties and shape rules


def _two_counties(folder, cross_border: bool, extra_key: str = ""):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.toml").write_text(f"""name = "To fylker"
[request.counties."Agder"]
adults = 60
[request.counties."Rogaland"]
adults = 60
[counties]
cross_border = {str(cross_border).lower()}
[key]
population = 1.0
{extra_key}
""", encoding="utf-8")
    (folder / "municipalities.csv").write_text(
        "kommunenummer,kommune,fylke,population,max_total,anmodning,vedtak,kan_ta_flere\n"
        "4201,Risør,Agder,6800,20,30,20,\n"          # decided 20 of 30: the gap of Agder is 10 + 20
        "4202,Grimstad,Agder,24000,10,30,10,\n"
        "1101,Eigersund,Rogaland,15000,,30,30,\n"     # decided the request, no limit: can be asked
        "1103,Stavanger,Rogaland,145000,,30,30,4\n"   # offered 4 more
        + ("1108,Sandnes,Rogaland,83000,,30,30,\n1144,Kvitsøy,Rogaland,2500,,5,5,\n" if extra_key else ""),
        encoding="utf-8")
    return load_scenario(folder)


def test_only_what_no_municipality_at_home_can_take_crosses_a_border(tmp_path):
    home = round2(_two_counties(tmp_path / "a", cross_border=False))
    assert home.placed == 0 and home.unplaced == 30 and home.unplaced_by_county == {"Agder": 30, "Rogaland": 0}
    across = round2(_two_counties(tmp_path / "b", cross_border=True))
    assert across.flows == [{"from": "Agder", "to": "Rogaland", "group": "other", "persons": 30}]
    asks = {a["kommunenummer"]: a["extra"] for a in across.asks()}
    assert asks["1103"] == 4 and asks["1101"] == 26  # the offer first, the rest to those who stated none


def test_round_to_and_min_persons_shape_the_asks(tmp_path):
    result = round2(_two_counties(tmp_path / "c", cross_border=True, extra_key="round_to = 5\nmin_persons = 5"))
    assert result.placed == 30
    others = [a["extra"] for a in result.asks() if a["offered"] is None]
    assert [a["extra"] for a in result.asks() if a["offered"] is not None] == [4]  # the offer, used whole
    assert len(others) >= 2 and min(others) >= 5  # no ask under min_persons (Kvitsøy's share would be 0–1)
    assert sum(1 for e in others if e % 5) <= 1  # multiples of 5; the 26 − 25 = 1 left over goes singly


def test_no_ask_under_min_persons_where_the_others_can_take_it():
    from allocator.analysis.round2 import _split

    free = _split(np.array([10.0, 10.0, 1.0]), np.zeros(3), np.full(3, np.inf), 21, 1, 0)
    assert free.tolist() == [10, 10, 1]
    shaped = _split(np.array([10.0, 10.0, 1.0]), np.zeros(3), np.full(3, np.inf), 21, 1, 5)
    assert shaped.sum() == 21 and shaped[2] == 0
    held = _split(np.array([10.0, 10.0, 1.0]), np.zeros(3), np.array([10.0, 10.0, 5.0]), 21, 1, 5)
    assert held.tolist() == [10, 10, 1]  # the others are full: the one person is still placed (rule 1 first)


def test_a_fraction_or_a_negative_in_a_year_column_is_refused(scenario_dir):
    from helpers import municipalities_csv, scenario_toml

    csv = municipalities_csv(columns=("kommunenummer", "kommune", "population", "anmodning", "bosatt"))
    rows = csv.splitlines()
    rows[1] = rows[1].rsplit(",", 2)[0] + ",40,2.5"
    rows[2] = rows[2].rsplit(",", 2)[0] + ",-3,1"
    folder = scenario_dir(toml=scenario_toml(), csv="\n".join(rows) + "\n")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(folder)
    found = {(p.row.split(" ")[1], p.column) for p in raised.value.problems}
    assert found == {("2", "Bosatt"), ("3", "Anmodning")}  # named by the Norwegian header


@settings(max_examples=examples(300))  # D'Hondt/Jefferson in its place fails about one draw in 25
@given(st.lists(st.floats(0.1, 10), min_size=1, max_size=4), st.data())
def test_apportion_is_the_fairest_split_in_whole_persons(weights, data):
    """The split minimises the yearly plan's measure Σ (a − f)² / f within the bounds (brute force)."""
    import itertools

    n = len(weights)
    lower = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    upper = [lo + data.draw(st.integers(0, 8)) for lo in lower]
    total = data.draw(st.integers(sum(lower), sum(upper)))
    assume(total > 0)  # fair shares of 0 persons: nothing to measure against
    f = total * np.array(weights) / sum(weights)
    cost = lambda a: float(np.sum((np.array(a) - f) ** 2 / f))  # noqa: E731
    best = min(cost(a) for a in itertools.product(*(range(lo, hi + 1) for lo, hi in zip(lower, upper))) if sum(a) == total)
    assert cost(apportion(weights, lower, upper, total)) <= best + 1e-9


@st.composite
def years_with_minors(draw):
    scenario = draw(years())
    n = len(scenario.table)
    asked, decided = scenario.table.numeric("anmodning"), scenario.table.numeric("vedtak")
    asked_em = [NAN if np.isnan(a) else float(draw(st.integers(0, int(min(a, 10))))) for a in asked]
    decided_em = [NAN if np.isnan(v) else float(draw(st.integers(0, int(min(v, 10))))) for v in decided]
    places = [NAN if draw(st.booleans()) else float(draw(st.integers(0, 15))) for _ in range(n)]
    table = scenario.table.with_columns({"anmodning_em": np.array(asked_em), "vedtak_em": np.array(decided_em),
                                         "minor_places": np.array(places)})
    return scenario.with_changes(table=table)


@settings(max_examples=examples(60))
@given(years_with_minors())
def test_round2_places_minors_only_in_minor_places(scenario):
    from allocator.scenario.yeardata import year_data

    assume(year_data(scenario).present)
    result = round2(scenario)
    data = result.data
    places = scenario.table.numeric("minor_places")
    assert (result.extra_minors >= 0).all() and (result.extra_minors <= result.extra).all()
    # minors only where there are places (a decision already above them gets none more)
    limit = np.where(np.isnan(places), np.inf, np.fmax(places, data.agreed_minors))  # blank = no limit
    assert not ((data.agreed_minors + result.extra_minors) > limit).any()
    assert result.extra_minors.sum() <= result.gap_minors
    assert result.placed + result.unplaced == result.gap
