"""Hypothesis strategies for random scenarios: one pool (`scenarios`) and several counties with
per-county requests (`national_scenarios`). Shared by the property tests of the plan and of the
analyses built on it."""

from __future__ import annotations

from helpers import make_scenario
from hypothesis import strategies as st

from allocator import GROUPS, Housing, KeyTerm
from allocator.scenario.data import RESOURCE_COLUMNS, Counties
from allocator.scenario.validate import validate_scenario

HOUSINGS = [Housing(), Housing(1.0, 3.0), Housing(1.5, 4.2), Housing(2.0, 2.5)]
KEYS = [
    (KeyTerm("population", 1.0),),
    (KeyTerm("population", 1.0, exponent=0.6),),
    (KeyTerm("population", 0.7), KeyTerm("bosatt", 0.3)),
    (KeyTerm("population", 2.0), KeyTerm("bosatt", 1.0, credit=True)),
]

population = st.integers(1, 5).flatmap(lambda digits: st.integers(10 ** (digits - 1), 8 * 10**digits))
request_count = st.one_of(st.just(0), st.integers(0, 40), st.integers(0, 900))
limit_value = st.one_of(st.integers(0, 6), st.integers(0, 30))
minimum = st.integers(0, 9).flatmap(lambda r: st.integers(0, 25) if r == 0 else st.none())  # 1 in 10 has one


@st.composite
def scenarios(draw, max_municipalities: int = 60):
    n = draw(st.integers(1, max_municipalities))
    numbers = [f"{x:04d}" for x in draw(st.lists(st.integers(1, 9999), min_size=n, max_size=n, unique=True))]
    populations = draw(st.lists(population, min_size=n, max_size=n))
    request = {g: draw(request_count) for g in GROUPS}
    settled_before = draw(st.lists(st.integers(0, 2000), min_size=n, max_size=n))
    settled_before[0] = max(settled_before[0], 1)  # a key column may not be 0 everywhere
    blank_in_10 = draw(st.sampled_from([9, 5, 0]))  # how many limit cells in 10 are blank: open, mixed, tight
    limits = {}
    for i in range(n):
        cells = {
            c: None if draw(st.integers(0, 9)) < blank_in_10 else draw(limit_value)
            for c in ("max_total", *RESOURCE_COLUMNS)
        }
        low = draw(minimum)
        if low is not None and cells["max_total"] is not None:
            low = min(low, cells["max_total"])  # min_total > max_total is refused by validation
        cells["min_total"] = low
        limits[i] = cells
    return make_scenario(
        populations,
        request,
        limits=limits,
        key=draw(st.sampled_from(KEYS)),
        housing=draw(st.sampled_from(HOUSINGS)),
        numbers=numbers,
        extra_columns={"bosatt": settled_before},
    )


COUNTY_NAMES = ("Agder", "Buskerud", "Finnmark", "Troms")


@st.composite
def national_scenarios(draw, cross: bool | None = None):
    counties = draw(st.integers(2, 4))
    rows = []
    for c in range(counties):
        for _ in range(draw(st.integers(1, 4))):
            rows.append(COUNTY_NAMES[c])
    n = len(rows)
    populations = draw(st.lists(st.integers(500, 200_000), min_size=n, max_size=n))
    requests = {COUNTY_NAMES[c]: {g: draw(st.integers(0, 30 if g in ("adults", "families") else 5)) for g in GROUPS}
                for c in range(counties)}
    limits = {}
    for i in range(n):
        cells = {}
        for column, high in (("small_dwellings", 20), ("family_dwellings", 8), ("minor_places", 4), ("special_places", 3), ("max_total", 40)):
            if draw(st.booleans()):
                cells[column] = draw(st.integers(0, high))
        limits[i] = cells
    scenario = make_scenario(populations, {g: sum(r[g] for r in requests.values()) for g in GROUPS}, limits=limits,
                             extra_columns={}, key=(KeyTerm("population", 1.0, draw(st.sampled_from([1.0, 0.6]))),))
    table = scenario.municipalities.copy()
    table["fylke"] = rows
    cross_border = draw(st.booleans()) if cross is None else cross
    max_share = draw(st.sampled_from([None, None, 0.1, 0.5])) if cross_border else None
    counties_ = Counties(requests=requests, cross_border=cross_border, max_share=max_share)
    return validate_scenario(scenario.with_changes(municipalities=table, counties=counties_))
