"""What one more unit of a resource is worth in a municipality (part 3 of explain).

Persons: how many more the county would settle, from the dual value of the stage-1 linear
programme (the rate at which the most persons that can be settled grows with this municipality's
bound), valid as far as HiGHS's ranging says; beyond that range (a degenerate basis), or without
HiGHS (CBC gives no ranging), the stage-1 programme is solved again with the unit added. Fairness:
how much closer to fair the plan would come, from the multiplier of the bound in the fair-split
quadratic programme (the fall of Σ (x − f)² / f per unit), taken only as far as the unit helps.
"""

from __future__ import annotations

import math

import numpy as np

from allocator.labels import UNIT_WORDS
from allocator.optimize import targets
from allocator.optimize.lp import DEFAULT_TIME_LIMIT
from allocator.optimize.model import AllocationModel, add_settled, allocation_model, build_settle_model, network
from allocator.optimize.solve import SolveError, settle_most, solver_run
from allocator.optimize.solvers import highs_available, new_highs, run_highs, solve_lp
from allocator.problems import Problem, ScenarioError
from allocator.scenario.data import GROUPS, RESOURCE_OF_GROUP, Scenario
from allocator.whole import whole_floor


def unit_step(scenario: Scenario, row: int, group: str) -> float:
    """Persons that one more unit of the group's resource adds to the municipality's cap."""
    resource = RESOURCE_OF_GROUP[group]
    units = scenario.resource_units(resource)[row]
    per_unit = scenario.housing.per_unit(group)
    return whole_floor((units + 1) * per_unit) - whole_floor(units * per_unit)


def marginal_values(scenario: Scenario, row: int) -> dict[str, dict[str, float]]:
    """Per resource the municipality has a limit on: persons more settled, and how much the fair
    split's distance falls, with one more unit of it here."""
    net = network(scenario)
    k = int(np.flatnonzero(net.rows == row)[0])
    settle = build_settle_model(net)
    if highs_available():
        highs = new_highs(DEFAULT_TIME_LIMIT)
        settle.lp.pass_to(highs)
        base = run_highs(highs, settle.lp)
    else:  # CBC gives no ranging: every unit is priced by solving again with it (exact, slower)
        base = solve_lp(settle.lp, "cbc")
    if base.status != "optimal":
        raise ScenarioError([Problem("municipalities.csv", message="planen kan ikke lages; se `diagnose`")])
    bound_up = np.asarray(highs.getRanging()[1].col_bound_up.value_) if highs_available() else None
    settled = int(round(base.objective))

    fair_split = FairSplit(net, settled) if targets.available() else None

    values: dict[str, dict[str, float]] = {}
    for j, group in enumerate(GROUPS):
        resource = RESOURCE_OF_GROUP[group]
        if group == "minors" and scenario.minors_split:
            values.update(minor_place_values(scenario, row, settled))
            continue
        if not math.isfinite(net.resource_caps[k, j]):
            continue  # no limit of this kind here: one more unit changes nothing
        # u = min(resource cap, what could come here, max_total): one more unit raises u only as far
        # as the request and max_total let it
        upper = net.upper[k, j]
        raised = min(net.resource_caps[k, j] + unit_step(scenario, row, group), net.reach[k, j], net.high[k])
        delta = max(0.0, raised - upper)
        column = settle.x[k, j]
        rate = max(0.0, float(base.col_dual[column])) if base.col_dual is not None and bound_up is not None else None
        if delta == 0:
            persons = 0.0
        elif rate is not None and (rate == 0 or upper + delta <= bound_up[column] + 1e-9):
            persons = rate * delta
        else:  # no ranging (CBC), or its range is shorter than one unit (a degenerate basis): solve again
            lp = settle.lp.copy()
            lp.set_bounds(np.array([column]), lp.col_lower[column], upper + delta)
            again = solve_lp(lp)
            if again.status != "optimal":
                raise SolveError(f"fant ikke verdien av én {UNIT_WORDS[resource][0]} til ({again.detail})")
            persons = float(round(again.objective) - settled)
        # A unit that lets the county settle more persons is worth those persons (and changes the whole
        # split); only a unit that settles nobody more is worth its step towards the fair split.
        fairness = 0.0 if persons > 0 or delta == 0 or fair_split is None else fair_split.gain(k, j, delta)
        values[resource] = {"persons": float(persons), "fairness": fairness, "persons_per_unit": float(delta)}
    return values


