"""What if the need changes: the same scenario re-planned for a range of totals.

National needs swing (2022: 35,000; 2025: cut mid-year from 18,900 to 12,640; 2026: 13,000), so
planners ask what happens at 8,000 or 40,000: how many can be settled, where capacity runs out
first, and what each county's share becomes. Each point scales every group of the request (and
every county's request, when given per county) in proportion to the new total, in whole persons
with exact totals, and solves the yearly plan (a quarterly schedule is left out: a sweep is about
the year's numbers).

The scaling is house monotone (Webster's divisor method): no county's or group's request falls when
the total rises, so neither does what a county settles.

Points are independent, so they are solved in parallel over processes; each worker gets the
scenario once and keeps it for all its points.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import sys
import types
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from allocator.binding import LIMIT_ORDER
from allocator.labels import GROUP_LABELS, LIMIT_LABELS, number
from allocator.optimize.apportion import apportion
from allocator.optimize.solve import solve
from allocator.plan import Plan
from allocator.problems import ScenarioError
from allocator.scenario.data import GROUPS, RESOURCE_OF_GROUP, Counties, Scenario
from allocator.scenario.validate import validate_scenario
from allocator.whole import split_by_shares

#: Limits that are capacity (dwellings, places, a cap); min_total and locks are agreements.
CAPACITY_LIMITS = ("max_total", "small_dwellings", "family_dwellings", "minor_places", "special_places")


#: The most points one sweep plans: each is a national plan, and the points are kept in memory.
MAX_POINTS = 500
#: The largest total (validate.MAX_PERSONS: a request beyond it is refused anyway).
MAX_TOTAL = 10_000_000


def parse_totals(text: str) -> list[int]:
    """`5000:40000:2500` (start:stop:step, stop included) or `8000,13000,40000` → whole totals.

    The number of points is counted before any list is made, so `1000:1000000000:1` is refused
    at once (with the count asked for) instead of filling the memory."""
    text = text.strip()
    try:
        if ":" in text:
            start, stop, step = (int(p.replace(" ", "").replace("_", "")) for p in text.split(":"))
            if step <= 0 or start < 0 or stop < start:
                raise ValueError
            count = (stop - start) // step + 1
            totals = list(range(start, stop + 1, step)) if count <= MAX_POINTS else []
        else:
            count = text.count(",") + 1  # counted before the text is split
            parts = [p for p in text.split(",") if p.strip()] if count <= MAX_POINTS else []
            totals = sorted({int(p.replace(" ", "").replace("_", "")) for p in parts})
            count = len(totals) or count
    except ValueError:
        raise ValueError(f"ventet FRA:TIL:STEG (f.eks. 5000:40000:2500) eller en liste (8000,13000,40000), fikk «{text}»") from None
    if count > MAX_POINTS:
        raise ValueError(f"«{text}» gir {number(count)} punkter; høyst {number(MAX_POINTS)} (velg et større steg)")
    if not totals or any(t < 0 for t in totals):
        raise ValueError(f"ingen totaler i «{text}»")
    if totals[-1] > MAX_TOTAL:
        raise ValueError(f"{number(totals[-1])} personer er mer enn en anmodning kan være; høyst {number(MAX_TOTAL)}")
    return totals


def _house_monotone_split(total: int, shares: Sequence[float]) -> list[int]:
    """`total` whole persons in proportion to `shares`, by Webster's divisor method (`apportion`):
    no part ever falls when the total rises. Largest remainders (`split_by_shares`) could: on the
    national 2026 request, a county's group fell by one person at 1 872 of the totals 5 000–20 000
    (the Alabama paradox)."""
    import numpy as np

    weights = np.asarray(shares, dtype=float)
    if weights.sum() <= 0:
        return split_by_shares(total, list(shares))
    return [int(v) for v in apportion(weights, np.zeros(len(weights)), np.full(len(weights), np.inf), int(total))]


def scaled(scenario: Scenario, total: int) -> Scenario:
    """The scenario with its request scaled to `total` persons, every group (and county) in
    proportion, house monotone: no county's group falls when the total rises."""
    counties = scenario.counties
    if counties is not None and counties.split is None:
        cells = [(c, g) for c in counties.names for g in GROUPS]
        counts = _house_monotone_split(total, [counties.requests[c][g] for c, g in cells])
        requests = {c: {} for c in counties.names}
        for (c, g), n in zip(cells, counts):
            requests[c][g] = n
        request = {g: sum(requests[c][g] for c in requests) for g in GROUPS}
        new_counties = dataclasses.replace(counties, requests=requests)
    else:
        counts = _house_monotone_split(total, [scenario.request[g] for g in GROUPS])
        request = dict(zip(GROUPS, counts))
        new_counties = counties
    return validate_scenario(scenario.with_changes(request=request, counties=new_counties, quarters=None))


