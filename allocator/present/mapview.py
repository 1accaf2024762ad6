"""Offline choropleth of Norwegian municipalities (2024 numbers) for the app.

Why this module exists: the app must work with no internet access. Plotly's `go.Choropleth`
(geo) downloads a TopoJSON from a CDN and draws nothing offline, and tile-based map styles fetch
tiles; so the municipality shapes are shipped with the project (data/kommuner_2024.geojson, built
by tools/build_map.py, see data/MAP_LICENCE.md) and drawn with `go.Choroplethmap` on the
"white-bg" style, which needs no external resource at all.

Known gap: the shapes are 2020 boundaries renumbered to 2024, so Haram (1580), split out of
Ålesund in 2024, has no shape and Ålesund (1508) is drawn with the merged 2020 outline. Any
municipality without a shape is named in a note under the map instead of silently vanishing.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

SHAPES_PATH = Path(__file__).resolve().parents[1] / "data" / "kommuner_2024.geojson"

ATTRIBUTION = ("Kartgrunnlag: kommunegrenser 2020 (Kartverket, via hvor, LGPL-3.0), "
               "omnummerert til 2024")
COLORBAR_TITLE = "Personer per<br>1 000 innbyggere"
COLORSCALE = "YlOrRd"  # sequential: light = few, dark = many
NO_DATA_COLOUR = "#d9d9d9"

# Plotly's map zoom z shows 512 * 2**z pixels for the whole world (360° of longitude).
_TILE_PX = 512.0
_DEFAULT_WIDTH = 700  # the app lets Streamlit stretch the figure; assume a typical column width
_DEFAULT_HEIGHT = 600
_MARGIN_PX = 20  # keep the outermost municipalities clear of the frame
_COLORBAR_PX = 120  # width taken by the colour bar and its title, right of the map


@lru_cache(maxsize=1)
def load_shapes() -> dict | None:
    """The packaged 2024 municipality GeoJSON (feature ids = 4-digit kommunenummer), or None.

    Returns None rather than raising when the file is missing or unreadable, so the app can
    simply leave the map out. Cached: the file is read once per process (≈1 MB); treat the
    returned dict as read-only.
    """
    try:
        data = json.loads(SHAPES_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        return None
    return data


def _norsk(x: float, decimals: int = 1) -> str:
    """Number with Norwegian formatting: decimal comma, thin space between thousands."""
    s = f"{x:,.{decimals}f}"
    return s.replace(",", "\u2009").replace(".", ",")


def _iter_points(geometry: dict):
    coords = geometry.get("coordinates", [])
    polys = coords if geometry.get("type") == "MultiPolygon" else [coords]
    for poly in polys:
        for ring in poly:
            for x, y, *_ in ring:
                yield x, y


def _mercator_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _view(features: list[dict], width: int, height: int) -> tuple[dict, float]:
    """Centre and zoom so that all features fit in a map area of width × height pixels.

    Fitting is done in Web Mercator (what the map draws), so tall northern extents get the
    smaller zoom they need; the zoom is capped at 12 for a single tiny municipality.
    """
    xs: list[float] = []
    ys: list[float] = []
    for f in features:
        for x, y in _iter_points(f["geometry"]):
            xs.append(x)
            ys.append(y)
    lon0, lon1, lat0, lat1 = min(xs), max(xs), min(ys), max(ys)
    y0, y1 = _mercator_y(lat0), _mercator_y(lat1)
    centre_lat = math.degrees(2 * math.atan(math.exp((y0 + y1) / 2)) - math.pi / 2)
    w = max(width - 2 * _MARGIN_PX, 50)
    h = max(height - 2 * _MARGIN_PX, 50)
    zoom_x = math.log2(w * 360.0 / (_TILE_PX * max(lon1 - lon0, 1e-4)))
    zoom_y = math.log2(h * 2 * math.pi / (_TILE_PX * max(y1 - y0, 1e-6)))
    zoom = max(0.0, min(zoom_x, zoom_y, 12.0))
    return {"lon": (lon0 + lon1) / 2, "lat": centre_lat}, round(zoom, 2)


def municipality_map(
    values: pd.Series,
    title: str,
    hover: pd.Series | None = None,
    *,
    width: int | None = None,
    height: int = _DEFAULT_HEIGHT,
    zmax: float | None = None,
) -> go.Figure | None:
    """Choropleth of `values` (persons per 1 000 inhabitants) by municipality, drawn offline.

    `values` is indexed by kommunenummer (4-digit text such as "0301"; integers are zero-padded)
    and holds the municipalities to show — one county or all of Norway; only those are drawn, and
    the view is centred and zoomed on them. `hover` (same index, optional) adds a line of text to
    each municipality's tooltip. NaN values are drawn grey as "ingen data". Municipalities without
    a shape are listed in the note under the map. `width` is only used to choose the zoom (the
    figure itself is left to stretch); `height` sets the figure height in pixels; `zmax` fixes the
    top of the colour scale (default: the largest value shown; the bottom is always 0), e.g. to
    compare two maps on one scale.

    Returns None when the packaged shapes are unavailable or none of the municipalities has a
    shape, so the caller can skip the map instead of showing an empty frame.
    """
    shapes = load_shapes()
    if shapes is None:
        return None
    by_id = {str(f.get("id")): f for f in shapes["features"]}

    vals = pd.to_numeric(pd.Series(values), errors="coerce").astype(float)
    vals.index = [_code(k) for k in vals.index]
    vals = vals[~vals.index.duplicated(keep="first")]
    extra: dict[str, str] = {}
    if hover is not None:
        extra = {_code(k): str(v) for k, v in hover.items() if pd.notna(v) and str(v) != ""}

    codes = [c for c in vals.index if c in by_id]
    if not codes:
        return None
    missing = [c for c in vals.index if c not in by_id]
    features = [by_id[c] for c in codes]
    geojson = {"type": "FeatureCollection", "features": features}
    names = {c: by_id[c]["properties"].get("kommune", c) for c in codes}

    def label(c: str) -> str:
        v = vals[c]
        text = f"<b>{names[c]}</b>: " + (
            f"{_norsk(v)} per 1 000 innbyggere" if pd.notna(v) else "ingen data")
        return text + (f"<br>{extra[c]}" if c in extra else "")

    has = [c for c in codes if pd.notna(vals[c])]
    lacks = [c for c in codes if pd.isna(vals[c])]
    fig = go.Figure()
    fig.add_trace(go.Choroplethmap(
        geojson=geojson,
        locations=has,
        z=[float(vals[c]) for c in has],
        text=[label(c) for c in has],
        hovertemplate="%{text}<extra></extra>",
        colorscale=COLORSCALE,
        zmin=0.0,
        zmax=zmax if zmax is not None else _zmax([float(vals[c]) for c in has]),
        marker={"line": {"width": 0.6, "color": "white"}, "opacity": 0.9},
        colorbar={"title": {"text": COLORBAR_TITLE}, "thickness": 14},
        name="",
    ))
    if lacks:
        fig.add_trace(go.Choroplethmap(
            geojson=geojson,
            locations=lacks,
            z=[0.0] * len(lacks),
            text=[label(c) for c in lacks],
            hovertemplate="%{text}<extra></extra>",
            colorscale=[[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]],
            showscale=False,
            marker={"line": {"width": 0.6, "color": "white"}},
            name="ingen data",
        ))

    top, bottom = (50 if title else 10), (40 if missing else 25)
    centre, zoom = _view(features, (width or _DEFAULT_WIDTH) - _COLORBAR_PX, height - top - bottom)
    note = ATTRIBUTION
    if missing:
        known = shapes.get("missing") or {}
        missing = [f"{known[c]} ({c})" if c in known else c for c in missing]
        shown = ", ".join(missing[:8]) + (" …" if len(missing) > 8 else "")
        note = f"Uten kartflate: {shown}<br>" + note
    fig.update_layout(
        title={"text": title},
        map={"style": "white-bg", "center": centre, "zoom": zoom},
        height=height,
        margin={"l": 0, "r": 0, "t": top, "b": bottom},
        separators=", ",  # decimal comma and space as thousands separator (colour bar ticks)
        annotations=[{
            "text": note, "showarrow": False, "xref": "paper", "yref": "paper",
            "x": 0, "y": 0, "xanchor": "left", "yanchor": "top", "yshift": -4,
            "align": "left", "font": {"size": 10, "color": "#555"},
        }],
    )
    return fig


def _zmax(zs: list[float]) -> float:
    """Top of the colour scale when the caller gives none: the largest value (1 if all are 0).

    Both ends are fixed (0 … max) because Plotly ignores `zmin` unless `zmax` is set too, and a
    scale that starts at 0 keeps light colours meaning "few" even when every value is similar.
    """
    top = max(zs, default=0.0)
    return top if top > 0 else 1.0


def _code(k: object) -> str:
    """Normalise a municipality key to 4-digit text ("301", 301 → "0301")."""
    s = str(k).strip()
    if s.endswith(".0"):
        s = s[:-2]
    return s.zfill(4) if s.isdigit() else s
