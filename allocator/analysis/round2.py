"""The second round: an additional request («tilleggsanmodning») that covers the year's gap.

When the councils decide less than they were asked, IMDi and the KS county branches ask again:
first the municipalities that said they could take more, then others, across county borders if
need be. Each municipality ends at `vedtak + extra` (a pending one at its request, no extra).

Rules, in order:
1. place as much of the gap as the limits allow (the scenario's limits, `max_total` and the
   dwellings and places, apply to the final numbers);
2. a municipality that decided less than it was asked gets no extra unless it stated
   `kan_ta_flere`; `extra ≤ kan_ta_flere` wherever it is stated;
3. stated offers are used before anyone who stated none is asked;
4. within each of those two tiers the gap is split by the key's fair shares (`apportion`: whole
   persons, in multiples of the key's `round_to` where they fit, and no ask under the key's
   `min_persons` where the others can take those persons; minors, a few at a time, are exempt);
5. with `[counties] cross_border = true`, only what no municipality in its own county can take
   crosses a border: the most persons possible, found by a transport LP solved by HiGHS, and
   within `max_share` of the county's request.

Unaccompanied minors are their own group: their gap (`anmodning_em` − `vedtak_em`) goes only to
minor places, and is placed before the other persons, who take what room is left.

Why tiers one after the other and not one weighted objective: rule 3 is a strict order (no one
without an offer is asked while an offer is unused), which a sequence states exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from allocator.analysis.year import county_positions, require_year, sums
from allocator.labels import number
from allocator.optimize.apportion import apportion_in_units
from allocator.optimize.lp import INF, LinearProgram
from allocator.optimize.solvers import solve_lp
from allocator.scenario.data import GROUPS
from allocator.scenario.key import fair_share_array
from allocator.scenario.yeardata import YearData

GROUP_NAMES = ("minors", "other")  # the gap's two groups: unaccompanied minors, everyone else


@dataclass
class Round2:
    """The additional requests; `to_dict` is the `round2 --json` shape."""

    data: YearData
    gap: int
    gap_minors: int
    extra: np.ndarray  # persons, table order (minors included)
    extra_minors: np.ndarray
    eligible: np.ndarray  # may be asked at all
    flows: list[dict[str, Any]] = field(default_factory=list)
    unplaced_by_county: dict[str, int] = field(default_factory=dict)
    by_hand: np.ndarray | None = None  # extra set by hand (the app's table)
    room_left: np.ndarray | None = None  # persons more each municipality could still take
    unplaced_minors: int = 0

    @property
    def placed(self) -> int:
        return int(self.extra.sum())

    @property
    def unplaced(self) -> int:
        return max(0, self.gap - self.placed)

    def why_unplaced(self) -> str:
        """Why part of the gap found no place, in plain words: who may not be asked, who is full."""
        d = self.data
        under = d.decided & (d.vedtak < np.nan_to_num(d.anmodning)) & np.isnan(d.kan_ta_flere)
        full = self.eligible & (self.room_left <= 0) if self.room_left is not None else np.zeros(len(d.numbers), dtype=bool)
        parts = [f"{number(self.unplaced)} personer fant ingen plass"
                 + (f", {number(self.unplaced_minors)} av dem enslige mindreårige: kommunene som kan spørres, har ikke "
                    "flere plasser for enslige mindreårige." if self.unplaced_minors else ".")]
        if d.pending.any():
            parts.append(f"{int(d.pending.sum())} kommuner venter på vedtak og spørres ikke.")
        if under.any():
            parts.append(f"{int(under.sum())} kommuner vedtok mindre enn anmodningen uten å oppgi at de kan ta flere, "
                         "og spørres ikke igjen.")
        if full.any():
            parts.append(f"{int(full.sum())} kommuner som kan spørres, er ved grensene sine (maks totalt, boliger og "
                         "plasser, oppgitt «kan ta flere»).")
        return " ".join(parts)

    def asks(self) -> list[dict[str, Any]]:
        d = self.data
        rows = [k for k in sorted(range(len(d.numbers)), key=d.numbers.__getitem__) if self.extra[k] > 0]
        return [{"kommunenummer": d.numbers[k], "kommune": d.names[k], "fylke": d.counties[k],
                 "extra": int(self.extra[k]), "extra_minors": int(self.extra_minors[k]),
                 "offered": None if np.isnan(d.kan_ta_flere[k]) else int(d.kan_ta_flere[k]),
                 "vedtak": None if np.isnan(d.vedtak[k]) else int(d.vedtak[k]),
                 "after": int(d.agreed[k] + self.extra[k]),
                 "by_hand": bool(self.by_hand is not None and self.by_hand[k])} for k in rows]

    def to_dict(self) -> dict[str, Any]:
        return {"gap": self.gap, "gap_minors": self.gap_minors, "placed": self.placed,
                "placed_minors": int(self.extra_minors.sum()), "unplaced": self.unplaced,
                "unplaced_minors": self.unplaced_minors,
                "unplaced_by_county": self.unplaced_by_county, "asks": self.asks(), "flows": self.flows}

    def lines(self) -> list[str]:
        lines = [f"Gap: {number(self.gap)} personer ({number(self.gap_minors)} enslige mindreårige). "
                 f"Tilleggsanmodning: {number(self.placed)} personer til {len(self.asks())} kommuner "
                 f"({number(self.extra_minors.sum())} enslige mindreårige)."]
        if self.unplaced:
            where = ", ".join(f"{c or 'scenarioet'} {number(n)}" for c, n in self.unplaced_by_county.items() if n)
            lines.append(f"Ikke plassert ({where}): {self.why_unplaced()}")
        for flow in self.flows:
            lines.append(f"Over fylkesgrensen: {number(flow['persons'])} "
                         f"{'enslige mindreårige' if flow['group'] == 'minors' else 'personer'} fra {flow['from']} til {flow['to']}.")
        lines += ["", f"{'Kommune':<32}{'Vedtak':>8}{'Tillegg':>9}{'Av dem EM':>11}{'Tilbudt':>9}{'Nytt tall':>11}"]
        for ask in self.asks():
            lines.append(f"{(ask['kommunenummer'] + ' ' + ask['kommune'])[:31]:<32}"
                         f"{'' if ask['vedtak'] is None else number(ask['vedtak']):>8}{number(ask['extra']):>9}"
                         f"{number(ask['extra_minors']):>11}{'' if ask['offered'] is None else number(ask['offered']):>9}"
                         f"{number(ask['after']):>11}")
        return lines


def weights(scenario) -> np.ndarray:
    """Each municipality's fair share of the scenario's request in persons (the key, within its
    county): the weights every change of the need is split by."""
    return fair_share_array(scenario).sum(axis=1)


def rooms(scenario, data: YearData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Room above the agreement per municipality: in all (max_total), for minors (minor places)
    and for everyone else (the other groups' dwellings and places); inf = no limit."""
    caps = scenario.year_caps
    minor = GROUPS.index("minors")
    current, current_minors = data.agreed, data.agreed_minors
    high = scenario.bounds()[1]
    total_room = np.where(np.isnan(high), np.inf, high) - current
    minor_room = caps[:, minor] - current_minors
    other_room = np.delete(caps, minor, axis=1).sum(axis=1) - (current - current_minors)
    return (np.maximum(total_room, 0.0), np.maximum(minor_room, 0.0), np.maximum(other_room, 0.0))


