"""Plan: the full table (per group, fair share, deviation, load per 1,000, why), a chart, counties."""

from __future__ import annotations

import streamlit as st

from allocator.labels import column_label, number
from allocator.present.charts import allocation_chart
from allocator.present.views import HOLDING_HELP, county_view, flow_view, plan_view, summary_view

from . import keys, state
from .common import chart, localized, summary_strip, table


@st.fragment
def view() -> None:
    plan = state.current_plan()
    state.show_messages()
    if plan is None:
        return
    summary_strip(plan)
    frame = plan_view(plan, st.session_state[keys.PREVIOUS_PLAN], state.base_plan())
    st.caption("Klikk på en rad for å se hvorfor kommunen får sitt tall.")
    config = {**localized(frame), "Endring": st.column_config.NumberColumn(format="localized"),
              "Endring fra start": st.column_config.NumberColumn(format="localized"),
              "Begrenset av": st.column_config.TextColumn(width="large", help=HOLDING_HELP)}
    picked = st.dataframe(frame, width="stretch", hide_index=True, placeholder="", column_config=config,
                          height=min(36 * len(frame) + 40, 720), on_select="rerun", selection_mode="single-row", key="plan_rows")
    rows = picked.selection.rows if picked is not None and hasattr(picked, "selection") else []
    if rows:
        from .explain import explanation_panel

        number_ = str(frame.iloc[rows[0]][column_label("kommunenummer")])
        st.session_state.explain_number = number_
        with st.container(border=True):
            explanation_panel(state.scenario(), number_)
    chart(allocation_chart(plan, top=60))
    table(summary_view(plan).reset_index(names="Gruppe"))
    if plan.has_counties:
        st.markdown("**Fylkene**")
        table(county_view(plan))
        if plan.flows:
            st.markdown("**Bosatt på tvers av fylkesgrenser**")
            table(flow_view(plan))
        elif plan.placeable_across_borders:
            st.info(f"Med bosetting på tvers av fylkesgrenser kunne {number(plan.placeable_across_borders)} flere "
                    "personer blitt bosatt.")
    with st.expander("Detaljer"):
        st.caption(f"Løst med {plan.solver} på {number(plan.solve_seconds * 1000)} ms. Avstanden fra rimelig fordeling "
                   "måles som Σ (personer − rimelig andel)² / rimelig andel.")
