"""Small rendering helpers shared by the views: Norwegian number columns and the summary strip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from allocator.labels import GROUP_LABELS, number
from allocator.plan import Plan
from allocator.scenario.data import GROUPS


def localized(frame: pd.DataFrame, decimals: dict[str, int] | None = None) -> dict:
    """Number columns in the reader's own format (1 474 and 3,5 in a Norwegian browser), each with
    a fixed number of decimals, so a column never mixes 18 and 17,1: as given in `decimals`, else
    as many (up to 3) as the column's values need. (Streamlit fixes the decimals of a "localized"
    column by its `step`.)"""
    config = {}
    for column in frame.columns:
        kind = frame[column].dtype.kind
        if kind not in "if":
            continue
        places = (decimals or {}).get(column, _places(frame[column]) if kind == "f" else 0)
        config[column] = st.column_config.NumberColumn(format="localized", step=10.0 ** -places if places else 1)
    return config


def _places(values: pd.Series) -> int:
    """The fewest decimals (0–3) that show every value of a column as it is."""
    finite = values.dropna().to_numpy(dtype=float)
    for places in range(3):
        if np.allclose(finite, np.round(finite, places), rtol=0, atol=1e-9):
            return places
    return 3


def table(frame: pd.DataFrame, height: int | None = None, **config) -> None:
    """A read-only table: Norwegian numbers, blanks for missing values, no index column."""
    column_config = {**localized(frame), **config}
    st.dataframe(frame, width="stretch", hide_index=True, placeholder="", column_config=column_config,
                 height=height if height is not None else "auto")


def chart(figure) -> None:
    """A Plotly chart without Plotly's tool bar: its buttons speak English ("Download plot as a
    png", "Zoom") and a meeting needs none of them (the Eksport view makes the files)."""
    st.plotly_chart(figure, width="stretch", config={"displayModeBar": False})


def summary_strip(plan: Plan) -> None:
    """Persons placed per group and in total; a shortfall in red with a down arrow."""
    columns = st.columns(len(GROUPS) + 1)
    for column, g in zip(columns, (*GROUPS, "total")):
        requested = plan.scenario.total_request if g == "total" else plan.scenario.request[g]
        settled = sum(plan.settled.values()) if g == "total" else plan.settled[g]
        short = requested - settled
        if short:  # a red arrow down, and the words without a minus (no «↓ −42 … kan ikke»)
            column.metric(GROUP_LABELS[g], number(settled), delta=f"{number(short)} av {number(requested)} kan ikke bosettes",
                          delta_color="red", delta_arrow="down")
        else:
            column.metric(GROUP_LABELS[g], number(settled), delta=f"hele anmodningen på {number(requested)}",
                          delta_color="off", delta_arrow="off")
