"""Eksport: the agreement's files, made only when a user asks for them."""

from __future__ import annotations

import streamlit as st

from allocator.output.export import plan_downloads

from . import state


def view() -> None:
    plan = state.current_plan(quarterly=True)
    state.show_messages()
    if plan is None:
        return
    st.write("Planen med sammendrag, forutsetninger, nøkkel og låser med begrunnelse. "
             "Excel-filen kan lastes opp igjen og gir samme plan. Filene lages når du trykker.")
    for column, download in zip(st.columns(3), plan_downloads(plan)):
        column.download_button(download.label, download.make, file_name=download.file_name, mime=download.mime,
                               width="stretch", on_click="ignore", help=download.help)
