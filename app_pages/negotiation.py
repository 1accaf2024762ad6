"""Forhandling: the table of limits and locks, the request and the key — edited live in a meeting.

The view is a fragment: an edit reruns only this part of the page, and an edit in the table only
the table's part (the plan's figures and the table). Edits arrive through widget
callbacks, so a refused edit puts its widget back at once and the screen always shows the inputs
of the plan on screen.
"""

from __future__ import annotations

import streamlit as st

from allocator import edits
from allocator.key import key_candidates, key_shares
from allocator.labels import GROUP_LABELS, column_label, number
from allocator.plan import Plan
from allocator.scenario import GROUPS, MINOR_SUBGROUPS, KeyTerm, Scenario
from allocator.views import HOLDING_HELP, apply_editor_edits, editor_frame, editor_inputs

from . import state
from .common import summary_strip

WEIGHTS = [round(0.01 * k, 2) for k in range(0, 301)]  # 0 … 3
EXPONENTS = [round(0.01 * k, 2) for k in range(0, 151)]  # 0 … 1,5


def editor_key() -> str:
    """The negotiation table's key: the same across edits, new when the scenario is replaced (a
    load, a reset, a refused edit), which gives a fresh editor without the old edits."""
    session = st.session_state
    if session.get("editor_applied_version") != session.editor_version:
        session.editor_applied, session.editor_applied_version = {}, session.editor_version
    return f"editor_{session.editor_version}"


# --------------------------------------------------------------------------- callbacks


def apply_table_edits() -> None:
    """Cells of the negotiation table changed: one scenario edit with the cells that are new.

    The editor keeps its key across edits, so the table keeps its scroll position and sort while
    the plan's columns update in place (Streamlit keeps a keyed fixed-rows editor's identity when
    only values change). Its `edited_rows` therefore holds every edit made in it; the ones already
    applied are remembered in `editor_applied` and only cells that differ from those are new. A
    refused edit gets a fresh editor, which shows the scenario as it is. Read from the editor's
    state at the start of the view's run (not in an on_change callback), so that the browser and
    Streamlit's AppTest take the same path."""
    session = st.session_state
    edited = (session.get(editor_key()) or {}).get("edited_rows") or {}
    applied = session.get("editor_applied") or {}
    fresh = {position: {column: value for column, value in row.items() if column not in applied.get(position, {})
                        or not _same(applied[position][column], value)}
             for position, row in edited.items()}
    fresh = {position: row for position, row in fresh.items() if row}
    if not fresh or session.plan is None:
        # the browser also drops edits the new data already holds: forget them here too
        session.editor_applied = {position: dict(row) for position, row in edited.items()}
        return
    scenario, plan = session.scenario, session.plan
    frame = editor_frame(scenario, plan)
    reasons_only = all(set(row) <= {"lock_reason"} for row in fresh.values())
    if state.try_edit(lambda s: apply_editor_edits(s, plan, session.base, frame, fresh), "Endringen i tabellen"):
        unlocked = [frame.at[frame.index[int(p)], "kommune"] for p, row in fresh.items()
                    if reasons_only and row.get("lock_reason") and not frame.iat[int(p), frame.columns.get_loc("locked")]]
        if unlocked:
            session.notice = (f"Begrunnelsen for {', '.join(unlocked)} er lagret. Kryss av «Låst» for å holde tallet fast.")
        session.editor_applied = {position: dict(row) for position, row in edited.items()}
    else:
        session.editor_version += 1  # a fresh editor shows the scenario as it is, without the refused cell


def _same(a: object, b: object) -> bool:
    """Equal cell values, with an emptied cell (None or NaN) equal to another emptied cell."""
    def empty(v: object) -> bool:
        return v is None or (isinstance(v, float) and v != v)
    return (empty(a) and empty(b)) or a == b


def on_request_change() -> None:
    session = st.session_state
    groups = request_groups(session.scenario)
    request = {g: int(session.get(f"req_{g}") or 0) for g in groups}
    state.try_edit(lambda s: edits.set_request(s, request), "Endringen av anmodningen")


def request_groups(scenario: Scenario) -> tuple[str, ...]:
    """The groups the request is given in: minors as two kinds when they are assessed one by one."""
    if scenario.minors_split:
        return tuple(g for group in GROUPS for g in ((*MINOR_SUBGROUPS,) if group == "minors" else (group,)))
    return GROUPS


def on_key_change() -> None:
    session = st.session_state
    key = tuple(
        KeyTerm(t.column, float(session.get(f"key_{t.column}_weight", t.weight)),
                float(session.get(f"key_{t.column}_exponent", t.exponent)), bool(session.get(f"key_{t.column}_credit", t.credit)))
        for t in session.scenario.key
    )
    state.try_edit(lambda s: edits.set_key(s, key), "Endringen av nøkkelen")


def on_add_key_column() -> None:
    column = st.session_state.get("key_new_column")
    scenario = st.session_state.scenario
    if column and column not in {t.column for t in scenario.key}:
        if state.try_edit(lambda s: edits.set_key(s, (*s.key, KeyTerm(column, 0.0))), "Kolonnen"):
            state.widget_values_from(st.session_state.scenario)


def on_remove_key_column(column: str) -> None:
    if state.try_edit(lambda s: edits.set_key(s, tuple(t for t in s.key if t.column != column)), "Fjerningen"):
        state.widget_values_from(st.session_state.scenario)


