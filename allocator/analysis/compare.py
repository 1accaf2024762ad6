"""Scenarios side by side: who absorbs a change, and how fair each plan is.

Plans are compared by kommunenummer; a municipality missing from a scenario counts as 0 there.
The first plan is the reference that differences are measured from.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from allocator.plan import Plan


def totals_side_by_side(plans: Mapping[str, Plan]) -> pd.DataFrame:
    """Per municipality: each plan's total, and each later plan's difference from the first."""
    labels = list(plans)
    names = pd.concat([p.scenario.municipalities["kommune"] for p in plans.values()])
    names = names[~names.index.duplicated()]
    table = pd.DataFrame({"kommune": names})
    for label, plan in plans.items():
        table[label] = plan.allocation.sum(axis=1).reindex(table.index).fillna(0).astype(int)
    for label in labels[1:]:
        table[f"Endring: {label}"] = table[label] - table[labels[0]]
    return table.sort_index().rename(columns={"kommune": "Kommune"})


def fairness_figures(plan: Plan) -> dict[str, float]:
    """The few numbers that say how fair and how complete a plan is."""
    table = plan.municipality_table()
    deviation = (plan.allocation - plan.fair_share).abs()
    return {
        "settled": int(sum(plan.settled.values())),
        "shortfall": int(sum(plan.shortfall.values())),
        "max_deviation": float(deviation.to_numpy().max()),
        "max_total_deviation": float(table["deviation"].abs().max()),
        "max_per_1000": float(table["per_1000"].max()),
        "min_per_1000": float(table["per_1000"].min()),
        "at_limit": int(sum(bool(held) for held in plan.holding)),
    }


#: The fairness figures' Norwegian names.
FAIRNESS_LABELS = {
    "settled": "Fordelt", "shortfall": "Underskudd", "max_deviation": "Største avvik (gruppe)",
    "max_total_deviation": "Største avvik (totalt)", "max_per_1000": "Høyeste per 1 000",
    "min_per_1000": "Laveste per 1 000", "at_limit": "Kommuner holdt igjen av en grense",
}


def fairness_table(plans: Mapping[str, Plan]) -> pd.DataFrame:
    """One row per plan with its fairness figures."""
    return pd.DataFrame({label: fairness_figures(plan) for label, plan in plans.items()}).T
