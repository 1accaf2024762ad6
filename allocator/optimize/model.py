"""The allocation model, written once as mathematics and then as arrays (see lp.py for why arrays).

Data
----
    i ∈ M          municipalities (sorted by kommunenummer, so the model never depends on row order)
    g ∈ G          groups: adults, families, minors, special_needs
    c, d ∈ C       counties; c(i) is i's county (one pool, C = {""}, when the request is not per county)
    R_cg           persons of group g in county c's request (R_g with one pool)
    f_ig           fair share: R_c(i)g × i's key share within its county (see key.py), a real number
    u_ig           most persons of g that i's own resource allows (dwellings × persons per
                   dwelling, rounded down; places), capped at max_total and at what could come to i
    L_i, U_i       min_total and max_total of i (0 and +∞ when blank)
    K_c            most persons county c may send across its border (⌊max_share × Σ_g R_cg⌋)

Variables
---------
    x_ig ≥ 0       persons of group g settled in municipality i (whole numbers, see below), those of
                   its own county's request and any received from other counties
    z_cdg ≥ 0      persons of county c's request in group g settled in county d ≠ c (only with
                   settlement across county borders; otherwise no z exists and no person crosses)
    in_cg = Σ_d z_dcg received by c,  out_cg = Σ_d z_cdg sent by c

Constraints (the same in every stage)
-------------------------------------
    (1) demand_cg      Σ_{i∈c} x_ig − in_cg + out_cg ≤ R_cg   nobody is placed who was not requested
    (1b) received_cg   Σ_{i∈c} x_ig − in_cg ≥ 0               what c receives is placed in c
    (2–3) total_i      L_i ≤ Σ_g x_ig ≤ U_i                    min_total, max_total (a lock: L_i = U_i)
    (4) bounds         0 ≤ x_ig ≤ u_ig                        dwellings and places
    (1c) sent_c        Σ_g out_cg ≤ K_c                       only with max_share
    (1d) minors        x_i,minors = c_i + o_i, c_i ≤ care places of i, Σ c_i ≤ R_care, Σ o_i ≤ R_other
                       only when minors are assessed one by one (minors_care, minors_other): a care
                       place also takes a minor who needs less, not the reverse

Stage 1: settle as many as possible
    maximise Σ_ig x_ig subject to (1)–(4); its optimum S* fixes the shortfall Σ_g R_g − S*.
    Across borders, stage 1b then minimises Σ z subject to (1)–(4) and Σ x = S*: its optimum Z*
    is the fewest persons that must cross a border to settle S*.
    With minors assessed one by one, stage 1c maximises Σ c_i subject to (1)–(4) and Σ x = S*: its
    optimum C* is the most minors needing care that can be placed, and every later stage keeps
    (5b) Σ c_i ≥ C* (minors who need care take care places first; all that fit are placed).

Stage 2: follow the key as closely as possible, in two steps
    2a (targets.py) the real-valued x_ig that minimises
       W Σ_i (Σ_g x_ig − F_i)² / F_i  +  Σ_ig (x_ig − f_ig)² / f_ig,  F_i = Σ_g f_ig,
       subject to (1)–(4),
       (5) settled Σ_ig x_ig = S* and (6) crossing Σ z = Z*. A quadratic programme, solved by
       Clarabel. Fair in total, then per group: with W = TOTAL_WEIGHT (10) a municipality's total
       is held close to its total fair share first, so one whose places draw more of one group to
       it gets fewer of the others (within their limits); with `[key] per_group = 1`, W = 0 and
       each group follows its own fair share alone. With W = 0 the optimality condition is that
       every municipality not held by a limit has the
       same relative deviation (x_ig − f_ig)/f_ig within a county and group, so persons that a
       capped municipality cannot take are spread over the others in proportion to their fair
       shares (and persons a lock pulls up are taken from the others in proportion); persons
       received from another county are spread over the receiving municipalities the same way.
       With no limit in the way the targets are the fair shares.
    2b (build_rounding_model) whole persons: each x_ig is its target T_ig rounded down or up,
       each municipality's total and each county's total per group (each group's total with one
       pool) within one person of theirs, and Σ |x_ig − T_ig| as small as possible, subject to (1)–(6). So with no
       limit binding everyone is within one person of the fair share, and otherwise within one
       person of the common scale.

    Without Clarabel, stage 2 is one LP instead (build_fair_model):
    minimise  Σ_ig Σ_k c_igk y_igk  +  ε Σ_ig h_ig x_ig   subject to (1)–(6) and
    (7) split_ig  x_ig = Σ_k y_igk, y_igk ∈ [0, 1] the k-th person of x_ig, with
    c_igk = ((k+1 − f_ig)² − (k − f_ig)²) / d_ig = (2k + 1 − 2 f_ig) / d_ig,  d_ig = max(f_ig, ½):
    the same chi-square cost, exact at whole persons up to 4 f_ig + 8 persons and linear beyond
    (it behaves like Sainte-Laguë apportionment, which can put a large municipality more than one
    person from its share: a fallback, not the default).

    ε h_ig is a tie-break: h_ig ∈ [0, 1) is a fixed hash of (kommunenummer, group) and ε = 1e-4
    is far below the cost difference of one person, so among equally good plans one is always
    chosen, the same one on every run and for every row order.

Whole persons: the constraint matrix is that of a flow network (county request → county →
municipality), which is totally unimodular, and every bound and right-hand side is whole, so the
LP's basic optimum is whole without integer variables. `solve.py` checks this and re-solves with
integer variables if a solver ever returns anything else (a max_share cap makes (1c) a side
constraint outside the network, where that can happen).
"""

