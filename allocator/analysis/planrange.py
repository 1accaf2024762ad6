"""Planning ranges: each municipality's number at the forecast's low, planning and high figure.

UDI's forecast gives a low, a planning and a high figure four times a year, and the national
committee plans with the range. A council can decide on the planning figure knowing its number if
the need rises. The planning figure's numbers are the yearly plan at that total (`sweep.scaled`);
the low and high figures are that plan revised down and up by the same rule as a changed need
(`revise.spread`: nobody goes up when the figure falls or down when it rises, the change by the
key's fair shares within the limits), so every number is the same or higher at a higher figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from allocator.analysis.revise import county_groups, county_targets, locked, spread, upper_limits
from allocator.analysis.round2 import weights
from allocator.analysis.sweep import scaled
from allocator.labels import number
from allocator.optimize.solve import solve


def parse_range(text: str) -> tuple[int, int, int]:
    """`8000:13000:18000` → (8000, 13000, 18000): low ≤ plan ≤ high, whole persons."""
    try:
        low, plan, high = (int(p.strip().replace(" ", "").replace("\u00a0", "").replace("_", "")) for p in text.split(":"))
    except ValueError:
        raise ValueError(f"ventet LAV:PLAN:HØY, f.eks. 8000:13000:18000, fikk «{text}»") from None
    if not 0 <= low <= plan <= high:
        raise ValueError(f"ventet 0 ≤ LAV ≤ PLAN ≤ HØY, fikk «{text}»")
    return low, plan, high


@dataclass
class PlanRange:
    """Numbers per municipality (table order) at the three figures; `to_dict` is the JSON shape."""

    figures: tuple[int, int, int]
    numbers: np.ndarray  # (n, 3)
    kommunenummer: tuple[str, ...]
    names: tuple[str, ...]
    counties: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        order = sorted(range(len(self.kommunenummer)), key=self.kommunenummer.__getitem__)
        return {"range": list(self.figures), "totals": [int(v) for v in self.numbers.sum(axis=0)],
                "municipalities": [{"kommunenummer": self.kommunenummer[k], "kommune": self.names[k], "fylke": self.counties[k],
                                    "numbers": [int(v) for v in self.numbers[k]]} for k in order]}

    def lines(self) -> list[str]:
        low, plan, high = self.figures
        totals = self.numbers.sum(axis=0)
        lines = [f"Planleggingsspenn: lav {number(low)}, plan {number(plan)}, høy {number(high)} "
                 f"(plassert: {', '.join(number(v) for v in totals)}).", "",
                 f"{'Kommune':<32}{'Lav':>8}{'Plan':>8}{'Høy':>8}"]
        for k in sorted(range(len(self.kommunenummer)), key=self.kommunenummer.__getitem__):
            lines.append(f"{(self.kommunenummer[k] + ' ' + self.names[k])[:31]:<32}"
                         + "".join(f"{number(v):>8}" for v in self.numbers[k]))
        return lines


def plan_range(scenario, low: int, plan: int, high: int) -> PlanRange:
    """Each municipality's number at `low`, `plan` and `high` (see the module docstring)."""
    planned = solve(scaled(scenario, plan)).persons.sum(axis=1).astype(float)
    keep = locked(scenario)
    minimum = np.nan_to_num(scenario.bounds()[0])
    floor = np.where(keep, planned, np.minimum(minimum, planned))
    ceiling = np.where(keep, planned, upper_limits(scenario))
    groups = county_groups(scenario)
    w = weights(scenario)
    columns = []
    for figure in (low, high):
        targets = county_targets(scenario, groups, figure, planned, floor, ceiling)
        columns.append(spread(w, planned, floor, ceiling, groups, targets))
    numbers = np.column_stack([columns[0], planned, columns[1]])
    table = scenario.table
    return PlanRange((low, plan, high), numbers, table.numbers, table.text("kommune"), scenario.county_of())
