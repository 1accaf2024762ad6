"""Synthetic national-size scenarios with every kind of limit in use and some of each binding.

Deterministic for a given (n, seed). For n = 357 this is the benchmark's long-standing case
(`tests/data/synthetic-357` is a saved copy of it, with its plan pinned); larger n scale the
request with the number of municipalities, so the limits bind about as often.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocator import GROUPS, KeyTerm, Scenario
from allocator.scenario.data import LIMIT_COLUMNS, RESOURCE_COLUMNS
from allocator.scenario.validate import validate_scenario

BASE_REQUEST = {"adults": 6051, "families": 5619, "minors": 651, "special_needs": 679}  # 13,000 for 357


def synthetic_scenario(n: int = 357, seed: int = 2026, check: bool = True) -> Scenario:
    rng = np.random.default_rng(seed)
    request = {g: int(round(v * n / 357)) for g, v in BASE_REQUEST.items()}
    population = np.clip(rng.lognormal(9.0, 1.2, n), 200, 720_000).round()
    share = population**0.6 / (population**0.6).sum()
    fair = {g: share * request[g] for g in GROUPS}
    slack = lambda tight: np.where(rng.random(n) < tight, rng.uniform(0.3, 0.9, n), rng.uniform(1.2, 2.5, n))  # noqa: E731
    table = pd.DataFrame({"kommune": [f"Kommune {i}" for i in range(n)], "population": population.astype(int)})
    table["small_dwellings"] = np.ceil(fair["adults"] * slack(0.25))
    table["family_dwellings"] = np.ceil(fair["families"] * slack(0.25) / 3.5)
    table["minor_places"] = np.where(rng.random(n) < 0.4, 0, np.ceil(2 * fair["minors"] * slack(0.25)))
    table["special_places"] = np.ceil(fair["special_needs"] * slack(0.25))
    fair_total = sum(fair.values())
    table["max_total"] = np.ceil(fair_total * slack(0.2))
    room = sum(np.minimum(table[r] * f, request[g]) for r, f, g in zip(RESOURCE_COLUMNS, (1, 3.5, 1, 1), GROUPS))
    low = np.floor(np.minimum.reduce([fair_total * rng.uniform(1.1, 1.4, n), 0.9 * room, table["max_total"]]))
    table["min_total"] = np.where(rng.random(n) < 0.15, low, np.nan)
    table = table[["kommune", "population", *LIMIT_COLUMNS]].astype({c: float for c in LIMIT_COLUMNS})
    table["lock_reason"] = ""
    table.index = pd.Index([f"{1001 + i:04d}" for i in range(n)], name="kommunenummer")
    scenario = Scenario(f"Syntetisk {n}", request, table, key=(KeyTerm("population", 1.0, 0.6),), year=2026)
    if check:
        from allocator import solve

        scenario = validate_scenario(scenario)  # raises if the generator ever makes an invalid scenario
        reached = {code: sum(code in codes for codes in solve(scenario).binding_codes) for code in LIMIT_COLUMNS}
        missing = [code for code, count in reached.items() if count == 0]
        assert not missing, f"synthetic case: no municipality at {missing}"
    return scenario
