"""The housing grant for single adults: where extra small dwellings settle the most persons, or
bring the plan closest to fair.

The KS resolution asks for a stronger housing grant for single adults. A scenario's
`[housing_grant]` gives a budget (NOK), the price of a small dwelling and optionally a cap per
municipality. Before the plan is made, the grant buys dwellings:

    b_i ≥ 0 integer      small dwellings bought in municipality i (only where small dwellings are a
                         limit: elsewhere a dwelling settles nobody); b_i ≤ cap per municipality
    x_ig ≥ 0 integer     persons, with constraints (1)–(4) of model.py, except that
    (4b) adults_i        x_i,adults ≤ a × (small_dwellings_i + b_i)      a adults per small dwelling
    (B)  budget          price × Σ b_i ≤ budget

    step 1: maximise Σ x                                   → S_grant, the most persons it can settle
    step 2: with Σ x = S_grant, minimise Σ_i u_i + ε Σ b_i,
            u_i ≥ f_i,adults − x_i,adults, u_i ≥ 0          adults under their fair share, then the
                                                           fewest dwellings (ε below one dwelling's worth)

The dwellings bought are added to the scenario and the plan is made as always; then every dwelling
the plan does not use is given back (step 2's measure is the adults' shortfall, not the plan's own
fairness, and a dwelling where max_total holds the municipality settles nobody: national 2026
spent 99 MNOK for 0 persons). So the grant buys only dwellings the plan uses: those that let more
persons be settled (the fewest that settle S_grant, `dwellings_to_settle`) and those that make the
split fairer (the rest, `dwellings_for_fairness`). The plan reports the dwellings bought per
municipality, the persons settled thanks to the grant (S_grant less the most persons without it),
the average persons per million NOK spent, and the marginal figure: the persons a million more
would settle, measured over a window of ± max(one dwelling, 10 % of the budget) so that it is not a
one-step difference (30,0 MNOK → 0, 30,5 MNOK → 1 while 30 MNOK settled 20).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from allocator.optimize.lp import DEFAULT_TIME_LIMIT, INF
from allocator.optimize.model import Network, allocation_model, network
from allocator.optimize.run import settle_most, solver_run
from allocator.plan import Plan
from allocator.scenario.data import GROUPS, HousingGrant, Scenario
from allocator.whole import whole_ceil, whole_floor

ADULTS = GROUPS.index("adults")
MILLION = 1_000_000.0


@dataclass
class GrantResult:
    budget: float
    per_dwelling: float
    bought: dict[str, int] = field(default_factory=dict)  # kommunenummer → dwellings
    settled_without: int = 0
    settled_with: int = 0
    persons_per_million: float = 0.0  # marginal: persons per million more, over a window around the budget
    dwellings_to_settle: int = 0  # the fewest dwellings that settle as many as the grant does
    returned: int = 0  # dwellings bought in step 2 that the plan did not use, given back

    @property
    def dwellings(self) -> int:
        return sum(self.bought.values())

    @property
    def spent(self) -> float:
        return self.dwellings * self.per_dwelling

    @property
    def persons_thanks_to_grant(self) -> int:
        return self.settled_with - self.settled_without

    @property
    def dwellings_for_fairness(self) -> int:
        return max(0, self.dwellings - self.dwellings_to_settle)

    @property
    def average_persons_per_million(self) -> float:
        """Persons settled thanks to the grant per million NOK spent (0 when nothing is spent)."""
        return self.persons_thanks_to_grant / (self.spent / MILLION) if self.spent else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "budget": self.budget, "per_dwelling": self.per_dwelling, "spent": self.spent, "dwellings": self.dwellings,
            "bought": [{"kommunenummer": k, "dwellings": v} for k, v in sorted(self.bought.items())],
            "persons_settled_thanks_to_grant": self.persons_thanks_to_grant,
            "persons_per_million": round(self.persons_per_million, 3),
            "average_persons_per_million": round(self.average_persons_per_million, 3),
            "dwellings_to_settle": self.dwellings_to_settle,
            "dwellings_for_fairness": self.dwellings_for_fairness,
            "returned_unused": self.returned,
        }


def _grant_model(net: Network, scenario: Scenario, grant: HousingGrant):
    """The allocation model with small dwellings to buy: (4b) and (B) above."""
    model = allocation_model("grant", net, maximize=True)
    lp, x = model.lp, model.x
    units = scenario.resource_units("small_dwellings")[net.rows]
    per_adult = scenario.housing.adults_per_small_dwelling
    limited = np.flatnonzero(np.isfinite(units))
    reach = net.reach[:, ADULTS]
    # the adults' bound is now (4b), a row with the dwellings to buy
    lp.set_bounds(x[limited, ADULTS], 0.0, np.minimum(reach[limited], net.high[limited]))
    cap = float(grant.max_per_municipality) if grant.max_per_municipality is not None else INF
    bought = lp.add_columns("bought", len(limited), 0.0, min(cap, float(grant.dwellings)), integer=True,
                            labels=lambda k: f"b_{net.numbers[limited[k]]}")
    lp.add_sum_rows("adults_housing", [np.array([x[i, ADULTS], b]) for i, b in zip(limited, bought)], -INF,
                    whole_floor(per_adult * units[limited]), coefficients=[np.array([1.0, -per_adult])] * len(limited))
    lp.add_sum_rows("budget", [bought], -INF, np.array([grant.budget]), coefficients=[np.full(len(limited), grant.per_dwelling)])
    if per_adult != 1.0:  # with one adult per dwelling the whole b keep x whole (a network); else say so
        integer = lp.integer
        integer[x.ravel()] = True
        lp._integer = [integer]
    return model, bought, limited


def _most_settled(net: Network, scenario: Scenario, grant: HousingGrant, run) -> tuple[int, Any, np.ndarray, np.ndarray]:
    model, bought, limited = _grant_model(net, scenario, grant)
    model.lp.set_cost(model.x.ravel(), 1.0)
    solution = run.solve(model.lp, "grant")
    run.require_optimal(solution, "kjøp av boliger")
    return int(round(solution.objective)), model, bought, limited


def buy_dwellings(scenario: Scenario, run, plan_of: Callable[[Scenario], Plan]) -> tuple[Scenario, GrantResult]:
    """The scenario with the dwellings the grant buys, and what was bought and what it settles.
    `plan_of` makes the yearly plan of a scenario without the grant (the pipeline's own), so that
    dwellings the plan leaves unused are given back."""
    grant = scenario.housing_grant
    net = network(scenario)
    without = settle_most(net, run, scenario)
    settled, model, bought, limited = _most_settled(net, scenario, grant, run)
    # step 2: the same persons, as fair as the dwellings can make it, with the fewest dwellings
    lp, x = model.lp.copy("grant_fair", maximize=False), model.x
    lp.set_cost(np.arange(lp.num_cols), 0.0)
    lp.add_sum_rows("settled", [x.ravel()], settled, INF)
    under = lp.add_columns("under", net.n, 0.0, INF, cost=1.0)
    lp.add_sum_rows("under_fair", [np.array([u, x[i, ADULTS]]) for i, u in enumerate(under)], net.fair[:, ADULTS], INF,
                    coefficients=[np.array([1.0, 1.0])] * net.n)
    lp.add_cost(bought, 1.0 / (grant.dwellings + 2))
    solution = run.solve(lp, "grant")
    run.require_optimal(solution, "kjøp av boliger")
    amounts = np.round(solution.x[bought]).astype(np.int64)
    result = GrantResult(grant.budget, grant.per_dwelling, settled_without=without, settled_with=settled)
    table = scenario.table
    original = table.numeric("small_dwellings")
    small = original.copy()
    small[net.rows[limited]] += amounts
    bought_scenario = scenario.with_changes(table=table.with_columns({"small_dwellings": small}), municipalities=None)
    # Give back what the plan does not use: it settles nobody and makes nothing fairer
    plan = plan_of(bought_scenario.with_changes(housing_grant=None))
    per_adult = scenario.housing.adults_per_small_dwelling
    used = whole_ceil(plan.persons[:, ADULTS] / per_adult)
    for k, amount in zip(limited, amounts):
        row = net.rows[k]
        keep = int(min(amount, max(0.0, used[row] - original[row]))) if amount > 0 else 0
        result.returned += int(amount) - keep
        small[row] = original[row] + keep
        if keep > 0:
            result.bought[net.numbers[k]] = keep
    result.dwellings_to_settle = _fewest_to_settle(net, scenario, grant, settled, run) if settled > without else 0
    result.persons_per_million = _marginal(net, scenario, grant, run)
    # more small dwellings keep every rule of the scenario: no need to validate it again
    return scenario.with_changes(table=table.with_columns({"small_dwellings": small}), municipalities=None), result


def _fewest_to_settle(net: Network, scenario: Scenario, grant: HousingGrant, settled: int, run) -> int:
    """The fewest dwellings with which the grant settles `settled` persons."""
    model, bought, _ = _grant_model(net, scenario, grant)
    lp = model.lp.copy("grant_fewest", maximize=False)
    lp.add_sum_rows("settled", [model.x.ravel()], settled, INF)
    lp.set_cost(np.arange(lp.num_cols), 0.0)
    lp.set_cost(bought, 1.0)
    solution = run.solve(lp, "grant")
    run.require_optimal(solution, "kjøp av boliger")
    return int(round(solution.objective))


def marginal_window(grant: HousingGrant) -> float:
    """Half the width (NOK) of the window the marginal figure is measured over."""
    return max(grant.per_dwelling, 0.1 * grant.budget)


def _marginal(net: Network, scenario: Scenario, grant: HousingGrant, run) -> float:
    """Persons per million NOK more, as the slope of the most settled over budget ± the window."""
    window = marginal_window(grant)
    low, high = max(0.0, grant.budget - window), grant.budget + window
    settled = [_most_settled(net, scenario, HousingGrant(b, grant.per_dwelling, grant.max_per_municipality), run)[0]
               for b in (low, high)]
    return (settled[1] - settled[0]) / ((high - low) / MILLION)


def settled_by_budget(scenario: Scenario, budgets: list[float]) -> list[int]:
    """The most persons that can be settled for each budget (the curve of persons against the grant)."""
    grant = scenario.housing_grant or HousingGrant(0.0, 1_000_000.0)
    net = network(scenario)
    run = solver_run("highs", DEFAULT_TIME_LIMIT)
    return [_most_settled(net, scenario, HousingGrant(b, grant.per_dwelling, grant.max_per_municipality), run)[0] for b in budgets]
