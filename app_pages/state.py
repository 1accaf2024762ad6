"""The session's state: the loaded and the working scenario, the plans, the edits made (to undo,
redo, keep as a draft and list in the meeting record), and what to tell the user.

The working scenario is the one source of truth. Every input is drawn with its value from it
(see `keys` and `inputs`), and every edit goes through `try_edit`: it either becomes the working
scenario, as one step that can be undone, or is refused with one message in plain words. Replacing
the scenario (another scenario, an upload, «Tilbakestill endringer») while it has unsaved edits
waits for the user's yes (`request_load`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import streamlit as st
from streamlit.errors import StreamlitAPIException

from allocator.optimize.solve import SolveError, schedule_optional, solve
from allocator.output import store
from allocator.plan import Plan
from allocator.present import changes, drafts
from allocator.present.views import plain_problems
from allocator.problems import ScenarioError
from allocator.scenario.data import Scenario
from allocator.scenario.write import fingerprint

from . import keys

APP_TIME_LIMIT = 10.0
MAX_UNDO = 200


@dataclass(frozen=True)
class Step:
    """One edit: the scenario before and after it, and what the user did, in words."""

    before: Scenario
    after: Scenario
    what: str


@dataclass(frozen=True)
class Pending:
    """A replacement of the working scenario that waits for the user's yes (it has unsaved edits)."""

    question: str
    yes: str
    scenario: Scenario
    label: str
    message: str
    opened: object = None


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


# --------------------------------------------------------------------------- reading the session


def session():
    return st.session_state


def scenario() -> Scenario:
    return st.session_state[keys.SCENARIO]


def base() -> Scenario:
    return st.session_state[keys.BASE]


def steps() -> list[Step]:
    return st.session_state[keys.UNDO]


def dirty() -> bool:
    """Unsaved edits: the working scenario differs from the one loaded (or last saved)."""
    s = st.session_state
    return fingerprint(s[keys.SCENARIO]) != fingerprint(s[keys.BASE])


def refusals() -> int:
    return st.session_state.get(keys.REFUSALS, 0)


def refused() -> None:
    """An input's edit was refused: its input is drawn afresh, with the scenario's value."""
    st.session_state[keys.REFUSALS] = refusals() + 1


def new_editors() -> None:
    """The tables are drawn afresh (their edits are in the scenario, or were refused or undone)."""
    st.session_state[keys.EDITOR_VERSION] = st.session_state.get(keys.EDITOR_VERSION, 0) + 1


# --------------------------------------------------------------------------- loading


#: `load(..., opened=KEEP)`: the scenario is the same saved one (a reset, a restored draft).
KEEP = object()


def load(scenario_: Scenario, message: str | None = None, label: str | None = None, opened: object = None) -> None:
    """Make `scenario_` the loaded and working scenario (no edits, nothing to undo). `opened`:
    (id, version, name) of the saved scenario it is, so a save adds a version to it; None for
    anything else (a bundled, uploaded or new scenario); KEEP leaves it as it was."""
    s = st.session_state
    if opened is not KEEP:
        s[keys.OPENED] = opened
        s[keys.SAVE_CONFLICT] = s[keys.CONFIRM_REPLACE] = s[keys.HISTORY_OPEN] = None
    s[keys.BASE] = scenario_
    s[keys.SCENARIO] = scenario_
    s[keys.PREVIOUS_PLAN] = None
    s[keys.PLAN] = None
    s[keys.UNDO] = []
    s[keys.REDO] = []
    s[keys.PENDING] = None
    s[keys.LOADED_LABEL] = label or scenario_.name
    _name_on_screen(s)
    new_editors()
    _keep_draft()
    if message:
        s[keys.NOTICE] = message


def _name_on_screen(s) -> None:
    """«Velg scenario» names what is on screen. From a button's body (the history's «Åpne»,
    «Gjenopprett») the list is already drawn: the sidebar then names it on the next run."""
    try:
        s[keys.CHOICE] = s[keys.LOADED_LABEL]
    except StreamlitAPIException:
        pass


