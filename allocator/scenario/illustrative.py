"""The rules that fill a catalog scenario (`new`, the bundled examples): the split of a request
into groups, and the illustrative housing, places and capacities of each municipality.

No public figures give these per municipality, so every scenario uses the same stated rules (the
texts that state them are in catalog_text.py). Pure Python and the standard library only (no
pandas/numpy at import time), so that a command line that only writes a scenario starts fast. The
capacity rules were first written with pandas; `build_table` reproduces them with the same
floating-point expressions (numpy's pairwise sum included), so the bundled scenarios come out
byte-identical. One difference remains by nature: `population ** 0.6` here is the C library's
power, while numpy's vectorised power can differ in the last bit on some CPUs; every rounded-up
capacity was checked to be the same for each county, year and the national pool.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence

from allocator.scenario.national import _national_rows

#: Same order as allocator.scenario.data.GROUPS (not imported: that module pulls in numpy).
GROUPS: tuple[str, ...] = ("adults", "families", "minors", "special_needs")
SPECIAL_SHARE = 0.055  # special_needs = floor(5.5 % of the non-minors)
ADULT_SHARE = 0.49  # adults = round(49 % of the non-minors); families = the rest
HEADROOM = 1.75  # illustrative housing covers 175 % of each group's need, pool-wide
MINOR_HEADROOM = 1.2  # minor places scaled up (if needed) to 120 % of the minors requested
PERSONS_PER_FAMILY_DWELLING = 3.5
KEY_EXPONENT = 0.6

#: Columns of the national table, in file order.
NATIONAL_COLUMNS: tuple[str, ...] = (
    "kommunenummer", "kommune", "fylke", "population", "sentralitet", "kostragruppe", "bosatt_2022",
    "bosatt_2023", "bosatt_2024", "anmodning_2024", "vedtak_2024", "anmodning_em_2024", "vedtak_em_2024",
)
#: Real columns copied unchanged into a scenario, after the capacity columns.
REAL_COLUMNS: tuple[str, ...] = NATIONAL_COLUMNS[4:]
#: Illustrative capacity columns (max_total is the real 2024 decision used as a stand-in).
CAPACITY_COLUMNS: tuple[str, ...] = (
    "max_total", "small_dwellings", "family_dwellings", "minor_places", "special_places",
)
#: The settlement year's columns (allocator/yeardata.py): filled from the real figures for 2024,
#: so the real year can be replayed (year, round2, revise, followup); blank for later years.
YEAR_COLUMNS: tuple[str, ...] = ("anmodning", "anmodning_em", "vedtak", "vedtak_em", "kan_ta_flere", "bosatt")
SCENARIO_COLUMNS: tuple[str, ...] = (
    "kommunenummer", "kommune", "fylke", "population", *CAPACITY_COLUMNS, *REAL_COLUMNS, *YEAR_COLUMNS,
)


def round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def split_request(total: int, minors: int) -> dict[str, int]:
    """The one illustrative split of the non-minor persons, used by every scenario.

    No public figures split a request into single adults, families and special needs, so every
    example uses the same stated rule (see SPLIT_TEXT) and only the minors are real.
    """
    rest = total - minors
    special = math.floor(SPECIAL_SHARE * rest)
    adults = round_half_up(ADULT_SHARE * rest)
    return {"adults": adults, "families": rest - special - adults, "minors": minors,
            "special_needs": special}


def numpy_sum(values: Sequence[float]) -> float:
    """The sum exactly as numpy (and so pandas) adds float64 arrays: pairwise, 8-way unrolled.

    Why: the capacity rules were first computed with pandas; adding in the same order keeps
    every share bit-identical, so a rounded-up capacity never flips by one.
    """
    return _pairwise(values, 0, len(values))


def _pairwise(a: Sequence[float], lo: int, n: int) -> float:
    if n < 8:
        total = 0.0
        for i in range(lo, lo + n):
            total += a[i]
        return total
    if n <= 128:
        r = [float(a[lo + j]) for j in range(8)]
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += a[lo + i + j]
            i += 8
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for k in range(lo + i, lo + n):
            total += a[k]
        return total
    half = n // 2
    half -= half % 8
    return _pairwise(a, lo, half) + _pairwise(a, lo + half, n - half)


def _accepted(row: Mapping[str, object]) -> float:
    """Share of its 2024 request the council decided (at most 1; 1 where either figure is missing
    or the request was 0), as pandas' (vedtak / anmodning).clip(upper=1).fillna(1) gave it."""
    decided, asked = row["vedtak_2024"], row["anmodning_2024"]
    if decided is None or asked is None or asked == 0:
        return 1.0
    return min(decided / asked, 1.0)


