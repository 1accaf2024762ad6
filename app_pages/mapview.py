"""Kart: persons per 1,000 inhabitants on a map of the municipalities, drawn offline."""

from __future__ import annotations

import streamlit as st

from allocator.scenario.write import fingerprint

from . import state
from .common import chart


@st.cache_resource(max_entries=20, show_spinner=False)
def _figure(scenario_fingerprint: str, _plan):
    """The map of a plan, kept between reruns and sessions (it is the largest thing on the page)."""
    try:
        from allocator.present.mapview import municipality_map
    except ImportError:
        return None
    return municipality_map(_plan.municipality_table()["per_1000"], "Personer per 1 000 innbyggere")


def view() -> None:
    plan = state.current_plan()
    state.show_messages()
    if plan is None:
        return
    figure = _figure(fingerprint(plan.scenario), plan)
    if figure is None:
        st.info("Kartet er ikke tilgjengelig på denne maskinen; tabellene viser de samme tallene.")
    else:
        chart(figure)
