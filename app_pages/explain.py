"""Forklar: why a municipality gets its number, and the least change that makes a plan possible."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from allocator.analysis.diagnose import apply_diagnosis, diagnose
from allocator.analysis.explain import explain
from allocator.labels import GROUP_LABELS, LIMIT_LABELS, UNIT_WORDS, column_label
from allocator.optimize.solve import SolveError
from allocator.present.charts import THEME_COLOUR
from allocator.problems import ScenarioError
from allocator.scenario.data import Scenario
from allocator.scenario.write import fingerprint

from . import keys, state
from .common import chart, summary_strip, table

#: A meeting waits at most this long for the least change (the CLI allows the full DEFAULT_TIME_LIMIT).
DIAGNOSE_TIME_LIMIT = 20.0


@st.cache_resource(max_entries=100, show_spinner=False)
def _explanation(scenario_fingerprint: str, number_: str, _scenario: Scenario):
    return explain(_scenario, number_)


@st.cache_resource(max_entries=50, show_spinner="Leter etter den minste endringen …")
def _diagnosis(scenario_fingerprint: str, _scenario: Scenario):
    # A meeting cannot wait a minute: after 20 s the best change found is shown, saying how far from
    # the least it may be (county cases take well under a second; national ones a few seconds).
    return diagnose(_scenario, time_limit=DIAGNOSE_TIME_LIMIT)


def on_apply_diagnosis() -> None:
    scenario = state.scenario()
    diagnosis = _diagnosis(fingerprint(scenario), scenario)
    if state.try_edit(lambda s: apply_diagnosis(s, diagnosis), "Endringene", "Den minste endringen lagt inn"):
        st.session_state[keys.NOTICE] = "Den minste endringen er lagt inn; alle kan nå bosettes. «Angre» tar den bort."
        state.new_editors()


def _diagnose_panel(scenario: Scenario) -> None:
    st.subheader("Den minste endringen som gjør at alle kan bosettes")
    try:
        diagnosis = _diagnosis(fingerprint(scenario), scenario)
    except (ScenarioError, SolveError) as exc:
        st.warning(f"Kunne ikke finne en endring: {exc}")
        return
    if diagnosis.after:  # the change and the plan it gives, side by side
        left, right = st.columns(2)
        with left:
            st.markdown("\n".join(f"- {line}" for line in diagnosis.lines() if not line.startswith("Planen etter endringen")))
        with right:
            st.markdown("**Planen etter endringen**")
            table(pd.DataFrame([{"Kommune": a["kommune"], "Før": a["before"], "Etter": a["after"],
                                 "Rimelig andel": a["fair_share"]} for a in diagnosis.after]))
    else:
        st.markdown("\n".join(f"- {line}" for line in diagnosis.lines()))
    if diagnosis.additions or diagnosis.relax:
        st.caption("Færrest mulig nye boliger, plasser og personer i maks totalt (eller med kostnader i scenarioet: "
                   "billigst), uten å legge mer på én kommune enn størrelsen tilsier; å løse en lås eller senke et "
                   "minimum er siste utvei. Blant de minste endringene velges den som gir den mest rimelige planen.")
        st.button("Legg inn endringene", on_click=on_apply_diagnosis)


def _explain_panel(scenario: Scenario) -> None:
    st.subheader("Hvorfor får kommunen sitt tall?")
    table_ = scenario.table
    names = table_.text("kommune")
    options = list(table_.numbers)
    chosen = st.session_state.get("explain_number")
    if chosen not in options:
        st.session_state.explain_number = options[0]
    number_ = st.selectbox("Kommune", options, key="explain_number",
                           format_func=lambda n: f"{names[table_.position[n]]} ({n})")
    explanation_panel(scenario, number_)


def explanation_panel(scenario: Scenario, number_: str) -> None:
    """One municipality's explanation: the statements, the key's parts, what a unit is worth."""
    try:
        explanation = _explanation(fingerprint(scenario), number_, scenario)
    except (ScenarioError, SolveError) as exc:
        st.warning(f"Ingen forklaring: {exc}")
        return
    st.markdown("\n".join(f"- {line}" for line in explanation.lines()))
    terms = pd.DataFrame([{
        "Kolonne": column_label(t.column), "Verdi": t.value, "Andel av fylket (%)": 100 * t.share_before_exponent,
        "Eksponent": t.exponent, "Andel etter eksponent (%)": 100 * t.share, "Vekt": t.weight,
        "Fradrag": "ja" if t.credit else "", "Bidrag til nøkkelandelen (%)": 100 * t.contribution,
    } for t in explanation.key_terms])
    table(terms)
    if explanation.marginal:
        worth = pd.DataFrame([{
            "Én til av": UNIT_WORDS[r][0], "Flere bosatt i fylket": v["persons"],
            "Nærmere rimelig fordeling (fall i avstand)": v["fairness"],
        } for r, v in explanation.marginal.items()])
        with st.expander("Detaljer: hva én bolig eller plass til er verdt"):
            table(worth)
    if explanation.effects:  # in the limit's own unit: a group's persons for its dwellings or places
        table(pd.DataFrame([{"Uten": LIMIT_LABELS[e.limit],
                             "Gjelder": GROUP_LABELS[e.group] if e.group else "Totalt",
                             "Kommunens tall": e.without, "Nå": e.now,
                             "Totalt uten grensen": e.total_without} for e in explanation.effects]))


@st.cache_resource(max_entries=20, show_spinner=False)
def _calibration(scenario_fingerprint: str, against: str, _scenario: Scenario):
    from allocator.analysis.calibrate import calibrate

    return calibrate(_scenario, against)


def on_use_calibration() -> None:
    from allocator.analysis.calibrate import apply_calibration

    session = st.session_state
    scenario = state.scenario()
    calibration = _calibration(fingerprint(scenario), session.calibrate_against, scenario)
    if state.try_edit(lambda s: apply_calibration(s, calibration), "Den tilpassede nøkkelen", "Nøkkelen tilpasset faktiske anmodninger"):
        session[keys.NOTICE] = "Den tilpassede nøkkelen er i bruk; se «Fordelingsnøkkel» under «Forhandling»."


def _calibrate_panel(scenario: Scenario) -> None:
    import plotly.graph_objects as go  # on demand: heavy to import (see allocator/__init__)

    from allocator.analysis.calibrate import LEFT_OUT
    from allocator.present.charts import norwegian

    st.subheader("Tilpass nøkkelen til faktiske anmodninger")
    table_ = scenario.table
    targets = [c for c in table_.columns if table_.is_numeric(c) and LEFT_OUT.search(c) and "em" not in c.split("_")]
    if not targets:
        st.caption("Scenarioet har ingen kolonne med tidligere anmodninger (f.eks. «Anmodning 2024» i scenarioer laget med "
                   "«Nytt scenario for fylke …»).")
        return
    st.selectbox("Faktiske anmodninger", targets, key="calibrate_against", format_func=column_label)
    if st.button("Tilpass nøkkelen", key="calibrate_run"):
        with st.spinner("Tilpasser …"):
            st.session_state.calibrated = (fingerprint(scenario), st.session_state.calibrate_against)
            _calibration(fingerprint(scenario), st.session_state.calibrate_against, scenario)
    done = st.session_state.get("calibrated")
    if not done or done[0] != fingerprint(scenario):
        return
    calibration = _calibration(done[0], done[1], scenario)
    import re

    formula = re.compile(r" \((Σ[^()]*)\)")  # the error's formula goes under «Detaljer», not in the sentence
    lines = calibration.lines()
    formulas = [m.group(1) for line in lines for m in formula.finditer(line)]
    st.markdown("\n".join(f"- {formula.sub('', line)}" for line in lines))
    if formulas:
        with st.expander("Detaljer"):
            st.caption("Avviket måles som " + "; ".join(formulas) + ", over alle kommunene.")
    figure = go.Figure()
    figure.add_scatter(x=calibration.real, y=calibration.fitted, mode="markers", text=list(calibration.names),
                       hovertemplate="%{text}: faktisk %{x}, tilpasset %{y:.0f}<extra></extra>", marker={"color": THEME_COLOUR})
    top = float(max(calibration.real.max(), calibration.fitted.max()))
    figure.add_scatter(x=[0, top], y=[0, top], mode="lines", line={"color": "#999", "dash": "dot"}, hoverinfo="skip")
    figure.update_layout(height=440, showlegend=False, xaxis_title=f"Faktisk ({column_label(calibration.against)}), personer",
                         yaxis_title="Med den tilpassede nøkkelen, personer")
    chart(norwegian(figure, "Faktisk anmodning mot tilpasset nøkkel per kommune (personer)"))
    st.button("Bruk den tilpassede nøkkelen", on_click=on_use_calibration)


@st.fragment
def view() -> None:
    plan = state.current_plan()
    state.show_messages()
    scenario = state.scenario()
    if plan is not None:
        summary_strip(plan)
    if plan is None or st.session_state.get("solve_error") or plan.status == "shortfall":
        _diagnose_panel(scenario)
    if plan is not None and not st.session_state.get("solve_error"):
        _explain_panel(scenario)
    _calibrate_panel(scenario)
