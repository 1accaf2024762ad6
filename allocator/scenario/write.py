"""A scenario written back to its files (`scenario.toml` + `municipalities.csv`), and its fingerprint.

The settings are written as plain data (`settings_dict`) so that the TOML file, the Excel sheet
«innstillinger» and the fingerprint that keys the app's plan cache all describe the same thing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from allocator.files import atomic_write
from allocator.scenario.data import (
    GROUPS,
    KEY_RULE_NAMES,
    MINOR_SUBGROUPS,
    MUNICIPALITIES_FILE,
    SETTINGS_FILE,
    Incentives,
    Scenario,
)

if TYPE_CHECKING:
    import pandas as pd  # on demand: heavy to import (see allocator/__init__)


def fingerprint(scenario: Scenario) -> str:
    """A digest of everything that decides the plan: equal scenarios give equal fingerprints."""
    digest = hashlib.sha256(json.dumps(settings_dict(scenario), sort_keys=True, ensure_ascii=False).encode("utf-8"))
    table = scenario.table
    order = table.order
    digest.update("\x1e".join(table.numbers[k] for k in order).encode("utf-8"))
    for column in sorted(table.columns):
        digest.update(f"\x1d{column}\x1d".encode("utf-8"))
        values = table.raw(column)
        if isinstance(values, np.ndarray):
            digest.update(np.ascontiguousarray(np.where(np.isnan(values), np.nan, values)[order]).tobytes())
        else:
            digest.update("\x1f".join(values[k] for k in order).encode("utf-8"))
    return digest.hexdigest()


def settings_dict(scenario: Scenario) -> dict:
    """The `scenario.toml` content of a scenario, as plain data."""
    key: dict[str, object] = {}
    for term in scenario.key:
        if term.exponent == 1.0 and not term.credit:
            key[term.column] = term.weight
        else:
            entry: dict[str, object] = {"weight": term.weight, "exponent": term.exponent}
            if term.credit:
                entry["credit"] = True
            key[term.column] = entry
    settings: dict[str, object] = {"name": scenario.name}
    if scenario.description:
        settings["description"] = scenario.description
    if scenario.year is not None:
        settings["year"] = scenario.year
    counties = scenario.counties
    if counties is not None and counties.split is None:
        settings["request"] = {"counties": {c: {g: int(counties.requests[c].get(g, 0)) for g in GROUPS} for c in counties.names}}
    else:
        settings["request"] = {g: int(scenario.request.get(g, 0)) for g in GROUPS}
        if scenario.minors_split:
            del settings["request"]["minors"]
            settings["request"].update({g: int(scenario.minors_split[g]) for g in MINOR_SUBGROUPS})
    if counties is not None:
        section: dict[str, object] = {"cross_border": counties.cross_border}
        if counties.split is not None:
            section["split"] = counties.split
        if counties.max_share is not None:
            section["max_share"] = counties.max_share
        settings["counties"] = section
    settings["housing"] = dataclasses.asdict(scenario.housing)
    rules = scenario.key_rules
    for name in KEY_RULE_NAMES:
        if getattr(rules, name):
            key[name] = getattr(rules, name)
    settings["key"] = key
    if scenario.quarters is not None:
        quarters = scenario.quarters
        settings["quarters"] = {
            "ready": {g: list(quarters.ready[g]) for g in GROUPS},
            "deadline": dict(quarters.deadline),
            "timeliness_weight": quarters.timeliness_weight,
            "baseline": quarters.baseline if isinstance(quarters.baseline, str) else list(quarters.baseline),
        }
    if scenario.costs:
        settings["costs"] = dict(scenario.costs)
    if scenario.housing_grant is not None:
        grant = scenario.housing_grant
        settings["housing_grant"] = {"budget": grant.budget, "per_dwelling": grant.per_dwelling}
        if grant.max_per_municipality is not None:
            settings["housing_grant"]["max_per_municipality"] = grant.max_per_municipality
    incentives = scenario.incentives
    if scenario.quarters is not None or incentives != Incentives():
        settings["incentives"] = {
            "bonus": list(incentives.bonus),
            "q4_threshold": incentives.q4_threshold,
            "q4_deduction": incentives.q4_deduction,
            "grant": dict(incentives.grant),
        }
    return settings


def municipalities_csv_rows(scenario: Scenario) -> tuple[list[str], list[list[str]]]:
    """The municipality table as written to `municipalities.csv`: header and text cells, whole
    numbers without decimals, blanks for no limit (a fraction stays visible, so validation refuses it)."""
    table = scenario.table
    columns = [c for c in table.columns if not (c == "lock_reason" and not any(table.text(c)))]
    cells = [table.text(c) for c in columns]
    return ["kommunenummer", *columns], [[number, *row] for number, *row in zip(table.numbers, *cells)]


def municipalities_csv_frame(scenario: Scenario) -> "pd.DataFrame":
    """`municipalities_csv_rows` as a DataFrame of text."""
    import pandas as pd  # on demand: heavy to import (see allocator/__init__)

    header, rows = municipalities_csv_rows(scenario)
    return pd.DataFrame(rows, columns=header, dtype=object)


def municipalities_csv_text(scenario: Scenario) -> str:
    import csv
    import io

    header, rows = municipalities_csv_rows(scenario)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def save_scenario(scenario: Scenario, folder: str | os.PathLike) -> Path:
    """Write a scenario folder atomically: each file is written beside its target, then renamed."""
    import tomli_w  # on demand: heavy to import (see allocator/__init__)

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / SETTINGS_FILE, tomli_w.dumps(settings_dict(scenario)).encode("utf-8"))
    atomic_write(folder / MUNICIPALITIES_FILE, municipalities_csv_text(scenario).encode("utf-8"))
    return folder