# --------------------------------------------------------------------------- rendering


def _table(scenario: Scenario, plan: Plan) -> None:
    st.subheader("Kommunenes grenser og låser")
    st.caption("Endre en celle, så regnes planen ut på nytt. Kryss av «Låst» for å holde kommunens nåværende tall fast "
               "(skriv gjerne en begrunnelse). Tom celle = ingen grense. Klikk på en kolonneoverskrift for å sortere, "
               "f.eks. etter «Endring fra start» for å se hvem som tok imot.")
    frame = editor_frame(scenario, plan, st.session_state.previous_plan, state.base_plan())
    inputs = editor_inputs(scenario)
    config = {c: st.column_config.NumberColumn(column_label(c), min_value=0, step=1, format="localized")
              for c in inputs if c not in ("locked", "lock_reason")}
    config.update(
        kommunenummer=st.column_config.TextColumn(column_label("kommunenummer"), disabled=True, width=95),
        kommune=st.column_config.TextColumn(column_label("kommune"), disabled=True, pinned=True),
        locked=st.column_config.CheckboxColumn("Låst", help="Hold kommunens nåværende tall fast"),
        lock_reason=st.column_config.TextColumn(column_label("lock_reason"), max_chars=200),
        total=st.column_config.NumberColumn("Plan: totalt", disabled=True, format="localized"),
        change=st.column_config.NumberColumn("Endring", disabled=True, format="%+d", help="Endring fra forrige plan"),
        change_start=st.column_config.NumberColumn("Endring fra start", disabled=True, format="%+d",
                                                   help="Endring fra planen slik scenarioet ble lastet inn"),
        fair_total=st.column_config.NumberColumn("Rimelig andel", disabled=True, format="localized", step=0.1),
        binding=st.column_config.TextColumn("Begrenset av", disabled=True, width="large", help=HOLDING_HELP),
    )
    order = ["kommunenummer", "kommune", "total", "change", "change_start", "fair_total", "binding", *inputs]
    st.data_editor(frame, column_config=config, column_order=order, key=editor_key(),
                   width="stretch", height=min(36 * len(frame) + 40, 720), num_rows="fixed", hide_index=True, placeholder="")


def _request_and_key(scenario: Scenario) -> None:
    st.subheader("Anmodning per gruppe")
    groups = request_groups(scenario)
    for column, g in zip(st.columns(len(groups)), groups):
        column.number_input(GROUP_LABELS[g], min_value=0, step=1, key=f"req_{g}", on_change=on_request_change)
    st.subheader("Fordelingsnøkkel")
    st.caption("Andel = vekt × (verdi^eksponent / sum over kommunene). Eksponent under 1 gir små kommuner "
               "relativt mer. «Fradrag» trekker fra (f.eks. bosatt tidligere år).")
    single = len(scenario.key) == 1
    for term in scenario.key:
        name = column_label(term.column)
        weight, exponent, credit, remove = st.columns([3, 3, 1, 1])
        weight.select_slider(f"Vekt: {name}", WEIGHTS, key=f"key_{term.column}_weight", on_change=on_key_change,
                             format_func=lambda v: number(v, 2), disabled=single,
                             help="Med bare én kolonne i nøkkelen betyr vekten ingenting; legg til en kolonne for å vekte."
                             if single else None)
        exponent.select_slider(f"Eksponent: {name}", EXPONENTS, key=f"key_{term.column}_exponent", on_change=on_key_change,
                               format_func=lambda v: number(v, 2))
        credit.checkbox("Fradrag", key=f"key_{term.column}_credit", on_change=on_key_change)
        remove.button("Fjern", key=f"key_{term.column}_remove", on_click=on_remove_key_column, args=(term.column,),
                      disabled=single)
    candidates = [c for c in key_candidates(scenario) if c not in {t.column for t in scenario.key}]
    if candidates:
        pick, add = st.columns([3, 1])
        pick.selectbox("Legg til kolonne i nøkkelen", candidates, key="key_new_column", format_func=column_label)
        add.button("Legg til", on_click=on_add_key_column)
    rules = scenario.key_rules
    if rules.active:
        parts = [f"ingen anmodning under {number(rules.min_population)} innbyggere" if rules.min_population else "",
                 f"minst {number(rules.min_persons)} personer til dem som får en" if rules.min_persons else "",
                 f"tall rundet til nærmeste {number(rules.round_to)}" if rules.round_to else ""]
        st.caption("Nøkkelens regler: " + "; ".join(p for p in parts if p) + ".")
    shares = key_shares(scenario)
    st.caption(f"Største nøkkelandel: {scenario.table.text('kommune')[int(shares.to_numpy().argmax())]} "
               f"({number(100 * shares.max(), 1)} %).")


@st.fragment
def view() -> None:
    """The whole view: an edit of the request or the key reruns it, the table with it."""
    _plan_and_table()
    if st.session_state.plan is not None:
        _request_and_key(st.session_state.scenario)


@st.fragment
def _plan_and_table() -> None:
    """The plan's figures and the table: a fragment inside the view, so an edit in the table reruns
    only this part, and the request and key below (which a table edit cannot change) are neither
    rebuilt on the server nor sent again."""
    apply_table_edits()
    plan = state.current_plan()
    state.show_messages()
    if plan is None:
        return
    summary_strip(plan)
    _table(st.session_state.scenario, plan)
