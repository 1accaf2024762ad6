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
X_ig become variables again (constraints (1)–(6) of model.py) and the objective adds the persons
moved away from the fair plan, ½ Σ |X_ig − X⁰_ig|, to w/10 × the objective above: a person moves
only when that saves at least 1/w person-quarters of waiting. `Schedule.moved_from_fair` shows
exactly who moved.

MIP gap: every term that moves a whole person between quarters or municipalities changes the
objective by at least STEP_WEIGHT (times the scale); the solver stops within half of that
(`WHOLE_PERSON_GAP`), a gap it can prove, and which no whole-person change can hide in. A plan
the solver stopped at its time limit is accepted when its proven gap is within that too.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from allocator.optimize.lp import INF, LinearProgram
from allocator.optimize.model import Network, build_deviation_model, tie_break
from allocator.optimize.run import InfeasibleScenario, SolveError, SolverRun
from allocator.problems import Problem
from allocator.scenario.data import GROUPS, QUARTERS, Scenario
from allocator.whole import split_by_shares, whole_floor

if TYPE_CHECKING:
    import pandas as pd  # on demand: heavy to import (see allocator/__init__)

LATE_WEIGHT = 1000.0
WAIT_WEIGHT = 10.0
Q4_WEIGHT = 1.0
STEP_WEIGHT = 0.01
TIE_BREAK = 1e-4
WHOLE_PERSON_GAP = 0.5 * STEP_WEIGHT
MONTHS_PER_QUARTER = 3
NEXT_YEAR = 5
TARGET_MONTHS = {"adults": 6, "families": 3, "minors": 3, "special_needs": 6}
G, Q = len(GROUPS), len(QUARTERS)


# --------------------------------------------------------------------------- the model


