"""Sammenlign: scenarios side by side, who absorbs a change, and how fair each plan is."""

from __future__ import annotations

import streamlit as st

from allocator.analysis.compare import FAIRNESS_LABELS, fairness_table, totals_side_by_side
from allocator.optimize.solve import SolveError
from allocator.output import store
from allocator.plan import Plan
from allocator.present.charts import difference_chart
from allocator.problems import ScenarioError

from . import state
from .common import chart, table

CURRENT = "Gjeldende scenario (ulagret)"


def _find_stored(label: str) -> store.StoredScenario | None:
    return next((s for s in store.list_scenarios() if s.label == label), None)


@st.fragment
def view() -> None:
    current = state.current_plan()
    state.show_messages()
    options = [CURRENT] + [s.label for s in store.list_scenarios()]
    # pills, not a multiselect: the multiselect's list says «Select all» in English
    chosen = st.pills("Scenarioer å sammenligne (det første i listen er referansen)", options, selection_mode="multi",
                      default=[CURRENT], key="compare_choice") or []
    plans: dict[str, Plan] = {}
    for label in chosen:
        try:
            if label == CURRENT:
                if current is not None:
                    plans[label] = current
                continue
            stored = _find_stored(label)
            if stored is None:
                st.warning(f"«{label}» finnes ikke lenger.")
                continue
            plans[label] = state.plan_for(store.load_stored(stored))
        except (ScenarioError, SolveError) as exc:
            st.warning(f"«{label}» kan ikke sammenlignes: {exc}")
    if len(plans) < 2:
        st.info("Velg minst to scenarioer. Lagre gjeldende scenario i sidepanelet for å sammenligne varianter.")
        return
    figures = fairness_table(plans).rename(columns=FAIRNESS_LABELS).reset_index(names="Scenario")
    table(figures.round(2))
    side = totals_side_by_side(plans)
    table(side.reset_index(names="Kommunenr."), height=min(36 * len(side) + 40, 600))
    changes = [c for c in side.columns if c.startswith("Endring: ")]
    for column in changes:
        if (side[column] == 0).all():
            st.info(f"Ingen kommune får et annet tall i «{column.removeprefix('Endring: ')}» enn i «{next(iter(plans))}».")
        else:
            chart(difference_chart(side, column))
