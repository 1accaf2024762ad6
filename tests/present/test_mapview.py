"""The offline municipality map: packaged shapes and the plotly figure built from them.

Why: the app must draw its map with no network access, so the shapes ship with the project and
the figure must not point at any tile server or CDN TopoJSON.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from helpers import REPO

from allocator.present import mapview
from allocator.present.mapview import load_shapes, municipality_map

NORGE = REPO / "scenarios" / "norge-2026" / "municipalities.csv"

# The 357 municipalities of 2024, used when the Norway scenario is not there.
KOMMUNER_2024 = """
    0301 1101 1103 1106 1108 1111 1112 1114 1119 1120 1121 1122 1124 1127 1130 1133 1134 1135 1144
    1145 1146 1149 1151 1160 1505 1506 1508 1511 1514 1515 1516 1517 1520 1525 1528 1531 1532 1535
    1539 1547 1554 1557 1560 1563 1566 1573 1576 1577 1578 1579 1580 1804 1806 1811 1812 1813 1815
    1816 1818 1820 1822 1824 1825 1826 1827 1828 1832 1833 1834 1835 1836 1837 1838 1839 1840 1841
    1845 1848 1851 1853 1856 1857 1859 1860 1865 1866 1867 1868 1870 1871 1874 1875 3101 3103 3105
    3107 3110 3112 3114 3116 3118 3120 3122 3124 3201 3203 3205 3207 3209 3212 3214 3216 3218 3220
    3222 3224 3226 3228 3230 3232 3234 3236 3238 3240 3242 3301 3303 3305 3310 3312 3314 3316 3318
    3320 3322 3324 3326 3328 3330 3332 3334 3336 3338 3401 3403 3405 3407 3411 3412 3413 3414 3415
    3416 3417 3418 3419 3420 3421 3422 3423 3424 3425 3426 3427 3428 3429 3430 3431 3432 3433 3434
    3435 3436 3437 3438 3439 3440 3441 3442 3443 3446 3447 3448 3449 3450 3451 3452 3453 3454 3901
    3903 3905 3907 3909 3911 4001 4003 4005 4010 4012 4014 4016 4018 4020 4022 4024 4026 4028 4030
    4032 4034 4036 4201 4202 4203 4204 4205 4206 4207 4211 4212 4213 4214 4215 4216 4217 4218 4219
    4220 4221 4222 4223 4224 4225 4226 4227 4228 4601 4602 4611 4612 4613 4614 4615 4616 4617 4618
    4619 4620 4621 4622 4623 4624 4625 4626 4627 4628 4629 4630 4631 4632 4633 4634 4635 4636 4637
    4638 4639 4640 4641 4642 4643 4644 4645 4646 4647 4648 4649 4650 4651 5001 5006 5007 5014 5020
    5021 5022 5025 5026 5027 5028 5029 5031 5032 5033 5034 5035 5036 5037 5038 5041 5042 5043 5044
    5045 5046 5047 5049 5052 5053 5054 5055 5056 5057 5058 5059 5060 5061 5501 5503 5510 5512 5514
    5516 5518 5520 5522 5524 5526 5528 5530 5532 5534 5536 5538 5540 5542 5544 5546 5601 5603 5605
    5607 5610 5612 5614 5616 5618 5620 5622 5624 5626 5628 5630 5632 5634 5636
