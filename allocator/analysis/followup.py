"""Follow-up of the quarterly agreements: settled so far against the agreement, bonus and deduction.

The KS resolution's quarterly agreements only mean something when the quarters are followed up.
Per municipality:

- the agreement: the decision, else the request; with a `[quarters]` section its quarterly
  schedule follows the county's readiness (persons ready per quarter, all groups), without one an
  even pace (`even_split`), in whole persons that sum to the agreement;
- settled per quarter (`bosatt_q1` … `bosatt_q4`; a blank quarter is not reached yet);
- behind (negative) or ahead of the schedule up to the last quarter reached;
- the bonus earned, Σ_q bonus[q] × persons settled in q, and the Q4 deduction, `q4_deduction` ×
  persons settled in Q4 beyond ⌊q4_threshold × agreement⌋, both from `[incentives]` (the same
  rule as the quarterly plan's, `quarters.py`);
- a projection of the year's end at the pace so far: settled ÷ quarters reached × 4.

With only a `bosatt` figure (no quarters), the year's figure is known but not when: the quarters
are blank, no bonus or deduction is counted and the projection is the figure itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from allocator.analysis.year import county_positions, require_year
from allocator.labels import number
from allocator.scenario.data import GROUPS
from allocator.scenario.yeardata import YearData
from allocator.whole import whole_floor


def schedule_shares(scenario) -> tuple[float, ...]:
    """The share of the year each quarter's schedule holds: the readiness of `[quarters]` summed
    over groups, or even."""
    quarters = scenario.quarters
    if quarters is None:
        return (0.25, 0.25, 0.25, 0.25)
    ready = np.array([quarters.ready[g] for g in GROUPS if g in quarters.ready], dtype=float).sum(axis=0)
    return tuple(ready / ready.sum()) if ready.sum() > 0 else (0.25, 0.25, 0.25, 0.25)


@dataclass
class Followup:
    """The follow-up; `to_dict` is the `followup --json` shape."""

    data: YearData
    agreed: np.ndarray  # (n,)
    schedule: np.ndarray  # (n, 4)
    settled: np.ndarray  # (n, 4), NaN = quarter not reached
    reached: np.ndarray  # (n,) quarters reached
    bonus: np.ndarray
    deduction: np.ndarray
    projected: np.ndarray
    has_schedule: bool

    @cached_property
    def settled_total(self) -> np.ndarray:
        return np.where(self.reached > 0, np.nansum(self.settled, axis=1), self.data.settled)

    @cached_property
    def behind(self) -> np.ndarray:
        """Settled to date minus the schedule to the last quarter reached (negative = behind)."""
        cumulative = np.concatenate([np.zeros((len(self.agreed), 1)), np.cumsum(self.schedule, axis=1)], axis=1)
        due = cumulative[np.arange(len(self.agreed)), self.reached.astype(int)]
        return np.where(self.reached > 0, self.settled_total - due, 0.0)

    def _sum(self, rows: np.ndarray) -> dict[str, Any]:
        return {"agreed": int(self.agreed[rows].sum()), "settled": int(self.settled_total[rows].sum()),
                "settled_by_quarter": [int(np.nansum(self.settled[rows, q])) for q in range(4)],
                "bonus": float(self.bonus[rows].sum()), "deduction": float(self.deduction[rows].sum()),
                "projected": int(self.projected[rows].sum()), "behind": int(self.behind[rows].sum()),
                "municipalities_behind": int((self.behind[rows] < 0).sum())}

    def to_dict(self) -> dict[str, Any]:
        d = self.data
        order = sorted(range(len(d.numbers)), key=d.numbers.__getitem__)
        quarter = lambda v: None if np.isnan(v) else int(v)  # noqa: E731
        return {
            "municipalities": [{"kommunenummer": d.numbers[k], "kommune": d.names[k], "fylke": d.counties[k],
                                "agreed": int(self.agreed[k]), "schedule": [int(v) for v in self.schedule[k]],
                                "settled": [quarter(v) for v in self.settled[k]], "settled_total": int(self.settled_total[k]),
                                "behind": int(self.behind[k]), "bonus": float(self.bonus[k]),
                                "deduction": float(self.deduction[k]), "projected": int(self.projected[k])} for k in order],
            "counties": [{"fylke": c, **self._sum(rows)} for c, rows in county_positions(d).items()],
            "total": self._sum(np.arange(len(d.numbers))),
            "schedule": "quarters" if self.has_schedule else "even",
        }

    def lines(self) -> list[str]:
        t = self._sum(np.arange(len(self.agreed)))
        pace = ("etter når personene blir klare i scenariets kvartaler" if self.has_schedule
                else "jevnt over året; scenariet har ingen kvartalsplan")
        by_quarter = (f" (K1–K4: {', '.join(number(v) for v in t['settled_by_quarter'])})" if (self.reached > 0).any()
                      else " (ingen tall per kvartal ennå: bonus, trekk og fremskriving trenger bosatt per kvartal)")
        lines = [f"Oppfølging: avtalt {number(t['agreed'])}, bosatt {number(t['settled'])}{by_quarter}, fremskrevet til "
                 f"{number(t['projected'])} ved årets slutt.",
                 f"Bonus {number(t['bonus'])} kr, trekk {number(t['deduction'])} kr. {t['municipalities_behind']} kommuner "
                 f"ligger bak planen ({pace}).", "",
                 f"{'Kommune':<32}{'Avtalt':>8}{'K1':>6}{'K2':>6}{'K3':>6}{'K4':>6}{'Bak/foran':>11}{'Bonus':>12}{'Trekk':>10}{'Frem':>7}"]
        d = self.data
        for k in sorted(range(len(d.numbers)), key=d.numbers.__getitem__):
            if self.agreed[k] == 0 and self.settled_total[k] == 0:
                continue
            quarters = "".join(f"{'' if np.isnan(v) else number(v):>6}" for v in self.settled[k])
            behind = self.behind[k]
            lines.append(f"{(d.numbers[k] + ' ' + d.names[k])[:31]:<32}{number(self.agreed[k]):>8}{quarters}"
                         f"{('+' if behind > 0 else '−' if behind < 0 else '') + number(abs(behind)):>11}"
                         f"{number(self.bonus[k]):>12}{number(self.deduction[k]):>10}{number(self.projected[k]):>7}")
        return lines


def whole_schedule(agreed: np.ndarray, shares) -> np.ndarray:
    """Each agreement split over the quarters by `shares` in whole persons, largest remainders
    first (the earlier quarter on ties), as `split_by_shares` does for one number, for all at once."""
    shares = np.asarray(shares, dtype=float) / float(np.sum(shares))
    raw = agreed[:, None] * shares[None, :]
    whole = whole_floor(raw)
    left = (agreed - whole.sum(axis=1)).astype(int)
    order = np.argsort(-(raw - whole) + 1e-12 * np.arange(len(shares))[None, :], axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(len(shares))[None, :].repeat(len(agreed), axis=0), axis=1)
    return whole + (rank < left[:, None])


def followup(scenario) -> Followup:
    """The follow-up of the year's agreements (see the module docstring)."""
    data = require_year(scenario)
    agreed = data.agreed.astype(float)
    shares = schedule_shares(scenario)
    schedule = whole_schedule(agreed, shares)
    settled = data.bosatt_q.astype(float)
    given = ~np.isnan(settled)
    reached = np.where(given.any(axis=1), given.shape[1] - np.argmax(given[:, ::-1], axis=1), 0)
    incentives = scenario.incentives
    bonus = np.nansum(settled * np.asarray(incentives.bonus, dtype=float)[None, :], axis=1)
    allowed = whole_floor(incentives.q4_threshold * agreed)
    q4 = np.nan_to_num(settled[:, 3])
    deduction = np.maximum(q4 - allowed, 0.0) * incentives.q4_deduction
    so_far = np.nansum(settled, axis=1)
    projected = np.where(reached > 0, whole_floor(so_far * 4 / np.maximum(reached, 1)), data.settled)
    return Followup(data, agreed, schedule, settled, reached.astype(float), bonus, deduction, projected,
                    scenario.quarters is not None)
