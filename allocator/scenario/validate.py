"""Turn raw scenario input into a `Scenario`, or say precisely what is wrong with it.

One `check_*` function per rule. Each problem names the file (or sheet), the line (and the
kommunenummer where there is one) and the column or key, and says what was expected, so a county
adviser can fix the file without reading code. All problems are collected before raising, so a
file with five mistakes is fixed in one round, not five.

Numbers are read the way Norwegian Excel writes them: a decimal comma where a decimal is allowed
(270,2), a space or no-break space between thousands in counts (1 474), a 3-digit kommunenummer
read as 4 digits (301 → 0301, with a note). What is outside the documented ranges is refused: a
value that large is a typing error, and it would otherwise end in nonsense or a solver failure.

Messages are in Norwegian bokmål: they are shown as they are in the app and on the command line.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from allocator.problems import Problem, ScenarioError
from allocator.scenario.cells import (
    _fmt,
    _toml_whole,
)
from allocator.scenario.data import (
    COUNTY_COLUMN,
    GROUPS,
    MUNICIPALITIES_FILE,
    SETTINGS_FILE,
    Counties,
    KeyTerm,
    Scenario,
)
from allocator.scenario.key import key_share_values
from allocator.scenario.national import kommunenummer_notes
from allocator.scenario.readers import RawTable
from allocator.scenario.rows import MunicipalityTable
from allocator.scenario.settings import (
    check_costs,
    check_counties_section,
    check_housing,
    check_housing_grant,
    check_incentives,
    check_key,
    check_key_rules,
    check_quarters,
    check_request,
    check_top_level,
)
from allocator.scenario.table import (
    _extra_column,
    _Rows,
    check_column_names,
    check_columns,
    check_counts,
    check_county_column,
    check_key_columns,
    check_key_rules_fit,
    check_kommunenummer,
    check_min_max,
    read_kommunenummer,
    resolve_key_columns,
)
from allocator.scenario.write import municipalities_csv_rows, settings_dict
from allocator.scenario.yeardata import check_year_columns
from allocator.whole import split_by_shares

__all__ = ["Problem", "ScenarioError", "build_scenario", "validate_scenario"]









# --------------------------------------------------------------------------- cell parsing














# --------------------------------------------------------------------------- settings checks






























# --------------------------------------------------------------------------- municipality checks


































# --------------------------------------------------------------------------- whole-scenario checks


def check_agreed_minimums(scenario: Scenario, file: str, problems: list[Problem]) -> None:
    """Agreed minimums must fit in the request and in each municipality's own resources."""
    table = scenario.table
    low, high = scenario.bounds()
    names = table.text("kommune")
    label = lambda k: f"rad {table.numbers[k]} ({names[k]})"  # noqa: E731
    for k in np.flatnonzero(low > high):
        problems.append(Problem(file, label(k), "locked_q1–locked_q4", (
            f"de låste kvartalene krever {_fmt(low[k])} personer, men max_total eller summen av "
            f"kvartalene tillater {_fmt(high[k])}")))
    request = scenario.request
    total_min = np.nansum(low)  # agreed minimums and locked quarters
    if total_min > sum(request.values()):
        problems.append(Problem(file, column="min_total", message=(
            f"summen av min_total ({_fmt(total_min)}) er større enn hele anmodningen ({_fmt(sum(request.values()))}); "
            "senk min_total eller øk anmodningen")))
    counties = scenario.counties
    if counties is not None and not counties.cross_border:
        of = np.array(scenario.county_of())
        for fylke in sorted(set(of)):
            county_min = np.nansum(low[of == fylke])
            asked = counties.total(fylke) if fylke in counties.requests else 0
            if county_min > asked:
                problems.append(Problem(file, column="min_total", message=(
                    f"i {fylke} er summen av min_total ({_fmt(county_min)}) større enn fylkets anmodning ({_fmt(asked)}); "
                    "senk min_total, øk fylkets anmodning eller tillat bosetting på tvers av fylkesgrenser")))
    could_come = scenario.could_come()
    room = sum(np.minimum(scenario.person_caps(g), could_come[:, j]) for j, g in enumerate(GROUPS))
    minimum = table.numeric("min_total")
    for k in np.flatnonzero(minimum > room):
        problems.append(Problem(file, label(k), "min_total", (
            f"min_total ({_fmt(minimum[k])}) er mer enn kommunen har plass til etter boliger og plasser "
            f"({_fmt(room[k])}); øk boliger/plasser eller senk min_total")))


def split_request_by_key(request: dict[str, int], table: MunicipalityTable, key: tuple[KeyTerm, ...], counties: list[str]) -> dict[str, dict[str, int]]:
    """Form 3: each group of the national request split into county requests in proportion to the
    sum of the key shares of each county's municipalities (whole persons, largest remainders)."""
    shares = key_share_values({t.column: table.numeric(t.column) for t in key}, key)
    of = table.text(COUNTY_COLUMN)
    weight = {fylke: float(sum(s for s, f in zip(shares, of) if f == fylke)) for fylke in counties}
    split = {g: split_by_shares(request[g], [weight[f] for f in counties]) for g in GROUPS}
    return {fylke: {g: split[g][k] for g in GROUPS} for k, fylke in enumerate(counties)}


