"""An independent check of a plan against its scenario.

It reads the scenario's own columns and rules, not the model, so a mistake in `model.py` cannot
hide itself: every plan the tests make passes through `check_plan`.
"""

from __future__ import annotations

import math

from .plan import Plan
from .scenario import GROUPS, Scenario


class PlanViolation(AssertionError):
    """A plan breaks a rule of its scenario."""


def violations(plan: Plan, scenario: Scenario) -> list[str]:
    """Every rule the plan breaks, in words; empty when the plan is valid."""
    found: list[str] = []
    table = scenario.municipalities
    housing = scenario.housing
    allocation = plan.allocation
    if set(allocation.index) != set(table.index):
        found.append("the plan does not cover exactly the scenario's municipalities")
        return found
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
        caps = {
            "adults": _floor(row["small_dwellings"] * housing.adults_per_small_dwelling),
            "families": _floor(row["family_dwellings"] * housing.persons_per_family_dwelling),
            "minors": row["minor_places"],
            "special_needs": row["special_places"],
        }
        for g, cap in caps.items():
            if not math.isnan(cap) and x[g] > cap:
                found.append(f"{number} {g}: {x[g]} persons exceed the limit {cap:.0f}")
        total = int(x.sum())
        if not math.isnan(row["max_total"]) and total > row["max_total"]:
            found.append(f"{number}: total {total} exceeds max_total {row['max_total']:.0f}")
        if not math.isnan(row["min_total"]) and total < row["min_total"]:
            found.append(f"{number}: total {total} is below min_total {row['min_total']:.0f}")
    return found


def _floor(value: float) -> float:
    """Whole persons a fractional capacity allows (NaN = no limit stays NaN)."""
    return value if math.isnan(value) else float(math.floor(value + 1e-9))


def check_plan(plan: Plan, scenario: Scenario | None = None) -> None:
    """Raise `PlanViolation` listing every broken rule."""
    found = violations(plan, scenario or plan.scenario)
    if found:
        raise PlanViolation("\n".join(found))