def request_load(scenario_: Scenario, message: str, label: str | None = None, question: str | None = None,
                 yes: str | None = None, opened: object = None) -> None:
    """Load `scenario_` now, or, with unsaved edits, after the user says yes (`confirm`)."""
    s = st.session_state
    if not dirty():
        load(scenario_, message, label, opened)
        return
    count = len(s[keys.UNDO])
    s[keys.PENDING] = Pending(
        question=question or (f"Du har ulagrede endringer ({_edits(count)}). Vil du bytte til «{scenario_.name}»? "
                              "Endringene forsvinner (lagre dem først under «Lagre scenario» om de skal tas vare på)."),
        yes=yes or f"Ja, bytt til «{scenario_.name}»", scenario=scenario_, label=label or scenario_.name, message=message,
        opened=opened)
    _name_on_screen(s)  # the list keeps naming what is on screen until the user says yes


def confirm() -> None:
    pending: Pending | None = st.session_state.get(keys.PENDING)
    if pending is not None:
        load(pending.scenario, pending.message, pending.label, pending.opened)


def cancel() -> None:
    st.session_state[keys.PENDING] = None


def _edits(count: int) -> str:
    return "1 endring" if count == 1 else f"{count} endringer"


def init() -> None:
    """A new session: the default scenario, and the address's draft offered when it has one."""
    s = st.session_state
    if keys.SCENARIO in s:
        return
    s[keys.NOTICE] = s[keys.EDIT_ERROR] = s[keys.SOLVE_ERROR] = None
    s[keys.REFUSALS] = s[keys.COUNTY_EDITOR_VERSION] = 0
    default = store.list_scenarios()[0]
    load(store.load_stored(default), label=default.label)  # before the draft id: this load keeps no draft
    wanted = st.query_params.get(keys.DRAFT_QUERY)
    s[keys.DRAFT_ID] = wanted if drafts.valid_id(wanted) else drafts.new_id()
    offer = drafts.load(wanted) if drafts.valid_id(wanted) else None
    s[keys.DRAFT_OFFER] = offer if offer is not None and fingerprint(offer.base) != fingerprint(offer.scenario) else None
    if wanted != s[keys.DRAFT_ID]:
        st.query_params[keys.DRAFT_QUERY] = s[keys.DRAFT_ID]


def restore_draft() -> None:
    """Bring back the unsaved edits of an earlier visit of this address (after a reload)."""
    s = st.session_state
    draft: drafts.Draft | None = s.get(keys.DRAFT_OFFER)
    if draft is None:
        return
    s[keys.DRAFT_OFFER] = None
    load(draft.base, label=draft.label)
    what = "Gjenopprettede endringer" + (f": {'; '.join(draft.steps)}" if draft.steps else "")
    _commit(draft.scenario, what)
    s[keys.NOTICE] = f"{_edits(len(draft.steps) or 1).capitalize()} fra forrige gang er gjenopprettet."


def discard_draft() -> None:
    s = st.session_state
    s[keys.DRAFT_OFFER] = None
    drafts.discard_later(s[keys.DRAFT_ID])


def after_save(saved: store.StoredScenario) -> None:
    """A save makes the saved scenario the loaded one: its name in the title, the list and the
    files, nothing unsaved; the session's edits stay (to undo, and in the meeting record)."""
    s = st.session_state
    rename = lambda sc: sc.with_changes(name=saved.name)  # noqa: E731
    s[keys.UNDO] = [Step(rename(t.before), rename(t.after), t.what) for t in s[keys.UNDO]]
    s[keys.REDO] = [Step(rename(t.before), rename(t.after), t.what) for t in s[keys.REDO]]
    s[keys.SCENARIO] = s[keys.BASE] = rename(s[keys.SCENARIO])
    s[keys.LOADED_LABEL] = saved.label
    _name_on_screen(s)
    _keep_draft()


# --------------------------------------------------------------------------- edits


def try_edit(change: Callable[[Scenario], Scenario], what: str = "Endringen", step: str | None = None) -> bool:
    """Apply one edit; on a broken rule keep the scenario as it was and say why once («`what` ble
    ikke gjort»). `step` names the edit in «Angre» and the meeting record (default `what`)."""
    s = st.session_state
    before = s[keys.SCENARIO]
    try:
        after = change(before)
    except ScenarioError as exc:
        s[keys.EDIT_ERROR] = f"{what} ble ikke gjort:\n\n" + bullets(plain_problems(exc, before))
        return False
    if fingerprint(after) != fingerprint(before):
        _commit(after, step or changes.summary(before, after))
    return True


