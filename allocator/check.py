"""An independent check of a plan against its scenario.

It reads the scenario's own columns and rules, not the model, so a mistake in `model.py` cannot
hide itself: every plan the tests make passes through `check_plan`.
"""

from __future__ import annotations

import math

from allocator.plan import Plan
from allocator.scenario.data import GROUPS, RESOURCE_OF_GROUP, Scenario
from allocator.whole import whole_floor


class PlanViolation(AssertionError):
    """A plan breaks a rule of its scenario."""


def violations(plan: Plan, scenario: Scenario) -> list[str]:
    """Every rule the plan breaks, in words; empty when the plan is valid."""
    found: list[str] = []
    if plan.grant is not None:  # the plan was made with the dwellings the grant bought
        found += grant_violations(plan, scenario)
        scenario = plan.scenario
    table = scenario.municipalities
    if plan.persons.shape != (len(table), len(GROUPS)):
        found.append("the plan does not cover exactly the scenario's municipalities")
        return found
    allocation = plan.allocation
    for g in GROUPS:
        settled = 0
        for number in table.index:
            value = allocation.at[number, g]
            if value < 0 or value != int(value):
                found.append(f"{number} {g}: {value} is not a whole number of persons ≥ 0")
            settled += int(value)
        if settled > scenario.request[g]:
            found.append(f"{g}: settled {settled} exceeds the request {scenario.request[g]}")
        if plan.settled[g] != settled or plan.shortfall[g] != scenario.request[g] - settled:
            found.append(f"{g}: reported settled/shortfall do not add up to the request")
    for number, row in table.iterrows():
        x = allocation.loc[number]
        caps = {g: _person_cap(scenario, number, g, 4) for g in GROUPS}
        for g, cap in caps.items():
            if not math.isnan(cap) and x[g] > cap:
                found.append(f"{number} {g}: {x[g]} persons exceed the limit {cap:.0f}")
        total = int(x.sum())
        if not math.isnan(row["max_total"]) and total > row["max_total"]:
            found.append(f"{number}: total {total} exceeds max_total {row['max_total']:.0f}")
        if not math.isnan(row["min_total"]) and total < row["min_total"]:
            found.append(f"{number}: total {total} is below min_total {row['min_total']:.0f}")
    found += county_violations(plan, scenario)
    found += minors_violations(plan, scenario)
    if plan.schedule is not None:
        found += schedule_violations(plan, scenario)
    return found


def grant_violations(plan: Plan, scenario: Scenario) -> list[str]:
    """The housing grant: dwellings bought within the budget and the cap, only where small dwellings
    are a limit, and the plan's scenario is the original with exactly those dwellings added."""
    found: list[str] = []
    grant, bought = scenario.housing_grant, plan.grant.bought
    if grant is None:
        return ["the plan reports a housing grant the scenario does not have"]
    if sum(bought.values()) * grant.per_dwelling > grant.budget + 1e-6:
        found.append(f"the grant buys {sum(bought.values())} dwellings for more than the budget {grant.budget:.0f}")
    original = scenario.municipalities["small_dwellings"]
    effective = plan.scenario.municipalities["small_dwellings"]
    for number in scenario.municipalities.index:
        count = bought.get(number, 0)
        if count < 0 or count != int(count):
            found.append(f"{number}: {count} dwellings bought is not a whole number ≥ 0")
        if grant.max_per_municipality is not None and count > grant.max_per_municipality:
            found.append(f"{number}: {count} dwellings bought, more than the cap {grant.max_per_municipality}")
        if math.isnan(original[number]):
            if count or not math.isnan(effective[number]):
                found.append(f"{number}: dwellings bought where small dwellings are no limit")
        elif effective[number] != original[number] + count:
            found.append(f"{number}: small dwellings {effective[number]:.0f} in the plan, {original[number]:.0f} + {count} bought")
    return found


