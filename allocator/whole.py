"""Whole persons from real numbers: splitting a total by shares, and flooring a computed limit.

A limit computed in floating point (3,5 persons per dwelling × 4 dwellings, a share of a request)
may land a hair below a whole number; `whole_floor` forgives that hair, everywhere the same.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np


def split_by_shares(total: int, shares: Sequence[float]) -> list[int]:
    """`total` whole persons split by shares, largest remainders first (the earlier part on ties)."""
    scale = sum(shares) or 1.0
    raw = [total * share / scale for share in shares]
    counts = [whole_floor(v) for v in raw]
    for k in sorted(range(len(raw)), key=lambda k: (-(raw[k] - counts[k]), k))[: total - sum(counts)]:
        counts[k] += 1
    return counts


def even_split(total: int, parts: int = 4) -> tuple[int, ...]:
    """`total` in `parts` whole numbers as equal as possible, earlier parts first (46 → 12,12,11,11)."""
    return tuple(split_by_shares(int(total), [1.0] * parts))


#: How far below a whole number a computed count may land and still be that number (3,5 × 4 = 13,999…).
HAIR = 1e-9


def whole_floor(x):
    """The whole persons in `x` (a number or an array), forgiving a floating-point hair below."""
    if np.ndim(x) == 0:
        return math.floor(float(x) + HAIR)
    return np.floor(np.asarray(x, dtype=float) + HAIR)


def whole_ceil(x):
    """The whole units needed for `x` (a number or an array), forgiving a hair above."""
    if np.ndim(x) == 0:
        return math.ceil(float(x) - HAIR)
    return np.ceil(np.asarray(x, dtype=float) - HAIR)
