"""The pipeline from a validated `Scenario` to its `Plan`, as named steps (`solve`):

    the grant's dwellings (a new Scenario) → stage 1, the most persons the limits allow (run.py)
    → minors needing care first → the fewest persons across county borders → the fair split in
    whole persons (targets.py's QP, then the rounding model) → the quarterly schedule → write back.

HiGHS (the `highspy` package, in process) is the default LP/MIP solver; CBC, shipped with PuLP, is
the fallback when highspy is missing. Stage 2's real-valued targets are a quadratic programme
solved by Clarabel (targets.py). A result is accepted only when the solver says it is optimal.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from allocator.optimize import targets
from allocator.optimize.grant import GrantResult, buy_dwellings
from allocator.optimize.lp import DEFAULT_TIME_LIMIT, LinearProgram
from allocator.optimize.model import (
    AllocationModel,
    Network,
    add_settled,
    allocation_model,
    build_care_model,
    build_crossing_model,
    build_fair_model,
    build_rounding_model,
    network,
)
from allocator.optimize.quarters import schedule_plan
from allocator.optimize.run import (
    SOLVERS,
    InfeasibleScenario,
    SolveError,
    SolverRun,
    explain_infeasible,
    settle_most,
    solver_run,
)
from allocator.plan import Flow, Plan, received_by_municipality
from allocator.scenario.data import GROUPS, SCHEDULE_LOCK_COLUMNS, Scenario

# the pipeline's public face: callers need not know which step raises what
__all__ = ["DEFAULT_TIME_LIMIT", "SOLVERS", "InfeasibleScenario", "SolveError", "SolverRun", "check_feasible", "explain_infeasible", "schedule_optional", "settle_most", "solve", "solver_run"]


def fewest_crossing(net: Network, settled: int, run: SolverRun) -> tuple[Network, int]:
    """Stage 1b: Z*, the fewest persons across county borders (shortest distances among those), with
    no two counties sending persons to each other; and the network with every route that plan does
    not use closed, so the later stages keep its routes (and so never send both ways either)."""
    model = build_crossing_model(net, settled)
    solution = run.solve(model.lp, "crossing")
    run.require_optimal(solution, "løsning")
    flows = solution.x[model.z].sum(axis=1)
    pairs = net.flow_pairs()
    index = {pair: p for p, pair in enumerate(pairs)}
    if any(flows[p] > 0.5 and flows[index[(d, c)]] > 0.5 for p, (c, d) in enumerate(pairs)):
        model = build_crossing_model(net, settled, one_way=True)
        one_way = run.solve(model.lp, "crossing (one way)")
        if one_way.status == "optimal":  # else two-way flows are the only way to settle S*: keep them
            solution, flows = one_way, one_way.x[model.z].sum(axis=1)
    crossing = int(round(solution.x[model.z].sum()))
    closed = frozenset(pair for p, pair in enumerate(pairs) if flows[p] < 0.5)
    return dataclasses.replace(net, closed_flows=closed), crossing


def check_feasible(scenario: Scenario, solver: str = "highs", time_limit: float = DEFAULT_TIME_LIMIT) -> int:
    """Raise `InfeasibleScenario` when no plan meets every agreed minimum and lock; else return S*.

    `validate` runs this, so that it refuses everything `solve` would refuse, with the same words.
    A quarterly plan with quarterly locks is solved whole: whether those locks can be met depends
    on the yearly plan, which only the whole solve makes (without locks every schedule is possible:
    by the fourth quarter everyone is ready and every dwelling there).
    """
    if scenario.quarters is not None and _has_schedule_locks(scenario):
        return sum(solve(scenario, solver, time_limit).settled.values())
    return settle_most(network(scenario), solver_run(solver, time_limit), scenario)


def _has_schedule_locks(scenario: Scenario) -> bool:
    table = scenario.table
    return any(column in table and np.isfinite(table.numeric(column)).any() for column in SCHEDULE_LOCK_COLUMNS)


def _schedule_moves_yearly(scenario: Scenario) -> bool:
    """Whether stage 3 can change the yearly plan or refuse the scenario: a timeliness weight
    moves persons between municipalities, and quarter locks may be impossible to meet."""
    return scenario.quarters.timeliness_weight > 0 or _has_schedule_locks(scenario)


def schedule_optional(scenario: Scenario) -> bool:
    """Whether `solve(scenario, quarterly=False)` leaves the schedule out (and so differs from
    `solve(scenario)`): the scenario has quarters, and they cannot change its yearly plan."""
    return scenario.quarters is not None and not _schedule_moves_yearly(scenario)


def solve(scenario: Scenario, solver: str = "highs", time_limit: float = DEFAULT_TIME_LIMIT, record: list | None = None,
          quarterly: bool = True) -> Plan:
    """The plan for a scenario: most persons settled, fewest across county borders, then closest
    to the fair shares. `record`, when given, receives every programme handed to a solver.

    `quarterly=False` leaves out the quarterly schedule (stage 3, the slowest stage of a county
    plan) where it cannot change the yearly plan: no timeliness weight and no quarter locked. The
    yearly plan is then the same to the person, and `schedule` is None. The app's negotiation
    table shows only the yearly plan, so an edit there need not wait for the schedule."""
    started = time.perf_counter()
    run = solver_run(solver, time_limit)
    run.record = record
    scenario, grant = _buy_dwellings(scenario, run)
    net = network(scenario)
    settled = settle_most(net, run, scenario)
    net = _care_first(net, settled, run)
    crossing = None
    if net.cross_border:
        net, crossing = fewest_crossing(net, settled, run)
    persons, flow_values, minor_values = _fair_split(net, settled, crossing, run)
    placeable = _placeable_across_borders(scenario, net, settled, run)
    schedule = None
    if scenario.quarters is not None and (quarterly or not schedule_optional(scenario)):
        persons, minor_values, schedule = _schedule(scenario, net, settled, crossing, persons, minor_values, run)
    return _write_back(scenario, net, run, persons, flow_values, minor_values, schedule, grant, placeable, started)


def _buy_dwellings(scenario: Scenario, run: SolverRun) -> tuple[Scenario, GrantResult | None]:
    """The grant's step before the plan: the scenario with the dwellings it buys (a new Scenario)."""
    if scenario.housing_grant is None:
        return scenario, None
    return buy_dwellings(scenario, run, lambda s: solve(s, run.backend, run.time_limit, quarterly=False))


