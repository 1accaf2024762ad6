"""Fair, feasible splits of a county's refugee settlement request across its municipalities.

Data flow: scenario files → `load_scenario` (validated `Scenario`) → `solve` (model, HiGHS and
Clarabel) → `Plan` (tables) → CLI, app and exports.

Importing the package is cheap: numpy only. pandas, the solvers (highspy, Clarabel, scipy) and
PuLP are imported where they are used, so `python -m allocator --help` and `validate` start fast.
"""

from allocator.check import PlanViolation, check_plan
from allocator.optimize.solve import InfeasibleScenario, SolveError, solve
from allocator.plan import Plan
from allocator.problems import Problem, ScenarioError
from allocator.scenario.data import GROUPS, Housing, KeyTerm, Scenario
from allocator.scenario.key import fair_shares, key_shares
from allocator.scenario.load import load_scenario
from allocator.scenario.write import save_scenario

__all__ = [
    "GROUPS", "Housing", "InfeasibleScenario", "KeyTerm", "Plan", "PlanViolation", "Problem",
    "Scenario", "ScenarioError", "SolveError", "check_plan", "fair_shares", "key_shares",
    "load_scenario", "save_scenario", "solve",
]