def add_schedule(lp: LinearProgram, scenario: Scenario, net: Network, yearly: np.ndarray, yearly_cols: np.ndarray | None = None,
                 weight: float = 1.0) -> np.ndarray:
    """Add x_igq, o_gr, e_i, p_igq, n_igq, constraints (7)–(12) and their objective × `weight` to `lp`;
    return the columns of x_igq, (n, G, Q) in model order.

    `yearly` is X_ig as whole numbers; with `yearly_cols` (the yearly model's x columns) X_ig are
    those variables instead, and `yearly` is only the reference for the readiness targets' shape.
    """
    quarters = scenario.quarters
    n = net.n
    numbers = net.numbers
    fixed = yearly_cols is None
    s = lp.add_columns("s", n * G * Q, 0.0, INF, integer=True,
                       labels=lambda k: f"s_{numbers[k // (G * Q)]}_{GROUPS[k // Q % G]}_{k % Q + 1}").reshape(n, G, Q)
    ig = np.arange(n * G)
    # (7) year
    if fixed:
        lp.add_sum_rows("year", list(s.reshape(n * G, Q)), yearly.ravel(), yearly.ravel(),
                        labels=lambda k: f"year_{numbers[k // G]}_{GROUPS[k % G]}")
    else:
        lp.add_rows("year", np.zeros(n * G), np.zeros(n * G), np.concatenate([np.repeat(ig, Q), ig]),
                    np.concatenate([s.reshape(n * G, Q).ravel(), yearly_cols.ravel()]),
                    np.concatenate([np.ones(n * G * Q), -np.ones(n * G)]),
                    labels=lambda k: f"year_{numbers[k // G]}_{GROUPS[k % G]}")
    # (10) housing: by Q4 everything exists, so the yearly bound already holds
    groups, upper, labels = [], [], []
    for j, g in enumerate(GROUPS):
        for q in QUARTERS[:-1]:
            caps = scenario.person_caps(g, q)[net.rows]
            for i in np.flatnonzero(np.isfinite(caps)):
                groups.append(s[i, j, :q])
                upper.append(caps[i])
                labels.append(f"housing_{numbers[i]}_{g}_{q}")
    lp.add_sum_rows("housing", groups, -INF, np.array(upper), labels=labels)
    ready_rows, ready_upper, overdue_groups, overdue_lower, overdue_labels = [], [], [], [], []
    late_count = sum(1 for g in GROUPS for r in QUARTERS if r + quarters.deadline[g] <= QUARTERS[-1])
    overdue = lp.add_columns("o", late_count, 0.0, INF, cost=weight * LATE_WEIGHT)
    o = iter(overdue)
    for j, g in enumerate(GROUPS):
        ready_by = np.cumsum(quarters.ready[g])  # R_g(q)
        for q in QUARTERS:
            # (8) ready
            ready_rows.append(s[:, j, :q].ravel())
            ready_upper.append(ready_by[q - 1])
        for r in QUARTERS:
            if r + quarters.deadline[g] <= QUARTERS[-1]:
                column = next(o)
                # (9) overdue
                overdue_groups.append(np.concatenate([[column], s[:, j, : r + quarters.deadline[g]].ravel()]))
                overdue_lower.append(ready_by[r - 1])
                overdue_labels.append(f"overdue_{g}_{r}")
        # waiting: a person settled in quarter k leaves the queue at the ends of quarters k..4
        for q in QUARTERS:
            lp.add_cost(s[:, j, q - 1], -weight * WAIT_WEIGHT * (QUARTERS[-1] + 1 - q))
    lp.add_sum_rows("ready", ready_rows, -INF, np.array(ready_upper, dtype=float),
                    labels=lambda k: f"ready_{GROUPS[k // Q]}_{k % Q + 1}")
    lp.add_sum_rows("overdue", overdue_groups, np.array(overdue_lower, dtype=float), INF, labels=overdue_labels)
    # (11) schedule locks
    table = scenario.table
    lock_groups, lock_values, lock_labels = [], [], []
    for q in QUARTERS:
        if f"locked_q{q}" in table:
            locked = table.numeric(f"locked_q{q}")[net.rows]
            for i in np.flatnonzero(~np.isnan(locked)):
                lock_groups.append(s[i, :, q - 1])
                lock_values.append(locked[i])
                lock_labels.append(f"schedule_{numbers[i]}_{q}")
    lp.add_sum_rows("schedule", lock_groups, np.array(lock_values), np.array(lock_values), labels=lock_labels)
    # (12) q4: persons in Q4 beyond ⌊θ X_i⌋ draw the deduction
    threshold = scenario.incentives.q4_threshold
    excess = lp.add_columns("e", n, 0.0, INF, cost=weight * Q4_WEIGHT)
    if fixed:
        allowed = whole_floor(threshold * yearly.sum(axis=1))
        lp.add_sum_rows("q4", [np.concatenate([s[i, :, 3], [excess[i]]]) for i in range(n)], -INF, allowed,
                        coefficients=[np.concatenate([np.ones(G), [-1.0]]) for _ in range(n)],
                        labels=lambda k: f"q4_{numbers[k]}")
    else:
        lp.add_sum_rows("q4", [np.concatenate([s[i, :, 3], [excess[i]], yearly_cols[i]]) for i in range(n)], -INF, 0.0,
                        coefficients=[np.concatenate([np.ones(G), [-1.0], np.full(G, -threshold)]) for _ in range(n)],
                        labels=lambda k: f"q4_{numbers[k]}")
    # step: each municipality's quarters in step with the county's readiness
    shares = np.array([[r / scenario.request[g] if scenario.request[g] else 0.25 for r in quarters.ready[g]] for g in GROUPS])
    above = lp.add_columns("p", n * G * Q, 0.0, INF, cost=weight * STEP_WEIGHT).reshape(n, G, Q)
    below = lp.add_columns("n", n * G * Q, 0.0, INF, cost=weight * STEP_WEIGHT).reshape(n, G, Q)
    k = np.arange(n * G * Q)
    if fixed:
        # a whole-person target when the yearly number is known keeps the MIP easy
        targets = np.array([[split_by_shares(int(yearly[i, j]), shares[j]) for j in range(G)] for i in range(n)], dtype=float)
        lp.add_rows("step", targets.ravel(), targets.ravel(), np.concatenate([k, k, k]),
                    np.concatenate([s.ravel(), above.ravel(), below.ravel()]),
                    np.concatenate([np.ones(n * G * Q), -np.ones(n * G * Q), np.ones(n * G * Q)]))
    else:
        x_of = np.repeat(yearly_cols.ravel(), Q)
        lp.add_rows("step", np.zeros(n * G * Q), np.zeros(n * G * Q), np.concatenate([k, k, k, k]),
                    np.concatenate([s.ravel(), above.ravel(), below.ravel(), x_of]),
                    np.concatenate([np.ones(n * G * Q), -np.ones(n * G * Q), np.ones(n * G * Q), -np.tile(shares.ravel(), n)]))
    # tie-break, for the same schedule on every run
    ties = np.array([[[tie_break(i, f"{g}{q}") for q in QUARTERS] for g in GROUPS] for i in numbers])
    lp.add_cost(s.ravel(), weight * TIE_BREAK * ties.ravel())
    return s


