"""Bosetting i fylket: the negotiation app.

Thin by design: session state → allocator (edits, solve, views) → render. Every rule and number
comes from `allocator/`; the views in `app_pages/` decide where things go on the screen. Only the
view a user looks at is built, each view is a fragment (an edit reruns that view, not the page),
plans are shared between sessions by fingerprint, and files are made only when downloaded. Each
browser session has its own working scenario in `st.session_state`; saved scenarios are shared
(with the users the access file allows, on the shared server: see app_pages/signin.py).
"""

from __future__ import annotations

import streamlit as st

from app_pages import compare, explain, export, mapview, meeting, negotiation, plan, quarters, sidebar, signin, state, whatif, year

VIEWS = {
    "Forhandling": negotiation.view,
    "Plan": plan.view,
    "Forklar": explain.view,
    "Kvartaler": quarters.view,
    "Kart": mapview.view,
    "Sammenlign": compare.view,
    "Hva om": whatif.view,
    "Eksport": export.view,
    "Året": year.view,
}


def main() -> None:
    st.set_page_config(page_title="Bosetting i fylket", page_icon="🏠", layout="wide")
    signin.register()
    token = meeting.requested()
    if token:  # the read-only meeting link: only the live plan
        meeting.page(token)
        return
    if not signin.gate():  # the shared server before sign-in shows only «Logg inn»
        return
    state.init()
    sidebar.render()
    scenario = st.session_state.scenario
    st.title(f"Bosetting: {scenario.name}")
    state.show_messages(with_plan=False)  # each view says so itself, after it has made its plan
    if scenario.description:
        with st.expander("Om scenarioet"):
            st.markdown(scenario.description)
    chosen = st.segmented_control("Visning", list(VIEWS), default="Forhandling", key="view", label_visibility="collapsed")
    VIEWS[chosen or "Forhandling"]()


main()
