"""A changed need mid-year: every agreement revised, nothing already settled taken back.

The national need moves during the year (2023: 35 000 → 38 000 in May; 2025: 18 900 → 12 640 in
the summer). The current numbers are the decisions where decided, else the requests. The new
numbers:

- sum to the new total N (or, with `fylke`, that county's share of N);
- nobody goes below what it has settled so far;
- when the need falls nobody goes up, when it rises nobody goes down;
- the change is spread by the key's fair shares of the new total, within the limits (`max_total`,
  dwellings and places) and stated offers (`kan_ta_flere`; a council that decided less than it
  was asked is not raised without one), by `apportion`: the same rule for every N, so no
  number falls when N rises, and a municipality whose part of the change is under half a person
  is left as it is.

With counties, N is first split over the counties in proportion to their requests (the same
divisor method, so no county's part falls when N rises); without `cross_border` each county's
part stays in the county. Where N cannot be met the answer says how close it gets and why.

The planning range (`sweep --range LOW:PLAN:HIGH`) uses the same rule from the yearly plan at
PLAN: LOW is PLAN revised down, HIGH is PLAN revised up, so every number is the same or higher
at a higher figure.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from allocator.analysis.round2 import eligibility, weights
from allocator.labels import number
from allocator.optimize.apportion import apportion
from allocator.optimize.solve import solve
from allocator.problems import Problem, ScenarioError
from allocator.scenario.key import county_rows
from allocator.scenario.yeardata import year_data


def county_groups(scenario) -> dict[str, np.ndarray]:
    """Row positions of each county's municipalities, or one pool ("") without counties or with
    settlement across borders (then the change may go anywhere)."""
    counties = scenario.counties
    n = len(scenario.table)
    if counties is None or counties.cross_border:
        return {"": np.arange(n)}
    return county_rows(scenario)


def county_targets(scenario, groups: dict[str, np.ndarray], total: int, before: np.ndarray, floor: np.ndarray,
                   ceiling: np.ndarray) -> dict[str, int]:
    """`total` split over the groups (counties) in proportion to their requests (without requests
    per county, to their numbers now), by the same rule as within them: when the need rises no
    county's part falls below what its municipalities have now, nor rises above what they can
    take; when it falls, the reverse (Webster with bounds: house monotone)."""
    if list(groups) == [""]:
        return {"": int(total)}
    counties = scenario.counties
    names = list(groups)
    if counties is not None:
        shares = np.array([counties.total(c) if c in counties.requests else 0 for c in names], dtype=float)
    else:
        shares = np.array([before[groups[c]].sum() for c in names], dtype=float)
    if shares.sum() <= 0:
        shares = np.array([len(groups[c]) for c in names], dtype=float)
    now = np.array([before[groups[c]].sum() for c in names])
    if total >= now.sum():
        lower, upper = now, np.array([np.maximum(ceiling[groups[c]], before[groups[c]]).sum() for c in names])
    else:
        lower, upper = np.array([np.minimum(floor[groups[c]], before[groups[c]]).sum() for c in names]), now
    parts = apportion(shares, lower, upper, int(total))
    return {c: int(p) for c, p in zip(names, parts)}


def upper_limits(scenario) -> np.ndarray:
    """The most persons each municipality can take in the year: max_total and its dwellings and
    places (inf = no limit)."""
    high = scenario.bounds()[1]
    caps = scenario.year_caps.sum(axis=1)
    return np.fmin(np.where(np.isnan(high), np.inf, high), caps)


def locked(scenario) -> np.ndarray:
    low, high = scenario.bounds()
    return ~np.isnan(low) & (low == high)


def spread(weights: np.ndarray, before: np.ndarray, floor: np.ndarray, ceiling: np.ndarray,
           groups: dict[str, np.ndarray], targets: dict[str, int]) -> np.ndarray:
    """New numbers per group of rows: toward each group's target from `before`, falling no lower
    than `floor`, rising no higher than `ceiling`, by `apportion`."""
    after = before.astype(float).copy()
    for name, rows in groups.items():
        target = targets[name]
        if target >= before[rows].sum():
            lower, upper = before[rows], np.maximum(ceiling[rows], before[rows])
        else:
            lower, upper = np.minimum(floor[rows], before[rows]), before[rows]
        after[rows] = apportion(weights[rows], lower, upper, target)
    return after


@dataclass
class Revision:
    """Before and after per municipality; `to_dict` is the `revise --json` shape."""

    numbers: tuple[str, ...]
    names: tuple[str, ...]
    counties: tuple[str, ...]
    rows: np.ndarray
    before: np.ndarray
    after: np.ndarray
    settled: np.ndarray
    target: int
    source: str  # "vedtak" (decisions, else requests) or "plan" (no year columns: the yearly plan)
    fylke: str | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return int((self.after[self.rows] != self.before[self.rows]).sum())

    def to_dict(self) -> dict[str, Any]:
        order = sorted(self.rows.tolist(), key=self.numbers.__getitem__)
        return {
            "total_before": int(self.before[self.rows].sum()), "total_after": int(self.after[self.rows].sum()),
            "target": self.target, "fylke": self.fylke, "source": self.source,
            "municipalities": [{"kommunenummer": self.numbers[k], "kommune": self.names[k], "fylke": self.counties[k],
                                "before": int(self.before[k]), "after": int(self.after[k]), "bosatt": int(self.settled[k])}
                               for k in order],
            "changed": self.changed, "reasons": self.reasons,
        }

    def lines(self) -> list[str]:
        before, after = int(self.before[self.rows].sum()), int(self.after[self.rows].sum())
        where = f" i {self.fylke}" if self.fylke else ""
        basis = "vedtak der kommunen har vedtatt, ellers anmodningen" if self.source == "vedtak" else "den årlige planen"
        lines = [f"Endret behov{where}: {number(before)} → {number(after)} personer (ønsket {number(self.target)}; "
                 f"utgangspunkt: {basis}). {self.changed} kommuner endres."]
        lines += self.reasons
        lines += ["", f"{'Kommune':<32}{'Før':>8}{'Etter':>8}{'Endring':>9}{'Bosatt':>8}"]
        for k in sorted(self.rows.tolist(), key=self.numbers.__getitem__):
            if self.after[k] != self.before[k]:
                change = self.after[k] - self.before[k]
                sign = "+" if change > 0 else "−"
                lines.append(f"{(self.numbers[k] + ' ' + self.names[k])[:31]:<32}{number(self.before[k]):>8}"
                             f"{number(self.after[k]):>8}{sign + number(abs(change)):>9}{number(self.settled[k]):>8}")
        return lines


def resolve_fylke(scenario, name: str) -> str:
    """A county of the scenario by name, in any case; ScenarioError with suggestions otherwise."""
    counties = sorted(set(scenario.county_of()) - {""})
    for county in counties:
        if county.casefold() == name.strip().casefold():
            return county
    close = difflib.get_close_matches(name, counties, n=2)
    hint = f" (mente du {' eller '.join(f'«{c}»' for c in close)}?)" if close else ""
    raise ScenarioError([Problem("--fylke", message=f"fant ikke fylket «{name}» i scenariet{hint}; fylkene er: {', '.join(counties) or 'ingen'}")])


def current_numbers(scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """(current numbers, settled, ceiling from stated offers) and their source: the decisions
    (else requests) where the scenario has the year's columns, else the yearly plan."""
    data = year_data(scenario)
    if data.present:
        eligible, _, offer_cap = eligibility(data)
        ceiling = np.where(eligible, data.agreed + offer_cap, data.agreed)
        ceiling = np.where(data.pending, np.inf, ceiling)  # a pending council may still be asked for more
        return data.agreed.astype(float), data.settled.astype(float), ceiling, "vedtak"
    totals = solve(scenario).persons.sum(axis=1).astype(float)
    return totals, np.nan_to_num(data.settled), np.full(len(totals), np.inf), "plan"


