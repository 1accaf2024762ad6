"""The least change that makes a plan possible: what to add, and where, so everyone can be placed.

When not everyone can be placed, or agreed minimums and locks contradict each other, the county
asks: what is the least we must add, and where? This is an elastic version of the model: every
person requested must be placed, and each limit may be stretched at a cost.

    x_ig ≥ 0 integer       persons, as in model.py (z_cdg across borders likewise)
    a_ig ≥ 0 integer       units of i's resource for group g added (dwellings or places)
    m_i ≥ 0 integer        persons by which i's max_total (or a lock) is raised
    r_i ≥ 0 integer        persons by which i's min_total (or a lock) is lowered

    (1') demand_cg    Σ_{i∈c} x_ig − in_cg + out_cg = R_cg       everyone requested is placed
    (4') resource_ig  x_ig − p_g a_ig ≤ p_g × units_ig            p_g persons per unit (3.5 per
                                                                   family dwelling; x whole, so
                                                                   the floor follows)
         and, for p_g not whole, the valid cut x_ig − ⌈p_g⌉ a_ig ≤ ⌊p_g × units_ig⌋
    (2') capacity_i   Σ_g x_ig − m_i ≤ U_i
    (3') agreed_i     Σ_g x_ig + r_i ≥ L_i

    first   minimise  C = Σ cost_r a_ig + cost_max Σ m_i + cost_min Σ r_i
    then    minimise  Σ rank_i (a_ig + m_i + r_i)  with C at its least

With no `[costs]` every unit costs 1: the least total number of added dwellings, places and
persons of cap; with `[costs]` (NOK per dwelling or place, and per person for max_total and
min_total) the cheapest additions. The second objective breaks ties toward the municipalities
with the most room under their fair share (rank 0 = furthest below it in the current plan). The
first is always solved to proof (or the answer says how far from the least it may be when the
time limit stops it); the tie-break gets a few seconds per county, which small and county cases
never use up. Counties that share no flows are solved one by one (`lp.solve_in_parts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .labels import number
from .lp import INF, LinearProgram, solve_in_parts
from .model import Network, network
from .scenario import COST_KEYS, GROUPS, MINOR_SPLIT_COLUMNS, RESOURCE_OF_GROUP, Scenario

G = len(GROUPS)
#: What a unit of each resource is called, one and many.
UNIT_WORDS = {
    "small_dwellings": ("småbolig", "småboliger"),
    "family_dwellings": ("familiebolig", "familieboliger"),
    "minor_places": ("plass for enslige mindreårige", "plasser for enslige mindreårige"),
    "special_places": ("plass for særskilte behov", "plasser for særskilte behov"),
    "minor_care_places": ("omsorgsplass for enslige mindreårige", "omsorgsplasser for enslige mindreårige"),
    "minor_other_places": ("plass for enslige mindreårige med mindre behov", "plasser for enslige mindreårige med mindre behov"),
    "max_total": ("person i maks totalt", "personer i maks totalt"),
}


@dataclass
class Addition:
    kommunenummer: str
    kommune: str
    resource: str  # a resource column or max_total
    add: int


@dataclass
class Relaxation:
    kommunenummer: str
    kommune: str
    limit: str  # min_total or locked
    by: int
    direction: str = "down"  # a lock may also have to go "up" (the municipality must take more)


@dataclass
class Diagnosis:
    shortfall: dict[str, int]
    additions: list[Addition] = field(default_factory=list)
    relax: list[Relaxation] = field(default_factory=list)
    total_cost: float | None = None
    infeasible: bool = False  # the agreed minimums and locks contradict each other as they are
    unproven_by: float | None = None  # stopped by the time limit: the least may be up to this much smaller

    @property
    def total_added(self) -> int:
        return sum(a.add for a in self.additions)

    def to_dict(self) -> dict[str, Any]:
        """The `diagnose --json` shape (keys may be added, never renamed)."""
        out = {
            "shortfall": dict(self.shortfall),
            "additions": [{"kommunenummer": a.kommunenummer, "kommune": a.kommune, "resource": a.resource, "add": a.add}
                          for a in self.additions],
            "relax": [{"kommunenummer": r.kommunenummer, "kommune": r.kommune, "limit": r.limit, "by": r.by,
                       "direction": r.direction} for r in self.relax],
            "total_added": self.total_added,
            "infeasible": self.infeasible,
        }
        if self.total_cost is not None:
            out["total_cost"] = round(self.total_cost, 2)
        if self.unproven_by is not None:
            out["unproven_by"] = self.unproven_by
        return out

    def lines(self) -> list[str]:
        """The least change in plain Norwegian, e.g. "Det mangler 37 familieboliger. Minste endring: Bergen +20, Kinn +17."."""
        if not self.additions and not self.relax:
            return ["Alle kan bosettes med de grensene scenarioet har; ingen endring trengs."]
        out = []
        missing = sum(self.shortfall.values())
        if self.infeasible:
            out.append("De avtalte minimumstallene og låsene kan ikke oppfylles samtidig.")
        elif missing:
            out.append(f"{number(missing)} {'person' if missing == 1 else 'personer'} kan ikke bosettes med grensene slik de er.")
        for resource in dict.fromkeys(a.resource for a in self.additions):
            chosen = [a for a in self.additions if a.resource == resource]
            total = sum(a.add for a in chosen)
            one, many = UNIT_WORDS[resource]
            places = ", ".join(f"{a.kommune} +{number(a.add)}" for a in chosen)
            if resource == "max_total":
                out.append(f"Maks totalt må økes med {number(total)} personer. Minste endring: {places}.")
            else:
                out.append(f"Det mangler {number(total)} {one if total == 1 else many}. Minste endring: {places}.")
        for relax in self.relax:
            persons = f"{number(relax.by)} {'person' if relax.by == 1 else 'personer'}"
            if relax.limit == "min_total":
                out.append(f"{relax.kommune}: det avtalte minimumet må senkes med {persons}.")
            else:
                way = "opp" if relax.direction == "up" else "ned"
                out.append(f"{relax.kommune}: låsen må løses, {persons} {way}.")
        if self.total_cost is not None:
            out.append(f"Kostnad: {number(self.total_cost)} kr.")
        if self.unproven_by is not None:
            unit = "kr" if self.total_cost is not None else "enhet" if self.unproven_by == 1 else "enheter"
            out.append(f"Tidsgrensen stoppet søket: dette er den beste endringen som ble funnet, og den minste kan være "
                       f"inntil {number(self.unproven_by)} {unit} mindre.")
        return out


def _costs(scenario: Scenario) -> dict[str, float] | None:
    """NOK per unit from [costs]; a unit it does not price costs the average of those it does."""
    costs = scenario.costs
    if not costs:
        return None
    given = [v for k, v in costs.items() if k not in ("max_total", "min_total")] or list(costs.values())
    default = float(np.mean(given)) if given else 1.0
    return {k: float(costs.get(k, default)) for k in COST_KEYS}


def _cost_step(costs: dict[str, float]) -> float:
    """The least by which the costs of two sets of whole additions can differ: 1 when every unit
    costs 1, the greatest common divisor of whole-krone costs; for other costs none is known, so
    (almost) none is allowed."""
    whole = [round(v) for v in costs.values()]
    if all(abs(w - v) < 1e-9 for w, v in zip(whole, costs.values())):
        return float(math.gcd(*whole))
    return 1e-6 * min(costs.values())


def _ranks(net: Network, totals: np.ndarray | None) -> np.ndarray:
    """Rank per municipality (model order): 0 for the one with the most room under its fair share
    in the current plan (`totals` in the scenario's row order; None when there is no plan)."""
    planned = totals[net.rows] if totals is not None else np.zeros(net.n)
    room = net.fair.sum(axis=1) - planned
    order = sorted(range(net.n), key=lambda k: (-room[k], net.numbers[k]))
    ranks = np.empty(net.n)
    ranks[order] = np.arange(net.n)
    return ranks


def diagnose(scenario: Scenario, time_limit: float = 60.0) -> Diagnosis:
    """The least additions (and relaxations of minimums and locks) with which everyone is placed."""
    from .solve import InfeasibleScenario, SolveError, solve

    yearly = scenario.with_changes(quarters=None) if scenario.quarters is not None else scenario
    infeasible, totals = False, None
    try:
        plan = solve(yearly)
        shortfall, totals = plan.shortfall, plan.totals
    except InfeasibleScenario:
        infeasible, shortfall = True, {g: 0 for g in GROUPS}
    if not infeasible and not any(shortfall.values()):
        return Diagnosis(shortfall=dict(shortfall))  # everyone can be placed: nothing to add
    net = network(yearly)
    table = yearly.table
    rows = net.rows
    costs = _costs(yearly) or {k: 1.0 for k in COST_KEYS}
    ranks = _ranks(net, totals)
    step = _cost_step(costs)
    unit_cost = {k: v / step for k, v in costs.items()}  # whole numbers when the costs have a common step

    lp = LinearProgram("diagnose")
    n = net.n
    # No upper bounds on x: the demand rows bound them, and bounds as loose as the whole request
    # made HiGHS's cut rounds take seconds (national, across borders: 9 s with them, 1.5 s without).
    x = lp.add_columns("x", n * G, 0.0, INF, integer=True).reshape(n, G)
    pairs = net.flow_pairs()
    z = lp.add_columns("z", len(pairs) * G, 0.0, INF, integer=True).reshape(len(pairs), G) if pairs else np.empty((0, G), dtype=int)
    # (1') demand: everyone is placed
    members = net.county_members()
    demand_cols, demand_vals, received_cols, received_vals = [], [], [], []
    for c, member_rows in enumerate(members):
        for g in range(G):
            cols, vals = [x[member_rows, g]], [np.ones(len(member_rows))]
            if pairs:
                incoming = np.array([z[p, g] for p, (a, b) in enumerate(pairs) if b == c], dtype=np.int64)
                outgoing = np.array([z[p, g] for p, (a, b) in enumerate(pairs) if a == c], dtype=np.int64)
                received_cols.append(np.concatenate([x[member_rows, g], incoming]))
                received_vals.append(np.concatenate([np.ones(len(member_rows)), -np.ones(len(incoming))]))
                cols += [incoming, outgoing]
                vals += [-np.ones(len(incoming)), np.ones(len(outgoing))]
            demand_cols.append(np.concatenate(cols))
            demand_vals.append(np.concatenate(vals))
    lp.add_sum_rows("demand", demand_cols, net.requests.ravel(), net.requests.ravel(), coefficients=demand_vals)
    if pairs:
        lp.add_sum_rows("received", received_cols, 0.0, INF, coefficients=received_vals)
    if net.max_sent is not None:
        sent = [np.array([z[p, g] for p, (a, _) in enumerate(pairs) if a == c for g in range(G)], dtype=np.int64)
                for c in range(len(net.counties))]
        lp.add_sum_rows("sent", sent, -INF, net.max_sent)
    # (4') resources, with additions where the municipality has a limit of that kind
    per_unit = np.array([yearly.housing.adults_per_small_dwelling, yearly.housing.persons_per_family_dwelling, 1.0, 1.0])
    resources = list(RESOURCE_OF_GROUP.values())
    added: list[tuple[int, int, int]] = []  # (column, model row, group)
    resource_groups, resource_coeffs, resource_upper = [], [], []
    whole_groups, whole_coeffs, whole_upper = [], [], []
    for j, resource in enumerate(resources):
        units = yearly.resource_units(resource)[rows]
        limited = np.flatnonzero(np.isfinite(units))
        columns = lp.add_columns(f"add_{resource}", len(limited), 0.0, INF, integer=True,
                                 cost=unit_cost[resource],
                                 labels=lambda i, r=resource, at=limited: f"add_{net.numbers[at[i]]}_{r}")
        for column, k in zip(columns, limited):
            added.append((column, k, j))
            resource_groups.append(np.array([x[k, j], column]))
            resource_coeffs.append(np.array([1.0, -per_unit[j]]))
            resource_upper.append(per_unit[j] * units[k] + 1e-9)
            if per_unit[j] != round(per_unit[j]):
                # A valid cut that makes the relaxation whole where nothing is added: persons are
                # whole, so floor(p·(u+a)) ≤ floor(p·u) + ceil(p)·a. Without it the relaxation sits
                # at 3.5·u half-persons and HiGHS needs seconds to prove the least change.
                whole_groups.append(np.array([x[k, j], column]))
                whole_coeffs.append(np.array([1.0, -math.ceil(per_unit[j])]))
                whole_upper.append(math.floor(per_unit[j] * units[k] + 1e-9))
    lp.add_sum_rows("resource", resource_groups, -INF, np.array(resource_upper), coefficients=resource_coeffs)
    lp.add_sum_rows("resource_whole", whole_groups, -INF, np.array(whole_upper), coefficients=whole_coeffs)
    if net.minors_split is not None:
        _minor_places(lp, yearly, net, x, unit_cost, added)
    # (2') capacity and (3') agreed, each with its slack
    capped = np.flatnonzero(np.isfinite(net.high))
    raise_columns = lp.add_columns("raise", len(capped), 0.0, INF, integer=True, cost=unit_cost["max_total"],
                                   labels=lambda i: f"raise_{net.numbers[capped[i]]}")
    raised = list(zip(raise_columns, capped))
    cap_groups = [np.concatenate([x[k], [column]]) for column, k in raised]
    cap_coeffs = [np.concatenate([np.ones(G), [-1.0]])] * len(raised)
    cap_upper = net.high[capped]
    agreed = np.flatnonzero(net.low > 0)
    lower_columns = lp.add_columns("lower", len(agreed), 0.0, net.low[agreed], integer=True,
                                   cost=unit_cost["min_total"],
                                   labels=lambda i: f"lower_{net.numbers[agreed[i]]}")
    lowered = list(zip(lower_columns, agreed))
    min_groups = [np.concatenate([x[k], [column]]) for column, k in lowered]
    min_coeffs = [np.concatenate([np.ones(G), [1.0]])] * len(lowered)
    min_lower = net.low[agreed]
    lp.add_sum_rows("capacity", cap_groups, -INF, cap_upper, coefficients=cap_coeffs)
    lp.add_sum_rows("agreed", min_groups, min_lower, INF, coefficients=min_coeffs)

    # First the least change (whole units, or whole steps of NOK, so HiGHS can round its bound up),
    # then among the least the one that adds where there is most room under the fair share.
    ties = np.zeros(lp.num_cols)
    for column, k, *_ in (*added, *raised, *lowered):
        ties[column] = ranks[k]
    solution = solve_in_parts(lp, time_limit=time_limit, then=ties)
    if np.isnan(solution.x).any():
        if solution.status == "time_limit":
            raise SolveError(f"Fant ingen endring som gjør planen mulig innen tidsgrensen på {number(time_limit)} sekunder.")
        raise SolveError(f"Fant ingen endring som gjør planen mulig (løseren svarte: {solution.detail}).")
    values = np.round(solution.x).astype(np.int64)
    names = table.text("kommune")
    low, high = yearly.bounds()
    diagnosis = Diagnosis(shortfall=dict(shortfall), infeasible=infeasible)
    if solution.status != "optimal":  # stopped by the time limit: the best found, and how far it may be from the least
        # whole units (or steps) of cost: the least is at least the bound rounded up
        by = math.floor((solution.proven_gap or 0.0) + 1e-6) * step
        diagnosis.unproven_by = by if by > 0 else None
    for column, k, j in added:
        if values[column] > 0:
            resource = j if isinstance(j, str) else resources[j]
            diagnosis.additions.append(Addition(net.numbers[k], names[rows[k]], resource, int(values[column])))
    for column, k in raised:
        if values[column] > 0:
            locked = low[rows[k]] == high[rows[k]]
            if locked:
                diagnosis.relax.append(Relaxation(net.numbers[k], names[rows[k]], "locked", int(values[column]), "up"))
            else:
                diagnosis.additions.append(Addition(net.numbers[k], names[rows[k]], "max_total", int(values[column])))
    for column, k in lowered:
        if values[column] > 0:
            locked = low[rows[k]] == high[rows[k]]
            diagnosis.relax.append(Relaxation(net.numbers[k], names[rows[k]], "locked" if locked else "min_total", int(values[column])))
    order = {r: i for i, r in enumerate((*resources, *MINOR_SPLIT_COLUMNS, "max_total"))}
    diagnosis.additions.sort(key=lambda a: (order[a.resource], -a.add, a.kommunenummer))
    diagnosis.relax.sort(key=lambda r: (-r.by, r.kommunenummer))
    if _costs(yearly) is not None:
        diagnosis.total_cost = float(sum(costs[a.resource] * a.add for a in diagnosis.additions)
                                     + sum(costs["min_total"] * r.by for r in diagnosis.relax))
    return diagnosis


def _minor_places(lp: LinearProgram, scenario: Scenario, net: Network, x: np.ndarray, costs: dict, added: list) -> None:
    """(4'') minors assessed one by one: c_i + o_i = x_i,minors, c_i ≤ care places + added,
    c_i + o_i ≤ all places + added, Σ c = R_care, Σ o = R_other (every minor of each kind placed)."""
    n, minors = net.n, GROUPS.index("minors")
    care, other = (p[net.rows] for p in scenario.minor_places())
    kinds = lp.add_columns("minor_kinds", 2 * n, 0.0, INF, integer=True).reshape(n, 2)
    lp.add_sum_rows("minor_kinds", [np.array([x[i, minors], *kinds[i]]) for i in range(n)], 0.0, 0.0,
                    coefficients=[np.array([1.0, -1.0, -1.0])] * n)
    lp.add_sum_rows("minor_kinds_demand", [kinds[:, 0], kinds[:, 1]], net.minors_split, net.minors_split)
    care_groups, care_coeffs, care_upper, all_groups, all_coeffs, all_upper = [], [], [], [], [], []
    for k in range(n):
        add_care = add_other = None
        if np.isfinite(care[k]):
            [add_care] = lp.add_columns(f"add_{net.numbers[k]}_care", 1, 0.0, INF, integer=True,
                                        cost=costs["minor_care_places"])
            added.append((add_care, k, "minor_care_places"))
            care_groups.append(np.array([kinds[k, 0], add_care]))
            care_coeffs.append(np.array([1.0, -1.0]))
            care_upper.append(care[k])
        if np.isfinite(other[k]):
            [add_other] = lp.add_columns(f"add_{net.numbers[k]}_other", 1, 0.0, INF, integer=True,
                                         cost=costs["minor_other_places"])
            added.append((add_other, k, "minor_other_places"))
        if np.isfinite(care[k]) and np.isfinite(other[k]):
            all_groups.append(np.array([kinds[k, 0], kinds[k, 1], add_care, add_other]))
            all_coeffs.append(np.array([1.0, 1.0, -1.0, -1.0]))
            all_upper.append(care[k] + other[k])
    lp.add_sum_rows("care_places", care_groups, -INF, np.array(care_upper), coefficients=care_coeffs)
    lp.add_sum_rows("minor_places_all", all_groups, -INF, np.array(all_upper), coefficients=all_coeffs)


def apply_diagnosis(scenario: Scenario, diagnosis: Diagnosis) -> Scenario:
    """The scenario with the additions made and the minimums and locks relaxed as diagnosed."""
    from .validate import validate_scenario

    table = scenario.table
    changes: dict[str, np.ndarray] = {}

    def column(name: str) -> np.ndarray:
        if name not in changes:
            changes[name] = table.numeric(name).copy()
        return changes[name]

    for addition in diagnosis.additions:
        column(addition.resource)[table.position[addition.kommunenummer]] += addition.add
    for relax in diagnosis.relax:
        k = table.position[relax.kommunenummer]
        if relax.direction == "up":  # a lock opened upwards: the municipality may take more
            column("max_total")[k] += relax.by
        else:  # a minimum (or a lock) lowered
            column("min_total")[k] = max(0.0, column("min_total")[k] - relax.by)
    return validate_scenario(scenario.with_changes(table=table.with_columns(changes), municipalities=None))


__all__ = ["Addition", "Diagnosis", "Relaxation", "apply_diagnosis", "diagnose"]