def eligibility(data: YearData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(may be asked, stated an offer, offer cap). Pending councils get no extra; one that decided
    less than asked only with an offer; an offer caps the extra wherever it is stated."""
    offered = ~np.isnan(data.kan_ta_flere)
    under = data.decided & (data.vedtak < np.nan_to_num(data.anmodning))
    eligible = ~data.pending & (~under | (offered & (np.nan_to_num(data.kan_ta_flere) > 0)))
    eligible &= ~offered | (np.nan_to_num(data.kan_ta_flere) > 0)
    cap = np.where(offered, data.kan_ta_flere, np.inf)
    return eligible, offered & eligible, cap


def _place(amount: int, rows: np.ndarray, tiers: list[np.ndarray], w: np.ndarray, start: np.ndarray,
           cap: np.ndarray, unit: int, least: int = 0) -> np.ndarray:
    """`start` with up to `amount` more persons over `rows`, tier by tier (each by fair shares),
    nobody above `cap`. Returns the whole array. `least` (the key's `min_persons`): a municipality
    asked is asked for at least that many, where leaving out the smallest asks loses no one."""
    result = start.copy()
    left = amount
    for tier in tiers:
        members = rows[tier[rows]]
        if left <= 0 or not len(members):
            continue
        before = result[members].sum()
        added = _split(w[members], result[members], np.maximum(cap[members], result[members]), int(left), unit, least)
        result[members] = added
        left -= int(added.sum() - before)
    return result


def _split(w: np.ndarray, start: np.ndarray, upper: np.ndarray, amount: int, unit: int, least: int) -> np.ndarray:
    """`amount` more over one tier by fair shares; with `least`, asks under it are dropped one at a
    time (the smallest first) while the others can take them."""
    open_ = np.ones(len(w), dtype=bool)
    best = apportion_in_units(w, start, upper, int(start.sum() + amount), unit)
    placed = best.sum()
    if least <= 1:
        return best
    for _ in range(len(w)):
        extra = best - start
        small = np.flatnonzero(open_ & (extra > 0) & (extra < least))
        if not len(small):
            break
        drop = small[np.argmin(extra[small])]
        trial_open = open_.copy()
        trial_open[drop] = False
        trial = start.copy()
        trial[trial_open] = apportion_in_units(w[trial_open], start[trial_open], upper[trial_open],
                                               int(start[trial_open].sum() + amount), unit)
        if trial.sum() < placed:
            break
        open_, best = trial_open, trial
    return best


def _transport(remaining: dict[str, int], capacity: dict[str, int], sendable: dict[str, int]) -> dict[tuple[str, str], int]:
    """The most persons from counties with a remainder to counties with room (HiGHS, an LP whose
    optimum is whole: a transport problem); ties broken toward the nearest in the list of counties
    (a fixed order, so the same year gives the same flows)."""
    senders = [c for c in sorted(remaining) if remaining[c] > 0 and sendable.get(c, 0) > 0]
    receivers = [d for d in sorted(capacity) if capacity[d] > 0]
    pairs = [(c, d) for c in senders for d in receivers if c != d]
    if not pairs:
        return {}
    order = {name: k for k, name in enumerate(sorted(set(remaining) | set(capacity)))}
    lp = LinearProgram("round2_crossing", maximize=True)
    cost = np.array([1.0 - 1e-6 * abs(order[c] - order[d]) / len(order) for c, d in pairs])
    x = lp.add_columns("flow", len(pairs), 0.0, INF, cost)
    lp.add_sum_rows("send", [x[[k for k, (c, _) in enumerate(pairs) if c == s]] for s in senders], -INF,
                    [min(remaining[s], sendable[s]) for s in senders])
    lp.add_sum_rows("receive", [x[[k for k, (_, d) in enumerate(pairs) if d == r]] for r in receivers], -INF,
                    [capacity[r] for r in receivers])
    solution = solve_lp(lp, "highs")
    if solution.status != "optimal":
        raise RuntimeError(f"HiGHS fant ingen optimal fordeling over fylkesgrensene ({solution.detail})")
    flows = np.floor(solution.x + 1e-6)
    return {pair: int(n) for pair, n in zip(pairs, flows) if n > 0}


def round2(scenario, fixed: Mapping[str, int] | None = None) -> Round2:
    """The additional request that covers the year's gap (see the module docstring).

    `fixed`: extra persons set by hand for some municipalities (kommunenummer → persons), as in
    the app's editable table: they are kept as given (counted as persons other than minors) and
    the rest of their county's gap is placed over the others by the same rules."""
    data = require_year(scenario)
    n = len(data.numbers)
    w = weights(scenario)
    eligible, offered, offer_cap = eligibility(data)
    total_room, minor_room, other_room = rooms(scenario, data)
    total_room = np.where(eligible, np.minimum(total_room, offer_cap), 0.0)
    by_hand = np.zeros(n, dtype=bool)
    preset = np.zeros(n)
    position = {kommunenummer: k for k, kommunenummer in enumerate(data.numbers)}
    for kommunenummer, persons in (fixed or {}).items():
        if kommunenummer in position:
            by_hand[position[kommunenummer]] = True
            preset[position[kommunenummer]] = max(0, int(persons))
    tiers = [offered & ~by_hand, eligible & ~offered & ~by_hand]
    unit = int(scenario.key_rules.round_to or 1)
    least = int(scenario.key_rules.min_persons or 0)
    positions = county_positions(data) if scenario.counties is not None else {"": np.arange(n)}
    gaps = {c: sums(data, rows) for c, rows in positions.items()}
    gap_of = {c: max(0, g["gap"]) for c, g in gaps.items()}
    minors_of = {c: min(max(0, g["gap_minors"]), gap_of[c]) for c, g in gaps.items()}
    minors, others = np.zeros(n), preset.copy()
    left: dict[str, dict[str, int]] = {"minors": {}, "other": {}}
    for c, rows in positions.items():  # minors first: their places are the scarcer
        want = min(minors_of[c], max(0, gap_of[c] - int(preset[rows].sum())))
        placed = _place(want, rows, tiers, w, minors, np.minimum(minor_room, total_room), unit)
        left["minors"][c] = int(want - (placed - minors).sum())
        minors = placed
    for c, rows in positions.items():
        want = max(0, gap_of[c] - int(preset[rows].sum()) - int(minors[rows].sum()) - left["minors"][c])
        placed = _place(want, rows, tiers, w, others, np.minimum(other_room, total_room - minors), unit, least)
        left["other"][c] = int(want - (placed - others).sum())
        others = placed
    flows: list[dict[str, Any]] = []
    counties = scenario.counties
    if counties is not None and counties.cross_border and len(positions) > 1:
        sendable = {c: (int(counties.max_share * max(0, gaps[c]["anmodning"])) if counties.max_share is not None else 10**12)
                    for c in positions}
        for group in GROUP_NAMES:
            mine = minors if group == "minors" else others
            cap = np.minimum(minor_room, total_room - others) if group == "minors" else np.minimum(other_room, total_room - minors)
            capacity = {c: int(min(np.maximum(cap[rows] - mine[rows], 0.0).sum(), 10**12)) for c, rows in positions.items()}
            received: dict[str, int] = {}
            for (c, d), persons in sorted(_transport(left[group], capacity, sendable).items()):
                flows.append({"from": c, "to": d, "group": group, "persons": persons})
                received[d] = received.get(d, 0) + persons
                left[group][c] -= persons
                sendable[c] -= persons
            for d, persons in sorted(received.items()):
                mine = _place(persons, positions[d], tiers, w, mine, cap, unit, least if group == "other" else 0)
            if group == "minors":
                minors = mine
            else:
                others = mine
    extra = minors + others
    result = Round2(data, int(sum(gap_of.values())), int(sum(minors_of.values())), extra, minors, eligible, flows, by_hand=by_hand)
    result.unplaced_by_county = {c: max(0, left["minors"][c] + left["other"][c]) for c in positions}
    result.room_left = np.maximum(total_room - extra, 0.0)
    result.unplaced_minors = int(sum(max(0, v) for v in left["minors"].values()))
    return result
