"""The councils' decisions on the map: one colour per status (ja, under, nei, avventer, ikke anmodet).

The plan's map (`mapview.municipality_map`) shows a number on a colour scale; a status is a kind,
not an amount, so it gets a colour of its own, drawn offline from the same shapes and view.
"""

from __future__ import annotations

from typing import Mapping

from allocator.analysis.year import STATUS_TEXT
from allocator.present.mapview import _DEFAULT_WIDTH, ATTRIBUTION, _view, load_shapes

#: Status → colour, the same in the table and on the map.
STATUS_COLOURS: dict[str, str] = {
    "ja": "#2e7d32",
    "under": "#f9a825",
    "nei": "#c62828",
    "avventer": "#1565c0",
    "ikke anmodet": "#bdbdbd",
}


def status_map(status: Mapping[str, str], hover: Mapping[str, str] | None = None, height: int = 600):
    """A map of municipalities coloured by status (kommunenummer → status), or None without shapes."""
    import plotly.graph_objects as go  # on demand: heavy to import (see allocator/__init__)

    shapes = load_shapes()
    if shapes is None:
        return None
    by_id = {str(f.get("id")): f for f in shapes["features"]}
    codes = [c for c in status if c in by_id]
    if not codes:
        return None
    figure = go.Figure()
    for kind, colour in STATUS_COLOURS.items():
        mine = [c for c in codes if status[c] == kind]
        if not mine:
            continue
        text = [f"<b>{by_id[c]['properties'].get('kommune', c)}</b>: {STATUS_TEXT[kind]}"
                + (f"<br>{hover[c]}" if hover and hover.get(c) else "") for c in mine]
        figure.add_trace(go.Choroplethmap(
            geojson={"type": "FeatureCollection", "features": [by_id[c] for c in mine]}, locations=mine,
            z=[1.0] * len(mine), colorscale=[[0, colour], [1, colour]], showscale=False, text=text,
            hovertemplate="%{text}<extra></extra>", name=f"{kind} ({len(mine)})", showlegend=True,
            marker={"line": {"width": 0.6, "color": "white"}, "opacity": 0.9}))
    centre, zoom = _view([by_id[c] for c in codes], _DEFAULT_WIDTH, height - 60)
    figure.update_layout(map={"style": "white-bg", "center": centre, "zoom": zoom}, height=height,
                         margin={"l": 0, "r": 0, "t": 10, "b": 25}, legend={"title": {"text": "Status"}},
                         annotations=[{"text": ATTRIBUTION, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0,
                                       "y": 0, "xanchor": "left", "yanchor": "top", "font": {"size": 10, "color": "#555"}}])
    return figure
