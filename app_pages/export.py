"""Eksport: the agreement's files, made only when a user asks for them."""

from __future__ import annotations

import streamlit as st

from allocator.output import store
from allocator.output.tables import plan_csv_bytes
from allocator.output.workbook import plan_workbook_bytes

from . import state

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def view() -> None:
    plan = state.current_plan(quarterly=True)
    state.show_messages()
    if plan is None:
        return
    stem = store.slugify(plan.scenario.name) or "plan"
    st.write("Planen med sammendrag, forutsetninger, nøkkel og låser med begrunnelse. "
             "Excel-filen kan lastes opp igjen og gir samme plan. Filene lages når du trykker.")
    excel, csv_no, csv_plain = st.columns(3)
    excel.download_button("Last ned Excel (.xlsx)", lambda: plan_workbook_bytes(plan), file_name=f"{stem}.xlsx",
                          mime=XLSX, width="stretch", on_click="ignore")
    csv_no.download_button("Last ned CSV for Excel", lambda: plan_csv_bytes(plan), file_name=f"{stem}.csv",
                           mime="text/csv", width="stretch", on_click="ignore",
                           help="Semikolon og desimalkomma, slik norsk Excel leser CSV.")
    csv_plain.download_button("Last ned CSV (komma, punktum)", lambda: plan_csv_bytes(plan, dialect="plain"),
                              file_name=f"{stem}-plain.csv", mime="text/csv", width="stretch", on_click="ignore",
                              help="For andre verktøy: komma mellom feltene og punktum som desimaltegn.")