#: Size bands (inhabitants) for "comparable municipalities": lower bounds.
SIZE_BANDS: tuple[int, ...] = (0, 2_000, 5_000, 10_000, 20_000, 50_000)


def _band(population: int) -> int:
    return sum(population >= low for low in SIZE_BANDS)


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def estimated_decision(row: Mapping[str, object]) -> tuple[int, float]:
    """For a municipality with no 2024 decision: a capacity from comparable municipalities, and the
    share of its request they accepted.

    Why: a blank max_total means no limit, and such a municipality became the sink of every least
    change and of the housing grant (Utsira, 215 inhabitants, +8 100 persons). Comparable = the
    same SSB centrality and size band (SIZE_BANDS) among the municipalities that did decide, in the
    whole national table (a small pool may have none); where there are none, the same size band.
    The capacity is their median decision per 1 000 inhabitants times this one's population,
    rounded half up; the share is their median accepted share (`_accepted`). Illustrative, and the
    scenario's description says so (`estimated_text`).
    """
    decided = [r for r in _national_rows() if r["vedtak_2024"] is not None and r["population"]]
    peers = [r for r in decided if r["sentralitet"] == row["sentralitet"] and _band(r["population"]) == _band(row["population"])]
    if not peers:
        peers = [r for r in decided if _band(r["population"]) == _band(row["population"])] or decided
    per_1000 = _median([1000 * r["vedtak_2024"] / r["population"] for r in peers])
    return round_half_up(per_1000 * row["population"] / 1000), _median([_accepted(r) for r in peers])


def build_table(rows: Iterable[Mapping[str, object]], req: Mapping[str, int],
                family_headroom: float = HEADROOM) -> tuple[list[dict], dict]:
    """Municipality rows: real columns plus illustrative housing and places (rules in the comments).

    `rows` are national-table rows (see `national_table`); the result has SCENARIO_COLUMNS, in
    kommunenummer order, and `info` feeds `minors_text`. The rules are stated to the user in
    HOUSING_TEXT and minors_text, which is why they are simple and pool-wide.
    """
    rows = sorted(rows, key=lambda r: r["kommunenummer"])
    # Housing follows the key (population^0.6) times the share of its 2024 request the council
    # accepted: a low 2024 decision is read as a sign of scarce housing. Scaled to HEADROOM x the
    # need, rounded up.
    estimates = {r["kommunenummer"]: estimated_decision(r) for r in rows if r["vedtak_2024"] is None}
    accepted = [estimates[r["kommunenummer"]][1] if r["kommunenummer"] in estimates else _accepted(r) for r in rows]
    base = [r["population"] ** KEY_EXPONENT * a for r, a in zip(rows, accepted)]
    base_sum = numpy_sum(base)
    share = [b / base_sum for b in base]
    need = {"small_dwellings": req["adults"],
            "family_dwellings": req["families"] / PERSONS_PER_FAMILY_DWELLING,
            "special_places": req["special_needs"]}
    # Minor places: the 2024 minors decision, else the 2024 minors request, else 0; scaled up by
    # k_em (rounded up) only when that sum is below 120 % of the minors requested.
    em = [_first_given(r["vedtak_em_2024"], r["anmodning_em_2024"], 0) for r in rows]
    em_sum = numpy_sum([float(e) for e in em])
    k_em = max(1.0, MINOR_HEADROOM * req["minors"] / em_sum) if em_sum else 1.0
    table = []
    for i, r in enumerate(rows):
        out = {c: r[c] for c in ("kommunenummer", "kommune", "fylke", "population")}
        # the 2024 decision; without one, an estimate from comparable municipalities (never "no limit")
        out["max_total"] = r["vedtak_2024"] if r["vedtak_2024"] is not None else estimates[r["kommunenummer"]][0]
        for col, n in need.items():
            h = family_headroom if col == "family_dwellings" else HEADROOM
            out[col] = math.ceil(h * n * share[i])
        out["minor_places"] = math.ceil(round(k_em * em[i], 9))
        out.update({c: r[c] for c in REAL_COLUMNS})
        table.append(out)
    decided = sum(r["vedtak_em_2024"] or 0 for r in rows)
    return table, {"em_sum": int(em_sum), "em_decided": int(decided), "k_em": k_em}


def _first_given(*values):
    return next(v for v in values if v is not None)
