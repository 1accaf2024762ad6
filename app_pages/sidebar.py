"""The sidebar: choose, make, upload, reset and save scenarios (saving, history and meetings: saving.py)."""

from __future__ import annotations

import streamlit as st

from allocator import store
from allocator.catalog import COUNTY_NAMES, NATIONAL, YEARS, CatalogError, scenario_files
from allocator.problems import ScenarioError
from allocator.upload import scenario_from_uploads

from . import saving, signin, state


def _find_stored(label: str) -> store.StoredScenario | None:
    """A scenario by its label; None when it is gone (another user may have replaced it)."""
    return next((s for s in store.list_scenarios() if s.label == label), None)


def on_choose() -> None:
    chosen = _find_stored(st.session_state.choice)
    if chosen is None:
        st.session_state.edit_error = f"Fant ikke «{st.session_state.choice}» lenger; velg et annet scenario."
        return
    try:
        state.load(store.load_stored(chosen), f"Lastet inn «{chosen.name}».")
        saving.remember_opened(chosen)
    except ScenarioError as exc:
        st.session_state.edit_error = f"Kunne ikke laste «{chosen.name}»:\n\n" + state.bullets(exc.lines())


def on_upload() -> None:
    files = st.session_state.get("upload") or []
    try:
        scenario = scenario_from_uploads({f.name: f.getvalue() for f in files})
    except ScenarioError as exc:
        st.session_state.edit_error = "Opplastingen ble ikke lastet inn; det du hadde er beholdt.\n\n" + state.bullets(exc.lines())
        return
    taken = {s.name for s in store.list_scenarios()}
    if scenario.name in taken:  # never two scenarios with one name in the list
        scenario = scenario.with_changes(name=f"{scenario.name} (opplastet)")
    notes = "".join(f"\n\n{note}" for note in scenario.notes)
    state.load(scenario, f"Lastet inn «{scenario.name}» fra opplastede filer.{notes}")
    saving.remember_opened(None)


def on_new_county() -> None:
    fylke, year = st.session_state.new_county, int(st.session_state.new_year)
    try:
        settings, rows = scenario_files(fylke, year)
        scenario = scenario_from_uploads({"scenario.toml": settings.encode("utf-8"), "municipalities.csv": rows.encode("utf-8")})
    except (CatalogError, ScenarioError) as exc:
        st.session_state.edit_error = f"Kunne ikke lage scenario for {fylke} {year}: {exc}"
        return
    state.load(scenario, f"Laget «{scenario.name}» fra offentlige tall (IMDi, SSB); boliger og plasser er illustrative.")
    saving.remember_opened(None)


def on_reset() -> None:
    state.load(st.session_state.base, "Tilbakestilt til scenarioet slik det ble lastet inn.")


def render() -> None:
    session = st.session_state
    with st.sidebar:
        st.header("Scenario")
        signin.who_am_i()
        labels = [s.label for s in store.list_scenarios()]
        if session.choice not in labels:
            labels.append(session.choice)
        st.selectbox("Velg scenario", labels, key="choice", on_change=on_choose)
        st.button("Tilbakestill endringer", on_click=on_reset, width="stretch",
                  help="Går tilbake til scenarioet slik det ble lastet inn.")
        with st.expander("Nytt scenario for fylke …"):
            st.selectbox("Fylke", [*COUNTY_NAMES, NATIONAL], key="new_county",
                         help="Norge = alle 357 kommuner med hvert fylkes anmodning.")
            st.selectbox("År", YEARS, index=len(YEARS) - 1, key="new_year")
            st.button("Lag scenario", on_click=on_new_county, width="stretch")
        with st.expander("Last opp scenario"):
            st.file_uploader("scenario.toml og municipalities.csv, eller én Excel-arbeidsbok",
                             type=["toml", "csv", "xlsx"], accept_multiple_files=True, key="upload")
            st.button("Last inn filene", on_click=on_upload, width="stretch")
        saving.save_panel()
        saving.watch()
        saving.history_panel()
        saving.meeting_panel()
        st.caption("Kilde: IMDi, SSB. Boliger og plasser i eksemplene er illustrative.")
