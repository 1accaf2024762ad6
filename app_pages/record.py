"""Møtereferat: the changes made in this session, old → new and their effect on the plan, to
attach to the minutes (Excel or a printable page)."""

from __future__ import annotations

import datetime

import streamlit as st

from allocator.optimize.solve import SolveError
from allocator.output import store
from allocator.present import record as meeting_record
from allocator.problems import ScenarioError

from . import state

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plan(scenario):
    try:
        return state.plan_for(scenario)
    except (ScenarioError, SolveError):
        return None


def entries_so_far() -> list[meeting_record.Entry]:
    return meeting_record.entries([(step.what, step.before, step.after, _plan(step.before), _plan(step.after))
                            for step in state.steps()])


@st.fragment
def view() -> None:
    plan = state.current_plan()
    state.show_messages()
    entries = entries_so_far()
    scenario = state.scenario()
    title = f"Møtereferat: {scenario.name}, {datetime.date.today().strftime('%d.%m.%Y')}"
    st.subheader("Endringer i dette møtet")
    if not entries:
        st.info("Ingen endringer ennå. Hver endring du gjør (og ikke angrer) kommer her, med gammel og ny verdi og "
                "hvem som tok imot.")
        return
    st.caption("Hver endring i rekkefølge: hva som ble endret, fra → til, og virkningen på planen (hvem som fikk flere "
               "eller færre, og begrunnelsen der en kommune er låst). Angrede endringer er ikke med.")
    st.table(meeting_record.frame(entries).set_index("Nr."))  # a static table: long cells wrap, nothing is cut
    stem = store.slugify(scenario.name) or "plan"
    left, right = st.columns(2)
    left.download_button("Last ned møtereferat (Excel)", lambda: meeting_record.workbook_bytes(title, entries, plan),
                         file_name=f"{stem}-motereferat.xlsx", mime=XLSX, width="stretch", on_click="ignore")
    right.download_button("Last ned utskriftsvennlig side", meeting_record.printable_html(title, entries, plan).encode("utf-8"),
                          file_name=f"{stem}-motereferat.html", mime="text/html", width="stretch", on_click="ignore",
                          help="Åpne filen i nettleseren og skriv ut (eller lagre som PDF).")