def _care_first(net: Network, settled: int, run: SolverRun) -> Network:
    """Stage 1c: with minors assessed one by one, the most minors needing care are placed first
    (all that fit); the later stages keep that number."""
    if net.minors_split is None:
        return net
    solution = run.solve(build_care_model(net, settled).lp, "care")
    run.require_optimal(solution, "løsning")
    return dataclasses.replace(net, care_settled=float(round(solution.objective)))


def _fair_split(net: Network, settled: int, crossing: int | None, run: SolverRun) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Stage 2: the fair split in real numbers (the QP, by Clarabel), then in whole persons; where
    Clarabel is missing, the piecewise-linear fair model in whole persons directly."""
    if targets.available():
        shape = allocation_model("targets", net)
        add_settled(shape, settled, crossing)
        try:
            proportional, seconds = targets.proportional_targets(shape, run.time_limit, run.record)
        except targets.TargetError as exc:
            raise SolveError(str(exc)) from None
        run.seconds += seconds
        run.stages["targets"] = seconds
        fair_model = build_rounding_model(net, proportional, settled, crossing)
    else:
        fair_model = build_fair_model(net, settled, crossing)
    return whole_persons(fair_model, run)


def _placeable_across_borders(scenario: Scenario, net: Network, settled: int, run: SolverRun) -> int | None:
    """With closed borders and persons left unplaced: how many more open borders would place."""
    if scenario.counties is None or net.cross_border or settled >= scenario.total_request:
        return None
    return settle_most(network(scenario, cross_border=True), run, scenario) - settled


def _schedule(scenario: Scenario, net: Network, settled: int, crossing: int | None, persons: np.ndarray,
              minor_values: np.ndarray | None, run: SolverRun):
    """Stage 3: the quarterly schedule (which may move the yearly plan for timeliness)."""
    before = persons
    persons, schedule = schedule_plan(scenario, net, settled, crossing, persons, run)
    if minor_values is not None and not np.array_equal(before, persons):
        minor_values = split_minors(net, persons, run)  # the yearly plan moved for timeliness
    return persons, minor_values, schedule


def _write_back(scenario: Scenario, net: Network, run: SolverRun, persons: np.ndarray, flow_values: np.ndarray,
                minor_values: np.ndarray | None, schedule, grant, placeable: int | None, started: float) -> Plan:
    """The model's values (model order, municipalities with a request) into the `Plan` (table order)."""
    table_persons = np.zeros_like(persons)
    table_persons[net.rows] = persons
    fair = np.zeros_like(net.fair)
    fair[net.rows] = net.fair
    flows = _flows(net, flow_values)
    minors = None
    if minor_values is not None:
        minors = np.zeros_like(minor_values)
        minors[net.rows] = minor_values
    received = received_by_municipality(table_persons, scenario.county_of(), flows) if net.cross_border else None
    return Plan(
        scenario=scenario,
        persons=table_persons,
        fair=fair,
        solver=f"{run.name} + Clarabel" if targets.available() else run.name,
        solve_seconds=run.seconds,
        total_seconds=time.perf_counter() - started,
        schedule=schedule,
        flows=flows,
        received=received,
        placeable_across_borders=placeable,
        timings=dict(run.stages),
        minors_split=minors,
        grant=grant,
    )