@dataclass
class SweepPoint:
    total: int
    request: dict[str, int]
    settled: dict[str, int]
    shortfall: dict[str, int]
    counties: list[dict[str, Any]]
    at_limit: dict[str, int]  # limit → municipalities it holds back (Plan.holding)
    binding_by_county: dict[str, dict[str, int]]  # county ("" = one pool) → limit → municipalities it holds
    error: str | None = None
    short_by_county: dict[str, tuple[int, str]] = dataclasses.field(default_factory=dict)  # county → (persons not placed, cause)

    def to_dict(self) -> dict[str, Any]:
        out = {"total": self.total, "request": self.request, "settled": self.settled, "shortfall": self.shortfall,
               "counties": self.counties, "at_limit": self.at_limit}
        if self.error:
            out["error"] = self.error
        return out


def plan_point(scenario: Scenario, total: int) -> SweepPoint:
    """One point of the sweep: the yearly plan at `total` (an invalid total is a point with an error)."""
    try:
        plan = solve(scaled(scenario, total))
    except ScenarioError as exc:
        zero = {g: 0 for g in GROUPS}
        return SweepPoint(total, zero, zero, zero, [], {}, {}, error="; ".join(exc.lines(3)))
    return _point(plan, total)


def plan_as_point(plan: Plan) -> SweepPoint:
    """The plan of today's request as a point of a sweep."""
    return _point(plan, plan.scenario.total_request)


def _point(plan: Plan, total: int) -> SweepPoint:
    of = plan.scenario.county_of() if plan.has_counties else ("",) * len(plan.scenario.table)
    holding = [[code for code, _ in held] for held in plan.holding]
    by_county: dict[str, dict[str, int]] = {}
    for county, codes in zip(of, holding):
        for code in codes:
            by_county.setdefault(county, {}).setdefault(code, 0)
            by_county[county][code] += 1
    at_limit = {code: sum(code in codes for codes in holding) for code in LIMIT_ORDER}
    return SweepPoint(total, {g: int(plan.scenario.request[g]) for g in GROUPS}, dict(plan.settled), dict(plan.shortfall),
                      plan.county_figures, at_limit, by_county, short_by_county=_short_by_county(plan))


def _short_by_county(plan: Plan) -> dict[str, tuple[int, str]]:
    """Per county whose request cannot all be placed: the persons left out, and the limit that
    causes it: of the limits that can hold back a short group (its dwellings or places, max_total
    or a lock), the one holding back the most persons in the county (`Plan.holding` spreads a
    group's shortfall over the municipalities at a limit in it)."""
    of = plan.scenario.county_of() if plan.has_counties else ("",) * len(plan.scenario.table)
    shortfalls = ({c["fylke"]: c["shortfall"] for c in plan.county_figures} if plan.has_counties
                  else {"": dict(plan.shortfall)})
    result = {}
    for county, short in shortfalls.items():
        missing = sum(v for v in short.values() if v > 0)
        if missing <= 0:
            continue
        causes = {RESOURCE_OF_GROUP[g] for g, v in short.items() if v > 0} | {"max_total", "locked"}
        held: dict[str, float] = {}
        for fylke, items in zip(of, plan.holding):
            if fylke == county:
                for code, persons in items:
                    if code in causes:
                        held[code] = held.get(code, 0.0) + persons
        if held:
            cause = max(held, key=lambda code: (held[code], -LIMIT_ORDER.index(code)))
        else:  # nobody at a limit: the county's own places of the shortest group are all there are
            cause = RESOURCE_OF_GROUP[max(short, key=lambda g: short[g])]
        result[county] = (int(missing), cause)
    return result


def first_limits(points: Sequence[SweepPoint]) -> list[dict[str, Any]]:
    """«Hva går først tom», per county (or the whole pool): the lowest total of the sweep at which
    persons of the county's request cannot be placed, how many, and the limit that causes it.

    Not the first limit to hold a municipality: most municipalities have no minors' places, so
    that named minors' places at the lowest total in 14 of 15 counties although nobody was left
    out. `by_limit` still gives, per capacity limit, the lowest total at which it holds a
    municipality back. Counties that place everyone at every total have no row.
    """
    ordered = sorted((p for p in points if not p.error), key=lambda p: p.total)
    held: dict[str, dict[str, int]] = {}
    for point in ordered:
        for county, codes in point.binding_by_county.items():
            for code in codes:
                if code in CAPACITY_LIMITS:
                    held.setdefault(county, {}).setdefault(code, point.total)
    rows = []
    first: dict[str, tuple[SweepPoint, int, str]] = {}
    for point in ordered:
        for county, (missing, cause) in point.short_by_county.items():
            first.setdefault(county, (point, missing, cause))
    for county in sorted(first):
        point, missing, cause = first[county]
        municipalities = point.binding_by_county.get(county, {}).get(cause, 0)
        rows.append({"fylke": county, "limit": cause, "total": point.total, "municipalities": municipalities,
                     "shortfall": missing, "by_limit": {code: held.get(county, {})[code] for code in CAPACITY_LIMITS
                                                        if code in held.get(county, {})}})
    return rows


# --------------------------------------------------------------------------- in parallel

_WORKER_SCENARIO: Scenario | None = None


def _init_worker(scenario: Scenario) -> None:
    global _WORKER_SCENARIO
    _WORKER_SCENARIO = scenario


