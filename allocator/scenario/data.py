"""The scenario: what a county (or the country) is asked to settle and what its municipalities can take.

A scenario lives on disk as a folder with `scenario.toml` (request, housing, key, …) and
`municipalities.csv` (one row per municipality). Everything downstream (model, plan, app,
exports) works on the validated, immutable `Scenario` built here, never on raw files, so a
rule is checked in exactly one place (`validate.py`).

The municipality rows are kept as numpy arrays (`MunicipalityTable`, rows.py); a pandas view
(`Scenario.municipalities`) is made on request, for the app and the exports.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Mapping

import numpy as np

from allocator.columns import QUARTERS
from allocator.scenario.rows import MunicipalityTable
from allocator.whole import even_split, whole_floor

if TYPE_CHECKING:
    import pandas as pd  # on demand: heavy to import (see allocator/__init__)

GROUPS: tuple[str, ...] = ("adults", "families", "minors", "special_needs")

#: The municipality column that limits each group, and how a unit of it converts to persons.
RESOURCE_OF_GROUP: Mapping[str, str] = {
    "adults": "small_dwellings",
    "families": "family_dwellings",
    "minors": "minor_places",
    "special_needs": "special_places",
}
RESOURCE_COLUMNS: tuple[str, ...] = tuple(RESOURCE_OF_GROUP.values())
LIMIT_COLUMNS: tuple[str, ...] = ("max_total", "min_total", *RESOURCE_COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = ("kommunenummer", "kommune", "population")
#: Unaccompanied minors assessed one by one: those who need a child-welfare measure (a care place)
#: and those who can live with less (a foster family, an own dwelling with follow-up). A care place
#: may also take a minor who needs less, not the reverse.
MINOR_SUBGROUPS: tuple[str, ...] = ("minors_care", "minors_other")
MINOR_SPLIT_COLUMNS: tuple[str, ...] = ("minor_care_places", "minor_other_places")
#: Units whose cost a scenario may give in [costs] (NOK per dwelling or place; per person for the caps).
COST_KEYS: tuple[str, ...] = (*RESOURCE_COLUMNS, *MINOR_SPLIT_COLUMNS, "max_total", "min_total")
#: Free text kept with a municipality, e.g. why its number is locked (shown in the app and exports).
TEXT_COLUMNS: tuple[str, ...] = ("lock_reason",)
#: The county a municipality belongs to (text); needed when the request is given per county.
COUNTY_COLUMN = "fylke"

#: Quarters allowed from ready to settled: the national targets are 6 months for adults and
#: 3 months for unaccompanied minors and families with children (IMDi).
DEFAULT_DEADLINES: Mapping[str, int] = {"adults": 2, "families": 1, "minors": 1, "special_needs": 2}
#: Year-1 integration grant per person, NOK, 2024 rates: single adult 241,100; adult or child in a
#: family 194,400; unaccompanied minor 187,000; special needs = single adult + the one-off
#: special-needs grant 196,400.
DEFAULT_GRANTS: Mapping[str, float] = {"adults": 241_100.0, "families": 194_400.0, "minors": 187_000.0, "special_needs": 437_500.0}
BASELINE_PATTERNS: Mapping[str, tuple[float, ...]] = {"even": (0.25, 0.25, 0.25, 0.25), "backloaded": (0.1, 0.2, 0.3, 0.4)}
#: Dwellings/places added during the year: `<resource>_q<n>` (e.g. family_dwellings_q3).
DATED_COLUMNS: tuple[str, ...] = tuple(f"{r}_q{q}" for r in RESOURCE_COLUMNS for q in QUARTERS)
#: A municipality's quarterly schedule locked in persons per quarter (blank = free).
SCHEDULE_LOCK_COLUMNS: tuple[str, ...] = tuple(f"locked_q{q}" for q in QUARTERS)

SETTINGS_FILE = "scenario.toml"
MUNICIPALITIES_FILE = "municipalities.csv"


@dataclass(frozen=True)
class KeyTerm:
    """One column of the fair-share key.

    A municipality's share from this column is value**exponent over the sum of that across
    municipalities. A `credit` column measures load already carried (e.g. refugees settled in
    earlier years) and lowers the share instead of raising it, as in the Danish key.
    """

    column: str
    weight: float
    exponent: float = 1.0
    credit: bool = False


@dataclass(frozen=True)
class KeyRules:
    """The shape of real requests, as switches of the key (0 = off).

    IMDi asks municipalities under some size for none, asks the others for at least a few persons,
    and in round numbers. `min_population`: municipalities with fewer inhabitants get no fair share
    (the rest share it); `min_persons`: every municipality with a fair share gets at least this many
    persons in total; `round_to`: each municipality's total fair share is a multiple of this, the
    totals still exact (the remainder goes, whole, to the largest remainders).

    `per_group` (not a shape rule: it says how the plan follows the fair shares): 0, the default,
    keeps each municipality's total close to its total fair share first and its groups close to
    theirs second, so a municipality whose places draw more of one group gets fewer of the others;
    1 follows each group's fair share alone (the plans before issue 15).
    """

    min_population: float = 0.0
    min_persons: int = 0
    round_to: int = 0
    per_group: int = 0

    @property
    def active(self) -> bool:
        return bool(self.min_population or self.min_persons or self.round_to)


#: The rule switches' names in [key] (never column names).
KEY_RULE_NAMES: tuple[str, ...] = ("min_population", "min_persons", "round_to", "per_group")


@dataclass(frozen=True)
class HousingGrant:
    """Money to buy extra small dwellings for single adults (the KS resolution's "boligtilskudd").

    `budget` NOK in all, `per_dwelling` NOK per dwelling bought, at most `max_per_municipality`
    dwellings in one municipality (None = no cap). Only where a municipality's small dwellings are a
    limit can a dwelling bought settle anyone.
    """

    budget: float
    per_dwelling: float
    max_per_municipality: int | None = None

    @property
    def dwellings(self) -> int:
        """The most dwellings the budget buys."""
        return int(self.budget // self.per_dwelling) if self.per_dwelling > 0 else 0


@dataclass(frozen=True)
class Housing:
    """How dwellings convert to persons (persons per dwelling)."""

    adults_per_small_dwelling: float = 1.0
    persons_per_family_dwelling: float = 3.5

    def per_unit(self, group: str) -> float:
        """Persons of `group` one unit of its resource houses: a small dwelling single adults, a
        family dwelling persons in families, a place one person. The one home of this rule: the
        model's limits, the plan's units used, explain's worth of one more unit and diagnose."""
        return {"adults": self.adults_per_small_dwelling, "families": self.persons_per_family_dwelling}.get(group, 1.0)






@dataclass(frozen=True)
class Quarters:
    """When persons become ready for settlement, and how fast they should be settled.

    `ready[g][q-1]`: persons of group g whose residence permit comes in quarter q.
    `deadline[g]`: quarters allowed from ready to settled (1 = within 3 months).
    `timeliness_weight` w: 0 keeps the yearly split exactly as fair as without quarters and only
    then settles as early as possible; w > 0 moves a person from one municipality to another in
    the yearly split when that saves at least 1/w person-quarters of waiting.
    `baseline`: the quarterly pattern the optimised schedule is compared with.
    """

    ready: Mapping[str, tuple[int, ...]]
    deadline: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_DEADLINES))
    timeliness_weight: float = 0.0
    baseline: str | tuple[float, ...] = "even"

    @staticmethod
    def evenly(request: Mapping[str, int]) -> "Quarters":
        return Quarters(ready={g: even_split(request[g]) for g in GROUPS})

    @property
    def baseline_shares(self) -> tuple[float, ...]:
        if isinstance(self.baseline, str):
            return BASELINE_PATTERNS[self.baseline]
        return tuple(self.baseline)