from __future__ import annotations

import functools
import math
import zlib
from dataclasses import dataclass

import numpy as np

from allocator.optimize.geography import distance_km
from allocator.optimize.lp import INF, LinearProgram
from allocator.scenario.data import GROUPS, MINOR_SUBGROUPS, Scenario
from allocator.scenario.key import fair_share_array
from allocator.whole import whole_floor

TIE_BREAK = 1e-4
FLOW_TIE_BREAK = 1e-6
UNIT_STEPS_FACTOR = 4.0
UNIT_STEPS_EXTRA = 8
TARGET_DECIMALS = 4  # targets are accurate to ~1e-6 persons; 4 decimals keeps 9.9999996 a 10
#: W: how much more a municipality's distance from its total fair share weighs than its groups'.
TOTAL_WEIGHT = 10.0
G = len(GROUPS)


@dataclass(frozen=True)
class Network:
    """The data of constraints (1)–(4), in model order (municipalities sorted by kommunenummer).

    `rows[k]` is the table position of the k-th municipality in model order.
    """

    numbers: tuple[str, ...]
    rows: np.ndarray
    upper: np.ndarray  # u_ig, (n, G) whole numbers
    low: np.ndarray  # L_i, 0 when none
    high: np.ndarray  # U_i, inf when none
    county: np.ndarray  # c(i) as an index into `counties`
    counties: tuple[str, ...]
    requests: np.ndarray  # R_cg, (C, G)
    cross_border: bool
    max_sent: np.ndarray | None  # K_c, or None without max_share
    fair: np.ndarray  # f_ig, (n, G)
    resource_caps: np.ndarray  # persons of g that i's own dwellings/places allow (inf = no limit), (n, G)
    reach: np.ndarray  # the most persons of g that could come to i (Scenario.could_come), (n, G)
    minors_split: np.ndarray | None = None  # (R_care, R_other) when minors are assessed one by one
    care_caps: np.ndarray | None = None  # care places per municipality (inf = no limit)
    care_settled: float | None = None  # C*: the most minors needing care placed among plans settling S*
    total_weight: float = 0.0  # W: the weight of the totals' term in the fair split (0 = per group alone)
    closed_flows: frozenset = frozenset()  # (c, d) pairs no person may cross in (routes of stage 1b's plan)

    @property
    def n(self) -> int:
        return len(self.numbers)

    def county_members(self) -> list[np.ndarray]:
        return [np.flatnonzero(self.county == c) for c in range(len(self.counties))]

    def flow_pairs(self) -> list[tuple[int, int]]:
        """(c, d) for every ordered pair of different counties, in a fixed order."""
        count = len(self.counties)
        return [(c, d) for c in range(count) for d in range(count) if c != d] if self.cross_border else []

    def distances(self) -> np.ndarray:
        """Kilometres between the counties of each flow pair (geography.py), in flow_pairs order."""
        return np.array([distance_km(self.counties[c], self.counties[d]) for c, d in self.flow_pairs()])


