"""Distances between counties, for choosing where persons cross a county border.

Why: among the plans settling the most persons with the fewest across county borders, a planner
expects the nearest counties to help (Troms → Rogaland, Nordland → Oslo were chosen by a hash).
A county's centre is the population-weighted mean of its municipalities' centres (the mean of each
municipality's boundary points in the bundled map, `data/kommuner_2024.geojson`, weighted by the
national table's population); the distance between two counties is the great-circle distance
between their centres, in whole kilometres. Counties the bundled map does not know (a scenario's
own names) are 1 km from every other county, so for them only the number crossing counts.

The centres are kept as constants (`COUNTY_CENTRES`): reading the 1 MB map takes longer than a
national plan. `county_centres()` computes them from the map; a test checks they agree.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

from allocator.scenario.national import national_table

SHAPES = Path(__file__).resolve().parents[1] / "data" / "kommuner_2024.geojson"
EARTH_RADIUS_KM = 6371.0
#: (latitude, longitude) of each county's centre, from `county_centres()`.
COUNTY_CENTRES: dict[str, tuple[float, float]] = {
    "Agder": (58.2982, 8.0061),
    "Akershus": (59.9150, 10.8646),
    "Buskerud": (59.8921, 9.9306),
    "Finnmark": (70.2146, 25.7195),
    "Innlandet": (60.9467, 10.8215),
    "Møre og Romsdal": (62.6088, 6.9175),
    "Nordland": (67.2645, 14.4540),
    "Oslo": (59.9354, 10.7524),
    "Rogaland": (59.0435, 5.7793),
    "Telemark": (59.2581, 9.3323),
    "Troms": (69.3964, 18.3814),
    "Trøndelag": (63.5263, 10.5808),
    "Vestfold": (59.2622, 10.2513),
    "Vestland": (60.5157, 5.5165),
    "Østfold": (59.3075, 11.0302),
}


@functools.lru_cache(maxsize=1)
def county_centres() -> dict[str, tuple[float, float]]:
    """(latitude, longitude) of each county of the national table, in degrees ({} without the map)."""
    try:
        features = json.loads(SHAPES.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError):
        return {}
    centre = {}
    for feature in features:
        points = [(lat, lon) for lon, lat, *_ in _points(feature.get("geometry") or {})]
        if points:
            centre[str(feature.get("id"))] = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
    sums: dict[str, list[float]] = {}
    for row in national_table():
        point = centre.get(row["kommunenummer"])
        if point is None or not row["population"]:
            continue
        total = sums.setdefault(row["fylke"], [0.0, 0.0, 0.0])
        total[0] += row["population"] * point[0]
        total[1] += row["population"] * point[1]
        total[2] += row["population"]
    return {county: (s[0] / s[2], s[1] / s[2]) for county, s in sums.items() if s[2] > 0}


def _points(geometry: dict):
    coordinates = geometry.get("coordinates", [])
    polygons = coordinates if geometry.get("type") == "MultiPolygon" else [coordinates]
    for polygon in polygons:
        for ring in polygon:
            yield from ring


def distance_km(a: str, b: str) -> float:
    """Whole kilometres between two counties' centres (1 where either is not on the map)."""
    centres = COUNTY_CENTRES
    if a not in centres or b not in centres:
        return 1.0
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, centres[c])) for c in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return float(max(1, round(2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h)))))
