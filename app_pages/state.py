"""The session's state: the loaded and the working scenario, the plans, and what to tell the user.

Every edit goes through `try_edit`: it either becomes the working scenario or is refused with one
message in plain words, and the widgets that made it are put back to what the plan on screen used,
so the screen never shows inputs that are not the plan's.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

from allocator import store
from allocator.plan import Plan
from allocator.problems import ScenarioError
from allocator.scenario import GROUPS, QUARTERS, Quarters, Scenario, fingerprint
from allocator.solve import SolveError, schedule_optional, solve
from allocator.views import plain_problems

APP_TIME_LIMIT = 10.0


@st.cache_resource(max_entries=200, show_spinner=False)
def _solve_cached(scenario_fingerprint: str, quarterly: bool, _scenario: Scenario) -> Plan:
    """Plans are shared between sessions by fingerprint: equal inputs, the same plan.
    (Streamlit hashes only the fingerprint; the leading underscore keeps it off the scenario.)"""
    return solve(_scenario, time_limit=APP_TIME_LIMIT, quarterly=quarterly)


def plan_for(scenario: Scenario, quarterly: bool = False) -> Plan:
    """The scenario's plan; with `quarterly` its quarterly schedule too. Only the Kvartaler and
    Eksport views show the schedule, and leaving it out (where it cannot change the yearly plan)
    about halves the server's work per edit in the negotiation table of a county with quarters.
    Where leaving it out is not possible (or there are no quarters), both ask for the same plan."""
    quarterly = quarterly or not schedule_optional(scenario)
    return _solve_cached(fingerprint(scenario), quarterly, scenario)


# --------------------------------------------------------------------------- loading


def widget_values_from(scenario: Scenario) -> None:
    """Point the request, key and quarter widgets at a scenario's values."""
    state = st.session_state
    for g in GROUPS:
        state[f"req_{g}"] = int(scenario.request[g])
    for g, count in (scenario.minors_split or {}).items():
        state[f"req_{g}"] = int(count)
    for term in scenario.key:
        state[f"key_{term.column}_weight"] = min(3.0, round(float(term.weight), 2))
        state[f"key_{term.column}_exponent"] = min(1.5, round(float(term.exponent), 2))
        state[f"key_{term.column}_credit"] = bool(term.credit)
    quarters = scenario.quarters or Quarters.evenly(scenario.request)
    for g in GROUPS:
        state[f"q_deadline_{g}"] = int(quarters.deadline[g])
    state.q_weight = round(float(quarters.timeliness_weight), 1)
    state.q_baseline = quarters.baseline if isinstance(quarters.baseline, str) else "even"
    incentives = scenario.incentives
    for q in QUARTERS:
        state[f"inc_bonus_{q}"] = int(incentives.bonus[q - 1])
    state.inc_threshold = int(round(100 * incentives.q4_threshold))
    state.inc_deduction = int(incentives.q4_deduction)


def load(scenario: Scenario, message: str | None = None) -> None:
    state = st.session_state
    state.base = scenario
    state.scenario = scenario
    state.previous_plan = None
    state.plan = None
    state.editor_version = state.get("editor_version", 0) + 1
    widget_values_from(scenario)
    if message:
        state.notice = message


def init() -> None:
    state = st.session_state
    if "scenario" not in state:
        default = store.list_scenarios()[0]
        state.choice = default.label
        state.notice = None
        state.edit_error = None
        state.solve_error = None
        load(store.load_stored(default))


# --------------------------------------------------------------------------- edits


def try_edit(change: Callable[[Scenario], Scenario], what: str = "Endringen") -> bool:
    """Apply one edit; on a broken rule keep the scenario as it was, say why once, and put the
    widgets back to the scenario's values."""
    state = st.session_state
    try:
        state.scenario = change(state.scenario)
    except ScenarioError as exc:
        state.edit_error = f"{what} ble ikke gjort:\n\n" + bullets(plain_problems(exc, state.scenario))
        widget_values_from(state.scenario)
        return False
    return True


def bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


# --------------------------------------------------------------------------- the plan on screen


def current_plan(quarterly: bool = False) -> Plan | None:
    """The plan of the working scenario (`quarterly`: with its schedule); on failure the last good
    plan stays, with a message."""
    state = st.session_state
    state.solve_error = None
    try:
        plan = plan_for(state.scenario, quarterly)
    except (ScenarioError, SolveError) as exc:
        detail = bullets(plain_problems(exc, state.scenario)) if isinstance(exc, ScenarioError) else str(exc)
        state.solve_error = "Ingen ny plan kunne lages; viser siste gyldige plan.\n\n" + detail
        return _last_good(quarterly)
    if state.plan is not None and state.plan is not plan and fingerprint(state.plan.scenario) != fingerprint(plan.scenario):
        state.previous_plan = state.plan
    state.plan = plan
    return plan


def _last_good(quarterly: bool) -> Plan | None:
    """The last good plan, with its schedule where the view shows the schedule (the negotiation
    table keeps the last good plan without it): the same scenario, solved with its schedule."""
    plan = st.session_state.plan
    if quarterly and plan is not None and plan.schedule is None and plan.scenario.quarters is not None:
        try:
            return plan_for(plan.scenario, quarterly=True)
        except (ScenarioError, SolveError):
            return None
    return plan


def base_plan() -> Plan | None:
    """The plan of the scenario as it was loaded (for "change since the start")."""
    try:
        return plan_for(st.session_state.base)
    except (ScenarioError, SolveError):
        return None


def show_messages(with_plan: bool = True) -> None:
    """Notices and errors, each shown once; `with_plan` (in a view, after `current_plan`) also
    says when the plan on screen is the last good one."""
    state = st.session_state
    if state.get("notice"):
        st.success(state.notice)
        state.notice = None
    if state.get("edit_error"):
        st.error(state.edit_error)
        state.edit_error = None
    if with_plan and state.get("solve_error"):
        st.error(state.solve_error)
