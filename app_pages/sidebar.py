"""The sidebar: choose, make, upload, reset and save scenarios; undo and redo (saving, history and
meetings: saving.py).

Replacing the working scenario while it has unsaved edits asks first (`state.request_load`).
"""

from __future__ import annotations

import streamlit as st

from allocator.output import store
from allocator.problems import ScenarioError
from allocator.scenario.catalog import scenario_files
from allocator.scenario.national import COUNTY_NAMES, NATIONAL, YEARS, CatalogError
from allocator.scenario.upload import scenario_from_uploads

from . import keys, saving, signin, state


def _find_stored(label: str) -> store.StoredScenario | None:
    """A scenario by its label; None when it is gone (another user may have replaced it)."""
    return next((s for s in store.list_scenarios() if s.label == label), None)


def on_choose() -> None:
    session = st.session_state
    label = session[keys.CHOICE]
    if label == session[keys.LOADED_LABEL]:
        return
    chosen = _find_stored(label)
    if chosen is None:
        session[keys.EDIT_ERROR] = f"Fant ikke «{label}» lenger; velg et annet scenario."
        session[keys.CHOICE] = session[keys.LOADED_LABEL]
        return
    try:
        scenario = store.load_stored(chosen)
    except ScenarioError as exc:
        session[keys.EDIT_ERROR] = f"Kunne ikke laste «{chosen.name}»:\n\n" + state.bullets(exc.lines())
        session[keys.CHOICE] = session[keys.LOADED_LABEL]
        return
    state.request_load(scenario, f"Lastet inn «{chosen.name}».", chosen.label, opened=saving.opened_of(chosen))


def on_upload() -> None:
    session = st.session_state
    files = session.get(keys.UPLOAD) or []
    try:
        scenario = scenario_from_uploads({f.name: f.getvalue() for f in files})
    except ScenarioError as exc:
        session[keys.EDIT_ERROR] = "Opplastingen ble ikke lastet inn; det du hadde er beholdt.\n\n" + state.bullets(exc.lines())
        return
    taken = {s.name for s in store.list_scenarios()}
    if scenario.name in taken:  # never two scenarios with one name in the list
        scenario = scenario.with_changes(name=f"{scenario.name} (opplastet)")
    notes = "".join(f"\n\n{note}" for note in scenario.notes)
    state.request_load(scenario, f"Lastet inn «{scenario.name}» fra opplastede filer.{notes}")


def on_new_county() -> None:
    session = st.session_state
    fylke, year = session[keys.NEW_COUNTY], int(session[keys.NEW_YEAR])
    try:
        settings, rows = scenario_files(fylke, year)
        scenario = scenario_from_uploads({"scenario.toml": settings.encode("utf-8"), "municipalities.csv": rows.encode("utf-8")})
    except (CatalogError, ScenarioError) as exc:
        session[keys.EDIT_ERROR] = f"Kunne ikke lage scenario for {fylke} {year}: {exc}"
        return
    state.request_load(scenario, f"Laget «{scenario.name}» fra offentlige tall (IMDi, SSB); boliger og plasser er illustrative.")


def on_reset() -> None:
    count = len(state.steps())
    state.request_load(state.base(), "Tilbakestilt til scenarioet slik det ble lastet inn.", st.session_state[keys.LOADED_LABEL],
                       opened=state.KEEP,
                       question=f"Tilbakestille? Endringene som ikke er lagret ({'1 endring' if count == 1 else f'{count} endringer'}) "
                                "forsvinner.",
                       yes="Ja, tilbakestill endringene")


def render() -> None:
    session = st.session_state
    with st.sidebar:
        st.header("Scenario")
        signin.who_am_i()
        labels = [s.label for s in store.list_scenarios()]
        session[keys.CHOICE] = session[keys.LOADED_LABEL]  # what is on screen (a pick waiting for a yes is not)
        if session[keys.CHOICE] not in labels:  # not saved, or deleted: named all the same
            labels.append(session[keys.CHOICE])
        st.selectbox("Velg scenario", labels, key=keys.CHOICE, on_change=on_choose)
        pending: state.Pending | None = session.get(keys.PENDING)
        if pending is not None:
            st.warning(pending.question)
            yes, no = st.columns(2)
            yes.button(pending.yes, on_click=state.confirm, type="primary", width="stretch")
            no.button("Avbryt", on_click=state.cancel, width="stretch")
        undo, redo = st.columns(2)
        undo.button("↶ Angre", on_click=state.undo, width="stretch", help="Angrer den siste endringen.")
        redo.button("↷ Gjør om", on_click=state.redo, width="stretch", help="Gjør om det som sist ble angret.")
        st.button("Tilbakestill endringer", on_click=on_reset, width="stretch",
                  help="Går tilbake til scenarioet slik det ble lastet inn (eller sist lagret).")
        with st.expander("Nytt scenario for fylke …"):
            st.selectbox("Fylke", [*COUNTY_NAMES, NATIONAL], key=keys.NEW_COUNTY,
                         help="Norge = alle 357 kommuner med hvert fylkes anmodning.")
            st.selectbox("År", YEARS, index=len(YEARS) - 1, key=keys.NEW_YEAR)
            st.button("Lag scenario", on_click=on_new_county, width="stretch")
        with st.expander("Last opp scenario"):
            st.file_uploader("scenario.toml og municipalities.csv, eller én Excel-arbeidsbok (høyst 5 MB per fil)",
                             type=["toml", "csv", "xlsx"], accept_multiple_files=True, key=keys.UPLOAD)
            st.button("Last inn filene", on_click=on_upload, width="stretch")
        saving.save_panel()
        saving.watch()
        saving.history_panel()
        saving.meeting_panel()
        st.caption("Kilde: IMDi, SSB. Boliger og plasser i eksemplene er illustrative.")