def schedule_plan(scenario: Scenario, net: Network, settled: int, crossing: int | None, yearly: np.ndarray,
                  run: "SolverRun") -> tuple[np.ndarray, "Schedule"]:
    """Stage 3: the quarterly schedule of the fair yearly plan (model order). With a timeliness
    weight w the yearly plan may move: a person moves away from the fair plan when that saves at
    least 1/w person-quarters of waiting; the moves are reported in `Schedule.moved_from_fair`."""
    weight = scenario.quarters.timeliness_weight
    if weight > 0:
        model = build_deviation_model(net, yearly, settled, crossing)
        lp, yearly_cols, scale = model.lp, model.x, weight / WAIT_WEIGHT
        s = add_schedule(lp, scenario, net, yearly, yearly_cols, weight=scale)
    else:
        lp, yearly_cols, scale = LinearProgram("schedule"), None, 1.0
        s = add_schedule(lp, scenario, net, yearly)
    gap = WHOLE_PERSON_GAP * scale
    solution = run.solve(lp, "schedule", abs_gap=gap)
    if solution.status == "infeasible":
        raise InfeasibleScenario([Problem(
            "municipalities.csv", column="locked_q1–locked_q4",
            message="de låste kvartalstallene kan ikke oppfylles med personene som er klare og boligene som finnes "
                    "i hvert kvartal; løs opp eller endre en kvartalslås.")])
    if solution.status != "optimal" and not (solution.status == "time_limit" and solution.proven_gap is not None
                                              and solution.proven_gap <= gap):
        detail = f"{solution.detail}" + (f", avstand til beste grense {solution.proven_gap:.4g}" if solution.proven_gap is not None else "")
        raise SolveError(f"{run.name} fant ingen optimal kvartalsplan ({detail}, tidsgrense {run.time_limit:g} s)")
    values = np.round(solution.x[s]).astype(np.int64)  # (n, G, Q)
    moved = None
    if weight > 0:
        new_yearly = values.sum(axis=2)
        moved = (yearly.sum(axis=1), new_yearly.sum(axis=1))
        yearly = new_yearly
    table_values = np.zeros_like(values)
    table_values[net.rows] = values
    schedule = Schedule(scenario, values=table_values, solver_status=solution.detail,
                        moved=None if moved is None else tuple(_to_table(m, net) for m in moved))
    return yearly, schedule


def _to_table(values: np.ndarray, net: Network) -> np.ndarray:
    out = np.zeros_like(values)
    out[net.rows] = values
    return out


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