def network(scenario: Scenario, cross_border: bool | None = None) -> Network:
    """The model's data from a scenario, sorted by kommunenummer (`cross_border` overrides the
    scenario's own setting, to measure what settlement across county borders could add)."""
    table = scenario.table
    rows = table.order
    numbers = tuple(table.numbers[k] for k in rows)
    low, high = (bound[rows] for bound in scenario.bounds())
    counties = scenario.counties
    if counties is None:
        names: tuple[str, ...] = ("",)
        county = np.zeros(len(rows), dtype=np.int64)
        requests = np.array([[scenario.request[g] for g in GROUPS]], dtype=float)
    else:
        names = counties.names
        index = {name: c for c, name in enumerate(names)}
        of = scenario.county_of()
        county = np.array([index[of[k]] for k in rows], dtype=np.int64)
        requests = np.array([[counties.requests[name].get(g, 0) for g in GROUPS] for name in names], dtype=float)
    cross = counties is not None and (counties.cross_border if cross_border is None else cross_border)
    reach = scenario.could_come(cross)[rows]
    max_total = np.where(np.isnan(high), np.inf, high)
    resource_caps = scenario.year_caps[rows]
    upper = np.minimum(np.minimum(resource_caps, reach), max_total[:, None]).astype(np.int64)
    max_sent = None
    if cross and counties.cross_border and counties.max_share is not None:
        max_sent = whole_floor(counties.max_share * requests.sum(axis=1))
    split = care = None
    if scenario.minors_split:
        split = np.array([scenario.minors_split[g] for g in MINOR_SUBGROUPS], dtype=float)
        care = scenario.minor_places()[0][rows]
    return Network(
        numbers=numbers, rows=rows, upper=upper,
        low=np.where(np.isnan(low), 0.0, low), high=max_total,
        county=county, counties=names, requests=requests, cross_border=cross, max_sent=max_sent,
        fair=fair_share_array(scenario)[rows], resource_caps=resource_caps, reach=reach, minors_split=split, care_caps=care,
        total_weight=0.0 if scenario.key_rules.per_group else TOTAL_WEIGHT,
    )


@dataclass
class AllocationModel:
    """A linear programme over x (and z) and the handles to read a plan back out of it."""

    lp: LinearProgram
    net: Network
    x: np.ndarray  # column index of x_ig, (n, G)
    z: np.ndarray  # column index of z_cdg, (pairs, G); empty without cross-border settlement
    y: np.ndarray | None = None  # column index of the minors needing care / less, (n, 2), when split

    def persons(self, values: np.ndarray) -> np.ndarray:
        """x_ig from a solution vector, (n, G) floats in model order."""
        return values[self.x]

    def flows(self, values: np.ndarray) -> np.ndarray:
        return values[self.z] if self.z.size else np.zeros((0, G))


def _labels_x(net: Network):
    return lambda k: f"x_{net.numbers[k // G]}_{GROUPS[k % G]}"


def allocation_model(name: str, net: Network, maximize: bool = False) -> AllocationModel:
    """A programme with x_ig (and z_cdg) and constraints (1)–(4), common to every stage (built once
    per network, then copied for each stage)."""
    base = net.__dict__.get("_base_model")
    if base is None:
        base = _build_allocation_model(net)
        object.__setattr__(net, "_base_model", base)
    return AllocationModel(base.lp.copy(name, maximize), net, base.x, base.z, base.y)