@dataclass(frozen=True)
class Incentives:
    """The KS idea priced: a bonus per person settled early, a deduction for Q4 pile-ups (NOK).

    No such scheme exists; the defaults are illustrative. A municipality pays `q4_deduction` for
    each person settled in Q4 beyond `q4_threshold` × its yearly number (rounded down).
    """

    bonus: tuple[float, ...] = (50_000.0, 25_000.0, 0.0, 0.0)
    q4_threshold: float = 0.4
    q4_deduction: float = 25_000.0
    grant: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_GRANTS))


@dataclass(frozen=True)
class Counties:
    """A request given per county (fylke), as the national committee splits the national need.

    `requests[fylke][group]`: persons of that county's request. Either given in the scenario
    (`[request.counties."Vestland"]`) or made from a national request by the key (`split = "key"`:
    each group split in proportion to the sum of the key shares of each county's municipalities).
    `cross_border`: persons a county cannot place at home may be settled in another county's
    municipalities; `max_share` caps the persons a county sends at that share of its request.
    """

    requests: Mapping[str, Mapping[str, int]]
    split: str | None = None
    cross_border: bool = False
    max_share: float | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.requests))

    def total(self, fylke: str) -> int:
        return sum(self.requests[fylke].values())


# --------------------------------------------------------------------------- the scenario