def minor_place_values(scenario: Scenario, row: int, settled: int) -> dict[str, dict[str, float]]:
    """With minors assessed one by one, the minors' cap is min(minor places, care + other places):
    one more of any of the three is priced by solving stage 1 again with it (exact; the places
    bind together, so no single bound's dual says it)."""
    values = {}
    table = scenario.table
    for column in ("minor_places", "minor_care_places", "minor_other_places"):
        if column not in table or not math.isfinite(table.numeric(column)[row]):
            continue
        more = table.numeric(column).copy()
        more[row] += 1
        raised = scenario.with_changes(table=table.with_columns({column: more}), municipalities=None)
        gained = settle_most(network(raised), solver_run("highs", DEFAULT_TIME_LIMIT), raised) - settled
        values[column] = {"persons": float(gained), "fairness": 0.0, "persons_per_unit": 1.0}
    return values


def targets_min_share() -> float:
    return targets.MIN_CURVATURE_SHARE


class FairSplit:
    """The fair-split QP at S* persons, and what raising one municipality's bound gains in it."""

    def __init__(self, net, settled: int):
        self.net, self.settled = net, settled
        self.shape = allocation_model("targets", net)
        add_settled(self.shape, settled)
        self.programme = targets.quadratic_programme(self.shape)
        solution = self.programme.solve(DEFAULT_TIME_LIMIT)
        self.objective = float(solution.obj_val)
        self.x = np.asarray(solution.x)[self.shape.x]
        self.d = np.maximum(net.fair, targets.MIN_CURVATURE_SHARE)

    def gain(self, k: int, j: int, delta: float) -> float:
        """How much Σ (x − f)²/f falls when x_kj may be `delta` higher.

        The multiplier of the bound, from the optimality conditions of the solved programme:
        2(x − f)/d is the same for every municipality of the county and group that no bound holds
        (the free ones); a held one's multiplier is how far its own term lies below that. With no
        free municipality to read it from (a degenerate optimum), the programme is solved again
        with the bound raised.
        """
        net, x = self.net, self.x
        if x[k, j] < net.upper[k, j] - 1e-6:
            return 0.0
        totals = x.sum(axis=1)
        fair_total = net.fair.sum(axis=1)
        total_d = np.maximum(fair_total, targets_min_share())
        # the objective's slope in x_·j: its group's term and (fair in total first) its total's
        slope = 2 * (x[:, j] - net.fair[:, j]) / self.d[:, j] + 2 * net.total_weight * (totals - fair_total) / total_d
        at_total = (totals >= net.high - 1e-6) | ((net.low > 0) & (totals <= net.low + 1e-6))
        free = (net.county == net.county[k]) & (x[:, j] > 1e-6) & (x[:, j] < net.upper[:, j] - 1e-6) & ~at_total
        # With the totals' term (fair in total first) raising x_kj also lets k's other groups give
        # way, which the one-variable formula below does not see: solve again, exactly.
        if free.any() and not at_total[k] and net.total_weight == 0:
            # The multiplier falls as x_kj rises (its own slope grows by 2/d per person) and is
            # spent when it meets the free ones' slope: the fall is the area under it, λm − m²/d,
            # m = min(delta, λd/2). (The free ones' slope rises a little too, so this is an upper
            # bound, exact as their number grows; a whole unit at the first-order rate, λ·delta,
            # overstated the gain for a fair share of 0,005 person 400-fold.)
            multiplier = max(0.0, float(np.median(slope[free]) - slope[k]))
            curvature = 2 / float(self.d[k, j]) + 2 * net.total_weight / float(total_d[k])  # its own slope's rise per person
            rise = min(delta, multiplier / curvature)
            return multiplier * rise - curvature * rise * rise / 2
        lp = self.shape.lp.copy()
        column = self.shape.x[k, j]
        lp.set_bounds(np.array([column]), lp.col_lower[column], lp.col_upper[column] + delta)
        raised = targets.quadratic_programme(AllocationModel(lp, net, self.shape.x, self.shape.z))
        return float(max(0.0, self.objective - raised.solve(DEFAULT_TIME_LIMIT).obj_val))