def whole_persons(model: AllocationModel, run: SolverRun, stage: str = "round") -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """x (model order), z and the minors' split in whole persons; re-solve as a MIP in the
    (unexpected) case the LP is not whole."""
    solution = run.solve(model.lp, stage)
    run.require_optimal(solution, "plan")
    values = solution.x
    if not np.allclose(values, np.round(values), atol=1e-6):
        model.lp.set_integer()
        solution = run.solve(model.lp, f"{stage} (MIP)")
        run.require_optimal(solution, "plan i hele personer")
        values = solution.x
    persons, flows = model.persons(values), model.flows(values)
    minors = np.round(values[model.y]).astype(np.int64) if model.y is not None else None
    return np.round(persons).astype(np.int64), np.round(flows).astype(np.int64), minors


def split_minors(net: Network, persons: np.ndarray, run: SolverRun) -> np.ndarray:
    """Each municipality's minors (model order) as those needing care and the others: a small flow
    problem (care ≤ care places, each kind within its request), whole by its structure, with as
    many minors needing care as the care places allow."""
    lp = LinearProgram("minors_split")
    n = net.n
    minors = persons[:, GROUPS.index("minors")].astype(float)
    y = lp.add_columns("y", 2 * n, 0.0, np.column_stack([np.minimum(net.care_caps, minors), minors]).ravel()).reshape(n, 2)
    lp.add_sum_rows("municipality", list(y), minors, minors)
    lp.add_sum_rows("demand", [y[:, 0], y[:, 1]], 0.0, net.minors_split)
    lp.set_cost(y[:, 0], -1.0)
    solution = run.solve(lp, "minors split")
    run.require_optimal(solution, "deling av enslige mindreårige")
    return np.round(solution.x[y]).astype(np.int64)


def _flows(net: Network, values: np.ndarray) -> tuple[Flow, ...]:
    flows = []
    for p, (origin, destination) in enumerate(net.flow_pairs()):
        for j, g in enumerate(GROUPS):
            if values[p, j] > 0:
                flows.append(Flow(net.counties[origin], net.counties[destination], g, int(values[p, j])))
    return tuple(flows)
