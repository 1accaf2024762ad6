"""The plan: a solved allocation and the tables people read.

All views (CLI, app, exports) read these tables; none of them recomputes a number. Column names
are stable English codes; the app puts Norwegian labels on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .scenario import GROUPS, RESOURCE_OF_GROUP, Scenario

if TYPE_CHECKING:
    from .quarters import Schedule

#: Order in which binding limits are listed.
LIMIT_ORDER = ("locked", "max_total", "min_total", "small_dwellings", "family_dwellings", "minor_places", "special_places")


@dataclass(frozen=True, eq=False)
class Plan:
    """Whole persons per municipality and group, with the fair shares they were measured against."""

    scenario: Scenario
    allocation: pd.DataFrame  # municipality × group, int
    fair_share: pd.DataFrame  # municipality × group, float
    solver: str
    solve_seconds: float
    total_seconds: float
    schedule: "Schedule | None" = None  # the quarterly schedule, when the scenario has [quarters]

    # ---------------------------------------------------------------- county figures

    @cached_property
    def settled(self) -> dict[str, int]:
        return {g: int(self.allocation[g].sum()) for g in GROUPS}

    @cached_property
    def shortfall(self) -> dict[str, int]:
        return {g: int(self.scenario.request[g]) - self.settled[g] for g in GROUPS}

    @property
    def status(self) -> str:
        """'optimal' when the whole request is placed, else 'shortfall' (the plan is still optimal)."""
        return "shortfall" if any(self.shortfall.values()) else "optimal"

    # ---------------------------------------------------------------- limits

    @cached_property
    def resource_use(self) -> pd.DataFrame:
        """Per municipality and resource: units used and available (NaN available = no limit)."""
        table = self.scenario.municipalities
        housing = self.scenario.housing
        per_unit = {
            "adults": housing.adults_per_small_dwelling,
            "families": housing.persons_per_family_dwelling,
            "minors": 1.0,
            "special_needs": 1.0,
        }
        columns = {}
        for group, resource in RESOURCE_OF_GROUP.items():
            columns[f"{resource}_used"] = np.ceil(self.allocation[group] / per_unit[group] - 1e-9).astype(int)
            columns[f"{resource}_available"] = self.scenario.resource_available(resource)
        return pd.DataFrame(columns, index=table.index)

    @cached_property
    def binding(self) -> dict[str, list[str]]:
        """Per municipality, the limits it has reached (codes from LIMIT_ORDER).

        A limit binds when the municipality is at it: at max_total, at a min_total that holds it
        above its fair share, or with a group's dwellings or places used up (a resource of 0 only
        where the key would have given at least one person: "no minor places" is not news for a
        municipality whose fair share of minors is 0.2). `locked` replaces max_total and min_total
        when the two are equal.
        """
        table = self.scenario.municipalities
        total = self.allocation.sum(axis=1).to_dict()
        fair_total = self.fair_share.sum(axis=1).to_dict()
        allocation = self.allocation.to_dict(orient="index")
        fair = self.fair_share.to_dict(orient="index")
        limits = {group: self.scenario.group_limit(group).to_dict() for group in GROUPS}
        result: dict[str, list[str]] = {}
        for number, low, high in zip(table.index, table["min_total"].to_numpy(), table["max_total"].to_numpy()):
            codes: list[str] = []
            if not math.isnan(low) and low == high and total[number] == high:
                codes.append("locked")
            else:
                if not math.isnan(high) and total[number] >= high:
                    codes.append("max_total")
                if not math.isnan(low) and low > 0 and total[number] <= low and low > fair_total[number]:
                    codes.append("min_total")
            for group, resource in RESOURCE_OF_GROUP.items():
                limit, taken = limits[group][number], allocation[number][group]
                used_up = math.isfinite(limit) and taken >= limit and self.scenario.request[group] > 0
                # a resource at 0 only matters where the key would have given at least one person
                if used_up and (taken > 0 or fair[number][group] >= 0.5):
                    codes.append(resource)
            result[number] = codes
        return result

    # ---------------------------------------------------------------- tables

    def municipality_table(self) -> pd.DataFrame:
        """One row per municipality: totals, groups, fair shares, load per 1,000, resources, limits."""
        table = self.scenario.municipalities
        total = self.allocation.sum(axis=1)
        fair_total = self.fair_share.sum(axis=1)
        out = pd.DataFrame(index=table.index)
        out["kommune"] = table["kommune"]
        out["population"] = table["population"]
        out["total"] = total
        out["fair_total"] = fair_total.round(2)
        out["deviation"] = (total - fair_total).round(2)
        out["per_1000"] = (1000 * total / table["population"]).round(2)
        for g in GROUPS:
            out[g] = self.allocation[g]
        for g in GROUPS:
            out[f"fair_{g}"] = self.fair_share[g].round(2)
        out["min_total"] = table["min_total"]
        out["max_total"] = table["max_total"]
        out = out.join(self.resource_use)
        out["binding"] = [", ".join(self.binding[n]) for n in table.index]
        out["lock_reason"] = table["lock_reason"]
        return out

    def group_table(self) -> pd.DataFrame:
        """Long form: one row per municipality and group with allocation, fair share and deviation."""
        long = self.allocation.stack().rename("allocation").to_frame()
        long["fair_share"] = self.fair_share.stack().round(3)
        long["deviation"] = (long["allocation"] - self.fair_share.stack()).round(3)
        long.index.names = ["kommunenummer", "group"]
        long = long.reset_index()
        long.insert(1, "kommune", long["kommunenummer"].map(self.scenario.municipalities["kommune"]))
        return long

    def summary_table(self) -> pd.DataFrame:
        """Per group and in total: requested, settled, shortfall."""
        rows = [
            {"group": g, "requested": int(self.scenario.request[g]), "settled": self.settled[g], "shortfall": self.shortfall[g]}
            for g in GROUPS
        ]
        summary = pd.DataFrame(rows)
        total = {"group": "total", **summary[["requested", "settled", "shortfall"]].sum().astype(int).to_dict()}
        return pd.concat([summary, pd.DataFrame([total])], ignore_index=True)

    def binding_summary(self) -> pd.DataFrame:
        """Per limit: how many municipalities are at it, and units used of available in the county."""
        counts = {code: sum(code in codes for codes in self.binding.values()) for code in LIMIT_ORDER}
        use = self.resource_use
        rows = []
        for code in LIMIT_ORDER:
            row = {"limit": code, "municipalities": counts[code]}
            if f"{code}_used" in use:
                limited = use[f"{code}_available"].notna()
                row["used"] = int(use.loc[limited, f"{code}_used"].sum())
                row["available"] = int(use.loc[limited, f"{code}_available"].sum())
            rows.append(row)
        return pd.DataFrame(rows).astype({"used": "Int64", "available": "Int64"})

    # ---------------------------------------------------------------- machine-readable

    def to_dict(self) -> dict:
        """The `--json` shape (a contract: keys may be added, never renamed)."""
        names = self.scenario.municipalities["kommune"].to_dict()
        allocation = self.allocation.to_dict(orient="index")
        fair = self.fair_share.to_dict(orient="index")
        return {
            "scenario": self.scenario.name,
            "status": self.status,
            "solver": self.solver,
            "solve_seconds": round(self.solve_seconds, 4),
            "request": {g: int(self.scenario.request[g]) for g in GROUPS},
            "settled": dict(self.settled),
            "shortfall": dict(self.shortfall),
            "municipalities": [
                {
                    "kommunenummer": number,
                    "kommune": str(names[number]),
                    "allocation": {g: int(allocation[number][g]) for g in GROUPS},
                    "total": int(sum(allocation[number][g] for g in GROUPS)),
                    "fair_share": {g: round(float(fair[number][g]), 4) for g in GROUPS},
                    "binding": list(self.binding[number]),
                }
                for number in names
            ],
            "quarters": self.schedule.quarters_json() if self.schedule else [],
            "timeliness": {
                g: {k: v for k, v in figures.items() if k != "waiting_person_months"}
                for g, figures in (self.schedule.timeliness().items() if self.schedule else [])
            },
        }
