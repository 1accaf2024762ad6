"""Whole persons by fair shares between bounds, so that no number falls when the total rises.

The year's commands (round2, revise, the planning range) hand out a change of the need: a gap to
place, a higher or lower national need. Each municipality has bounds (what it has settled or
agreed below, its limits and stated offers above) and a weight (its fair share by the key).

Why not the yearly plan's fair QP and rounding LP: rounding each total separately can make a
municipality's number fall when the total rises (the Alabama paradox), and the issue forbids that
for every change of the need. Divisor methods are the apportionment methods that are house
monotone (Balinski and Young, *Fair Representation*, 1982): here Sainte-Laguë/Webster with bounds,

    a_i = clip(round(λ · w_i), lower_i, upper_i),   λ chosen so that Σ a_i = total,

which is the same as handing out one person at a time, from the lower bounds, to the municipality
with the highest w_i / (a_i + ½) that still has room. Raising the total only adds persons, so no
number falls. Every municipality not held by a bound is within half a person of λ · w_i: the
change is spread in proportion to the fair shares, and a municipality whose part would be under
half a person is left unchanged.

It is also the fairest split in whole persons by the yearly plan's own measure (targets.py):
with f_i = total · w_i / Σw, Σ (a_i − f_i)² / f_i is separable and convex, the cost of a
municipality's k-th person is (2k − 1)/f_i, and handing out the cheapest person first is optimal
for a separable convex cost under one sum and box bounds. So no LP is needed here, and the answer
is exact rather than rounded. Among equally fair answers (equal claims on the last persons) the
persons go to municipalities already changed, then to the earlier row: the fewest municipalities
changed.

Municipalities with weight 0 (no fair share, e.g. under the key's `min_population`) get persons
only when every one with a share is full, then evenly; falling, they go to their lower bound first.
"""

from __future__ import annotations

import heapq

import numpy as np

from allocator.whole import whole_floor


def _webster(weights: np.ndarray, lower: np.ndarray, upper: np.ndarray, total: int) -> np.ndarray:
    """Σ = total exactly (the caller makes sure Σ lower ≤ total ≤ Σ upper), weights > 0."""
    count = lambda lam: np.clip(np.floor(lam * weights + 0.5), lower, upper)  # noqa: E731
    low, high = 0.0, 1.0
    while count(high).sum() < total:
        high *= 2.0
        if high > 1e300:
            break
    for _ in range(200):
        middle = (low + high) / 2.0
        if middle in (low, high):
            break
        if count(middle).sum() <= total:
            low = middle
        else:
            high = middle
    result = count(low * (1.0 - 1e-12))
    left = int(round(total - result.sum()))
    if left > 0:  # the last persons one by one; among equal claims, to one already changed first
        heap = [((result[k] + 0.5) / weights[k], 0 if result[k] > lower[k] else 1, k) for k in np.flatnonzero(result < upper)]
        heapq.heapify(heap)
        for _ in range(left):
            _, _, k = heapq.heappop(heap)
            result[k] += 1
            if result[k] < upper[k]:
                heapq.heappush(heap, ((result[k] + 0.5) / weights[k], 0, k))
    return result


def apportion(weights, lower, upper, total: int) -> np.ndarray:
    """Whole numbers a with lower ≤ a ≤ upper and Σ a = total (clamped to what the bounds allow),
    by Webster's divisor method with bounds (see the module docstring). `upper` may be inf."""
    weights = np.asarray(weights, dtype=float)
    lower = whole_floor(np.asarray(lower, dtype=float))
    upper = np.maximum(whole_floor(np.asarray(upper, dtype=float)), lower)
    n = len(weights)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    total = int(max(lower.sum(), min(float(total), upper.sum())))
    positive = weights > 1e-300  # a share below that is none (its claims would overflow to infinity)
    result = lower.copy()
    if positive.any():
        share = min(total - lower[~positive].sum(), float(upper[positive].sum()))
        result[positive] = _webster(weights[positive], lower[positive], upper[positive], int(share))
    left = total - result.sum()
    if left > 0 and (~positive).any():
        rest = ~positive
        result[rest] = _webster(np.ones(int(rest.sum())), lower[rest], upper[rest], int(left + lower[rest].sum()))
    return result.astype(np.int64)


def apportion_in_units(weights, lower, upper, total: int, unit: int) -> np.ndarray:
    """`apportion` in multiples of `unit` first (the key's `round_to`), then the persons a multiple
    cannot place, one by one: every person that fits is still placed."""
    if unit <= 1:
        return apportion(weights, lower, upper, total)
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    room_units = whole_floor((upper - lower) / unit)
    want_units = int(max(0.0, total - lower.sum()) // unit)
    units = apportion(weights, np.zeros(len(lower)), room_units, want_units)
    first = lower + units * unit
    return apportion(weights, first, upper, total)
