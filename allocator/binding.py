"""What holds a municipality: the one definition of "at its limit" and of what a limit holds it back
or up by, in persons.

Why one module: the plan's table, `binding`, `limited_by`/`held_back` in the JSON, the text report
and Forklar all say which limit holds a municipality; when each had its own rule they contradicted
one another (a lock missing from `binding`, «holder oppe ca. 0 personer»). They all read the plan's
cached results of these functions (`Plan.at_limit`, `binding_codes`, `scale`, `holding`,
`held_up`), which take plain arrays in table order.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from allocator.scenario.data import GROUPS, RESOURCE_OF_GROUP, Scenario

#: Order in which binding limits are listed.
LIMIT_ORDER = ("locked", "max_total", "min_total", "small_dwellings", "family_dwellings", "minor_places", "special_places")

#: What `holding` gives per municipality: the limits that hold it, as (code, persons), the one that
#: matters most first; and the codes among them that hold it up rather than back.
Holding = tuple[list[tuple[str, float]], frozenset[str]]


def at_limit(scenario: Scenario, persons: np.ndarray) -> dict[str, np.ndarray]:
    """Boolean masks in table order: `locked` (min_total = max_total, from the columns or from
    four locked quarters, see Scenario.bounds), `max_total` and `min_total` (the total is at
    that bound, a lock excluded), and `resources` (n, G): a group's dwellings or places used
    up. The bounds are the scenario's effective ones (`Scenario.bounds`), so a schedule with all
    four quarters locked is a lock here as in the model.
    """
    low, high = scenario.bounds()
    total = persons.sum(axis=1)
    with np.errstate(invalid="ignore"):
        locked = (low == high) & (total == high)
        at_max = ~locked & (total >= high)
        at_min = ~locked & (low > 0) & (total <= low)
    resources = persons >= scenario.year_caps
    return {"locked": locked, "max_total": at_max, "min_total": at_min, "resources": resources}


def binding_codes(scenario: Scenario, persons: np.ndarray, fair: np.ndarray, scale: np.ndarray,
                  limits: Mapping[str, np.ndarray]) -> list[list[str]]:
    """Per municipality (table order), the limits it has reached (codes from LIMIT_ORDER).

    From `at_limit`, with two limits left out as not news: a min_total less than half a person
    above what the municipality would otherwise get (its fair share at its county's common
    scale, `county_scale`: then the minimum holds nobody up), and a resource of 0 where the key
    would have given less than half a person ("no minor places" is not news for a municipality
    whose fair share of minors is 0.2), or in a group nobody requested.
    """
    requested = np.array([scenario.request[g] > 0 for g in GROUPS])
    low, _ = scenario.bounds()
    with np.errstate(invalid="ignore"):
        at_min = limits["min_total"] & (low - (scale * fair).sum(axis=1) >= 0.5)
    used_up = limits["resources"] & requested & ((persons > 0) | (fair >= 0.5))
    marks = np.column_stack([limits["locked"], limits["max_total"], at_min, *used_up.T])
    result: list[list[str]] = [[] for _ in range(len(persons))]
    for k, j in zip(*np.nonzero(marks)):
        result[k].append(LIMIT_ORDER[j])
    return result


def county_scale(persons: np.ndarray, fair: np.ndarray, limits: Mapping[str, np.ndarray], county_of: np.ndarray) -> np.ndarray:
    """t_cg per municipality and group (table order): what the municipalities of its county that
    no limit holds got, relative to their fair shares, in that group (1 when every one is held).
    The fair split gives everyone not held this same scale, within one person."""
    at_total = limits["locked"] | limits["max_total"] | limits["min_total"]
    free = ~limits["resources"] & ~at_total[:, None]
    scale = np.ones_like(fair)
    for county in set(county_of):
        rows = county_of == county
        for j in range(len(GROUPS)):
            chosen = rows & free[:, j]
            share = fair[chosen, j].sum()
            if share >= 1.0:
                scale[rows, j] = persons[chosen, j].sum() / share
    return scale


def holding(persons: np.ndarray, fair: np.ndarray, scale: np.ndarray, limits: Mapping[str, np.ndarray],
            codes_reached: list[list[str]], county_of: np.ndarray, shortfall: Mapping[tuple[str, int], int]) -> list[Holding]:
    """Per municipality (table order): the limits that hold it away from what it would otherwise
    get, as (code, persons), the one that matters most first, and which of them hold it up (a
    minimum, or a lock above what it would otherwise get) rather than back. Every code here is
    also in `codes_reached` (a limit can hold only where the municipality is at it).

    "Otherwise" is the common scale of its county and group (`county_scale`) times its fair share:
    a resource holds it back when it is used up and the municipality has at least half a person
    less than that in the group; max_total (or a lock) when its total is there and at least half
    a person below that; a minimum (or a lock) holds it up when it holds the total at least half
    a person above it. Where persons of a group cannot be placed (`shortfall` per (county, group
    index)), every municipality at a limit in that group holds some of them back: its part of the
    shortfall by the key.
    """
    binding = [set(codes) for codes in codes_reached]
    expected = scale * fair
    total = persons.sum(axis=1)
    gap = expected - persons
    held = np.where(limits["resources"] & (gap >= 0.5), gap, 0.0)  # (n, G) resources
    total_gap = expected.sum(axis=1) - total  # > 0: below what it would otherwise get
    at_top = limits["locked"] | limits["max_total"]
    at_bottom = limits["locked"] | limits["min_total"]
    at_cap = limits["resources"]
    short_total = np.zeros(len(total))
    for (county, j), missing in shortfall.items():
        if missing <= 0:
            continue
        rows = (county_of == county) & (at_cap[:, j] | at_top)
        weights = fair[rows, j]
        part = missing * weights / weights.sum() if weights.sum() > 0 else np.full(rows.sum(), missing / max(1, rows.sum()))
        resource_held = at_cap[rows, j]
        indices = np.flatnonzero(rows)
        held[indices[resource_held], j] = np.maximum(held[indices[resource_held], j], part[resource_held])
        short_total[indices[~resource_held]] += part[~resource_held]
    held_back_total = np.maximum(total_gap, short_total)  # what a cap (or lock) holds back
    held_up_total = -total_gap  # what a minimum (or lock) holds up: never the shortfall's number
    capped = at_top & (held_back_total >= 0.5)
    raised = at_bottom & ~capped & (held_up_total >= 0.5)
    resources = list(RESOURCE_OF_GROUP.values())
    held[held < 0.5] = 0.0
    result = []
    order = {code: k for k, code in enumerate(LIMIT_ORDER)}
    for k in range(len(total)):
        row: list[tuple[str, float]] = [(resources[j], float(held[k, j])) for j in np.flatnonzero(held[k])]
        up: set[str] = set()
        if capped[k]:
            row.append(("locked" if limits["locked"][k] else "max_total", float(held_back_total[k])))
        elif raised[k]:
            code = "locked" if limits["locked"][k] else "min_total"
            row.append((code, float(held_up_total[k])))
            up.add(code)
        row = [item for item in row if item[0] in binding[k]]
        if len(row) > 1:
            row.sort(key=lambda item: (-item[1], order[item[0]]))
        result.append((row, frozenset(up) & {code for code, _ in row}))
    return result
