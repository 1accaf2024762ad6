"""The sidebar's save and open flow against the versioned store.

A session remembers which saved scenario (and version) it opened. Saving under that name adds a
version; when someone else saved it since, the save says so and offers to keep both (mine under a
new name) or to make mine the newest version (theirs stays in the history). A session whose
scenario was saved elsewhere is told within a few seconds. The history shows every version, the
difference between any two, and restores one (as a new version). Admins read the log. Meeting mode
gives a read-only link that follows this session's plan.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from allocator.output import store
from allocator.present.meeting import MEETINGS
from allocator.problems import ScenarioError

from . import keys, signin, state
from .common import table

OPENED = keys.OPENED
WATCH_SECONDS = 3
PUBLISH_SECONDS = 1.5


def opened_of(stored: store.StoredScenario | None) -> tuple | None:
    """What `state.load` remembers of a scenario it loads: a saved one's id, version and name."""
    return (stored.id, stored.version, stored.name) if stored is not None and stored.saved else None


def _based_on() -> str:
    opened = st.session_state.get(OPENED)
    return f"{opened[2]} (lagret), versjon {opened[1]}" if opened else state.base().name


def free_name(name: str) -> str:
    """«Plan (2)», «Plan (3)» …: the first name no readable saved scenario has."""
    for n in range(2, 1000):
        candidate = f"{name} ({n})"
        if store.find_saved(candidate) is None:
            return candidate
    return f"{name} ({int(time.time())})"


def on_save(how: str = "save") -> None:
    """how: "save" (ask when needed), "replace" (a new version even so), "keep_both" (mine under a new name)."""
    session = st.session_state
    name = (session.get("save_name") or "").strip()
    opened = session.get(OPENED)
    conflict = session.get("save_conflict")
    session.confirm_replace = None
    session.save_conflict = None
    try:
        if how == "keep_both" and conflict:
            saved = store.save_named(state.scenario(), free_name(conflict["name"]), based_on=_based_on())
        else:
            saved = store.save_named(state.scenario(), name, replace=how == "replace",
                                     opened=opened[:2] if opened else None, based_on=_based_on())
    except store.NameTaken:
        session.confirm_replace = name
        return
    except store.Conflict as exc:
        session.save_conflict = {"name": name, "by": exc.latest.saved_by, "at": store.clock(exc.latest.saved_at),
                                 "version": exc.latest.number, "opened": exc.opened}
        return
    except (store.AccessDenied, ValueError) as exc:
        session.edit_error = f"Ikke lagret: {exc}"
        return
    state.after_save(saved)
    session[OPENED] = (saved.id, saved.version, saved.name)
    who = ("Alle brukere av denne serveren ser det under Scenario." if not signin.server_mode()
           else f"Alle med tilgang til {store.owner_label(saved.owner)} ser det under Scenario.")
    version = "" if saved.version == 1 else f" (versjon {saved.version}; de tidligere er i historikken)"
    session.notice = f"Lagret som «{saved.name}»{version}. {who}"


def save_panel() -> None:
    session = st.session_state
    conflict, taken = session.get("save_conflict"), session.get("confirm_replace")
    with st.expander("Lagre scenario", expanded=bool(conflict or taken)):
        st.text_input("Navn", key="save_name", placeholder="f.eks. Vestland – forslag etter møte 1")
        label = "Lagre for alle med tilgang" if signin.server_mode() else "Lagre for alle brukere"
        st.button(label, on_click=on_save, width="stretch")
        if taken:
            st.warning(f"Det finnes allerede et lagret scenario som heter «{taken}». Vil du erstatte det? "
                       "Alle brukere ser endringen; den gamle versjonen beholdes i historikken.")
            st.button("Ja, erstatt det", on_click=on_save, kwargs={"how": "replace"}, width="stretch")
        if conflict:
            st.warning(f"«{conflict['name']}» ble lagret av {conflict['by']} ({conflict['at']}, versjon "
                       f"{conflict['version']}) etter at du åpnet versjon {conflict['opened']}. Lagrer du nå, "
                       "erstatter du den versjonen som gjeldende.")
            st.button(f"Behold begge: lagre mitt som «{free_name(conflict['name'])}»", on_click=on_save,
                      kwargs={"how": "keep_both"}, width="stretch")
            st.button("Lagre mitt som nyeste versjon (den andre beholdes i historikken)", on_click=on_save,
                      kwargs={"how": "replace"}, width="stretch")


# --------------------------------------------------------------------------- saved elsewhere


def _open(scenario_id: int, number: int | None = None, message: str = "") -> None:
    session = st.session_state
    try:
        stored = store.store().get(store.current_actor(), scenario_id)
        scenario = store.load_stored(stored, version=number)
    except (store.AccessDenied, ScenarioError) as exc:
        session.edit_error = f"Kunne ikke åpne: {exc}"
        return
    state.request_load(scenario, message or f"Lastet inn «{stored.name}».", stored.label,
                       opened=(stored.id, number or stored.version, stored.name))


def watch() -> None:
    """Tell the session when its saved scenario was saved (or deleted) elsewhere."""
    if st.session_state.get(OPENED):
        _watch()


@st.fragment(run_every=WATCH_SECONDS)
def _watch() -> None:
    opened = st.session_state.get(OPENED)
    if not opened:
        return
    try:
        latest = store.head(opened[0])
    except store.AccessDenied:
        st.warning(f"«{opened[2]}» er slettet, eller du har ikke lenger tilgang til det. Det du har på skjermen, "
                   "er ikke lagret noe sted.")
        return
    if latest.number > opened[1]:
        st.warning(f"«{opened[2]}» er lagret på nytt av {latest.saved_by} ({store.clock(latest.saved_at)}, versjon "
                   f"{latest.number}) etter at du åpnet versjon {opened[1]}. Det du ser, er din versjon.")
        if st.button("Åpne den nyeste versjonen", width="stretch"):
            _open(opened[0], None, f"Lastet inn den nyeste versjonen av «{opened[2]}».")
            st.rerun()