def minors_violations(plan: Plan, scenario: Scenario) -> list[str]:
    """Minors assessed one by one: care and other add up to the minors, care within care places,
    both within care and other places together, each kind within its request."""
    if not scenario.minors_split:
        return ["the plan splits minors the scenario does not split"] if plan.minors_split is not None else []
    if plan.minors_split is None:
        return ["the scenario splits minors, the plan does not say how"]
    found: list[str] = []
    table = scenario.municipalities
    split = plan.allocation.copy()
    care_places = table["minor_care_places"] if "minor_care_places" in table else None
    other_places = table["minor_other_places"] if "minor_other_places" in table else None
    for k, number in enumerate(scenario.table.numbers):
        care, other = (int(v) for v in plan.minors_split[k])
        if care < 0 or other < 0:
            found.append(f"{number}: negative minors in the split")
        if care + other != int(split.at[number, "minors"]):
            found.append(f"{number}: minors_care {care} + minors_other {other} is not its minors {split.at[number, 'minors']}")
        cap_care = care_places[number] if care_places is not None else math.nan
        cap_other = other_places[number] if other_places is not None else math.nan
        if not math.isnan(cap_care) and care > cap_care:
            found.append(f"{number}: {care} minors needing care, only {cap_care:.0f} care places")
        if not math.isnan(cap_care) and not math.isnan(cap_other) and care + other > cap_care + cap_other:
            found.append(f"{number}: {care + other} minors for {cap_care + cap_other:.0f} places in all")
    for j, group in enumerate(("minors_care", "minors_other")):
        if int(plan.minors_split[:, j].sum()) > scenario.minors_split[group]:
            found.append(f"{group}: settled {int(plan.minors_split[:, j].sum())} exceeds the request {scenario.minors_split[group]}")
    return found


def county_violations(plan: Plan, scenario: Scenario) -> list[str]:
    """Requests per county: each county settles at most its request (at home plus sent), receives
    only what its municipalities place, sends nobody when borders are closed or beyond max_share,
    and the reported county figures and received persons add up."""
    found: list[str] = []
    counties = scenario.counties
    flows = plan.flows
    if counties is None:
        if flows:
            found.append("the plan moves persons between counties, but the scenario has no counties")
        return found
    if flows and not counties.cross_border:
        found.append("persons cross a county border although cross_border is off")
    table = scenario.municipalities
    of = table["fylke"]
    names = sorted(set(counties.requests) | set(of))
    received = {(c, g): 0 for c in names for g in GROUPS}
    sent = {(c, g): 0 for c in names for g in GROUPS}
    for flow in flows:
        if flow.origin not in counties.requests or flow.destination not in names or flow.origin == flow.destination:
            found.append(f"flow {flow.origin} → {flow.destination} is not between two counties of the scenario")
            continue
        if flow.persons <= 0 or flow.persons != int(flow.persons):
            found.append(f"flow {flow.origin} → {flow.destination} {flow.group}: {flow.persons} is not a whole number > 0")
        received[flow.destination, flow.group] += flow.persons
        sent[flow.origin, flow.group] += flow.persons
    allocation = plan.allocation
    for c in names:
        members = of.index[of == c]
        request = counties.requests.get(c, {})
        for g in GROUPS:
            placed = int(allocation.loc[members, g].sum())
            own = placed - received[c, g]
            if own < 0:
                found.append(f"{c} {g}: received {received[c, g]} but its municipalities settle only {placed}")
            if own + sent[c, g] > request.get(g, 0):
                found.append(f"{c} {g}: settles {own + sent[c, g]} of its own request {request.get(g, 0)} "
                             f"({own} at home, {sent[c, g]} sent; received {received[c, g]})")
        if counties.cross_border and counties.max_share is not None:
            allowed = whole_floor(counties.max_share * sum(request.values()))
            if sum(sent[c, g] for g in GROUPS) > allowed:
                found.append(f"{c}: sends {sum(sent[c, g] for g in GROUPS)} persons across its border, max_share allows {allowed}")
    for figure in plan.county_figures:
        c = figure["fylke"]
        for g in GROUPS:
            if figure["received"][g] != received[c, g] or figure["sent"][g] != sent[c, g]:
                found.append(f"{c} {g}: reported received/sent do not match the flows")
            if figure["settled"][g] + figure["shortfall"][g] != counties.requests.get(c, {}).get(g, 0):
                found.append(f"{c} {g}: reported settled + shortfall is not the county's request")
    if plan.received is not None:
        for c in names:
            members = of.index[of == c]
            rows = [scenario.table.position[n] for n in members]
            for j, g in enumerate(GROUPS):
                taken = int(plan.received[rows, j].sum()) if rows else 0
                if taken != received[c, g]:
                    found.append(f"{c} {g}: its municipalities report {taken} persons received, the flows say {received[c, g]}")
                if rows and (plan.received[rows, j] > plan.persons[rows, j]).any():
                    found.append(f"{c} {g}: a municipality is said to receive more persons than it settles")
    return found