def pattern_values(yearly: np.ndarray, shares: tuple[float, ...], ready_share: np.ndarray | None = None) -> np.ndarray:
    """A yearly plan (n, G) split over quarters by fixed shares: (n, G, Q), largest remainders.

    With `ready_share[g][q-1]`, the share of group g's persons ready by the end of quarter q, nobody
    is settled before they are ready: a municipality settles at most ⌊X × ready share⌋ persons by
    quarter q, and what the pattern would settle earlier moves to the next quarter. So the county
    never settles more than are ready, and a pattern that readiness does not hold back is unchanged.
    """
    values = np.array([[split_by_shares(int(v), shares) for v in row] for row in yearly], dtype=np.int64).reshape(len(yearly), G, Q)
    if ready_share is None:
        return values
    for j in range(G):
        allowed = whole_floor(yearly[:, j, None] * np.asarray(ready_share[j])[None, :]).astype(np.int64)
        allowed[:, -1] = yearly[:, j]
        carried = np.zeros(len(yearly), dtype=np.int64)
        settled = np.zeros(len(yearly), dtype=np.int64)
        for q in range(Q):
            wanted = values[:, j, q] + carried
            values[:, j, q] = np.minimum(wanted, allowed[:, q] - settled)
            carried = wanted - values[:, j, q]
            settled += values[:, j, q]
    return values


def _frame(numbers: list[str], values: np.ndarray) -> "pd.DataFrame":
    """(n, G, Q) as the long table: (kommunenummer, quarter) rows, one column per group."""
    import pandas as pd  # on demand: heavy to import (see allocator/__init__)

    index = pd.MultiIndex.from_product([numbers, list(QUARTERS)], names=["kommunenummer", "quarter"])
    return pd.DataFrame(values.transpose(0, 2, 1).reshape(-1, G), index=index, columns=list(GROUPS)).astype(int)


def _values(scenario: Scenario, table: "pd.DataFrame") -> np.ndarray:
    """The long table back as (n, G, Q) in the scenario's row order (missing cells = 0)."""
    values = np.zeros((len(scenario.table), G, Q), dtype=np.int64)
    position = scenario.table.position
    for (number, quarter), row in zip(table.index, table[list(GROUPS)].to_numpy()):
        values[position[number], :, int(quarter) - 1] = row
    return values


# --------------------------------------------------------------------------- the result


