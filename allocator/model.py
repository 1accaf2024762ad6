"""The allocation model, written once as mathematics and then as PuLP.

Data
----
    i ∈ M          municipalities (sorted by kommunenummer, so the model never depends on row order)
    g ∈ G          groups: adults, families, minors, special_needs
    R_g            persons requested in group g
    f_ig           fair share: R_g × key share of i (see key.py), a real number
    u_ig           most persons of g that i's own resource allows (dwellings × persons per
                   dwelling, rounded down; places), capped at R_g and at max_total
    L_i, U_i       min_total and max_total of i (0 and +∞ when blank)

Variables
---------
    x_ig ≥ 0       persons of group g settled in municipality i (whole numbers, see below)

Constraints (the same in both stages)
-------------------------------------
    (1) demand_g       Σ_i x_ig ≤ R_g              nobody is placed who was not requested
    (2) capacity_i     Σ_g x_ig ≤ U_i              max_total
    (3) agreed_i       Σ_g x_ig ≥ L_i              min_total (a lock is L_i = U_i)
    (4) bounds         0 ≤ x_ig ≤ u_ig             dwellings and places

Stage 1: settle as many as possible
    maximise Σ_ig x_ig subject to (1)–(4); its optimum S* fixes the shortfall Σ_g R_g − S*.

Stage 2: follow the key as closely as possible, in two steps
    2a (targets.py) the real-valued x_ig that minimises Σ (x_ig − f_ig)² / f_ig subject to (1)–(4) and
       (5) settled: Σ_ig x_ig = S*. A quadratic programme, solved by HiGHS. Its optimality condition
       is that every municipality not held by a limit has the same relative deviation
       (x_ig − f_ig)/f_ig within a group, so persons that a capped municipality cannot take are
       spread over the others in proportion to their fair shares (and persons a lock pulls up are
       taken from the others in proportion). With no limit in the way the targets are the fair
       shares.
    2b (build_rounding_model) whole persons: each x_ig is its target T_ig rounded down or up,
       each municipality's total and each group's total within one person of theirs, and
       Σ |x_ig − T_ig| as small as possible, subject to (1)–(5). So with no limit binding everyone
       is within one person of the fair share, and otherwise within one person of the common scale.

    Without highspy (CBC only), stage 2 is one LP instead (build_fair_model):
    minimise  Σ_ig Σ_k c_igk y_igk  +  ε Σ_ig h_ig x_ig   subject to (1)–(5) and
    (6) split_ig  x_ig = Σ_k y_igk, y_igk ∈ [0, 1] the k-th person of x_ig, with
    c_igk = ((k+1 − f_ig)² − (k − f_ig)²) / d_ig = (2k + 1 − 2 f_ig) / d_ig,  d_ig = max(f_ig, ½):
    the same chi-square cost, exact at whole persons up to 4 f_ig + 8 persons and linear beyond
    (it behaves like Sainte-Laguë apportionment, which can put a large municipality more than one
    person from its share: a fallback, not the default).

    ε h_ig is a tie-break: h_ig ∈ [0, 1) is a fixed hash of (kommunenummer, group) and ε = 1e-4
    is far below the cost difference of one person, so among equally good plans one is always
    chosen, the same one on every run and for every row order.

Whole persons: the constraint matrix is that of a flow network (group → municipality → county),
which is totally unimodular, and every bound and right-hand side is whole, so the LP's basic
optimum is whole without integer variables. `solve.py` checks this and re-solves with integer
variables if a solver ever returns anything else.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp

from .scenario import GROUPS, Scenario

TIE_BREAK = 1e-4
UNIT_STEPS_FACTOR = 4.0
UNIT_STEPS_EXTRA = 8
TARGET_DECIMALS = 4  # targets are accurate to ~1e-6 persons; 4 decimals keeps 9.9999996 a 10


@dataclass
class AllocationModel:
    """A PuLP problem and the handles needed to read a plan back out of it."""

    problem: pulp.LpProblem
    persons: dict[tuple[str, str], pulp.LpVariable]

    def allocation(self) -> pd.DataFrame:
        """Solved x_ig as a municipality × group table of floats (rounded by the caller)."""
        rows = sorted({i for i, _ in self.persons})
        values = {g: [self.persons[i, g].varValue or 0.0 for i in rows] for g in GROUPS}
        return pd.DataFrame(values, index=pd.Index(rows, name="kommunenummer"))

    def set_integer(self) -> None:
        for var in self.persons.values():
            var.cat = pulp.LpInteger


def person_limits(scenario: Scenario) -> pd.DataFrame:
    """u_ig: the most persons of each group a municipality can take by (4), capped by R_g and U_i."""
    max_total = scenario.total_bounds()[1].fillna(np.inf)
    limits = {}
    for g in GROUPS:
        limits[g] = np.minimum(np.minimum(scenario.group_limit(g), scenario.request[g]), max_total)
    return pd.DataFrame(limits).astype(int)


def _network(name: str, scenario: Scenario, limits: pd.DataFrame) -> AllocationModel:
    """Problem with x_ig and constraints (1)–(4), common to both stages."""
    problem = pulp.LpProblem(name, pulp.LpMinimize)
    numbers = list(limits.index)
    upper = limits.to_numpy()
    persons = {
        (i, g): problem.add_variable(f"x_{i}_{g}", lowBound=0, upBound=int(upper[row, col]))
        for row, i in enumerate(numbers)
        for col, g in enumerate(GROUPS)
    }
    lows, highs = (bound.reindex(numbers).to_numpy() for bound in scenario.total_bounds())
    # (1) demand
    for g in GROUPS:
        problem += pulp.lpSum(persons[i, g] for i in numbers) <= scenario.request[g], f"demand_{g}"
    for i, high, low in zip(numbers, highs, lows):
        total = pulp.lpSum(persons[i, g] for g in GROUPS)
        # (2) capacity
        if not math.isnan(high):
            problem += total <= int(high), f"capacity_{i}"
        # (3) agreed
        if not math.isnan(low) and low > 0:
            problem += total >= int(low), f"agreed_{i}"
    return AllocationModel(problem, persons)


def build_settle_model(scenario: Scenario) -> AllocationModel:
    """Stage 1: the most persons the limits allow."""
    limits = person_limits(scenario).sort_index()
    model = _network("settle", scenario, limits)
    model.problem += -pulp.lpSum(model.persons.values())
    return model


def build_rounding_model(scenario: Scenario, targets: pd.DataFrame, settled: int) -> AllocationModel:
    """Stage 2b: whole persons, each target rounded down or up, closest in total to the targets."""
    limits = person_limits(scenario).sort_index()
    exact = targets.reindex(limits.index)[list(GROUPS)]
    targets = exact.round(TARGET_DECIMALS)  # solver noise must not move a floor
    floors = np.floor(targets).astype(int)
    ceilings = np.minimum(np.ceil(targets).astype(int), limits[list(GROUPS)])
    model = _network("round", scenario, limits)
    problem, persons = model.problem, model.persons
    # (5) settled
    problem += pulp.lpSum(persons.values()) == settled, "settled"
    # Controlled rounding: each municipality's total and each group's total also stay within one
    # person of their targets (such a rounding always exists for a two-way table).
    for i, total in exact.sum(axis=1).round(TARGET_DECIMALS).items():
        problem += pulp.lpSum(persons[i, g] for g in GROUPS) >= math.floor(total), f"round_low_{i}"
        problem += pulp.lpSum(persons[i, g] for g in GROUPS) <= math.ceil(total), f"round_high_{i}"
    for g, total in exact.sum(axis=0).round(TARGET_DECIMALS).items():
        problem += pulp.lpSum(persons[i, g] for i in limits.index) >= math.floor(total), f"round_low_{g}"
        problem += pulp.lpSum(persons[i, g] for i in limits.index) <= math.ceil(total), f"round_high_{g}"
    objective: list[tuple[pulp.LpVariable, float]] = []
    low, high, target = floors.to_numpy(), ceilings.to_numpy(), targets.to_numpy()
    for row, i in enumerate(limits.index):
        for col, g in enumerate(GROUPS):
            x = persons[i, g]
            x.lowBound, x.upBound = int(low[row, col]), int(max(low[row, col], high[row, col]))
            # |x − T| = frac + (x − floor)(1 − 2 frac) for x ∈ {floor, floor + 1}
            fraction = target[row, col] - low[row, col]
            objective.append((x, (1 - 2 * fraction) + TIE_BREAK * tie_break(i, g)))
    problem.setObjective(pulp.LpAffineExpression(objective))
    return model


def build_deviation_model(scenario: Scenario, reference: pd.DataFrame, settled: int) -> AllocationModel:
    """Constraints (1)–(5), and the cost of moving persons away from a reference yearly plan.

    The cost is ½ Σ |x_ig − X_ig| = persons moved (a move counts at both ends). Used by the
    timeliness-weighted quarterly model, which weighs persons moved against waiting saved.
    """
    limits = person_limits(scenario).sort_index()
    model = _network("deviation", scenario, limits)
    problem, persons = model.problem, model.persons
    # (5) settled
    problem += pulp.lpSum(persons.values()) == settled, "settled"
    objective: list[tuple[pulp.LpVariable, float]] = []
    for (i, g), x in persons.items():
        above = problem.add_variable(f"up_{i}_{g}", lowBound=0)
        below = problem.add_variable(f"down_{i}_{g}", lowBound=0)
        problem += x - above + below == int(reference.at[i, g]), f"moved_{i}_{g}"
        objective += [(above, 0.5), (below, 0.5)]
    problem.setObjective(pulp.LpAffineExpression(objective))
    return model


def tie_break(kommunenummer: str, group: str) -> float:
    """h_ig: a fixed pseudo-random number in [0, 1), the same on every run and machine."""
    return zlib.crc32(f"{kommunenummer}:{group}".encode()) / 2**32


def build_fair_model(scenario: Scenario, fair: pd.DataFrame, settled: int) -> AllocationModel:
    """Stage 2: the plan closest to the fair shares among those settling `settled` persons."""
    limits = person_limits(scenario).sort_index()
    model = _network("fair", scenario, limits)
    problem, persons = model.problem, model.persons
    # (5) settled
    problem += pulp.lpSum(persons.values()) == settled, "settled"
    objective: list[tuple[pulp.LpVariable, float]] = []
    fair_values = fair.reindex(limits.index)[list(GROUPS)].to_numpy()
    upper_values = limits[list(GROUPS)].to_numpy()
    for row, i in enumerate(limits.index):
        for col, g in enumerate(GROUPS):
            x, f, upper = persons[i, g], float(fair_values[row, col]), int(upper_values[row, col])
            d = max(f, 0.5)
            unit_steps = min(upper, math.ceil(UNIT_STEPS_FACTOR * f) + UNIT_STEPS_EXTRA)
            split: list[tuple[pulp.LpVariable, float]] = [(x, 1.0)]
            for k in range(unit_steps):
                y = problem.add_variable(f"y_{i}_{g}_{k}", lowBound=0, upBound=1)
                split.append((y, -1.0))
                objective.append((y, (2 * k + 1 - 2 * f) / d))
            if upper > unit_steps:
                tail = problem.add_variable(f"y_{i}_{g}_tail", lowBound=0, upBound=upper - unit_steps)
                split.append((tail, -1.0))
                objective.append((tail, (2 * unit_steps + 1 - 2 * f) / d))
            # (6) split
            problem += pulp.LpConstraint(pulp.LpAffineExpression(split), pulp.LpConstraintEQ, f"split_{i}_{g}", 0)
            objective.append((x, TIE_BREAK * tie_break(i, g)))
    problem.setObjective(pulp.LpAffineExpression(objective))
    return model
