"""A small national scenario of three counties (Agder, Buskerud, Finnmark; ten municipalities) with
per-county requests, as TOML and CSV text or loaded: the fixed case the county tests and the
analyses across borders build on."""

from __future__ import annotations

from helpers import municipalities_csv, write_scenario

from allocator import load_scenario

ROWS = [
    # kommunenummer, kommune, fylke, population
    ("1101", "Aby", "Agder", 40000), ("1102", "Bby", "Agder", 12000), ("1103", "Cby", "Agder", 3000),
    ("1201", "Dby", "Buskerud", 60000), ("1202", "Eby", "Buskerud", 9000), ("1203", "Fby", "Buskerud", 2500),
    ("1204", "Gby", "Buskerud", 1800),
    ("1301", "Hby", "Finnmark", 20000), ("1302", "Iby", "Finnmark", 5000), ("1303", "Jby", "Finnmark", 900),
]
COUNTY_REQUESTS = {
    "Agder": {"adults": 40, "families": 30, "minors": 4, "special_needs": 3},
    "Buskerud": {"adults": 55, "families": 42, "minors": 5, "special_needs": 4},
    "Finnmark": {"adults": 20, "families": 14, "minors": 2, "special_needs": 1},
}
COLUMNS = ("kommunenummer", "kommune", "fylke", "population", "max_total", "min_total", "small_dwellings",
           "family_dwellings", "minor_places", "special_places")


def national(limits: dict[str, dict[str, object]] | None = None, requests=COUNTY_REQUESTS, cross_border: bool | None = None,
             max_share: float | None = None, key: str = "population = 1.0") -> tuple[str, str]:
    """TOML and CSV text of a three-county scenario with per-county requests (form 2)."""
    lines = ['name = "Tre fylker"', ""]
    for fylke, counts in requests.items():
        lines.append(f'[request.counties."{fylke}"]')
        lines += [f"{g} = {v}" for g, v in counts.items()]
        lines.append("")
    if cross_border is not None or max_share is not None:
        lines.append("[counties]")
        if cross_border is not None:
            lines.append(f"cross_border = {'true' if cross_border else 'false'}")
        if max_share is not None:
            lines.append(f"max_share = {max_share}")
        lines.append("")
    lines += ["[key]", key, ""]
    rows = [{"kommunenummer": n, "kommune": k, "fylke": f, "population": str(p)} for n, k, f, p in ROWS]
    changes = {(number, column): value for number, cells in (limits or {}).items() for column, value in cells.items()}
    return "\n".join(lines), municipalities_csv(rows=rows, columns=COLUMNS, changes=changes)


def load(tmp_path, name: str = "s", **kwargs):
    toml, csv = national(**kwargs)
    return load_scenario(write_scenario(tmp_path / name, toml=toml, csv=csv))


#: Agder's family dwellings are few: at most 3 × 3.5 = 10 persons in families of its 30.
TIGHT_AGDER = {"1101": {"family_dwellings": 2}, "1102": {"family_dwellings": 1}, "1103": {"family_dwellings": 0}}


def county_only(scenario, fylke: str):
    """The scenario of one county on its own, as a county adviser would have it (one pool)."""
    table = scenario.municipalities
    rows = table[table["fylke"] == fylke].drop(columns=["fylke"])
    return scenario.with_changes(municipalities=rows, request=dict(scenario.counties.requests[fylke]), counties=None)