def schedule_violations(plan: Plan, scenario: Scenario) -> list[str]:
    """The quarterly rules: sums to the year, nobody before ready, resources only once they exist."""
    found: list[str] = []
    table = plan.schedule.table
    quarters = scenario.quarters
    if (table < 0).any().any():
        found.append("the schedule has negative persons")
    yearly = table.groupby(level="kommunenummer").sum()
    for number in scenario.municipalities.index:
        for g in GROUPS:
            if int(yearly.at[number, g]) != int(plan.allocation.at[number, g]):
                found.append(f"{number} {g}: quarters sum to {yearly.at[number, g]}, the year is {plan.allocation.at[number, g]}")
    county = table.groupby(level="quarter").sum()
    for g in GROUPS:
        settled = ready = 0
        for q in (1, 2, 3, 4):
            settled += int(county.at[q, g]) if q in county.index else 0
            ready += quarters.ready[g][q - 1]
            if settled > ready:
                found.append(f"{g}: {settled} settled by Q{q} but only {ready} ready")
    for g in GROUPS:
        for q in (1, 2, 3):
            for number in scenario.municipalities.index:
                cap = _person_cap(scenario, number, g, q)
                used = int(sum(table.at[(number, k), g] for k in range(1, q + 1)))
                if not math.isnan(cap) and used > cap:
                    found.append(f"{number} {g}: {used} settled by Q{q} but {RESOURCE_OF_GROUP[g]} allows {cap:.0f}")
    for q in (1, 2, 3, 4):
        column = f"locked_q{q}"
        if column in scenario.municipalities:
            for number, locked in scenario.municipalities[column].dropna().items():
                if int(table.loc[(number, q)].sum()) != int(locked):
                    found.append(f"{number}: Q{q} has {int(table.loc[(number, q)].sum())}, locked at {locked:.0f}")
    return found


def _person_cap(scenario: Scenario, number: str, group: str, quarter: int) -> float:
    """Persons of `group` the municipality's resource allows by the end of `quarter` (NaN = no limit)."""
    row = scenario.municipalities.loc[number]
    resource = RESOURCE_OF_GROUP[group]
    added = [row.get(f"{resource}_q{k}") for k in range(1, 5)]
    base = row[resource]
    if _isnan(base) and any(not _isnan(a) for a in added):
        base = 0.0  # dated additions without an undated stock: none until they come
    units = base + sum(a for a in added[:quarter] if not _isnan(a))
    per_unit = {"adults": scenario.housing.adults_per_small_dwelling, "families": scenario.housing.persons_per_family_dwelling}.get(group, 1.0)
    return _floor(units * per_unit)


def _isnan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _floor(value: float) -> float:
    """Whole persons a fractional capacity allows (NaN = no limit stays NaN)."""
    return value if math.isnan(value) else float(whole_floor(value))


def check_plan(plan: Plan, scenario: Scenario | None = None) -> None:
    """Raise `PlanViolation` listing every broken rule."""
    found = violations(plan, scenario or plan.scenario)
    if found:
        raise PlanViolation("\n".join(found))