# --------------------------------------------------------------------------- history and log


def _summary(version: store.VersionInfo) -> str:
    if version.restored_from is not None:
        return f"gjenopprettet fra versjon {version.restored_from}"
    if version.number == 1:
        return "første versjon"
    if not version.changes:
        return "ingen endringer"
    shown = "; ".join(f"{c.what}: {c.old} → {c.new}" for c in version.changes[:3])
    more = len(version.changes) - 3
    return shown + (f" og {more} til" if more > 0 else "")


def _close_history() -> None:
    st.session_state.history_open = None


@st.dialog("Historikk", width="large", on_dismiss=_close_history)
def history_dialog(scenario_id: int, name: str) -> None:
    try:
        versions = store.history(scenario_id)
    except store.AccessDenied as exc:
        st.error(str(exc))
        return
    st.markdown(f"**{name}**: {len(versions)} versjoner. Ingen versjon slettes; en gjenoppretting blir en ny versjon.")
    table(pd.DataFrame([{"Versjon": v.number, "Lagret av": v.saved_by, "Tidspunkt": store.clock(v.saved_at),
                         "Startet fra": v.based_on or "–", "Endringer": _summary(v)} for v in versions]),
          height=min(36 * len(versions) + 40, 320))
    numbers = [v.number for v in versions]
    left, right = st.columns(2)
    old = left.selectbox("Sammenlign versjon", numbers, index=min(1, len(numbers) - 1), key="history_old")
    new = right.selectbox("med versjon", numbers, index=0, key="history_new")
    changes = store.diff(scenario_id, old, new)
    if changes:
        table(pd.DataFrame([{"Hva": c.what, f"Versjon {old}": c.old, f"Versjon {new}": c.new} for c in changes]),
              height=min(36 * len(changes) + 40, 320))
    else:
        st.caption(f"Versjon {old} og {new} er like.")
    pick = st.selectbox("Velg en versjon", numbers, key="history_pick")
    first, second = st.columns(2)
    if first.button(f"Åpne versjon {pick}", width="stretch"):
        _open(scenario_id, pick, f"Lastet inn «{name}», versjon {pick}.")
        _close_history()
        st.rerun()
    if second.button(f"Gjenopprett versjon {pick}", width="stretch",
                     help="Gjør versjonen til den gjeldende, som en ny versjon; ingenting går tapt."):
        try:
            restored = store.restore(scenario_id, pick)
        except store.AccessDenied as exc:
            st.error(str(exc))
            return
        _open(scenario_id, restored.version, f"Versjon {pick} av «{name}» er gjenopprettet som versjon {restored.version}.")
        _close_history()
        st.rerun()
    with st.expander("Slett scenarioet"):
        st.caption("Scenarioet forsvinner fra listene; alle versjonene beholdes, og loggen viser hvem som slettet det.")
        if st.button(f"Slett «{name}»", width="stretch"):
            try:
                store.delete(scenario_id)
            except store.AccessDenied as exc:
                st.error(str(exc))
                return
            st.session_state[OPENED] = None
            st.session_state[keys.LOADED_LABEL] = state.scenario().name  # on screen, no longer saved
            _close_history()
            st.session_state.notice = f"«{name}» er slettet. Det du har på skjermen, er beholdt, men ikke lagret."
            st.rerun()


@st.dialog("Logg", width="large")
def log_dialog() -> None:
    try:
        entries = store.read_log()
    except store.AccessDenied as exc:
        st.error(str(exc))
        return
    st.caption("Lagringer, gjenopprettinger, slettinger og innlogginger, nyeste først (de siste 500). Loggen kan "
               "bare utvides.")
    table(pd.DataFrame([{"Tidspunkt": store.clock(e.at), "Hvem": e.actor, "Hva": e.action,
                         "Scenario": e.detail, "Versjon": e.version} for e in entries]))


def history_panel() -> None:
    session = st.session_state
    opened = session.get(OPENED)
    if opened and st.button("Historikk for dette scenarioet", width="stretch"):
        session.history_open = (opened[0], opened[2])
    if session.get("history_open"):  # stays open through the dialog's own reruns until closed
        history_dialog(*session.history_open)
    if signin.server_mode() and st.session_state.actor.is_admin and st.button("Logg", width="stretch"):
        log_dialog()


# --------------------------------------------------------------------------- meeting mode


def _start_meeting() -> None:
    session = st.session_state
    session.meeting_token = MEETINGS.open(store.current_actor(), state.scenario())


def _end_meeting() -> None:
    MEETINGS.close(st.session_state.get("meeting_token") or "")
    st.session_state.meeting_token = None


def meeting_panel() -> None:
    token = st.session_state.get("meeting_token")
    live = token is not None and MEETINGS.get(token) is not None
    with st.expander("Møtevisning", expanded=live):
        if not live:
            st.caption("En lenke for møtet: deltakerne ser planen din mens du endrer den, uten å kunne endre noe.")
            st.button("Start møtevisning", on_click=_start_meeting, width="stretch")
            return
        base = (st.context.url or "").split("?")[0]
        st.caption("Del denne lenken (bare visning):")
        st.code(f"{base}?mote={token}", language=None, wrap_lines=True)
        st.button("Avslutt møtevisning", on_click=_end_meeting, width="stretch")
        _publish()


@st.fragment(run_every=PUBLISH_SECONDS)
def _publish() -> None:
    token = st.session_state.get("meeting_token")
    if token:
        MEETINGS.publish(token, state.scenario())
