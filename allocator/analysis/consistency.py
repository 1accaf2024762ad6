"""Are similar municipalities treated alike across counties?

The 2020 evaluation of IMDi's criteria found that splitting the national need per county first
treats similar municipalities in different counties differently. This view groups municipalities
into peer groups (SSB centrality × population band, or SSB's KOSTRA group), measures each
municipality's plan in persons per 1,000 inhabitants, and compares it with the median of its
peer group over the whole country: a municipality at more than twice, or less than half, its
peers' median is flagged, with the size of the peer group so one odd peer is not over-read.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

import numpy as np

from allocator.labels import number, table_text
from allocator.plan import Plan
from allocator.problems import Problem, ScenarioError

#: Population bands (inhabitants) for peer groups by centrality and size.
SIZE_BANDS = ((0, 5_000), (5_000, 20_000), (20_000, 50_000), (50_000, None))
PEER_KEYS = {"sentralitet": "sentralitet og størrelse", "kostragruppe": "KOSTRA-gruppe"}
HIGH, LOW = 2.0, 0.5


def size_band(population: float) -> str:
    for low, high in SIZE_BANDS:
        if high is None or population < high:
            return f"{number(low)}–{number(high - 1)} innb." if high else f"{number(low)} innb. og flere"
    raise AssertionError


@dataclass(frozen=True)
class Flag:
    kommunenummer: str
    kommune: str
    fylke: str
    per_1000: float
    peer_median: float
    peer_group: str
    peer_size: int

    @property
    def ratio(self) -> float:
        return self.per_1000 / self.peer_median

    @property
    def text(self) -> str:
        """E.g. "Bergen (Vestland) får 2,40 per 1 000 innbyggere, 2,1 ganger medianen 1,14 i gruppen (…; 12 kommuner)"."""
        # a name that already says its county («Våler (Innlandet)») does not get it twice
        where = f" ({self.fylke})" if self.fylke and not self.kommune.endswith(f"({self.fylke})") else ""
        median = number(self.peer_median, 2)
        if self.per_1000 == 0:
            compared = f"ingen personer, mot medianen {median}"
        elif self.ratio > 1:
            compared = f"{number(self.ratio, 1)} ganger medianen {median}"
        else:
            compared = f"bare {number(100 * self.ratio)} % av medianen {median}"
        return (f"{self.kommune}{where} får {number(self.per_1000, 2)} per 1 000 innbyggere, {compared} "
                f"i gruppen ({self.peer_group}; {self.peer_size} kommuner).")


def peer_groups(plan: Plan, by: str = "sentralitet") -> list[str]:
    """Each municipality's peer group label, in table order."""
    table = plan.scenario.table
    if by not in PEER_KEYS:
        raise ValueError(f"ukjent gruppering «{by}»; velg {' eller '.join(PEER_KEYS)}")
    if by not in table or not table.is_numeric(by):
        raise ScenarioError([Problem("municipalities.csv", column=by, message=(
            f"sammenligning etter {PEER_KEYS[by]} trenger kolonnen {by}; scenarioer laget med "
            "`python -m allocator new` har den")) ])
    values = table.numeric(by)
    if np.isnan(values).any():
        missing = [table.numbers[k] for k in np.flatnonzero(np.isnan(values))][:5]
        raise ScenarioError([Problem("municipalities.csv", column=by, message=f"mangler verdi for {', '.join(missing)}")])
    population = table.numeric("population")
    if by == "kostragruppe":
        return [f"KOSTRA-gruppe {int(v)}" for v in values]
    return [f"sentralitet {int(v)}, {size_band(p)}" for v, p in zip(values, population)]


def consistency(plan: Plan, by: str = "sentralitet") -> dict[str, Any]:
    """Per peer group: size, median persons per 1,000 overall and per county; and the flagged municipalities."""
    table = plan.scenario.table
    groups = peer_groups(plan, by)
    per_1000 = 1000 * plan.totals / table.numeric("population")
    counties = table.text("fylke") if "fylke" in table else ("",) * len(table)
    names = table.text("kommune")
    members: dict[str, list[int]] = {}
    for k, group in enumerate(groups):
        members.setdefault(group, []).append(k)
    rows, flags = [], []
    for group in sorted(members, key=lambda g: (len(g), g)):
        rows_k = members[group]
        median = statistics.median(per_1000[k] for k in rows_k)
        by_county: dict[str, list[float]] = {}
        for k in rows_k:
            by_county.setdefault(counties[k], []).append(per_1000[k])
        rows.append({"group": group, "municipalities": len(rows_k), "median_per_1000": round(float(median), 3),
                     "by_county": {c: round(float(statistics.median(v)), 3) for c, v in sorted(by_county.items())}})
        if median <= 0 or len(rows_k) < 3:
            continue
        for k in rows_k:
            ratio = per_1000[k] / median
            if ratio > HIGH or ratio < LOW:
                flags.append(Flag(table.numbers[k], names[k], counties[k], round(float(per_1000[k]), 3), round(float(median), 3), group, len(rows_k)))
    flags.sort(key=lambda f: (-abs(np.log(max(f.ratio, 1e-9))), f.kommunenummer))
    return {
        "by": by,
        "groups": rows,
        "flagged": [{"kommunenummer": f.kommunenummer, "kommune": f.kommune, "fylke": f.fylke, "per_1000": f.per_1000,
                     "peer_median": f.peer_median, "peer_group": f.peer_group, "peer_size": f.peer_size,
                     "ratio": round(f.ratio, 3), "text": f.text} for f in flags],
    }


def consistency_text(result: dict[str, Any]) -> str:
    counties = sorted({c for row in result["groups"] for c in row["by_county"]})
    header = ["Gruppe", "Kommuner", "Median per 1 000", *[c or "–" for c in counties]]
    rows = [[row["group"], row["municipalities"], number(row["median_per_1000"], 2),
             *(number(row["by_county"][c], 2) if c in row["by_county"] else "" for c in counties)] for row in result["groups"]]
    text = [f"Personer per 1 000 innbyggere etter {PEER_KEYS[result['by']]} (median i gruppen, og per fylke)",
            table_text(header, rows, [False, *([True] * (len(header) - 1))])]
    flagged = result["flagged"]
    if flagged:
        text.append(f"\n{len(flagged)} kommuner ligger langt fra gruppen sin (over {number(HIGH)} ganger eller under "
                    f"halvparten av medianen; grupper med minst 3 kommuner):")
        text += [f"- {f['text']}" for f in flagged]
    else:
        text.append("\nIngen kommuner ligger over dobbelt eller under halvparten av medianen i gruppen sin.")
    return "\n".join(text) + "\n"
