"""Plotly figures for the app: allocation against fair share, and scenario differences."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from allocator.labels import GROUP_LABELS
from allocator.plan import Plan
from allocator.scenario.data import GROUPS, QUARTERS

#: The app's own colour (`.streamlit/config.toml` primaryColor; a test keeps the two the same).
THEME_COLOUR = "#1f4e79"
COLOURS = {"allocation": THEME_COLOUR, "fair": "#e07b39", "up": "#2e7d32", "down": "#c62828"}


def norwegian(figure: go.Figure, title: str) -> go.Figure:
    """A title with its unit, and axis ticks in whole Norwegian numbers («5 000», never «5k»)."""
    figure.update_layout(title={"text": title, "font": {"size": 15}}, separators=", ",
                         margin={"l": 10, "r": 10, "t": 60, "b": 10})
    figure.update_xaxes(tickformat=",~r", hoverformat=",~r")
    figure.update_yaxes(tickformat=",~r", hoverformat=",~r")
    return figure


def allocation_chart(plan: Plan, top: int | None = None) -> go.Figure:
    """Each municipality's total as a bar, its fair share as a marker: gaps are what limits do."""
    table = plan.municipality_table().sort_values("fair_total", ascending=False)
    title = "Fordelt og rimelig andel per kommune (personer)"
    if top and len(table) > top:
        title += f"<br><sup>De {top} kommunene med størst rimelig andel, av {len(table)}</sup>"
        table = table.head(top)
    figure = go.Figure()
    figure.add_bar(
        x=table["kommune"], y=table["total"], name="Fordelt", marker_color=COLOURS["allocation"],
        hovertemplate="%{x}: %{y} personer<extra></extra>",
    )
    figure.add_scatter(
        x=table["kommune"], y=table["fair_total"], name="Rimelig andel", mode="markers",
        marker={"color": COLOURS["fair"], "size": 9, "symbol": "diamond"},
        hovertemplate="%{x}: rimelig andel %{y:.1f}<extra></extra>",
    )
    figure.update_layout(
        height=440, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        yaxis_title="Personer", xaxis_tickangle=-60,
    )
    return norwegian(figure, title)


def difference_chart(side_by_side: pd.DataFrame, column: str) -> go.Figure:
    """Bars of one scenario's difference from the reference, per municipality (who absorbs what)."""
    data = side_by_side[side_by_side[column] != 0].sort_values(column).rename(columns={"Kommune": "kommune"})
    colours = [COLOURS["up"] if v > 0 else COLOURS["down"] for v in data[column]]
    figure = go.Figure(go.Bar(
        x=data[column], y=data["kommune"], orientation="h", marker_color=colours,
        hovertemplate="%{y}: %{x:+d}<extra></extra>",
    ))
    figure.update_layout(
        height=max(250, 22 * len(data) + 100), xaxis_title="Endring i personer",
    )
    return norwegian(figure, f"{column} (personer per kommune)")


GROUP_COLOURS = {"adults": THEME_COLOUR, "families": "#4f8fc0", "minors": "#e07b39", "special_needs": "#8e6c8a"}


def quarter_chart(plan: Plan) -> go.Figure:
    """County persons settled per quarter by group, with persons ready and the comparison pattern."""
    schedule = plan.schedule
    county = schedule.county_by_quarter()
    baseline = schedule.county_by_quarter(schedule.baseline).sum(axis=1)
    ready = [sum(plan.scenario.quarters.ready[g][q - 1] for g in GROUPS) for q in QUARTERS]
    labels = [f"K{q}" for q in QUARTERS]
    figure = go.Figure()
    for g in GROUPS:
        figure.add_bar(x=labels, y=county[g], name=GROUP_LABELS[g], marker_color=GROUP_COLOURS[g],
                       hovertemplate="%{x}: %{y} bosatt<extra>" + GROUP_LABELS[g] + "</extra>")
    figure.add_scatter(x=labels, y=ready, name="Klare for bosetting", mode="lines+markers",
                       line={"color": "#333", "dash": "dot"})
    figure.add_scatter(x=labels, y=baseline, name="Sammenligning (vanlig mønster)", mode="lines+markers",
                       line={"color": "#c62828"})
    figure.update_layout(barmode="stack", height=400, yaxis_title="Personer",
                         legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"})
    return norwegian(figure, "Bosatt per kvartal i fylket (personer)")


def sweep_chart(points, current_total: int | None = None) -> go.Figure:
    """Persons settled and the shortfall against the total asked for, one point per planned total."""
    valid = [p for p in points if not p.error]
    totals = [p.total for p in valid]
    settled = [sum(p.settled.values()) for p in valid]
    shortfall = [sum(p.shortfall.values()) for p in valid]
    figure = go.Figure()
    figure.add_scatter(x=totals, y=settled, name="Bosatt", mode="lines+markers", line={"color": COLOURS["allocation"]},
                       hovertemplate="Anmodning %{x}: %{y} bosatt<extra></extra>")
    figure.add_bar(x=totals, y=shortfall, name="Kan ikke bosettes", marker_color=COLOURS["down"],
                   hovertemplate="Anmodning %{x}: %{y} kan ikke bosettes<extra></extra>")
    figure.add_scatter(x=totals, y=totals, name="Anmodning", mode="lines", line={"color": "#999", "dash": "dot"},
                       hoverinfo="skip")
    if current_total is not None:
        figure.add_vline(x=current_total, line={"color": COLOURS["fair"], "dash": "dash"},
                         annotation_text="dagens anmodning", annotation_position="top left")
    figure.update_layout(height=440, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
                         xaxis_title="Anmodning (personer)", yaxis_title="Personer")
    return norwegian(figure, "Bosatt og ikke bosatt for hver anmodning (personer)")
