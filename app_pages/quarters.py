"""Kvartaler: when each municipality settles its yearly number, the targets and the KS incentives."""

from __future__ import annotations

import dataclasses

import streamlit as st

from allocator.labels import column_label, number, signed
from allocator.present import edits, fields
from allocator.present.charts import quarter_chart
from allocator.present.views import (
    DATED_INPUTS,
    apply_readiness_edits,
    apply_schedule_edits,
    dated_frame,
    economics_view,
    readiness_frame,
    schedule_frame,
    timeliness_view,
)
from allocator.scenario.data import BASELINE_PATTERNS, GROUPS, QUARTERS, Quarters, Scenario
from allocator.scenario.limits import MAX_PERSONS

from . import keys, state
from .common import chart, summary_strip, table
from .inputs import field_input

BASELINE_WORDS = {"even": "jevn bosetting (25 % per kvartal)", "backloaded": "bosetting mot slutten av året (10/20/30/40 %)"}


def _edited(name: str) -> dict:
    return (st.session_state.get(keys.editor(name, st.session_state[keys.EDITOR_VERSION])) or {}).get("edited_rows") or {}


def _after_table_edit(change, what: str) -> None:
    state.try_edit(change, what)
    state.new_editors()


def apply_table_edits() -> None:
    """Edits in the view's three tables (read at the start of the run, like the negotiation table)."""
    plan = st.session_state[keys.PLAN]
    if plan is None:
        return
    if rows := _edited("schedule"):
        _after_table_edit(lambda s: apply_schedule_edits(s, plan, schedule_frame(plan), rows), "Låsingen av kvartalene")
    elif rows := _edited("ready"):
        _after_table_edit(lambda s: apply_readiness_edits(s, rows), "Endringen av klare personer")
    elif rows := _edited("dated"):
        _after_table_edit(lambda s: edits.set_municipality_values(s, {
            dated_frame(s).index[int(p)]: {c: v for c, v in row.items() if c in DATED_INPUTS} for p, row in rows.items()}),
            "Endringen av boliger per kvartal")


def on_quarters_on() -> None:
    state.try_edit(lambda s: edits.set_quarters(s, Quarters.evenly(s.request)), "Kvartalsplanen")


def on_quarters_off() -> None:
    state.try_edit(lambda s: edits.set_quarters(s, None), "Fjerningen av kvartalsplanen")


def on_baseline(key: str) -> None:
    chosen = st.session_state.get(key)
    if chosen in BASELINE_PATTERNS:
        state.try_edit(lambda s: edits.set_quarters(s, dataclasses.replace(s.quarters, baseline=chosen)),
                       "Endringen av sammenligningen", f"Sammenlign med: {BASELINE_WORDS[chosen]}")


def _settings(scenario: Scenario) -> None:
    """Deadlines, timeliness weight, comparison pattern and incentives: each input changes its own value."""
    st.markdown("**Frister, vekting og insentiver**")
    for column, g in zip(st.columns(len(GROUPS)), GROUPS):
        field_input(column, fields.deadline_field(g))
    weight, baseline = st.columns(2)
    field_input(weight, fields.TIMELINESS)
    current = scenario.quarters.baseline
    options = list(BASELINE_PATTERNS) + ([] if isinstance(current, str) else ["custom"])
    chosen = current if isinstance(current, str) else "custom"
    words = {**BASELINE_WORDS, "custom": "eget mønster (" + " / ".join(f"{number(100 * v)} %" for v in scenario.quarters.baseline_shares) + ")"}
    key = keys.field("quarters.baseline", chosen, state.refusals())
    baseline.selectbox("Sammenlign med", options, index=options.index(chosen), key=key, format_func=words.get,
                       on_change=on_baseline, args=(key,), help="Mønsteret bosetter aldri noen før de er klare.")
    for column, field in zip(st.columns(len(QUARTERS)), fields.BONUS_FIELDS):
        field_input(column, field)
    threshold, deduction = st.columns(2)
    field_input(threshold, fields.Q4_THRESHOLD)
    field_input(deduction, fields.Q4_DEDUCTION)