def _build_allocation_model(net: Network) -> AllocationModel:
    lp = LinearProgram("allocation")
    n = net.n
    x = lp.add_columns("x", n * G, 0.0, net.upper.ravel(), labels=_labels_x(net)).reshape(n, G)
    pairs = net.flow_pairs()
    z = np.empty((0, G), dtype=np.int64)
    if pairs:
        closed = np.array([(a, b) in net.closed_flows for a, b in pairs for _ in range(G)])
        z = lp.add_columns("z", len(pairs) * G, 0.0, np.where(closed, 0.0, INF), labels=lambda k: (
            f"z_{net.counties[pairs[k // G][0]]}_{net.counties[pairs[k // G][1]]}_{GROUPS[k % G]}")).reshape(len(pairs), G)
    members = net.county_members()
    # (1) demand and (1b) received, one row per county and group
    demand_cols, demand_vals, received_cols, received_vals = [], [], [], []
    for c, rows in enumerate(members):
        for g in range(G):
            cols, vals = [x[rows, g]], [np.ones(len(rows))]
            if pairs:
                incoming = np.array([z[p, g] for p, (a, b) in enumerate(pairs) if b == c], dtype=np.int64)
                outgoing = np.array([z[p, g] for p, (a, b) in enumerate(pairs) if a == c], dtype=np.int64)
                received_cols.append(np.concatenate([x[rows, g], incoming]))
                received_vals.append(np.concatenate([np.ones(len(rows)), -np.ones(len(incoming))]))
                cols += [incoming, outgoing]
                vals += [-np.ones(len(incoming)), np.ones(len(outgoing))]
            demand_cols.append(np.concatenate(cols))
            demand_vals.append(np.concatenate(vals))
    county_label = lambda c: net.counties[c] or "alle"  # noqa: E731
    lp.add_sum_rows("demand", demand_cols, -INF, net.requests.ravel(), coefficients=demand_vals,
                    labels=lambda k: f"demand_{county_label(k // G)}_{GROUPS[k % G]}")
    if pairs:
        lp.add_sum_rows("received", received_cols, 0.0, INF, coefficients=received_vals,
                        labels=lambda k: f"received_{county_label(k // G)}_{GROUPS[k % G]}")
    # (2–3) total: one ranged row per municipality with a min_total or a max_total
    limited = np.flatnonzero((net.low > 0) | np.isfinite(net.high))
    lp.add_sum_rows("total", [x[i] for i in limited], np.where(net.low[limited] > 0, net.low[limited], -INF), net.high[limited],
                    labels=lambda k: f"total_{net.numbers[limited[k]]}")
    # (1c) sent
    if net.max_sent is not None:
        sent = [np.array([z[p, g] for p, (a, _) in enumerate(pairs) if a == c for g in range(G)], dtype=np.int64)
                for c in range(len(net.counties))]
        lp.add_sum_rows("sent", sent, -INF, net.max_sent, labels=lambda k: f"sent_{net.counties[k]}")
    y = None
    if net.minors_split is not None:
        # (1d) minors assessed one by one: x_i,minors = care_i + other_i, care_i ≤ care places,
        # Σ care ≤ R_care, Σ other ≤ R_other (a care place also takes a minor who needs less)
        y = lp.add_columns("minors_split", n * 2, 0.0, np.column_stack([net.care_caps, np.full(n, INF)]).ravel(),
                           labels=lambda k: f"{MINOR_SUBGROUPS[k % 2]}_{net.numbers[k // 2]}").reshape(n, 2)
        minors = GROUPS.index("minors")
        lp.add_sum_rows("minors_split", [np.array([x[i, minors], y[i, 0], y[i, 1]]) for i in range(n)], 0.0, 0.0,
                        coefficients=[np.array([1.0, -1.0, -1.0])] * n, labels=lambda k: f"minors_split_{net.numbers[k]}")
        lp.add_sum_rows("demand_minors_split", [y[:, 0], y[:, 1]], -INF, net.minors_split,
                        labels=lambda k: f"demand_{MINOR_SUBGROUPS[k]}")
    return AllocationModel(lp, net, x, z, y)


def add_settled(model: AllocationModel, settled: int, crossing: int | None = None) -> None:
    """(5) Σ x = S*, and (6) Σ z = Z* across borders."""
    lp = model.lp
    lp.add_sum_rows("settled", [model.x.ravel()], settled, settled, labels=["settled"])
    if crossing is not None and model.z.size:
        lp.add_sum_rows("crossing", [model.z.ravel()], crossing, crossing, labels=["crossing"])
    add_care_settled(model)


def add_care_settled(model: AllocationModel) -> None:
    """(5b) Σ_i c_i ≥ C*: minors needing care keep the care places they were given in stage 1c."""
    if model.y is not None and model.net.care_settled is not None:
        model.lp.add_sum_rows("care_settled", [model.y[:, 0]], model.net.care_settled, INF, labels=["care_settled"])


def build_care_model(net: Network, settled: int) -> AllocationModel:
    """Stage 1c (minors assessed one by one): the most minors needing care placed among plans
    settling `settled`, so a care place never goes to a minor who needs less while one who needs
    care could have had it."""
    model = allocation_model("care", net, maximize=True)
    model.lp.add_sum_rows("settled", [model.x.ravel()], settled, settled, labels=["settled"])
    model.lp.set_cost(model.y[:, 0], 1.0)
    return model