def _commit(after: Scenario, what: str) -> None:
    s = st.session_state
    s[keys.UNDO] = [*s[keys.UNDO], Step(s[keys.SCENARIO], after, what)][-MAX_UNDO:]
    s[keys.REDO] = []
    s[keys.SCENARIO] = after
    _keep_draft()


def undo() -> None:
    _step_over(keys.UNDO, keys.REDO, lambda step: step.before, "Ingen endringer å angre.", "Angret")


def redo() -> None:
    _step_over(keys.REDO, keys.UNDO, lambda step: step.after, "Ingenting å gjøre om.", "Gjort om")


def _step_over(source: str, target: str, scenario_of: Callable[[Step], Scenario], nothing: str, done: str) -> None:
    """Move the last step from one list (undo or redo) to the other, and show the scenario it leads to."""
    s = st.session_state
    if not s[source]:
        s[keys.NOTICE] = nothing
        return
    step = s[source][-1]
    s[source] = s[source][:-1]
    s[target] = [*s[target], step]
    s[keys.SCENARIO] = scenario_of(step)
    new_editors()
    _keep_draft()
    s[keys.NOTICE] = f"{done}: {step.what}."


def _keep_draft() -> None:
    """The unsaved edits on the server (or no draft when there are none), written in the
    background; a failing disk never stops the editing (it is logged)."""
    s = st.session_state
    if keys.DRAFT_ID not in s:
        return
    if dirty():
        drafts.save_later(s[keys.DRAFT_ID], s[keys.BASE], s[keys.SCENARIO], [t.what for t in s[keys.UNDO]], s[keys.LOADED_LABEL])
    else:
        drafts.discard_later(s[keys.DRAFT_ID])


def bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


# --------------------------------------------------------------------------- the plan on screen


def current_plan(quarterly: bool = False) -> Plan | None:
    """The plan of the working scenario (`quarterly`: with its schedule); on failure the last good
    plan stays, with a message."""
    s = st.session_state
    s[keys.SOLVE_ERROR] = None
    try:
        plan = plan_for(s[keys.SCENARIO], quarterly)
    except (ScenarioError, SolveError) as exc:
        detail = bullets(plain_problems(exc, s[keys.SCENARIO])) if isinstance(exc, ScenarioError) else str(exc)
        s[keys.SOLVE_ERROR] = "Ingen ny plan kunne lages; viser siste gyldige plan.\n\n" + detail
        return _last_good(quarterly)
    old = s[keys.PLAN]
    if old is not None and old is not plan and fingerprint(old.scenario) != fingerprint(plan.scenario):
        s[keys.PREVIOUS_PLAN] = old
    s[keys.PLAN] = plan
    return plan


def _last_good(quarterly: bool) -> Plan | None:
    """The last good plan, with its schedule where the view shows the schedule (the negotiation
    table keeps the last good plan without it): the same scenario, solved with its schedule."""
    plan = st.session_state[keys.PLAN]
    if quarterly and plan is not None and plan.schedule is None and plan.scenario.quarters is not None:
        try:
            return plan_for(plan.scenario, quarterly=True)
        except (ScenarioError, SolveError):
            return None
    return plan


def base_plan() -> Plan | None:
    """The plan of the scenario as it was loaded (for "change since the start")."""
    try:
        return plan_for(st.session_state[keys.BASE])
    except (ScenarioError, SolveError):
        return None


def show_messages(with_plan: bool = True) -> None:
    """Notices and errors, each shown once, inside the view (so the next edit takes them away);
    `with_plan` (after `current_plan`) also says when the plan on screen is the last good one."""
    s = st.session_state
    if s.get(keys.NOTICE):
        st.success(s[keys.NOTICE])
        s[keys.NOTICE] = None
    if s.get(keys.EDIT_ERROR):
        st.error(s[keys.EDIT_ERROR])
        s[keys.EDIT_ERROR] = None
    if with_plan and s.get(keys.SOLVE_ERROR):
        st.error(s[keys.SOLVE_ERROR])