# --------------------------------------------------------------------------- assembly


def build_scenario(settings: dict, raw: RawTable, settings_file: str, rows_file: str | None = None,
                   extra_settings: tuple[str, ...] = (), national_check: bool = True, agreed_minimums: bool = True) -> Scenario:
    """Check raw settings and municipality rows; return a `Scenario` or raise `ScenarioError`.

    Notes (`Scenario.notes`) say what was read differently from how it stands, or may not be what
    was meant: a default used, an old kommunenummer. `national_check=False` leaves out the notes
    on kommunenummer against the national table (for re-checking an edited scenario already read).
    `agreed_minimums=False` leaves out the check that minimums and locks can be met together:
    `diagnose` reads such a scenario to say which to relax (every other check still runs)."""
    problems: list[Problem] = []
    notes: list[str] = list(raw.notes)
    check_top_level(settings, settings_file, problems, extra_settings)
    request, county_requests, minors_split = check_request(settings, settings_file, problems)
    county_settings = check_counties_section(settings, settings_file, problems, county_requests is None, county_requests)
    housing = check_housing(settings, settings_file, problems)
    key = check_key(settings, settings_file, problems)
    key_rules = check_key_rules(settings, settings_file, problems)
    costs = check_costs(settings, settings_file, problems)
    housing_grant = check_housing_grant(settings, settings_file, problems)
    if minors_split and county_settings is not None:
        problems.append(Problem(settings_file, column="request.minors_care", message=(
            "enslige mindreårige delt i minors_care og minors_other går foreløpig bare med én anmodning (uten fylker); gi minors")))
    quarters = check_quarters(settings, settings_file, problems, request)
    incentives = check_incentives(settings, settings_file, problems)

    if "key" not in settings:
        notes.append(f"{settings_file}: ingen [key]; nøkkelen er innbyggertall (population = 1.0), "
                     "slik at hver kommune får sin andel av befolkningen.")

    problems += raw.problems
    check_column_names(raw, key, problems)
    if not check_columns(raw, problems):
        raise ScenarioError(problems)
    key = resolve_key_columns(key, raw.header)
    numbers = read_kommunenummer(raw, problems, notes)
    rows = _Rows(raw, numbers)
    check_kommunenummer(rows, problems)
    if national_check:
        notes += kommunenummer_notes(raw.file, numbers, raw.column("kommune"))
    parsed = check_counts(rows, problems)
    check_min_max(rows, parsed, problems)
    groups = check_county_column(rows, county_requests, county_settings is not None, settings_file, problems, notes)
    key_values = check_key_columns(rows, key, problems, groups, parsed)
    if problems or not raw.rows:
        raise ScenarioError(problems or [Problem(raw.file, message="ingen kommuner; ventet én rad per kommune")])

    columns: dict[str, Any] = {"kommune": rows.cells("kommune"), "population": parsed["population"]}
    for column, values in parsed.items():
        if column != "population":
            columns[column] = values
    columns["lock_reason"] = rows.cells("lock_reason") if "lock_reason" in raw.header else [""] * len(numbers)
    for column in raw.header:
        if column not in columns and column != "kommunenummer":
            columns[column] = key_values[column] if column in key_values else _extra_column(rows.cells(column))
    table = MunicipalityTable(numbers, columns)
    check_year_columns(table, rows.labels, raw.file, problems, notes)

    counties = None
    if county_settings is not None:
        if county_requests is None:  # form 3: split the national request by the key
            county_requests = split_request_by_key(request, table, key, sorted(groups))
        else:  # form 2: a county with municipalities but no request table gets 0
            county_requests = {**{f: {g: 0 for g in GROUPS} for f in groups}, **county_requests}
        counties = Counties(requests=county_requests, split=county_settings.get("split"),
                            cross_border=county_settings.get("cross_border", False), max_share=county_settings.get("max_share"))
    scenario = Scenario(
        name=str(settings["name"]).strip(),
        request=request,
        table=table,
        key=key,
        housing=housing,
        description=str(settings.get("description", "")).strip(),
        year=_toml_whole(settings["year"]) if "year" in settings else None,
        quarters=quarters,
        incentives=incentives,
        counties=counties,
        notes=tuple(notes),
        key_rules=key_rules,
        minors_split=minors_split,
        costs=costs,
        housing_grant=housing_grant,
    )
    if agreed_minimums:
        check_agreed_minimums(scenario, rows_file or raw.file, problems)
    check_key_rules_fit(scenario, settings_file, problems, notes)
    if problems:
        raise ScenarioError(problems)
    return scenario.with_changes(notes=tuple(notes)) if len(notes) != len(scenario.notes) else scenario


def validate_scenario(scenario: Scenario) -> Scenario:
    """Re-run every check on an edited scenario (the app's edits), by its file form."""
    header, rows = municipalities_csv_rows(scenario)
    raw = RawTable.from_records(MUNICIPALITIES_FILE, header, rows)
    return build_scenario(settings_dict(scenario), raw, SETTINGS_FILE, MUNICIPALITIES_FILE, national_check=False)
