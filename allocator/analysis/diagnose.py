"""The least change that makes a plan possible: what to add, and where, so everyone can be placed,
and the plan it gives.

When not everyone can be placed, or agreed minimums and locks contradict each other, the county
asks: what is the least we must add, and where? This is the allocation model of model.py made
elastic (`allocation_model`: the same x, z, demand, received, sent, total and minors rows): every
person requested must be placed, and each limit may be stretched at a cost.

    x_ig ≥ 0 integer       persons, as in model.py (z_cdg across borders likewise); no upper bound
    a_ig ≥ 0 integer       units of i's resource for group g added (dwellings or places)
    m_i ≥ 0 integer        persons by which i's max_total is raised (or a lock opened upwards)
    r_i ≥ 0 integer        persons by which i's min_total (or a lock) is lowered
    e_i ≥ 0 integer        persons of capacity added to i beyond what its size carries
    w_ik ≥ 0               i's total, in segments around its fair total (for the fairness step)

    (1') demand_cg    Σ_{i∈c} x_ig − in_cg + out_cg = R_cg       everyone requested is placed
    (4') resource_ig  x_ig − p_g a_ig ≤ p_g × units_ig            p_g persons per unit (3.5 per
                                                                   family dwelling; x whole, so
                                                                   the floor follows)
         and, for p_g not whole, the valid cut x_ig − ⌈p_g⌉ a_ig ≤ ⌊p_g × units_ig⌋
    (2'–3') total_i   L_i ≤ Σ_g x_ig − m_i + r_i ≤ U_i            the model's own total row
    (8) size_i        Σ_g x_ig − e_i ≤ B_i + A × population_i / 1000: persons beyond its plan
                      before the change (B_i, or its fair total if more) count against what its
                      size carries, A = [costs] max_added_per_1000 (default ADDED_PER_1000)
    (9) fair_i        Σ_g x_ig = Σ_k w_ik, 0 ≤ w_ik ≤ the k-th segment's length

    first   minimise  C = Σ cost_r a_ig + cost_max Σ m_i  +  EXCESS × Σ e_i  +  cost_relax Σ (r_i + m_i of locks)
    then    minimise  Σ_ik s_ik w_ik   with C at its least

C prices each unit at 1 with no `[costs]`, or at its NOK; persons beyond what a municipality's size
carries cost `EXCESS_FACTOR` times the dearest unit, so they are added only where nothing else
places everyone; relaxing a minimum or a lock is the last resort: `[costs] min_total`, by default
`RELAX_FACTOR` times the dearest unit (above any addition). The second step chooses, among the
changes of least C, the one whose plan is closest to the fair shares: s_ik are the slopes of the
plan's own measure (x − f)²/f on the municipality's total, piecewise linear between breakpoints at
fractions of its fair total (exact at the breakpoints, an overestimate between them), so additions
go where they let persons be placed in municipalities below their fair share, not pile into one.
The first is always solved to proof (or the answer says how far from the least it may be when the
time limit stops it), starting from restricted searches that usually reach the relaxation's bound
(solvers._first_optimum); the second gets a restricted search (solvers.solve_in_parts) of at most
FAIR_STEP_SECONDS per part, and a part whose search does not finish keeps the first least change
(not a best-so-far that would depend on the machine). Counties that share no flows are solved one
by one. The plan after the change (`plan_after`) is then made by `solve`,
so it is at least as fair as the one the second step found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from allocator.labels import UNIT_WORDS, number
from allocator.optimize.lp import DEFAULT_TIME_LIMIT, INF
from allocator.optimize.model import Network, allocation_model, network
from allocator.optimize.solve import InfeasibleScenario, SolveError, solve
from allocator.optimize.solvers import solve_in_parts
from allocator.scenario.data import COST_KEYS, GROUPS, MINOR_SPLIT_COLUMNS, RESOURCE_OF_GROUP, Scenario
from allocator.scenario.validate import validate_scenario
from allocator.whole import whole_floor

G = len(GROUPS)
#: Default of [costs] max_added_per_1000: persons the least change may bring to one municipality per
#: 1 000 inhabitants, beyond its plan before the change (or its fair share, if more), before it
#: counts as more than its size can carry (the 2024 national request was about 7 persons per 1 000
#: inhabitants in all; 3 more lets a municipality take about 40 % more than that).
ADDED_PER_1000 = 3.0
#: Persons added beyond a municipality's size cost this many times the dearest unit.
EXCESS_FACTOR = 100
#: Relaxing a minimum or a lock costs, per person, this many times the dearest unit by default.
RELAX_FACTOR = 1000
#: Seconds the fairness step may take per part. A county's finishes in hundredths of a second, the
#: whole country as one part in 1.2–1.5 s; one that does not finish keeps the first least change
#: (the same on every machine), and the answer says so.
FAIR_STEP_SECONDS = 5.0
#: Breakpoints of the fairness step, as fractions of a municipality's fair total.
FAIR_BREAKS = (0.0, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0)


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
    fairest_searched: bool = True  # False: a part whose fairness step did not finish kept the first least change
    after: list[dict[str, Any]] = field(default_factory=list)  # the plan after the change, where it changed
    beyond_size: list[str] = field(default_factory=list)  # municipalities given more than their size carries
    beyond_size_persons: int = 0  # persons beyond what their sizes carry, in all
    plan_after: Any = None  # the Plan made with the change applied

    @property
    def total_added(self) -> int:
        return sum(a.add for a in self.additions)

    @property
    def total_relaxed(self) -> int:
        """Persons of minimums and locks relaxed: reported apart from the additions."""
        return sum(r.by for r in self.relax)

    def to_dict(self) -> dict[str, Any]:
        """The `diagnose --json` shape (keys may be added, never renamed)."""
        out = {
            "shortfall": dict(self.shortfall),
            "additions": [{"kommunenummer": a.kommunenummer, "kommune": a.kommune, "resource": a.resource, "add": a.add}
                          for a in self.additions],
            "relax": [{"kommunenummer": r.kommunenummer, "kommune": r.kommune, "limit": r.limit, "by": r.by,
                       "direction": r.direction} for r in self.relax],
            "total_added": self.total_added,
            "total_relaxed": self.total_relaxed,
            "infeasible": self.infeasible,
            "after": list(self.after),
        }
        if self.beyond_size:
            out["beyond_size"] = list(self.beyond_size)
            out["beyond_size_persons"] = self.beyond_size_persons
        if self.total_cost is not None:
            out["total_cost"] = round(self.total_cost, 2)
        if self.unproven_by is not None:
            out["unproven_by"] = self.unproven_by
        if not self.fairest_searched:
            out["fairest_searched"] = False
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
        if self.beyond_size:
            out.append("Ingen mindre endring plasserer alle uten å legge mer enn størrelsen tilsier i " +
                       ", ".join(self.beyond_size) + ".")
        if self.after:
            changes = ", ".join(f"{a['kommune']} {number(a['before'])} → {number(a['after'])} (rimelig {number(a['fair_share'], 1)})"
                                for a in self.after)
            out.append(f"Planen etter endringen: {changes}.")
        if self.total_cost is not None:
            out.append(f"Kostnad: {number(self.total_cost)} kr.")
        if self.unproven_by is not None:
            unit = "kr" if self.total_cost is not None else "enhet" if self.unproven_by == 1 else "enheter"
            out.append(f"Tidsgrensen stoppet søket: dette er den beste endringen som ble funnet, og den minste kan være "
                       f"inntil {number(self.unproven_by)} {unit} mindre.")
        if not self.fairest_searched:
            out.append("Søket etter den mest rettferdige blant like små endringer ble ikke ferdig innen tidsgrensen; "
                       "endringen er den minste som ble funnet først, og den samme hver gang.")
        return out


def _costs(scenario: Scenario) -> dict[str, float] | None:
    """NOK per unit from [costs]; a unit it does not price costs the average of those it does, and
    relaxing a minimum or a lock (min_total), unless priced, RELAX_FACTOR times the dearest unit."""
    costs = {k: v for k, v in (scenario.costs or {}).items() if k in COST_KEYS}
    if not costs:
        return None
    given = [v for k, v in costs.items() if k not in ("max_total", "min_total")] or list(costs.values())
    default = float(np.mean(given)) if given else 1.0
    priced = {k: float(costs.get(k, default)) for k in COST_KEYS if k != "min_total"}
    priced["min_total"] = float(costs.get("min_total", RELAX_FACTOR * max(priced.values())))
    return priced


def _unit_costs(scenario: Scenario) -> dict[str, float]:
    """Cost per unit: [costs], or 1 per unit with relaxing at RELAX_FACTOR."""
    costs = _costs(scenario)
    if costs is None:
        costs = {k: 1.0 for k in COST_KEYS}
        costs["min_total"] = float(RELAX_FACTOR)
    return costs


def added_per_1000(scenario: Scenario) -> float:
    """[costs] max_added_per_1000, or the default."""
    return float((scenario.costs or {}).get("max_added_per_1000", ADDED_PER_1000))


def _cost_step(costs: dict[str, float]) -> float:
    """The least by which the costs of two sets of whole additions can differ: 1 when every unit
    costs 1, the greatest common divisor of whole-krone costs; for other costs none is known, so
    (almost) none is allowed."""
    whole = [round(v) for v in costs.values()]
    if all(abs(w - v) < 1e-9 for w, v in zip(whole, costs.values())):
        return float(math.gcd(*whole))  # the excess and relaxation costs are whole multiples of these
    return 1e-6 * min(costs.values())


def _fair_segments(fair_total: float) -> tuple[np.ndarray, np.ndarray]:
    """Lengths and slopes of the segments of (T − F)²/d over T ≥ 0 (d = max(F, ½)): breakpoints at
    FAIR_BREAKS × max(F, 1), the last segment open with the slope where it starts (convex)."""
    d = max(fair_total, 0.5)
    points = np.unique(np.array(FAIR_BREAKS) * max(fair_total, 1.0))
    lengths = np.append(np.diff(points), INF)
    slopes = np.append((points[1:] + points[:-1] - 2 * fair_total) / d, (2 * points[-1] - 2 * fair_total) / d + 1.0)
    return lengths, slopes


def diagnose(scenario: Scenario, time_limit: float = DEFAULT_TIME_LIMIT) -> Diagnosis:
    """The least additions (and, as the last resort, relaxations of minimums and locks) with which
    everyone is placed; among those, the one whose plan is closest to the fair shares."""
    yearly = scenario.with_changes(quarters=None) if scenario.quarters is not None else scenario
    infeasible, plan = False, None
    try:
        plan = solve(yearly)
        shortfall = plan.shortfall
    except InfeasibleScenario:
        infeasible, shortfall = True, {g: 0 for g in GROUPS}
    if not infeasible and not any(shortfall.values()):
        return Diagnosis(shortfall=dict(shortfall))  # everyone can be placed: nothing to add
    net = network(yearly)
    table = yearly.table
    rows = net.rows
    costs = _unit_costs(yearly)
    step = _cost_step(costs)
    unit_cost = {k: v / step for k, v in costs.items()}  # whole numbers when the costs have a common step
    excess_cost = EXCESS_FACTOR * max(v for k, v in unit_cost.items() if k != "min_total")
    low, high = yearly.bounds()
    locked_rows = (low == high)[rows]

    # The allocation model, made elastic. No upper bounds on x: the demand rows bound them, and
    # bounds as loose as the whole request made HiGHS's cut rounds take seconds.
    model = allocation_model("diagnose", net)
    lp, x, n = model.lp, model.x, net.n
    lp.set_bounds(x.ravel(), 0.0, INF)
    lp.set_integer(True)
    # (1') demand: everyone is placed
    lp.set_row_bounds("demand", net.requests.ravel(), net.requests.ravel())
    # (4') resources, with additions where the municipality has a limit of that kind
    per_unit = np.array([yearly.housing.per_unit(g) for g in GROUPS])
    resources = list(RESOURCE_OF_GROUP.values())
    added: list[tuple[int, int, int | str]] = []  # (column, model row, group or resource)
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
                whole_upper.append(whole_floor(per_unit[j] * units[k]))
    lp.add_sum_rows("resource", resource_groups, -INF, np.array(resource_upper), coefficients=resource_coeffs)
    lp.add_sum_rows("resource_whole", whole_groups, -INF, np.array(whole_upper), coefficients=whole_coeffs)
    if net.minors_split is not None:
        _minor_places(lp, yearly, net, model, unit_cost, added)
    # (2'–3') the model's total rows, stretched by a slack up (m) and down (r). Written as rows of
    # their own after the resources: the model's own ranged rows, with the slacks added in place,
    # made HiGHS's branch-and-bound 4–5 times slower on the national case across borders.
    limited = np.flatnonzero((net.low > 0) | np.isfinite(net.high))
    lp.set_row_bounds("total", -INF, INF)
    capped = [t for t, k in enumerate(limited) if np.isfinite(net.high[k])]
    raise_cost = np.array([unit_cost["min_total"] if locked_rows[limited[t]] else unit_cost["max_total"] for t in capped])
    raise_columns = lp.add_columns("raise", len(capped), 0.0, INF, integer=True, cost=raise_cost,
                                   labels=lambda i: f"raise_{net.numbers[limited[capped[i]]]}")
    raised = [(column, limited[t]) for column, t in zip(raise_columns, capped)]
    agreed = [t for t, k in enumerate(limited) if net.low[k] > 0]
    lower_columns = lp.add_columns("lower", len(agreed), 0.0, net.low[limited[agreed]] if agreed else 0.0, integer=True,
                                   cost=unit_cost["min_total"], labels=lambda i: f"lower_{net.numbers[limited[agreed[i]]]}")
    lp.add_sum_rows("capacity", [np.append(x[k], column) for column, k in raised], -INF, net.high[[k for _, k in raised]],
                    coefficients=[np.append(np.ones(G), -1.0)] * len(raised))
    lp.add_sum_rows("agreed", [np.append(x[limited[t]], column) for column, t in zip(lower_columns, agreed)],
                    net.low[limited[agreed]] if agreed else np.zeros(0), INF, coefficients=[np.append(np.ones(G), 1.0)] * len(agreed))
    lowered = [(column, limited[t]) for column, t in zip(lower_columns, agreed)]
    # (9) fair: each total in segments around its fair total, priced only in the second step
    fair_totals = net.fair.sum(axis=1)
    segment_groups, segment_coeffs, second = [], [], np.zeros(0)
    lengths_all, slopes_all = [], []
    for k in range(n):
        lengths, slopes = _fair_segments(float(fair_totals[k]))
        lengths_all.append(lengths)
        slopes_all.append(slopes)
    counts = [len(v) for v in lengths_all]
    segments = lp.add_columns("fair_segments", sum(counts), 0.0, np.concatenate(lengths_all))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    for k in range(n):
        mine = segments[offsets[k]:offsets[k + 1]]
        segment_groups.append(np.concatenate([x[k], mine]))
        segment_coeffs.append(np.concatenate([np.ones(G), -np.ones(len(mine))]))
    lp.add_sum_rows("fair", segment_groups, 0.0, 0.0, coefficients=segment_coeffs)
    second = np.zeros(lp.num_cols)
    second[segments] = np.concatenate(slopes_all)


    # (8) size: what one municipality can carry on top of its plan (or its fair share, if more), per
    # 1 000 inhabitants; persons beyond it cost EXCESS each, so they go there only when nothing else
    # places everyone. Two programmes with the same columns: `hard` (no excess) and `soft`.
    carry = whole_floor(added_per_1000(yearly) * yearly.table.numeric("population")[rows] / 1000)
    planned = plan.totals[rows] if plan is not None else np.zeros(n)
    most = np.maximum(planned, whole_floor(net.fair.sum(axis=1))) + carry
    excess = lp.add_columns("excess", n, 0.0, INF, integer=True, cost=excess_cost,
                            labels=lambda i: f"excess_{net.numbers[i]}")
    second = np.concatenate([second, np.zeros(len(excess))])  # the second step does not price them
    soft = lp.copy("diagnose")
    soft.add_sum_rows("size", [np.append(x[k], excess[k]) for k in range(n)], -INF, most,
                      coefficients=[np.append(np.ones(G), -1.0)] * n)
    # In `hard`, where max_total is at most what the size carries, the rule is a bound on how far
    # max_total may be raised instead of a row (the rows made HiGHS's search 5 times slower on the
    # national pool); a row stays only where the municipality could pass it within its own limits.
    hard = lp
    hard.set_bounds(excess, 0.0, 0.0)
    by_bound = {k: column for column, k in raised if net.high[k] <= most[k]}
    for k, column in by_bound.items():
        hard.set_bounds(np.array([column]), 0.0, most[k] - net.high[k])
    rowed = [k for k in range(n) if k not in by_bound]
    hard.add_sum_rows("size", [x[k] for k in rowed], -INF, most[rowed])
    # First with no municipality beyond what its size carries (e fixed at 0: HiGHS proves that
    # least change 5–7 times faster than with e free at its high cost); only when that cannot
    # place everyone without relaxing a minimum or lock (dearer than any e), again with e free.
    solution = solve_in_parts(hard, time_limit=time_limit, then=second, then_time_limit=FAIR_STEP_SECONDS)
    relaxing = np.array([c for c, k in raised if locked_rows[k]] + [c for c, _ in lowered], dtype=np.int64)
    if solution.status == "infeasible" or (relaxing.size and np.nan_to_num(solution.x[relaxing]).max() > 0.5):
        solution = solve_in_parts(soft, time_limit=time_limit, then=second, then_time_limit=FAIR_STEP_SECONDS)
    if np.isnan(solution.x).any():
        if solution.status == "time_limit":
            raise SolveError(f"Fant ingen endring som gjør planen mulig innen tidsgrensen på {number(time_limit)} sekunder.")
        raise SolveError(f"Fant ingen endring som gjør planen mulig (løseren svarte: {solution.detail}).")
    values = np.round(solution.x).astype(np.int64)
    names = table.text("kommune")
    diagnosis = Diagnosis(shortfall=dict(shortfall), infeasible=infeasible, fairest_searched=solution.untied_parts == 0)
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
            if locked_rows[k]:
                diagnosis.relax.append(Relaxation(net.numbers[k], names[rows[k]], "locked", int(values[column]), "up"))
            else:
                diagnosis.additions.append(Addition(net.numbers[k], names[rows[k]], "max_total", int(values[column])))
    for column, k in lowered:
        if values[column] > 0:
            diagnosis.relax.append(Relaxation(net.numbers[k], names[rows[k]], "locked" if locked_rows[k] else "min_total",
                                              int(values[column])))
    diagnosis.beyond_size = [names[rows[k]] for k in range(n) if values[excess[k]] > 0]
    diagnosis.beyond_size_persons = int(values[excess].sum())
    order = {r: i for i, r in enumerate((*resources, *MINOR_SPLIT_COLUMNS, "max_total"))}
    diagnosis.additions.sort(key=lambda a: (order[a.resource], -a.add, a.kommunenummer))
    diagnosis.relax.sort(key=lambda r: (-r.by, r.kommunenummer))
    if _costs(yearly) is not None:
        diagnosis.total_cost = float(sum(costs[a.resource] * a.add for a in diagnosis.additions)
                                     + sum(costs["min_total"] * r.by for r in diagnosis.relax))
    _plan_after(yearly, diagnosis, plan)
    return diagnosis


def _plan_after(scenario: Scenario, diagnosis: Diagnosis, before) -> None:
    """The plan made with the change applied (by `solve`, as the app will show it), and the
    municipalities whose totals it changes: before, after and fair share."""
    after = solve(apply_diagnosis(scenario, diagnosis, validate=False))
    diagnosis.plan_after = after
    table = scenario.table
    names = table.text("kommune")
    before_totals = before.totals if before is not None else np.zeros(len(table), dtype=np.int64)
    fair = after.fair.sum(axis=1)
    for k in table.order:
        if after.totals[k] != before_totals[k]:
            diagnosis.after.append({"kommunenummer": table.numbers[k], "kommune": names[k], "before": int(before_totals[k]),
                                    "after": int(after.totals[k]), "fair_share": round(float(fair[k]), 2)})


def _minor_places(lp, scenario: Scenario, net: Network, model, costs: dict, added: list) -> None:
    """(4'') minors assessed one by one, on the model's own split y (x_i,minors = c_i + o_i): every
    minor of each kind placed, c_i ≤ care places + added, c_i + o_i ≤ all places + added."""
    n = net.n
    care, other = (p[net.rows] for p in scenario.minor_places())
    kinds = model.y
    lp.set_bounds(kinds.ravel(), 0.0, INF)
    lp.set_row_bounds("demand_minors_split", net.minors_split, net.minors_split)
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


def apply_diagnosis(scenario: Scenario, diagnosis: Diagnosis, validate: bool = True) -> Scenario:
    """The scenario with the additions made and the minimums and locks relaxed as diagnosed."""
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
    changed = scenario.with_changes(table=table.with_columns(changes), municipalities=None)
    return validate_scenario(changed) if validate else changed


__all__ = ["Addition", "Diagnosis", "Relaxation", "apply_diagnosis", "diagnose"]
