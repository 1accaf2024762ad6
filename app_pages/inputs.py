"""Inputs of scenario fields (`allocator.fields`): drawn with the scenario's value, and an edit
changes that one field and nothing else.

A number is typed as text and read the Norwegian way («1 500 000», «0,44»); Streamlit's number
input would show «1500000» and a decimal point. A refused value is said once and the input shows
the scenario's value again.
"""

from __future__ import annotations

import streamlit as st

from allocator.present import fields
from allocator.present.fields import Field, FieldError

from . import keys, state


def field_input(container, field: Field, *, disabled: bool = False, help: str | None = None) -> None:
    """One input for `field` in `container` (st, a column, the sidebar)."""
    value = fields.get(state.scenario(), field)
    if field.kind == "bool":
        key = keys.field(field.id, str(bool(value)), state.refusals())
        container.checkbox(field.label, value=bool(value), key=key, on_change=_changed, args=(field, key),
                           disabled=disabled, help=help or field.help)
        return
    shown = fields.text(field, value)
    key = keys.field(field.id, shown, state.refusals())
    container.text_input(field.label, value=shown, key=key, on_change=_changed, args=(field, key), disabled=disabled,
                         help=help or field.help)


def _changed(field: Field, key: str) -> None:
    typed = st.session_state.get(key)
    try:
        value = bool(typed) if field.kind == "bool" else fields.parse(field, typed)
    except FieldError as exc:
        st.session_state[keys.EDIT_ERROR] = f"Endringen ble ikke gjort: {exc}"
        state.refused()
        return
    old = fields.describe(field, fields.get(state.scenario(), field))
    if not state.try_edit(lambda s: fields.set_value(s, field, value), f"Endringen av «{field.label}»",
                          f"{field.label}: {old} → {fields.describe(field, value)}"):
        state.refused()
