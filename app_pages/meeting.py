"""The meeting page (`?mote=<token>`): the adviser's live plan, read-only, refreshing by itself.

Shows only the plan (summary and table); no sidebar, no inputs, no saved scenarios. A link that is
not (or no longer) in use and a meeting the viewer may not see get the same answer, so a crafted
link reveals nothing. Who may see is asked again at every refresh: if the adviser opens another
county's scenario, a viewer who may not read that county stops seeing it at once.
"""

from __future__ import annotations

import time

import streamlit as st

from allocator.present.meeting import MEETINGS, Meeting, may_view
from allocator.present.views import plan_view

from . import signin, state
from .common import summary_strip, table

REFRESH_SECONDS = 1.5
NOT_IN_USE = "Denne møtelenken er ikke i bruk. Be rådgiveren om en ny lenke."


def requested() -> str | None:
    return st.query_params.get("mote")


def _viewer():
    """(rules, actor, needs sign-in): local mode has no rules; `False` rules: a broken access file."""
    rules = signin.rules_or_stop() if signin.sign_in_configured() else None
    if rules is None or rules is False or rules.meeting_without_sign_in:
        return rules, None, False
    if not signin.signed_in():
        return rules, None, True
    groups = st.user.get(rules.group_claim) or []
    return rules, rules.actor(st.user.get("email"), groups if isinstance(groups, list) else [groups]), False


def _may_see(meeting: Meeting | None) -> bool:
    if meeting is None:
        return False
    rules, actor, _ = _viewer()
    return rules is not False and may_view(meeting, actor, rules)


def page(token: str) -> None:
    meeting = MEETINGS.get(token)
    if meeting is None:
        st.title("Bosetting i fylket")
        st.info(NOT_IN_USE)
        return
    rules, _, needs_sign_in = _viewer()
    if rules is False:
        return
    if needs_sign_in:
        st.title("Bosetting i fylket")
        st.caption("Møtevisning: logg inn for å følge planen, og åpne møtelenken på nytt etterpå.")
        if st.button("Logg inn", type="primary"):
            st.login()
        return
    if not _may_see(meeting):
        st.title("Bosetting i fylket")
        st.info(NOT_IN_USE)
        return
    _live(token)


@st.fragment(run_every=REFRESH_SECONDS)
def _live(token: str) -> None:
    meeting = MEETINGS.get(token)
    if meeting is None:
        st.title("Bosetting i fylket")
        st.info("Møtet er avsluttet. Takk for i dag!")
        return
    if not _may_see(meeting):
        st.title("Bosetting i fylket")
        st.info(NOT_IN_USE)
        return
    st.title(f"Møte: {meeting.scenario.name}")
    changed = time.strftime("%H:%M:%S", time.localtime(meeting.updated_at))
    st.caption(f"Bare visning. Planen følger {meeting.host} sine endringer og oppdateres av seg selv "
               f"(sist endret kl. {changed}).")
    plan = state.plan_for(meeting.scenario)
    summary_strip(plan)
    table(plan_view(plan, None, None), height=min(36 * len(plan.allocation) + 40, 720))