def _delta(value: float, unit: str = "", more_is_better: bool = True) -> dict:
    """A metric delta «+3 mot vanlig mønster» / «−3 …» (the Norwegian minus), its arrow and colour
    set explicitly; no arrow when nothing changed."""
    if round(value) == 0:
        return {"delta": f"0{unit} mot vanlig mønster", "delta_color": "off", "delta_arrow": "off"}
    good = (value > 0) == more_is_better
    return {"delta": f"{signed(value)}{unit} mot vanlig mønster", "delta_arrow": "up" if value > 0 else "down",
            "delta_color": "green" if good else "red"}


@st.fragment
def view() -> None:
    apply_table_edits()
    plan = state.current_plan(quarterly=True)
    state.show_messages()
    if plan is None:
        return
    scenario: Scenario = state.scenario()
    summary_strip(plan)
    if scenario.quarters is None or plan.schedule is None:
        st.info("Scenarioet har ingen kvartalsplan. Med kvartalsplan fordeles hver kommunes årstall på "
                "kvartaler: tidlig bosetting, 3- og 6-månedersmålene og KS-ideen om bonus og trekk.")
        st.button("Lag kvartalsplan (klare personer jevnt fordelt over året)", on_click=on_quarters_on)
        return
    value = plan.schedule.value_of_agreement()
    net = value["bonus_optimised"] - value["deduction_optimised"]
    left, middle, right = st.columns(3)
    left.metric("Ventetid spart mot vanlig mønster", f"{number(value['waiting_person_months_saved'])} personmåneder")
    middle.metric("Bosatt etter fristen", number(value["late_optimised"]),
                  **_delta(value["late_optimised"] - value["late_baseline"], more_is_better=False))
    right.metric("Bonus − trekk (fylket)", f"{number(net)} kr",
                 **_delta(net - value["bonus_baseline"] + value["deduction_baseline"], " kr"))
    chart(quarter_chart(plan))
    table(timeliness_view(plan).reset_index())
    moved = plan.schedule.moved_from_fair
    if moved is not None and (moved["moved"] != 0).any():
        st.warning("Tidlig bosetting veier tyngre enn rettferdig årsfordeling i dette scenarioet. "
                   "Disse kommunene får et annet årstall enn den rettferdige fordelingen:")
        shown = moved[moved["moved"] != 0].join(scenario.municipalities["kommune"]).reset_index()
        table(shown.rename(columns={"kommunenummer": "Kommunenr.", "kommune": "Kommune", "fair_first": "Rettferdig fordeling",
                                    "with_timeliness": "Med vekt på tid", "moved": "Flyttet"}))

    version = st.session_state[keys.EDITOR_VERSION]
    st.subheader("Kvartalsplan per kommune")
    st.caption("Kryss av «Låst» for å holde kommunens kvartalstall fast (også årstallet).")
    st.data_editor(schedule_frame(plan), key=keys.editor("schedule", version), width="stretch",
                   num_rows="fixed", disabled=["kommune", "K1", "K2", "K3", "K4", "År"], placeholder="",
                   column_config={"schedule_locked": st.column_config.CheckboxColumn("Låst"),
                                  "kommune": st.column_config.TextColumn("Kommune"),
                                  "_index": st.column_config.TextColumn(column_label("kommunenummer"))})
    with st.expander("Økonomi per kommune (kr)"):
        table(economics_view(plan).reset_index(names="Kommunenr."))

    st.subheader("Forutsetninger")
    st.caption("Personer som blir klare for bosetting (vedtak om opphold) per kvartal; hver rad må summere til anmodningen.")
    st.data_editor(readiness_frame(scenario), key=keys.editor("ready", version), disabled=["Sum"],
                   num_rows="fixed", column_config={"_index": st.column_config.TextColumn("Gruppe")})
    st.caption("Boliger og plasser som kommer til i K2–K4 (det som ikke er datert, finnes fra K1).")
    config = {c: st.column_config.NumberColumn(column_label(c), min_value=0, max_value=MAX_PERSONS, step=1, format="localized")
              for c in DATED_INPUTS}
    config["kommune"] = st.column_config.TextColumn("Kommune")
    config["_index"] = st.column_config.TextColumn(column_label("kommunenummer"))
    st.data_editor(dated_frame(scenario), key=keys.editor("dated", version), disabled=["kommune"],
                   num_rows="fixed", width="stretch", placeholder="", column_config=config)
    _settings(scenario)
    st.button("Fjern kvartalsplanen", on_click=on_quarters_off)
