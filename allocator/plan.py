"""The plan: a solved allocation and the tables people read.

The plan holds arrays (persons per municipality and group, in the scenario's row order); the
command line's JSON and text are made from them directly. The pandas tables (`allocation`,
`municipality_table`, …) are made on request for the app and the exports. All views read these;
none of them recomputes a number. Column names are stable English codes; the app and the exports
put Norwegian labels on them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from allocator import binding as limits  # not `binding`: Plan has a property of that name
from allocator.scenario.data import GROUPS, MINOR_SUBGROUPS, RESOURCE_OF_GROUP, Scenario
from allocator.whole import split_by_shares, whole_ceil

if TYPE_CHECKING:
    import pandas as pd  # on demand: heavy to import (see allocator/__init__)

    from allocator.optimize.quarters import Schedule



@dataclass(frozen=True)
class Flow:
    """Persons of one county's request settled in another county."""

    origin: str
    destination: str
    group: str
    persons: int


@dataclass(frozen=True, eq=False, init=False)
class Plan:
    """Whole persons per municipality and group, with the fair shares they were measured against.

    `persons[k, j]`: persons of group GROUPS[j] in the municipality on row k of the scenario's
    table; `fair[k, j]` its fair share. With settlement across county borders, `flows` are the
    persons each county sends to each other county and `received[k, j]` the persons a
    municipality takes for another county (included in `persons`).
    """

    scenario: Scenario
    persons: np.ndarray
    fair: np.ndarray
    solver: str
    solve_seconds: float
    total_seconds: float
    schedule: "Schedule | None"
    flows: tuple[Flow, ...]
    received: np.ndarray | None
    placeable_across_borders: int | None
    timings: dict
    minors_split: np.ndarray | None  # (n, 2): minors needing care, and the others, when assessed one by one
    grant: Any  # solve.GrantResult when the scenario has a housing grant

    def __init__(self, scenario: Scenario, persons=None, fair=None, solver: str = "", solve_seconds: float = 0.0,
                 total_seconds: float = 0.0, schedule=None, flows: tuple[Flow, ...] = (), received=None,
                 placeable_across_borders: int | None = None, timings: dict | None = None,
                 minors_split: np.ndarray | None = None, grant: Any = None):
        values = dict(scenario=scenario, persons=np.asarray(persons), fair=np.asarray(fair, dtype=float), solver=solver,
                      solve_seconds=solve_seconds, total_seconds=total_seconds, schedule=schedule, flows=tuple(flows),
                      received=received, placeable_across_borders=placeable_across_borders, timings=dict(timings or {}),
                      minors_split=minors_split, grant=grant)
        for attribute, value in values.items():
            object.__setattr__(self, attribute, value)

    def replace(self, **changes) -> "Plan":
        return dataclasses.replace(self, **changes)

    # ---------------------------------------------------------------- county figures

    @cached_property
    def settled(self) -> dict[str, int]:
        return {g: int(self.persons[:, j].sum()) for j, g in enumerate(GROUPS)}

    @cached_property
    def shortfall(self) -> dict[str, int]:
        return {g: int(self.scenario.request[g]) - self.settled[g] for g in GROUPS}

    @cached_property
    def minors_figures(self) -> dict[str, dict[str, int]]:
        """With minors assessed one by one: requested, settled and shortfall of each kind."""
        split = self.scenario.minors_split
        if not split or self.minors_split is None:
            return {}
        settled = dict(zip(MINOR_SUBGROUPS, (int(v) for v in self.minors_split.sum(axis=0))))
        return {g: {"request": int(split[g]), "settled": settled[g], "shortfall": int(split[g]) - settled[g]} for g in MINOR_SUBGROUPS}

    @property
    def status(self) -> str:
        """'optimal' when the whole request is placed, else 'shortfall' (the plan is still optimal)."""
        return "shortfall" if any(self.shortfall.values()) else "optimal"

    @cached_property
    def totals(self) -> np.ndarray:
        return self.persons.sum(axis=1)

    # ---------------------------------------------------------------- limits

    @cached_property
    def resource_units(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per resource: units used and units available (NaN = no limit), table order."""
        housing = self.scenario.housing
        units = {}
        for j, (group, resource) in enumerate(RESOURCE_OF_GROUP.items()):
            used = whole_ceil(self.persons[:, j] / housing.per_unit(group)).astype(int)
            units[resource] = (used, self.scenario.resource_units(resource))
        return units

    @cached_property
    def at_limit(self) -> dict[str, np.ndarray]:
        """The one definition of "at its limit" (`binding.at_limit`), read by `binding_codes`,
        `scale`, `holding` and `explain`, so the table, `binding`, `limited_by`/`held_back` and
        Forklar cannot disagree."""
        return limits.at_limit(self.scenario, self.persons)

    @cached_property
    def binding_codes(self) -> list[list[str]]:
        """Per municipality (table order), the limits it has reached (`binding.binding_codes`)."""
        return limits.binding_codes(self.scenario, self.persons, self.fair, self.scale, self.at_limit)

    @cached_property
    def scale(self) -> np.ndarray:
        """Per municipality and group, its county's common scale of the fair shares (`binding.county_scale`)."""
        return limits.county_scale(self.persons, self.fair, self.at_limit, self._county_array)

    @cached_property
    def _county_array(self) -> np.ndarray:
        return np.array(self.scenario.county_of() if self.has_counties else ("",) * len(self.totals))

    @cached_property
    def holding(self) -> list[list[tuple[str, float]]]:
        """Per municipality (table order): the limits that hold it away from what it would otherwise
        get, as (code, persons), the one that matters most first (`binding.holding`)."""
        return [row for row, _ in self._holding]

    @cached_property
    def held_up(self) -> list[frozenset[str]]:
        """Per municipality, the codes of `holding` that hold it up (a minimum, or a lock above
        what it would otherwise get) rather than back."""
        return [up for _, up in self._holding]

    @cached_property
    def _holding(self) -> list[limits.Holding]:
        short = {(c["fylke"], j): c["shortfall"][g] for c in self.county_figures for j, g in enumerate(GROUPS)} \
            if self.has_counties else {("", j): self.shortfall[g] for j, g in enumerate(GROUPS)}
        return limits.holding(self.persons, self.fair, self.scale, self.at_limit, self.binding_codes, self._county_array, short)

    @cached_property
    def binding(self) -> dict[str, list[str]]:
        """`binding_codes` by kommunenummer."""
        return dict(zip(self.scenario.table.numbers, self.binding_codes))

    # ---------------------------------------------------------------- counties

    @property
    def has_counties(self) -> bool:
        return self.scenario.counties is not None

    @cached_property
    def county_figures(self) -> list[dict[str, Any]]:
        """Per county: its request, persons of it settled anywhere, shortfall, received and sent."""
        counties = self.scenario.counties
        if counties is None:
            return []
        of = self.scenario.county_of()
        placed = {c: np.zeros(len(GROUPS), dtype=int) for c in counties.names}
        for k, fylke in enumerate(of):
            placed[fylke] += self.persons[k]
        received = {c: dict.fromkeys(GROUPS, 0) for c in counties.names}
        sent = {c: dict.fromkeys(GROUPS, 0) for c in counties.names}
        for flow in self.flows:
            received[flow.destination][flow.group] += flow.persons
            sent[flow.origin][flow.group] += flow.persons
        figures = []
        for fylke in counties.names:
            request = {g: int(counties.requests[fylke].get(g, 0)) for g in GROUPS}
            settled = {g: int(placed[fylke][j]) - received[fylke][g] + sent[fylke][g] for j, g in enumerate(GROUPS)}
            figures.append({
                "fylke": fylke,
                "request": request,
                "settled": settled,
                "shortfall": {g: request[g] - settled[g] for g in GROUPS},
                "received": dict(received[fylke]),
                "sent": dict(sent[fylke]),
            })
        return figures

    # ---------------------------------------------------------------- pandas tables (app, exports)

    @cached_property
    def allocation(self) -> "pd.DataFrame":
        """Persons per municipality (rows, kommunenummer) and group (columns)."""
        import pandas as pd  # on demand: heavy to import (see allocator/__init__)

        return pd.DataFrame(self.persons, columns=list(GROUPS), index=pd.Index(list(self.scenario.table.numbers), name="kommunenummer"))

    @cached_property
    def fair_share(self) -> "pd.DataFrame":
        import pandas as pd  # on demand: heavy to import (see allocator/__init__)

        return pd.DataFrame(self.fair, columns=list(GROUPS), index=pd.Index(list(self.scenario.table.numbers), name="kommunenummer"))

    @cached_property
    def resource_use(self) -> "pd.DataFrame":
        """Per municipality and resource: units used and available (NaN available = no limit)."""
        import pandas as pd  # on demand: heavy to import (see allocator/__init__)

        columns = {}
        for resource, (used, available) in self.resource_units.items():
            columns[f"{resource}_used"] = used
            columns[f"{resource}_available"] = available
        return pd.DataFrame(columns, index=pd.Index(list(self.scenario.table.numbers), name="kommunenummer"))

    def municipality_table(self) -> "pd.DataFrame":
        """One row per municipality: totals, groups, fair shares, load per 1,000, resources, limits."""
        table = self.scenario.municipalities
        total = self.allocation.sum(axis=1)
        fair_total = self.fair_share.sum(axis=1)
        out = table[["kommune"]].copy()
        if "fylke" in table:
            out["fylke"] = table["fylke"]
        out["population"] = table["population"]
        out["total"] = total
        out["fair_total"] = fair_total.round(2)
        out["deviation"] = (total - fair_total).round(2)
        out["per_1000"] = (1000 * total / table["population"]).round(2)
        for g in GROUPS:
            out[g] = self.allocation[g]
        for g in GROUPS:
            out[f"fair_{g}"] = self.fair_share[g].round(2)
        if self.received is not None:
            out["received"] = self.received.sum(axis=1)
        out["min_total"] = table["min_total"]
        out["max_total"] = table["max_total"]
        out = out.join(self.resource_use)
        out["binding"] = [", ".join(codes) for codes in self.binding_codes]
        out["lock_reason"] = table["lock_reason"]
        return out

    def group_table(self) -> "pd.DataFrame":
        """Long form: one row per municipality and group with allocation, fair share and deviation."""
        long = self.allocation.stack().rename("allocation").to_frame()
        long["fair_share"] = self.fair_share.stack().round(3)
        long["deviation"] = (long["allocation"] - self.fair_share.stack()).round(3)
        long.index.names = ["kommunenummer", "group"]
        long = long.reset_index()
        long.insert(1, "kommune", long["kommunenummer"].map(self.scenario.municipalities["kommune"]))
        return long

    def summary_table(self) -> "pd.DataFrame":
        """Per group and in total: requested, settled, shortfall."""
        import pandas as pd  # on demand: heavy to import (see allocator/__init__)

        rows = [
            {"group": g, "requested": int(self.scenario.request[g]), "settled": self.settled[g], "shortfall": self.shortfall[g]}
            for g in GROUPS
        ]
        summary = pd.DataFrame(rows)
        total = {"group": "total", **summary[["requested", "settled", "shortfall"]].sum().astype(int).to_dict()}
        return pd.concat([summary, pd.DataFrame([total])], ignore_index=True)

    def binding_rows(self) -> list[dict[str, Any]]:
        counts = {code: sum(code in codes for codes in self.binding_codes) for code in limits.LIMIT_ORDER}
        rows = []
        for code in limits.LIMIT_ORDER:
            row: dict[str, Any] = {"limit": code, "municipalities": counts[code], "used": None, "available": None}
            if code in self.resource_units:
                used, available = self.resource_units[code]
                limited = ~np.isnan(available)
                row["used"] = int(used[limited].sum())
                row["available"] = int(available[limited].sum())
            rows.append(row)
        return rows

    def county_table(self) -> "pd.DataFrame":
        """One row per county: request, settled, shortfall, received and sent (totals and per group)."""
        import pandas as pd  # on demand: heavy to import (see allocator/__init__)

        rows = []
        for figure in self.county_figures:
            row = {"fylke": figure["fylke"]}
            for part in ("request", "settled", "shortfall", "received", "sent"):
                row[part] = sum(figure[part].values())
            for part in ("request", "settled", "shortfall"):
                for g in GROUPS:
                    row[f"{part}_{g}"] = figure[part][g]
            rows.append(row)
        return pd.DataFrame(rows)

    def flow_table(self) -> "pd.DataFrame":
        import pandas as pd  # on demand: heavy to import (see allocator/__init__)

        return pd.DataFrame([dataclasses.asdict(f) for f in self.flows], columns=["origin", "destination", "group", "persons"])

    # ---------------------------------------------------------------- machine-readable

    def to_dict(self) -> dict:
        """The `--json` shape (a contract: keys may be added, never renamed)."""
        table = self.scenario.table
        names = table.text("kommune")
        counties = table.text("fylke") if "fylke" in table else None
        persons = self.persons.astype(np.int64).tolist()
        totals = self.persons.sum(axis=1).astype(np.int64).tolist()
        fair = np.round(self.fair, 4).tolist()
        received = self.received.tolist() if self.received is not None else None
        municipalities = []
        for k, number in enumerate(table.numbers):
            held = self.holding[k]
            entry: dict[str, Any] = {
                "kommunenummer": number,
                "kommune": names[k],
                "allocation": dict(zip(GROUPS, persons[k])),
                "total": totals[k],
                "fair_share": dict(zip(GROUPS, fair[k])),
                "binding": list(self.binding_codes[k]),
                "limited_by": [code for code, _ in held],
                "held_back": {code: round(v, 1) for code, v in held},
            }
            if counties is not None:
                entry["fylke"] = counties[k]
            if received is not None:
                entry["received"] = dict(zip(GROUPS, received[k]))
            municipalities.append(entry)
        split = self.minors_figures
        if split:
            for k, entry in enumerate(municipalities):
                entry["allocation"].update(zip(MINOR_SUBGROUPS, (int(v) for v in self.minors_split[k])))
        result: dict[str, Any] = {
            "scenario": self.scenario.name,
            "status": self.status,
            "solver": self.solver,
            "solve_seconds": round(self.solve_seconds, 4),
            "request": {g: int(self.scenario.request[g]) for g in GROUPS} | {g: v["request"] for g, v in split.items()},
            "settled": dict(self.settled) | {g: v["settled"] for g, v in split.items()},
            "shortfall": dict(self.shortfall) | {g: v["shortfall"] for g, v in split.items()},
            "municipalities": municipalities,
            "quarters": self.schedule.quarters_json() if self.schedule else [],
            "timeliness": {
                g: {k: v for k, v in figures.items() if k != "waiting_person_months"}
                for g, figures in (self.schedule.timeliness().items() if self.schedule else [])
            },
        }
        if split:
            grants = self.scenario.incentives.grant
            result["minors_grant"] = {g: float(grants[g]) for g in MINOR_SUBGROUPS if g in grants}
        if self.grant is not None:
            result["housing_grant"] = self.grant.to_dict()
        if self.has_counties:
            result["counties"] = self.county_figures
            result["flows"] = [{"from": f.origin, "to": f.destination, "group": f.group, "persons": f.persons} for f in self.flows]
            result["cross_border"] = self.scenario.counties.cross_border
            if self.placeable_across_borders is not None:
                result["placeable_across_borders"] = self.placeable_across_borders
        return result


def received_by_municipality(persons: np.ndarray, county_of: tuple[str, ...], flows: tuple[Flow, ...]) -> np.ndarray:
    """Persons each municipality takes for other counties: what its county receives in a group,
    split over the county's municipalities in proportion to the persons they settle in that group
    (whole persons, largest remainders). Persons are interchangeable within a group, so this is
    an attribution, not a second decision."""
    received = np.zeros_like(persons)
    incoming: dict[tuple[str, int], int] = {}
    for flow in flows:
        key = (flow.destination, GROUPS.index(flow.group))
        incoming[key] = incoming.get(key, 0) + flow.persons
    of = np.array(county_of)
    for (fylke, j), count in incoming.items():
        rows = np.flatnonzero(of == fylke)
        counts = split_by_shares(count, [float(persons[k, j]) for k in rows])
        received[rows, j] = counts
    return received