def revise(scenario, total: int, fylke: str | None = None) -> Revision:
    """The agreements revised to a new national need `total` (see the module docstring)."""
    if total < 0:
        raise ScenarioError([Problem("--total", message=f"ventet et antall personer fra 0 og opp, fikk {total}")])
    before, settled, offers, source = current_numbers(scenario)
    keep = locked(scenario)
    ceiling = np.where(keep, before, np.fmin(upper_limits(scenario), offers))
    floor = np.where(keep, before, settled)
    groups = county_groups(scenario)
    targets = county_targets(scenario, groups, total, before, floor, ceiling)
    wanted = int(total)
    county = None
    if fylke is not None:
        county = resolve_fylke(scenario, fylke)
        if list(groups) == [""]:  # one pool: the county's share of the total by its request (else its numbers now)
            groups = county_rows(scenario)
            targets = county_targets(scenario, groups, total, before, floor, ceiling)
        free = county_targets(scenario, groups, total, before, np.zeros_like(before), np.full_like(before, np.inf))
        groups, targets, wanted = {county: groups[county]}, {county: targets[county]}, free[county]
    rows = np.concatenate(list(groups.values())) if groups else np.zeros(0, dtype=np.int64)
    after = spread(weights(scenario), before, floor, ceiling, groups, targets)
    table = scenario.table
    revision = Revision(table.numbers, table.text("kommune"), scenario.county_of(), rows, before, after, settled,
                        wanted, source, fylke=county)
    revision.reasons = _reasons(revision)
    return revision


def _reasons(revision: Revision) -> list[str]:
    """Why the new total is not met, when it is not."""
    got, want = int(revision.after[revision.rows].sum()), revision.target
    if got < want:
        return [f"Kommer bare til {number(got)} av {number(want)}: mangler {number(want - got)}. Alle kommuner som kan øke, "
                "er ved grensene sine (maks totalt, boliger og plasser, oppgitt «kan ta flere»; en kommune som vedtok "
                "mindre enn anmodningen, økes ikke uten tilbud, og et låst tall står fast)."]
    if got > want:
        return [f"Kommer ikke lavere enn {number(got)} (ønsket {number(want)}): ingen går under det de alt har bosatt, "
                "og et låst tall står fast."]
    return []
