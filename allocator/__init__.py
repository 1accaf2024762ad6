"""Fair, feasible splits of a county's refugee settlement request across its municipalities.

Data flow: scenario files → `load_scenario` (validated `Scenario`) → `solve` (PuLP model, HiGHS)
→ `Plan` (tables) → CLI, app and exports.
"""

from .check import PlanViolation, check_plan
from .key import fair_shares, key_shares
from .plan import Plan
from .scenario import GROUPS, Housing, KeyTerm, Scenario, load_scenario, save_scenario
from .solve import InfeasibleScenario, SolveError, solve
from .validate import Problem, ScenarioError

__all__ = [
    "GROUPS", "Housing", "InfeasibleScenario", "KeyTerm", "Plan", "PlanViolation", "Problem",
    "Scenario", "ScenarioError", "SolveError", "check_plan", "fair_shares", "key_shares",
    "load_scenario", "save_scenario", "solve",
]
