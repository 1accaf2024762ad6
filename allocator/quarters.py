"""The quarterly schedule: when each municipality settles its yearly number.

The KS resolution asks for quarterly settlement agreements with a bonus for early settlement and a
deduction when settlement piles up at the end of the year; the national targets are 6 months from
permit to settlement for adults and 3 months for minors and families. This module adds the time
dimension after the yearly plan is chosen.

Data (besides the yearly model's)
---------------------------------
    q, r ∈ {1..4}      quarters
    X_ig               yearly persons (stage 2's plan; variables when timeliness_weight > 0)
    ready_gr           persons of g ready (permit granted) in quarter r
    D_g                quarters allowed from ready to settled
    cap_igq            persons of g that i's dwellings/places allow by the end of quarter q
    L_iq               locked persons of i in quarter q (blank = free)
    θ                  Q4 share above which the deduction applies

Variables
---------
    x_igq ≥ 0 integer  persons of g settled in i in quarter q;  S_g(q) = Σ_i Σ_{k ≤ q} x_igk
    o_gr ≥ 0           persons ready by quarter r still unsettled at r + D_g (overdue)
    e_i ≥ 0            persons i settles in Q4 beyond ⌊θ·X_i⌋ (those draw the deduction)
    p_igq, n_igq ≥ 0   deviation of x_igq from X_ig × ready_gq / R_g (timing in step with readiness)

Constraints
-----------
    (7)  year_ig       Σ_q x_igq = X_ig
    (8)  ready_gq      S_g(q) ≤ R_g(q) = Σ_{r ≤ q} ready_gr       nobody is settled before ready
    (9)  overdue_gr    o_gr ≥ R_g(r) − S_g(r + D_g)              (for r + D_g ≤ 4)
    (10) housing_igq   Σ_{q' ≤ q} x_igq' ≤ cap_igq               a dwelling is used once it exists
    (11) schedule_iq   Σ_g x_igq = L_iq                           a locked quarterly schedule
    (12) q4_i          Σ_g x_ig4 − e_i ≤ ⌊θ·X_i⌋

Objective, in this order of priority (weights far apart)
--------------------------------------------------------
    1000 × Σ o_gr: persons past their deadline, first ready first settled, counted for each
           quarter they stay past it (0 exactly when nobody is late)
    + 10 × person-quarters of waiting, Σ_q (R_g(q) − S_g(q)) (the queue at each quarter's end)
    + 1 × persons drawing the Q4 deduction, Σ e_i
    + 0.01 × Σ (p_igq + n_igq): each municipality's timing in step with the county's readiness
    + 1e-4 × a fixed tie-break per (i, g, q), for the same schedule on every run.

With timeliness_weight = 0 (the default) X_ig is the fair yearly plan, fixed. With a weight w > 0
X_ig become variables again (constraints (1)–(5) of model.py) and the objective adds the persons
moved away from the fair plan, ½ Σ |X_ig − X⁰_ig|, to w/10 × the objective above: a person moves
only when that saves at least 1/w person-quarters of waiting. `Schedule.moved_from_fair` shows
exactly who moved.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pulp

from .model import tie_break
from .scenario import GROUPS, QUARTERS, SCHEDULE_LOCK_COLUMNS, Scenario, split_by_shares

LATE_WEIGHT = 1000.0
WAIT_WEIGHT = 10.0
Q4_WEIGHT = 1.0
STEP_WEIGHT = 0.01
TIE_BREAK = 1e-4
MONTHS_PER_QUARTER = 3
NEXT_YEAR = 5
TARGET_MONTHS = {"adults": 6, "families": 3, "minors": 3, "special_needs": 6}


# --------------------------------------------------------------------------- the model


@dataclass
class ScheduleModel:
    problem: pulp.LpProblem
    persons: dict[tuple[str, str, int], pulp.LpVariable]

    def schedule(self) -> pd.DataFrame:
        """x_igq as a long table: kommunenummer, quarter, one column per group."""
        rows = sorted({(i, q) for i, _, q in self.persons})
        data = {g: [round(self.persons[i, g, q].varValue or 0.0) for i, q in rows] for g in GROUPS}
        index = pd.MultiIndex.from_tuples(rows, names=["kommunenummer", "quarter"])
        return pd.DataFrame(data, index=index).astype(int)


def add_schedule(
    problem: pulp.LpProblem,
    scenario: Scenario,
    yearly: dict[tuple[str, str], pulp.LpVariable | int],
    weight: float = 1.0,
) -> tuple[dict[tuple[str, str, int], pulp.LpVariable], list[tuple[pulp.LpVariable, float]]]:
    """Add x_igq, o_gr, e_i and constraints (7)–(12); return x_igq and the objective terms × weight.

    `yearly[i, g]` is X_ig: a number (fixed yearly plan) or the yearly model's variable.
    """
    quarters = scenario.quarters
    table = scenario.municipalities.sort_index()
    numbers = list(table.index)
    caps = {(g, q): scenario.group_limit(g, q).to_dict() for g in GROUPS for q in QUARTERS}
    objective: list[tuple[pulp.LpVariable, float]] = []
    persons = {
        (i, g, q): problem.add_variable(f"s_{i}_{g}_{q}", lowBound=0, cat=pulp.LpInteger)
        for i in numbers for g in GROUPS for q in QUARTERS
    }
    for i in numbers:
        for g in GROUPS:
            # (7) year
            problem += pulp.lpSum(persons[i, g, q] for q in QUARTERS) == yearly[i, g], f"year_{i}_{g}"
            # (10) housing
            for q in QUARTERS[:-1]:  # by Q4 everything exists: the yearly bound already holds
                cap = caps[g, q][i]
                if math.isfinite(cap):
                    problem += pulp.lpSum(persons[i, g, k] for k in QUARTERS[:q]) <= int(cap), f"housing_{i}_{g}_{q}"
    for g in GROUPS:
        ready_by = np.cumsum(quarters.ready[g])  # R_g(q)
        deadline = quarters.deadline[g]
        settled_by = {q: pulp.lpSum(persons[i, g, k] for i in numbers for k in QUARTERS[:q]) for q in QUARTERS}
        for q in QUARTERS:
            # (8) ready
            problem += settled_by[q] <= int(ready_by[q - 1]), f"ready_{g}_{q}"
        for r in QUARTERS:
            if r + deadline <= QUARTERS[-1]:
                overdue = problem.add_variable(f"o_{g}_{r}", lowBound=0)
                # (9) overdue
                problem += overdue + settled_by[r + deadline] >= int(ready_by[r - 1]), f"overdue_{g}_{r}"
                objective.append((overdue, weight * LATE_WEIGHT))
        # waiting: a person settled in quarter k leaves the queue at the ends of quarters k..4
        objective += [(persons[i, g, k], -weight * WAIT_WEIGHT * (QUARTERS[-1] + 1 - k)) for i in numbers for k in QUARTERS]
    has_locks = any(c in table for c in SCHEDULE_LOCK_COLUMNS)
    threshold = scenario.incentives.q4_threshold
    for i in numbers:
        if has_locks:
            for q in QUARTERS:
                locked = table.at[i, f"locked_q{q}"] if f"locked_q{q}" in table else np.nan
                if not math.isnan(locked):
                    # (11) schedule lock
                    problem += pulp.lpSum(persons[i, g, q] for g in GROUPS) == int(locked), f"schedule_{i}_{q}"
        excess = problem.add_variable(f"e_{i}", lowBound=0)
        total = pulp.lpSum(yearly[i, g] for g in GROUPS)
        if isinstance(total, pulp.LpAffineExpression) and total.isNumericalConstant():
            allowed = math.floor(threshold * total.constant + 1e-9)
            # (12) q4
            problem += pulp.lpSum(persons[i, g, 4] for g in GROUPS) - excess <= allowed, f"q4_{i}"
        else:
            problem += pulp.lpSum(persons[i, g, 4] for g in GROUPS) - excess - threshold * total <= 0, f"q4_{i}"
        objective.append((excess, weight * Q4_WEIGHT))
    for i in numbers:
        for g in GROUPS:
            shares = [r / scenario.request[g] if scenario.request[g] else 0.25 for r in quarters.ready[g]]
            fixed = isinstance(yearly[i, g], (int, np.integer))
            # a whole-person target when the yearly number is known keeps the MIP easy
            targets = split_by_shares(int(yearly[i, g]), shares) if fixed else [share * yearly[i, g] for share in shares]
            for q in QUARTERS:
                above = problem.add_variable(f"p_{i}_{g}_{q}", lowBound=0)
                below = problem.add_variable(f"n_{i}_{g}_{q}", lowBound=0)
                problem += persons[i, g, q] - targets[q - 1] - above + below == 0, f"step_{i}_{g}_{q}"
                objective += [(above, weight * STEP_WEIGHT), (below, weight * STEP_WEIGHT)]
                objective.append((persons[i, g, q], weight * TIE_BREAK * tie_break(i, f"{g}{q}")))
    return persons, objective


def objective_expression(terms: list[tuple[pulp.LpVariable, float]]) -> pulp.LpAffineExpression:
    """Sum the terms (a variable may appear more than once: waiting cost and tie-break)."""
    total: dict[pulp.LpVariable, float] = defaultdict(float)
    for var, coefficient in terms:
        total[var] += coefficient
    return pulp.LpAffineExpression(list(total.items()))


def build_schedule_model(scenario: Scenario, allocation: pd.DataFrame) -> ScheduleModel:
    """Stage 3: the schedule of a fixed yearly plan (timeliness_weight = 0)."""
    problem = pulp.LpProblem("schedule", pulp.LpMinimize)
    yearly = {(i, g): int(allocation.at[i, g]) for i in allocation.index for g in GROUPS}
    persons, objective = add_schedule(problem, scenario, yearly)
    problem.setObjective(objective_expression(objective))
    return ScheduleModel(problem, persons)


# --------------------------------------------------------------------------- measuring a schedule


def fifo_waits(ready: tuple[int, ...], settled: tuple[int, ...]) -> dict[tuple[int, int], int]:
    """Persons ready in r and settled in s, first ready first settled; s = 5 for next year.

    Settlements beyond the persons ready so far wait for the next quarter's (a pattern that
    ignores readiness cannot settle someone who has no permit yet).
    """
    queue: list[list[int]] = []  # [ready quarter, persons waiting]
    flows: dict[tuple[int, int], int] = {}
    carry = 0
    for q in QUARTERS:
        queue.append([q, ready[q - 1]])
        capacity = settled[q - 1] + carry
        carry = 0
        while capacity and queue:
            r, waiting = queue[0]
            take = min(waiting, capacity)
            if take:
                flows[r, q] = flows.get((r, q), 0) + take
            capacity -= take
            queue[0][1] -= take
            if queue[0][1] == 0:
                queue.pop(0)
        carry = capacity
    for r, waiting in queue:
        if waiting:
            flows[r, NEXT_YEAR] = flows.get((r, NEXT_YEAR), 0) + waiting
    return flows


def timeliness(ready: tuple[int, ...], settled: tuple[int, ...], deadline: int) -> dict[str, float]:
    """Average months from ready to settled, share within the deadline, late and carried over."""
    flows = fifo_waits(ready, settled)
    done = {k: v for k, v in flows.items() if k[1] != NEXT_YEAR}
    persons = sum(done.values())
    months = sum(MONTHS_PER_QUARTER * (s - r) * n for (r, s), n in done.items())
    within = sum(n for (r, s), n in done.items() if s - r <= deadline)
    return {
        "avg_months": round(months / persons, 2) if persons else 0.0,
        "within_target": round(within / persons, 4) if persons else 1.0,
        "late": int(persons - within),
        "carried_over": int(sum(n for (r, s), n in flows.items() if s == NEXT_YEAR)),
        "waiting_person_months": int(months),
    }


def pattern_schedule(allocation: pd.DataFrame, shares: tuple[float, ...]) -> pd.DataFrame:
    """A yearly plan split over quarters by fixed shares, per municipality and group."""
    rows = [
        (i, q, *(split_by_shares(int(allocation.at[i, g]), shares)[q - 1] for g in GROUPS))
        for i in allocation.index
        for q in QUARTERS
    ]
    frame = pd.DataFrame(rows, columns=["kommunenummer", "quarter", *GROUPS])
    return frame.set_index(["kommunenummer", "quarter"]).astype(int)


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True, eq=False)
class Schedule:
    """A quarterly schedule (kommunenummer × quarter rows, group columns) and what it is worth."""

    scenario: Scenario
    table: pd.DataFrame
    moved_from_fair: pd.DataFrame | None = None  # yearly totals: fair-first vs this plan (weight > 0)

    def county_by_quarter(self, schedule: pd.DataFrame | None = None) -> pd.DataFrame:
        schedule = self.table if schedule is None else schedule
        return schedule.groupby(level="quarter").sum().reindex(QUARTERS, fill_value=0)

    def timeliness(self, schedule: pd.DataFrame | None = None) -> dict[str, dict[str, float]]:
        county = self.county_by_quarter(schedule)
        quarters = self.scenario.quarters
        return {g: timeliness(quarters.ready[g], tuple(int(v) for v in county[g]), quarters.deadline[g]) for g in GROUPS}

    def economics(self, schedule: pd.DataFrame | None = None) -> pd.DataFrame:
        """Per municipality: year-1 grants by quarter, early bonus, Q4 deduction, net (NOK)."""
        schedule = self.table if schedule is None else schedule
        incentives = self.scenario.incentives
        grants = sum(schedule[g] * incentives.grant[g] for g in GROUPS).unstack("quarter").reindex(columns=QUARTERS, fill_value=0)
        grants.columns = [f"grant_q{q}" for q in QUARTERS]
        persons = schedule.sum(axis=1).unstack("quarter").reindex(columns=QUARTERS, fill_value=0)
        yearly = persons.sum(axis=1)
        bonus = sum(persons[q] * incentives.bonus[q - 1] for q in QUARTERS)
        allowed = np.floor(incentives.q4_threshold * yearly + 1e-9)
        over = (persons[4] - allowed).clip(lower=0)
        out = grants.copy()
        out["persons"] = yearly
        out["q4_persons"] = persons[4]
        out["q4_over_threshold"] = over.astype(int)
        out["bonus"] = bonus
        out["deduction"] = over * incentives.q4_deduction
        out["net_incentive"] = out["bonus"] - out["deduction"]
        out.insert(0, "kommune", self.scenario.municipalities["kommune"].reindex(out.index))
        return out

    def county_economics(self, schedule: pd.DataFrame | None = None) -> pd.Series:
        """The economics summed over the county (NOK; persons for the count columns)."""
        return self.economics(schedule).drop(columns=["kommune"]).sum()

    @cached_property
    def baseline(self) -> pd.DataFrame:
        """The same yearly split settled by the scenario's comparison pattern (even or back-loaded)."""
        yearly = self.table.groupby(level="kommunenummer").sum()
        return pattern_schedule(yearly, self.scenario.quarters.baseline_shares)

    def value_of_agreement(self) -> dict[str, float]:
        """Optimised schedule against the baseline pattern: waiting saved and incentive difference."""
        optimised, baseline = self.timeliness(), self.timeliness(self.baseline)
        ours, theirs = self.economics(), self.economics(self.baseline)
        return {
            "waiting_person_months_optimised": sum(t["waiting_person_months"] for t in optimised.values()),
            "waiting_person_months_baseline": sum(t["waiting_person_months"] for t in baseline.values()),
            "waiting_person_months_saved": sum(theirs_t["waiting_person_months"] - ours_t["waiting_person_months"]
                                               for ours_t, theirs_t in zip(optimised.values(), baseline.values())),
            "late_optimised": sum(t["late"] for t in optimised.values()),
            "late_baseline": sum(t["late"] for t in baseline.values()),
            "bonus_optimised": float(ours["bonus"].sum()),
            "bonus_baseline": float(theirs["bonus"].sum()),
            "deduction_optimised": float(ours["deduction"].sum()),
            "deduction_baseline": float(theirs["deduction"].sum()),
        }

    def quarters_json(self) -> list[dict]:
        return [
            {"kommunenummer": i, "quarter": int(q), "allocation": {g: int(row[g]) for g in GROUPS}}
            for (i, q), row in self.table.iterrows()
        ]