def _work(total: int) -> SweepPoint:
    return plan_point(_WORKER_SCENARIO, total)


def _ready() -> bool:
    """A worker's first task: a tiny plan, so the solvers' lazy imports and first-call costs are
    paid before a user waits."""
    import pandas as pd  # on demand: heavy to import (see allocator/__init__)

    table = pd.DataFrame({"kommune": ["A", "B"], "population": [1000.0, 3000.0]},
                         index=pd.Index(["0001", "0002"], name="kommunenummer"))
    solve(Scenario("oppvarming", {"adults": 3, "families": 2, "minors": 1, "special_needs": 1}, municipalities=table))
    return True


def worker_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A pool of warm worker processes for a long-running program with threads of its own (the app).

    Forking a threaded server is unsafe, and a fresh spawn per sweep imports the whole stack in
    every worker (and, under `streamlit run`, Streamlit's entry module with it): seconds per sweep.
    Here the workers come from a fork server that imported `allocator` once, are started at once
    and kept, so a sweep costs what its solves cost. Pass the pool to `sweep(pool=…)`."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["allocator.analysis.sweep"])
    count = max(1, workers or os.cpu_count() or 1)
    pool = ProcessPoolExecutor(count, mp_context=context)
    with _no_main_script():
        futures = [pool.submit(_ready) for _ in range(count)]  # start them now, not at the first sweep
    for future in futures:
        future.result()
    return pool


@contextmanager
def _no_main_script():
    """While workers start, hide the program's main script from multiprocessing, which would
    otherwise run it again in every worker (under `streamlit run` that is the whole app: a scenario
    loaded and solved per worker). The workers need only `allocator`."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def sweep(scenario: Scenario, totals: Sequence[int], workers: int | None = None,
          progress: Callable[[int, int], None] | None = None, start_method: str | None = None,
          pool: ProcessPoolExecutor | None = None) -> list[SweepPoint]:
    """Plan every total, in parallel over `workers` processes (default: the machine's cores).

    `progress(done, count)` is called as points finish. `start_method` "spawn" is for callers with
    threads of their own (the app); the command line forks, which starts at once.
    """
    totals = list(totals)
    workers = max(1, min(workers or os.cpu_count() or 1, len(totals)))
    points: dict[int, SweepPoint] = {}
    if pool is not None:  # warm workers of `worker_pool`: the scenario goes with each total
        futures = {pool.submit(plan_point, scenario, total): total for total in totals}
        for done, future in enumerate(as_completed(futures), start=1):
            points[futures[future]] = future.result()
            if progress:
                progress(done, len(totals))
    elif workers == 1:
        for done, total in enumerate(totals, start=1):
            points[total] = plan_point(scenario, total)
            if progress:
                progress(done, len(totals))
    else:
        context = multiprocessing.get_context(start_method or ("fork" if os.name == "posix" else "spawn"))
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(scenario,)) as pool:
            futures = {pool.submit(_work, total): total for total in totals}
            for done, future in enumerate(as_completed(futures), start=1):
                points[futures[future]] = future.result()
                if progress:
                    progress(done, len(totals))
    return [points[t] for t in totals]


def sweep_dict(points: Sequence[SweepPoint]) -> dict[str, Any]:
    """The `sweep --json` shape (keys may be added, never renamed)."""
    return {"points": [p.to_dict() for p in points], "first_limits": first_limits(points)}


def sweep_tables(points: Sequence[SweepPoint]):
    """Points, counties per point and first limits as DataFrames (Norwegian headers) for Excel and the app."""
    import pandas as pd  # on demand: heavy to import (see allocator/__init__)

    rows = []
    for p in points:
        row = {"Total": p.total, "Bosatt": sum(p.settled.values()), "Underskudd": sum(p.shortfall.values())}
        for g in GROUPS:
            row[f"Underskudd: {GROUP_LABELS[g].lower()}"] = p.shortfall[g]
        for code in LIMIT_ORDER:
            row[f"Kommuner ved {LIMIT_LABELS[code]}"] = p.at_limit.get(code, 0)
        row["Merknad"] = p.error or ""
        rows.append(row)
    county_rows = [
        {"Total": p.total, "Fylke": c["fylke"], "Anmodet": sum(c["request"].values()), "Bosatt": sum(c["settled"].values()),
         "Underskudd": sum(c["shortfall"].values()), "Mottatt": sum(c["received"].values()), "Sendt": sum(c["sent"].values())}
        for p in points for c in p.counties
    ]
    first = [{"Fylke": f["fylke"] or "Hele scenarioet", "Går først tom": LIMIT_LABELS[f["limit"]], "Ved total": f["total"],
              "Kan ikke bosettes": f["shortfall"], "Kommuner ved grensen": f["municipalities"]} for f in first_limits(points)]
    return pd.DataFrame(rows), pd.DataFrame(county_rows), pd.DataFrame(first)


__all__ = ["Counties", "SweepPoint", "first_limits", "parse_totals", "plan_point", "scaled", "sweep", "sweep_dict", "sweep_tables"]
