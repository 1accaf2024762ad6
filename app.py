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

from allocator.labels import plain_text
from app_pages import (
    compare,
    explain,
    export,
    keys,
    mapview,
    meeting,
    negotiation,
    plan,
    quarters,
    record,
    sidebar,
    signin,
    state,
    whatif,
    year,
)

VIEWS = {
    "Forhandling": negotiation.view,
    "Plan": plan.view,
    "Forklar": explain.view,
    "Kvartaler": quarters.view,
    "Kart": mapview.view,
    "Sammenlign": compare.view,
    "Hva om": whatif.view,
    "Møtereferat": record.view,
    "Eksport": export.view,
    "Året": year.view,
}
DEFAULT_VIEW = "Forhandling"

#: Long figures and «Begrenset av» wrap instead of being cut (a laptop on a projector is 1366 px wide).
CSS = """<style>
[data-testid="stMetricDelta"] div, [data-testid="stMetricValue"] div { white-space: normal !important; overflow: visible !important; }
[data-testid="stMetricDelta"] { height: auto !important; }
/* Streamlit's uploader speaks English («Drag and drop files here», «Limit 5MB per file», «Browse
   files»): its instructions are hidden (the label says what to upload and the limit) and the
   button is labelled in Norwegian. */
[data-testid="stFileUploaderDropzoneInstructions"] { display: none !important; }
[data-testid="stFileUploaderDropzone"] button { font-size: 0 !important; }
[data-testid="stFileUploaderDropzone"] button::after { content: "Velg filer"; font-size: 0.875rem; }
[data-testid="stFileChipName"] + * { display: none !important; }  /* «64.0B» */
[data-testid="stMainBlockContainer"] { padding-left: 1.5rem !important; padding-right: 1.5rem !important; }
</style>"""


def on_view() -> None:
    """A click on the view already shown unselects it in Streamlit's segmented control: keep it."""
    session = st.session_state
    if session.get(keys.VIEW) is None:
        session[keys.VIEW] = session.get(keys.LAST_VIEW, DEFAULT_VIEW)
    session[keys.LAST_VIEW] = session[keys.VIEW]


def draft_offer() -> None:
    offer = st.session_state.get(keys.DRAFT_OFFER)
    if offer is None:
        return
    count = len(offer.steps) or 1
    with st.container(border=True):
        st.warning(f"Denne siden har ulagrede endringer fra forrige gang ({'1 endring' if count == 1 else f'{count} endringer'} "
                   f"i «{offer.scenario.name}»). Vil du ta dem tilbake?")
        left, right = st.columns(2)
        left.button("Gjenopprett ulagrede endringer", on_click=state.restore_draft, type="primary", width="stretch")
        right.button("Forkast dem", on_click=state.discard_draft, width="stretch")


def main() -> None:
    st.set_page_config(page_title="Bosetting i fylket", page_icon="🏠", layout="wide")
    st.html(CSS)
    signin.register()
    token = meeting.requested()
    if token:  # the read-only meeting link: only the live plan
        meeting.page(token)
        return
    if not signin.gate():  # the shared server before sign-in shows only «Logg inn»
        return
    state.init()
    sidebar.render()
    st.title(f"Bosetting: {state.scenario().name}")
    draft_offer()
    if state.scenario().description:
        with st.expander("Om scenarioet"):
            st.markdown(plain_text(state.scenario().description))
    st.session_state.setdefault(keys.VIEW, DEFAULT_VIEW)
    chosen = st.segmented_control("Visning", list(VIEWS), key=keys.VIEW, on_change=on_view, label_visibility="collapsed")
    VIEWS[chosen or DEFAULT_VIEW]()


main()