class Schedule:
    """A quarterly schedule and what it is worth.

    `values[k, j, q-1]`: persons of group GROUPS[j] settled in quarter q by the municipality on row
    k of the scenario's table. `table` is the same as a long DataFrame ((kommunenummer, quarter)
    rows sorted by kommunenummer, one column per group).
    """

    def __init__(self, scenario: Scenario, table: "pd.DataFrame | None" = None, moved_from_fair: "pd.DataFrame | None" = None,
                 values: np.ndarray | None = None, moved: tuple[np.ndarray, np.ndarray] | None = None, solver_status: str = ""):
        self.scenario = scenario
        self.values = _values(scenario, table) if table is not None else values
        self._moved = moved
        self._moved_frame = moved_from_fair
        self.solver_status = solver_status

    # ---------------------------------------------------------------- tables

    @cached_property
    def table(self) -> "pd.DataFrame":
        order = self.scenario.table.order
        return _frame([self.scenario.table.numbers[k] for k in order], self.values[order])

    @cached_property
    def moved_from_fair(self) -> "pd.DataFrame | None":
        """Yearly totals: fair-first against this plan (only with a timeliness weight)."""
        if self._moved_frame is not None or self._moved is None:
            return self._moved_frame
        import pandas as pd  # on demand: heavy to import (see allocator/__init__)

        fair_first, timely = self._moved
        frame = pd.DataFrame({"fair_first": fair_first, "with_timeliness": timely},
                             index=pd.Index(list(self.scenario.table.numbers), name="kommunenummer"))
        frame["moved"] = frame["with_timeliness"] - frame["fair_first"]
        return frame

    def _values_of(self, schedule: "pd.DataFrame | np.ndarray | None") -> np.ndarray:
        if schedule is None:
            return self.values
        if isinstance(schedule, np.ndarray):
            return schedule
        return _values(self.scenario, schedule)

    def county_by_quarter(self, schedule: "pd.DataFrame | np.ndarray | None" = None) -> "pd.DataFrame":
        import pandas as pd  # on demand: heavy to import (see allocator/__init__)

        county = self._values_of(schedule).sum(axis=0).T  # (Q, G)
        return pd.DataFrame(county, index=pd.Index(list(QUARTERS), name="quarter"), columns=list(GROUPS))

    def timeliness(self, schedule: "pd.DataFrame | np.ndarray | None" = None) -> dict[str, dict[str, float]]:
        county = self._values_of(schedule).sum(axis=0)  # (G, Q)
        quarters = self.scenario.quarters
        return {g: timeliness(quarters.ready[g], tuple(int(v) for v in county[j]), quarters.deadline[g]) for j, g in enumerate(GROUPS)}

    def economics_arrays(self, schedule: "pd.DataFrame | np.ndarray | None" = None) -> dict[str, np.ndarray]:
        """Per municipality (table order): year-1 grants by quarter, persons, Q4 figures, bonus, deduction (NOK)."""
        values = self._values_of(schedule)
        incentives = self.scenario.incentives
        grant = np.array([incentives.grant[g] for g in GROUPS])
        grants = np.einsum("kjq,j->kq", values, grant)
        persons = values.sum(axis=1)  # (n, Q)
        yearly = persons.sum(axis=1)
        allowed = whole_floor(incentives.q4_threshold * yearly)
        over = np.clip(persons[:, 3] - allowed, 0, None)
        out = {f"grant_q{q}": grants[:, q - 1] for q in QUARTERS}
        out["persons"] = yearly
        out["q4_persons"] = persons[:, 3]
        out["q4_over_threshold"] = over.astype(int)
        out["bonus"] = persons @ np.array(incentives.bonus, dtype=float)
        out["deduction"] = over * incentives.q4_deduction
        out["net_incentive"] = out["bonus"] - out["deduction"]
        return out

    def economics(self, schedule: "pd.DataFrame | np.ndarray | None" = None) -> "pd.DataFrame":
        """Per municipality: year-1 grants by quarter, early bonus, Q4 deduction, net (NOK)."""
        import pandas as pd  # on demand: heavy to import (see allocator/__init__)

        table = self.scenario.table
        out = pd.DataFrame(self.economics_arrays(schedule), index=pd.Index(list(table.numbers), name="kommunenummer"))
        out.insert(0, "kommune", list(table.text("kommune")))
        order = [table.numbers[k] for k in table.order]
        return out.loc[order]

    def county_economics(self, schedule: "pd.DataFrame | np.ndarray | None" = None) -> "pd.Series":
        """The economics summed over the county (NOK; persons for the count columns)."""
        import pandas as pd  # on demand: heavy to import (see allocator/__init__)

        return pd.Series({k: v.sum() for k, v in self.economics_arrays(schedule).items()})

    @cached_property
    def baseline_values(self) -> np.ndarray:
        """The same yearly split settled by the scenario's comparison pattern (even or back-loaded),
        never before the persons are ready (see `pattern_values`)."""
        quarters = self.scenario.quarters
        ready = np.array([np.cumsum(quarters.ready[g]) / max(1, sum(quarters.ready[g])) for g in GROUPS])
        return pattern_values(self.values.sum(axis=2), quarters.baseline_shares, ready)

    @cached_property
    def baseline(self) -> "pd.DataFrame":
        order = self.scenario.table.order
        return _frame([self.scenario.table.numbers[k] for k in order], self.baseline_values[order])

    def value_of_agreement(self) -> dict[str, float]:
        """Optimised schedule against the baseline pattern: waiting saved and incentive difference."""
        optimised, baseline = self.timeliness(), self.timeliness(self.baseline_values)
        ours, theirs = self.economics_arrays(), self.economics_arrays(self.baseline_values)
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
        table = self.scenario.table
        return [
            {"kommunenummer": table.numbers[k], "quarter": q, "allocation": {g: int(self.values[k, j, q - 1]) for j, g in enumerate(GROUPS)}}
            for k in table.order
            for q in QUARTERS
        ]