def build_settle_model(net: Network) -> AllocationModel:
    """Stage 1: the most persons the limits allow."""
    model = allocation_model("settle", net, maximize=True)
    model.lp.set_cost(model.x.ravel(), 1.0)
    return model


def build_crossing_model(net: Network, settled: int, one_way: bool = False) -> AllocationModel:
    """Stage 1b: the fewest persons across county borders among plans settling `settled`, and among
    those the shortest distances: each person crossing from c to d costs 1 + ε·km(c, d), ε so small
    (1 / (1 + the longest distance × everyone requested)) that no distance outweighs one person.

    `one_way`: no two counties send persons to each other (u_cd ∈ {0, 1} opens c → d, u_cd + u_dc ≤ 1,
    z_cdg ≤ Σ R · u_cd), a MIP solved only when the LP's plan has a two-way pair.
    """
    model = allocation_model("crossing", net)
    lp = model.lp
    lp.add_sum_rows("settled", [model.x.ravel()], settled, settled, labels=["settled"])
    add_care_settled(model)
    distances = net.distances()
    everyone = float(net.requests.sum())
    epsilon = 1.0 / (1.0 + distances.max(initial=1.0) * everyone)
    lp.set_cost(model.z.ravel(), np.repeat(1.0 + epsilon * distances, G))
    if one_way:
        pairs = net.flow_pairs()
        index = {pair: p for p, pair in enumerate(pairs)}
        opened = lp.add_columns("opened", len(pairs), 0.0, 1.0, integer=True)
        lp.add_rows("opened", -INF, 0.0, np.repeat(np.arange(len(pairs) * G), 2),
                    np.column_stack([model.z.ravel(), np.repeat(opened, G)]).ravel(),
                    np.tile([1.0, -everyone], len(pairs) * G))
        both = [(index[(c, d)], index[(d, c)]) for c, d in pairs if c < d]
        lp.add_sum_rows("one_way", [np.array([opened[p], opened[q]]) for p, q in both], -INF, 1.0)
        lp.set_integer(False)
        integer = lp.integer
        integer[opened] = True
        lp._integer = [integer]
    return model


def tie_break(kommunenummer: str, group: str) -> float:
    """h_ig: a fixed pseudo-random number in [0, 1), the same on every run and machine."""
    return zlib.crc32(f"{kommunenummer}:{group}".encode()) / 2**32


@functools.lru_cache(maxsize=64)
def _tie_breaks(numbers: tuple[str, ...]) -> np.ndarray:
    ties = np.array([[tie_break(i, g) for g in GROUPS] for i in numbers]).reshape(len(numbers), len(GROUPS))
    ties.setflags(write=False)
    return ties


def tie_breaks(net: Network) -> np.ndarray:
    """h_ig for every municipality and group (kept between solves of the same municipalities)."""
    return _tie_breaks(net.numbers)


def build_rounding_model(net: Network, targets: np.ndarray, settled: int, crossing: int | None = None) -> AllocationModel:
    """Stage 2b: whole persons, each target rounded down or up, closest in total to the targets."""
    model = allocation_model("round", net)
    lp, x = model.lp, model.x
    add_settled(model, settled, crossing)
    rounded = np.round(targets, TARGET_DECIMALS)  # solver noise must not move a floor
    floors = np.floor(rounded)
    ceilings = np.minimum(np.ceil(rounded), net.upper)
    lp.set_bounds(x.ravel(), floors.ravel(), np.maximum(floors, ceilings).ravel())
    # Controlled rounding: each municipality's total, each county's total per group and each
    # group's total stay within one person of their targets (such a rounding always exists).
    totals = np.round(targets.sum(axis=1), TARGET_DECIMALS)
    lp.add_sum_rows("round_municipality", list(x), np.floor(totals), np.ceil(totals),
                    labels=lambda k: f"round_{net.numbers[k]}")
    # Per county and group (with one pool, per group). Not also per group over all counties: that
    # would tie the counties' roundings together, and per-county requests must give exactly the
    # plans of the separate county scenarios.
    members = net.county_members()
    county_totals = np.round(np.array([[targets[rows, g].sum() for g in range(G)] for rows in members]), TARGET_DECIMALS)
    lp.add_sum_rows("round_group", [x[rows, g] for rows in members for g in range(G)],
                    np.floor(county_totals).ravel(), np.ceil(county_totals).ravel(),
                    labels=lambda k: f"round_{net.counties[k // G] or 'alle'}_{GROUPS[k % G]}")
    # |x − T| = frac + (x − floor)(1 − 2 frac) for x ∈ {floor, floor + 1}
    fraction = rounded - floors
    cost = (1 - 2 * fraction) + TIE_BREAK * tie_breaks(net)
    lp.set_cost(x.ravel(), cost.ravel())
    _flow_tie_break(model)
    return model


