"""Minors by need, placed first (issue 15.3): minors needing care take care places before minors
who need less can, all that fit are placed at the same total, and `explain` prices care and other
places by solving again (the places bind together)."""

from __future__ import annotations

import numpy as np
from helpers import SCENARIOS, solve_and_check

from allocator import load_scenario
from allocator.analysis.explain import explain
from allocator.scenario.validate import validate_scenario

TRONDHEIM = "5001"


def trondelag(care: int, other: int, care_places: dict[str, float]):
    """Trøndelag 2026 with its minors assessed one by one: `care_places` care places (0 elsewhere),
    and each municipality's minor places as places for minors who need less, except where it has
    care places (there its minor places are the care places)."""
    scenario = load_scenario(SCENARIOS / "trondelag-2026")
    table = scenario.table
    places = np.zeros(len(table))
    other_places = table.numeric("minor_places").copy()
    for number, count in care_places.items():
        places[table.position[number]] = count
        other_places[table.position[number]] = 0
    changed = scenario.with_changes(
        request={**scenario.request, "minors": care + other},
        minors_split={"minors_care": care, "minors_other": other},
        table=table.with_columns({"minor_care_places": places, "minor_other_places": other_places}),
        municipalities=None)
    return validate_scenario(changed)


def test_minors_needing_care_are_placed_before_those_who_need_less():
    """Trøndelag with minors_care = 10, minors_other = 100 and 30 care places: the plan settled 4
    of the 10 and filled care places with minors who need less; all 10 fit at the same total."""
    scenario = trondelag(10, 100, {TRONDHEIM: 30})
    plan = solve_and_check(scenario)
    figures = plan.minors_figures
    assert figures["minors_care"]["settled"] == 10 and figures["minors_care"]["shortfall"] == 0
    # The same total as before: every care and other place is used (fewer places than minors)
    places = 30 + int(np.nansum(scenario.table.numeric("minor_other_places")))
    assert places < 110
    assert figures["minors_care"]["settled"] + figures["minors_other"]["settled"] == places
    assert plan.minors_split[scenario.table.position[TRONDHEIM], 0] == 10


def test_explain_knows_the_care_and_other_places():
    """explain said one more minor place in Trondheim settles one more person (it settles none:
    the care and other places bind), and never named care or other places."""
    scenario = trondelag(10, 100, {TRONDHEIM: 30})
    plan = solve_and_check(scenario)
    marginal = explain(scenario, TRONDHEIM, plan).marginal
    assert {"minor_care_places", "minor_other_places"} <= set(marginal)
    total = sum(plan.settled.values())
    for column, value in marginal.items():
        if column not in ("minor_places", "minor_care_places", "minor_other_places"):
            continue
        table = scenario.table
        more = table.numeric(column).copy()
        more[table.position[TRONDHEIM]] += 1
        again = solve_and_check(validate_scenario(scenario.with_changes(table=table.with_columns({column: more}),
                                                                        municipalities=None)))
        assert value["persons"] == sum(again.settled.values()) - total, column