""".split()

# Haram was split out of Ålesund in 2024; the 2020 source has them merged (see MAP_LICENCE.md).
KNOWN_MISSING = {"1580"}


def all_codes() -> list[str]:
    if NORGE.exists():
        return pd.read_csv(NORGE, dtype={"kommunenummer": str})["kommunenummer"].tolist()
    return list(KOMMUNER_2024)


@pytest.fixture(scope="module")
def shapes() -> dict:
    data = load_shapes()
    assert data is not None, "allocator/data/kommuner_2024.geojson missing or unreadable"
    return data


def sample(codes: list[str]) -> pd.Series:
    return pd.Series([1.5 + i for i in range(len(codes))], index=codes, dtype=float)


def point_in_feature(lon: float, lat: float, feature: dict) -> bool:
    """Even-odd ray casting over every ring of a (Multi)Polygon."""
    geom = feature["geometry"]
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    inside = False
    for poly in polys:
        for ring in poly:
            for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
                if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
                    inside = not inside
    return inside


# --- the packaged GeoJSON ----------------------------------------------------------------------

def test_ids_are_four_digit_text(shapes: dict) -> None:
    assert shapes["type"] == "FeatureCollection"
    ids = [f["id"] for f in shapes["features"]]
    assert all(isinstance(i, str) and re.fullmatch(r"\d{4}", i) for i in ids)
    assert len(ids) == len(set(ids))
    for f in shapes["features"]:
        assert f["properties"]["kommunenummer"] == f["id"]
        assert f["properties"]["kommune"]
        assert f["geometry"]["type"] in {"Polygon", "MultiPolygon"}
        assert f["geometry"]["coordinates"]


def test_shape_for_almost_every_municipality(shapes: dict) -> None:
    codes = all_codes()
    ids = {f["id"] for f in shapes["features"]}
    missing = set(codes) - ids
    assert missing <= KNOWN_MISSING, f"without shape: {sorted(missing - KNOWN_MISSING)}"
    assert len(set(codes) & ids) >= len(codes) - len(KNOWN_MISSING)
    assert ids <= set(KOMMUNER_2024), "a shape carries a number that is not a 2024 municipality"
    assert set(shapes.get("missing", {})) == missing


def test_names_match_the_scenario(shapes: dict) -> None:
    if not NORGE.exists():
        pytest.skip("no Norway scenario")
    names = pd.read_csv(NORGE, dtype={"kommunenummer": str}).set_index("kommunenummer")["kommune"]
    wrong = {f["id"]: (f["properties"]["kommune"], names.get(f["id"]))
             for f in shapes["features"] if names.get(f["id"]) != f["properties"]["kommune"]}
    assert not wrong


@pytest.mark.parametrize("code, lon, lat", [
    ("0301", 10.75, 59.92),    # Oslo
    ("4601", 5.35, 60.39),     # Bergen
    ("5001", 10.40, 63.42),    # Trondheim
    ("5501", 18.95, 69.66),    # Tromsø (renumbered from 5401)
    ("3201", 10.53, 59.90),    # Bærum (renumbered from 3024)
    ("4003", 9.61, 59.21),     # Skien (renumbered from 3807)
])
def test_renumbered_shapes_are_in_the_right_place(shapes: dict, code: str, lon: float,
                                                  lat: float) -> None:
    by_id = {f["id"]: f for f in shapes["features"]}
    assert point_in_feature(lon, lat, by_id[code])
    others = [c for c, f in by_id.items() if c != code and point_in_feature(lon, lat, f)]
    assert not others


def test_wgs84_and_small(shapes: dict) -> None:
    for f in shapes["features"]:
        for poly in f["geometry"]["coordinates"]:
            for ring in poly:
                assert ring[0] == ring[-1] and len(ring) >= 4
                for lon, lat in ring:
                    assert 4.0 < lon < 32.0 and 57.5 < lat < 71.5
    assert mapview.SHAPES_PATH.stat().st_size < 1_500_000


# --- the figure ----------------------------------------------------------------------------

def test_county_map_is_an_offline_choroplethmap() -> None:
    codes = ["4601", "4602", "4611", "4612", "4613"]
    fig = municipality_map(sample(codes), "Vestland")
    assert isinstance(fig, go.Figure)
    traces = [t for t in fig.data if isinstance(t, go.Choroplethmap)]
    assert traces and list(traces[0].locations) == codes
    assert fig.layout.map.style == "white-bg"
    drawn = {f["id"] for f in traces[0].geojson["features"]}
    assert drawn == set(codes)  # only the given municipalities are sent to the browser
    assert 4.5 < fig.layout.map.center.lon < 8 and 59.5 < fig.layout.map.center.lat < 62
    assert "Kartgrunnlag" in fig.layout.annotations[0].text
    assert fig.layout.title.text == "Vestland"


def test_figure_needs_no_external_request() -> None:
    fig = municipality_map(sample(all_codes()), "Norge")
    assert fig is not None
    payload = fig.to_json()
    assert not re.findall(r"https?://", payload), "the figure references an external URL"
    assert fig.layout.map.style == "white-bg"
    assert not fig.layout.map.layers  # no tile or raster layers


def test_whole_country_zooms_out_more_than_one_county() -> None:
    norge = municipality_map(sample(all_codes()), "Norge")
    oslo_area = municipality_map(sample(["0301", "3201", "3203", "3205"]), "Oslo-området")
    assert norge is not None and oslo_area is not None
    assert 2.5 < norge.layout.map.zoom < oslo_area.layout.map.zoom <= 12
    assert 63 < norge.layout.map.center.lat < 67


def test_hover_text_is_norwegian() -> None:
    values = pd.Series({"0301": 12.345, "4601": 3.0})
    hover = pd.Series({"0301": "Vedtak: 1 648"})
    fig = municipality_map(values, "", hover)
    texts = dict(zip(fig.data[0].locations, fig.data[0].text))
    assert texts["0301"] == "<b>Oslo</b>: 12,3 per 1 000 innbyggere<br>Vedtak: 1 648"
    assert texts["4601"] == "<b>Bergen</b>: 3,0 per 1 000 innbyggere"
    assert "innbyggere" in fig.data[0].colorbar.title.text
    assert fig.layout.separators == ", "


def test_integer_index_nan_values_and_missing_shapes() -> None:
    values = pd.Series({301: 2.0, 1508: float("nan"), 1580: 4.0})
    fig = municipality_map(values, "Test")
    assert fig is not None
    assert list(fig.data[0].locations) == ["0301"]
    assert list(fig.data[1].locations) == ["1508"]  # grey "ingen data" layer
    assert "Haram (1580)" in fig.layout.annotations[0].text


def test_none_without_shapes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert municipality_map(pd.Series({"9999": 1.0}), "Ingen") is None
    load_shapes.cache_clear()
    try:
        monkeypatch.setattr(mapview, "SHAPES_PATH", tmp_path / "absent.geojson")
        assert load_shapes() is None
        assert municipality_map(pd.Series({"0301": 1.0}), "Oslo") is None
        (tmp_path / "broken.geojson").write_text("{not json", encoding="utf-8")
        monkeypatch.setattr(mapview, "SHAPES_PATH", tmp_path / "broken.geojson")
        load_shapes.cache_clear()
        assert load_shapes() is None
    finally:
        load_shapes.cache_clear()
    monkeypatch.undo()
    assert load_shapes() is not None


def test_zoom_fits_the_extent() -> None:
    centre, zoom = mapview._view(
        [{"geometry": {"type": "Polygon",
                       "coordinates": [[[10, 60], [11, 60], [11, 61], [10, 60]]]}}],
        800, 600)
    assert math.isclose(centre["lon"], 10.5)
    assert 60 < centre["lat"] < 61
    assert 6 < zoom < 9