def _flow_tie_break(model: AllocationModel) -> None:
    """A tiny cost per flow: the shorter route first (kilometres over the longest), then a fixed
    hash, so equally good flows between counties are chosen the same way every run."""
    if model.z.size:
        net = model.net
        pairs = net.flow_pairs()
        distances = net.distances()
        longest = distances.max(initial=1.0)
        costs = [[FLOW_TIE_BREAK * (km / longest + 1e-3 * tie_break(f"{net.counties[a]}>{net.counties[b]}", g)) for g in GROUPS]
                 for (a, b), km in zip(pairs, distances)]
        model.lp.set_cost(model.z.ravel(), np.array(costs).ravel())


def build_deviation_model(net: Network, reference: np.ndarray, settled: int, crossing: int | None = None) -> AllocationModel:
    """Constraints (1)–(6), and the cost of moving persons away from a reference yearly plan.

    The cost is ½ Σ |x_ig − X_ig| = persons moved (a move counts at both ends). Used by the
    timeliness-weighted quarterly model, which weighs persons moved against waiting saved.
    """
    model = allocation_model("deviation", net)
    lp, x = model.lp, model.x
    add_settled(model, settled, crossing)
    n = net.n
    above = lp.add_columns("moved_up", n * G, 0.0, INF, cost=0.5).reshape(n, G)
    below = lp.add_columns("moved_down", n * G, 0.0, INF, cost=0.5).reshape(n, G)
    k = np.arange(n * G)
    lp.add_rows("moved", reference.ravel(), reference.ravel(),
                np.concatenate([k, k, k]), np.concatenate([x.ravel(), above.ravel(), below.ravel()]),
                np.concatenate([np.ones(n * G), -np.ones(n * G), np.ones(n * G)]),
                labels=lambda j: f"moved_{net.numbers[j // G]}_{GROUPS[j % G]}")
    _flow_tie_break(model)
    return model


def build_fair_model(net: Network, settled: int, crossing: int | None = None) -> AllocationModel:
    """Stage 2 without Clarabel: the plan closest to the fair shares among those settling `settled`."""
    model = allocation_model("fair", net)
    lp, x = model.lp, model.x
    add_settled(model, settled, crossing)
    split_cols, split_vals, costs = [], [], []
    ties = tie_breaks(net)
    for i in range(net.n):
        for g in range(G):
            f, upper = float(net.fair[i, g]), int(net.upper[i, g])
            d = max(f, 0.5)
            unit_steps = min(upper, math.ceil(UNIT_STEPS_FACTOR * f) + UNIT_STEPS_EXTRA)
            steps = lp.add_columns(f"y_{i}_{g}", unit_steps, 0.0, 1.0, cost=(2 * np.arange(unit_steps) + 1 - 2 * f) / d)
            cols = [np.array([x[i, g]]), steps]
            if upper > unit_steps:
                tail = lp.add_columns(f"tail_{i}_{g}", 1, 0.0, upper - unit_steps, cost=(2 * unit_steps + 1 - 2 * f) / d)
                cols.append(tail)
            cols = np.concatenate(cols)
            split_cols.append(cols)
            split_vals.append(np.concatenate([[1.0], -np.ones(len(cols) - 1)]))
            costs.append(TIE_BREAK * ties[i, g])
    # (7) split
    lp.add_sum_rows("split", split_cols, 0.0, 0.0, coefficients=split_vals,
                    labels=lambda k: f"split_{net.numbers[k // G]}_{GROUPS[k % G]}")
    cost = lp.cost
    cost[x.ravel()] = costs
    lp._cost = [cost]
    _flow_tie_break(model)
    return model
