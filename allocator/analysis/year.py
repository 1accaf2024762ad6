"""The state of the settlement year: requests, the councils' decisions, and the gap between them.

After the requests go out the councils decide, and they decide less (2024: 36 985 asked in the
national table, 28 327 decided). This is the first thing IMDi and the KS county branches need: per
municipality its status, per county and in total what was asked, what is decided, what is still
pending, and the gap the second round must find places for.

The gap is request − decisions, counting a pending decision as its request (the council has not
said no yet), or as 0 with `pending="zero"` (the worst case). A municipality that decided more than
it was asked makes the gap of its county smaller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from allocator.labels import number
from allocator.problems import Problem, ScenarioError
from allocator.scenario.data import MUNICIPALITIES_FILE
from allocator.scenario.yeardata import YearData, year_data

STATUSES = ("ja", "under", "nei", "avventer", "ikke anmodet")
STATUS_TEXT = {
    "ja": "vedtatt minst anmodningen",
    "under": "vedtatt mindre enn anmodningen",
    "nei": "vedtatt 0",
    "avventer": "venter på vedtak",
    "ikke anmodet": "ikke anmodet",
}
PENDING_MODES = ("request", "zero")


def require_year(scenario) -> YearData:
    """The scenario's year figures; a clear error when it has no requests or decisions at all."""
    data = year_data(scenario)
    if not data.present:
        raise ScenarioError([Problem(MUNICIPALITIES_FILE, column="anmodning", message=(
            "scenariet har ingen anmodninger eller vedtak for året ennå (kolonnene anmodning og vedtak mangler "
            "eller er tomme); lag et scenario med "
            "«new MAPPE --fylke NAVN --year 2024» eller les inn IMDis liste med «decisions»"))])
    return data


def statuses(data: YearData) -> list[str]:
    """Each municipality's status: ja, under, nei, avventer or ikke anmodet."""
    out = []
    for asked, decided in zip(np.nan_to_num(data.anmodning), data.vedtak):
        if np.isnan(decided):
            out.append("avventer" if asked > 0 else "ikke anmodet")
        elif asked <= 0:
            out.append("ja" if decided > 0 else "ikke anmodet")
        elif decided >= asked:
            out.append("ja")
        elif decided == 0:
            out.append("nei")
        else:
            out.append("under")
    return out


def _whole(value: float) -> int | None:
    return None if np.isnan(value) else int(value)


@dataclass
class YearState:
    """The state of the year (see the module docstring); `to_dict` is the `year --json` shape."""

    data: YearData
    pending: str
    status: list[str]
    counties: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = self.data
        municipalities = [
            {"kommunenummer": d.numbers[k], "kommune": d.names[k], "fylke": d.counties[k],
             "anmodning": _whole(d.anmodning[k]), "vedtak": _whole(d.vedtak[k]), "status": self.status[k],
             "bosatt": int(d.settled[k]), "kan_ta_flere": _whole(d.kan_ta_flere[k]),
             "anmodning_em": _whole(d.anmodning_em[k]), "vedtak_em": _whole(d.vedtak_em[k])}
            for k in sorted(range(len(d.numbers)), key=d.numbers.__getitem__)
        ]
        return {"pending": self.pending, "municipalities": municipalities, "counties": self.counties, "total": self.total}

    def lines(self) -> list[str]:
        t = self.total
        counted = "som anmodningen" if self.pending == "request" else "som 0"
        lines = [f"Året: {number(t['anmodning'])} anmodet, {number(t['vedtak'])} vedtatt, {number(t['avventer'])} "
                 f"venter på vedtak ({t['municipalities_pending']} kommuner), {number(t['bosatt'])} bosatt så langt.",
                 f"Gap (anmodet − vedtatt, et vedtak som venter regnes {counted}): {number(t['gap'])} personer, "
                 f"{number(t['gap_minors'])} av dem enslige mindreårige.",
                 "", f"{'Fylke':<22}{'Anmodet':>9}{'Vedtatt':>9}{'Avventer':>10}{'Gap':>8}{'Bosatt':>9}"]
        for c in self.counties:
            lines.append(f"{(c['fylke'] or '(uten fylke)'):<22}{number(c['anmodning']):>9}{number(c['vedtak']):>9}"
                         f"{number(c['avventer']):>10}{number(c['gap']):>8}{number(c['bosatt']):>9}")
        d = self.data
        lines += ["", f"{'Kommune':<32}{'Anmodet':>9}{'Vedtatt':>9}  {'Status':<14}{'Bosatt':>8}{'Kan ta flere':>14}"]
        blank = lambda v: "" if np.isnan(v) else number(v)  # noqa: E731
        for k in sorted(range(len(d.numbers)), key=d.numbers.__getitem__):
            name = f"{d.numbers[k]} {d.names[k]}"[:31]
            lines.append(f"{name:<32}{blank(d.anmodning[k]):>9}{blank(d.vedtak[k]):>9}  {self.status[k]:<14}"
                         f"{number(d.settled[k]):>8}{blank(d.kan_ta_flere[k]):>14}")
        return lines


def sums(data: YearData, rows: np.ndarray, pending: str = "request") -> dict[str, Any]:
    """Request, decisions, pending, gap and settled over some municipalities (row positions)."""
    asked = np.nan_to_num(data.anmodning[rows])
    decided = data.decided[rows]
    waiting = data.pending[rows]
    vedtak = np.where(decided, data.vedtak[rows], 0.0)
    asked_em = np.nan_to_num(data.anmodning_em[rows])
    vedtak_em = np.where(decided, np.nan_to_num(data.vedtak_em[rows]), 0.0)
    counted = asked if pending == "request" else np.zeros_like(asked)
    counted_em = asked_em if pending == "request" else np.zeros_like(asked_em)
    return {
        "anmodning": int(asked.sum()),
        "vedtak": int(vedtak.sum()),
        "avventer": int(asked[waiting].sum()),
        "gap": int(asked.sum() - vedtak.sum() - counted[waiting].sum()),
        "bosatt": int(data.settled[rows].sum()),
        "anmodning_em": int(asked_em.sum()),
        "vedtak_em": int(vedtak_em.sum()),
        "gap_minors": int(asked_em.sum() - vedtak_em.sum() - counted_em[waiting].sum()),
        "municipalities_pending": int(waiting.sum()),
        "kan_ta_flere": int(np.nansum(data.kan_ta_flere[rows])),
    }


def county_positions(data: YearData) -> dict[str, np.ndarray]:
    """Row positions per county (sorted by name; "" when the table has no fylke)."""
    rows: dict[str, list[int]] = {}
    for k, fylke in enumerate(data.counties):
        rows.setdefault(fylke, []).append(k)
    return {f: np.array(rows[f], dtype=np.int64) for f in sorted(rows)}


def year_state(scenario, pending: str = "request") -> YearState:
    """The state of the year for a scenario with the year's columns."""
    if pending not in PENDING_MODES:
        raise ValueError(f"pending must be one of {PENDING_MODES}")
    data = require_year(scenario)
    counties = [{"fylke": fylke, **sums(data, rows, pending)} for fylke, rows in county_positions(data).items()]
    total = sums(data, np.arange(len(data.numbers)), pending)
    return YearState(data, pending, statuses(data), counties, total)