@dataclass(frozen=True, eq=False, init=False)
class Scenario:
    """A validated scenario. Build it with `load_scenario` or `validate.build_scenario`.

    `table` holds the municipality rows (`MunicipalityTable`): the columns `kommune`,
    `population`, every column in `LIMIT_COLUMNS` (NaN = no limit), `lock_reason` ("" = none), and
    any further columns of the input. `municipalities` is the same as a pandas DataFrame indexed by
    kommunenummer. `request` is the whole request per group; with `counties` it is the sum of the
    county requests.
    """

    name: str
    request: Mapping[str, int]
    table: MunicipalityTable
    key: tuple[KeyTerm, ...]
    housing: Housing
    description: str
    year: int | None
    quarters: Quarters | None
    incentives: Incentives
    counties: Counties | None
    notes: tuple[str, ...]
    key_rules: KeyRules
    minors_split: Mapping[str, int] | None
    costs: Mapping[str, float] | None
    housing_grant: HousingGrant | None

    def __init__(
        self,
        name: str,
        request: Mapping[str, int],
        municipalities: "pd.DataFrame | MunicipalityTable | None" = None,
        key: tuple[KeyTerm, ...] = (KeyTerm("population", 1.0),),
        housing: Housing | None = None,
        description: str = "",
        year: int | None = None,
        quarters: Quarters | None = None,
        incentives: Incentives | None = None,
        counties: Counties | None = None,
        notes: tuple[str, ...] = (),
        table: MunicipalityTable | None = None,
        key_rules: KeyRules | None = None,
        minors_split: Mapping[str, int] | None = None,
        costs: Mapping[str, float] | None = None,
        housing_grant: HousingGrant | None = None,
    ):
        if municipalities is not None:  # a DataFrame (tests, edits) or a table; it wins over `table`
            table = municipalities if isinstance(municipalities, MunicipalityTable) else MunicipalityTable.from_frame(municipalities)
        if table is None:
            raise TypeError("Scenario needs municipalities")
        values = dict(name=name, request=request, table=table, key=tuple(key), housing=housing or Housing(),
                      description=description, year=year, quarters=quarters, incentives=incentives or Incentives(),
                      counties=counties, notes=tuple(notes), key_rules=key_rules or KeyRules(),
                      minors_split=dict(minors_split) if minors_split else None, costs=dict(costs) if costs else None,
                      housing_grant=housing_grant)
        for attribute, value in values.items():
            object.__setattr__(self, attribute, value)

    @property
    def total_request(self) -> int:
        return sum(self.request.values())

    @cached_property
    def municipalities(self) -> "pd.DataFrame":
        return self.table.frame()

    def with_changes(self, **changes) -> "Scenario":
        """A copy with some fields replaced (the app's edits go through here)."""
        return dataclasses.replace(self, **changes)

    # ---------------------------------------------------------------- limits as arrays (table order)

    def resource_units(self, resource: str, quarter: int | None = None) -> np.ndarray:
        """Dwellings or places of one kind per municipality (NaN = no limit).

        With `quarter`, only what exists by the end of that quarter: the undated column plus what
        is added (`<resource>_q<n>`) up to it; without, the whole year's. A blank undated cell
        with dated additions means none until they come ("0 now, 2 from Q3"), not "no limit".
        """
        table = self.table
        dated = [f"{resource}_q{q}" for q in QUARTERS if f"{resource}_q{q}" in table]
        available = table.numeric(resource).copy()
        if dated:
            any_dated = np.any([~np.isnan(table.numeric(c)) for c in dated], axis=0)
            available[np.isnan(available) & any_dated] = 0.0
            for q in QUARTERS[: quarter or len(QUARTERS)]:
                column = f"{resource}_q{q}"
                if column in table:
                    available = available + np.nan_to_num(table.numeric(column))
        return available

    def minor_places(self) -> tuple[np.ndarray, np.ndarray]:
        """Care places (also taking other minors) and places for minors who need less (inf = no limit)."""
        care, other = (np.where(np.isnan(self.table.numeric(c)), np.inf, self.table.numeric(c)) for c in MINOR_SPLIT_COLUMNS)
        return care, other

    def person_caps(self, group: str, quarter: int | None = None) -> np.ndarray:
        """Most persons of `group` each municipality can take from its own resource (inf = no limit)."""
        if group == "minors" and any(c in self.table for c in MINOR_SPLIT_COLUMNS):
            care, other = self.minor_places()
            caps = self._resource_caps(group, quarter)
            return np.minimum(caps, care + other)
        return self._resource_caps(group, quarter)

    def _resource_caps(self, group: str, quarter: int | None = None) -> np.ndarray:
        units = self.resource_units(RESOURCE_OF_GROUP[group], quarter)
        caps = whole_floor(units * self.housing.per_unit(group))  # 4 dwellings × 3,5 = 14, never 13
        caps[np.isnan(caps)] = np.inf
        return caps

    @cached_property
    def year_caps(self) -> np.ndarray:
        """`person_caps` for the whole year, every group: (municipalities, groups), table order."""
        caps = np.column_stack([self.person_caps(g) for g in GROUPS]) if len(self.table) else np.zeros((0, len(GROUPS)))
        caps.setflags(write=False)
        return caps

    def could_come(self, cross_border: bool | None = None) -> np.ndarray:
        """Per municipality and group (table order), the most persons that could come to it: its
        county's request, or the whole request with one pool or across borders (`cross_border`
        overrides the scenario's setting: the model also asks without borders). The one home of
        this rule: the model's bounds, the check of min_total, the grant and explain read it."""
        counties = self.counties
        if counties is None:
            return np.tile(np.array([self.request[g] for g in GROUPS], dtype=float), (len(self.table), 1))
        requests = {name: np.array([counties.requests[name].get(g, 0) for g in GROUPS], dtype=float) for name in counties.names}
        if counties.cross_border if cross_border is None else cross_border:
            return np.tile(sum(requests.values()), (len(self.table), 1))
        nobody = np.zeros(len(GROUPS))
        return np.array([requests.get(fylke, nobody) for fylke in self.county_of()]).reshape(len(self.table), len(GROUPS))

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """min_total and max_total per municipality (NaN = none), tightened by a locked quarterly schedule.

        Locked quarters must be settled, so the year is at least their sum; with all four quarters
        locked the year is exactly that.
        """
        table = self.table
        low, high = table.numeric("min_total").copy(), table.numeric("max_total").copy()
        locks = [table.numeric(c) for c in SCHEDULE_LOCK_COLUMNS if c in table]
        if locks:
            locked = np.vstack(locks)
            given = ~np.isnan(locked)
            locked_sum = np.where(given.any(axis=0), np.nansum(locked, axis=0), np.nan)
            low = np.fmax(low, locked_sum)
            all_four = given.sum(axis=0) == len(QUARTERS)
            high = np.where(all_four, np.fmin(high, locked_sum), high)
        return low, high

    def county_of(self) -> tuple[str, ...]:
        """Each municipality's county ("" when the table has no fylke column)."""
        return self.table.text(COUNTY_COLUMN)

    # ---------------------------------------------------------------- the same as pandas (app, exports)

    def _series(self, values: np.ndarray, name: str | None = None) -> "pd.Series":
        import pandas as pd  # on demand: heavy to import (see allocator/__init__)

        return pd.Series(values, index=pd.Index(list(self.table.numbers), name="kommunenummer"), name=name)

    def resource_available(self, resource: str, quarter: int | None = None) -> "pd.Series":
        return self._series(self.resource_units(resource, quarter), resource)

    def group_limit(self, group: str, quarter: int | None = None) -> "pd.Series":
        return self._series(self.person_caps(group, quarter), group)

    def total_bounds(self) -> tuple["pd.Series", "pd.Series"]:
        low, high = self.bounds()
        return self._series(low, "min_total"), self._series(high, "max_total")


# --------------------------------------------------------------------------- reading




# --------------------------------------------------------------------------- writing
