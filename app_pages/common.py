"""Small rendering helpers shared by the views: Norwegian number columns and the summary strip."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from allocator.labels import GROUP_LABELS, number
from allocator.plan import Plan
from allocator.scenario import GROUPS


def localized(frame: pd.DataFrame, decimals: dict[str, int] | None = None) -> dict:
    """Number columns in the reader's own format (1 474 and 3,5 in a Norwegian browser)."""
    return {c: st.column_config.NumberColumn(format="localized") for c in frame.columns if frame[c].dtype.kind in "if"}


def table(frame: pd.DataFrame, height: int | None = None, **config) -> None:
    """A read-only table: Norwegian numbers, blanks for missing values, no index column."""
    column_config = {**localized(frame), **config}
    st.dataframe(frame, width="stretch", hide_index=True, placeholder="", column_config=column_config,
                 height=height if height is not None else "auto")


def summary_strip(plan: Plan) -> None:
    """Persons placed per group and in total; a shortfall in red with a down arrow."""
    columns = st.columns(len(GROUPS) + 1)
    for column, g in zip(columns, (*GROUPS, "total")):
        requested = plan.scenario.total_request if g == "total" else plan.scenario.request[g]
        settled = sum(plan.settled.values()) if g == "total" else plan.settled[g]
        short = requested - settled
        if short:  # an ASCII minus first: Streamlit then draws a red arrow pointing down
            column.metric(GROUP_LABELS[g], number(settled), delta=f"-{number(short)} av {number(requested)} kan ikke bosettes",
                          delta_color="normal")
        else:
            column.metric(GROUP_LABELS[g], number(settled), delta=f"hele anmodningen på {number(requested)}",
                          delta_color="off", delta_arrow="off")
