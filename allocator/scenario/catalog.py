"""Ready scenarios for any of Norway's 15 counties, or all of Norway, for 2024, 2025 and 2026.

Why this exists: a county planner should not have to assemble a municipality table before the
first meeting. The project carries the national table (`data/kommuner_2024.csv`, real IMDi and
SSB figures for all 357 municipalities) and the real county requests (`data/fylker.csv`); this
module turns them into a scenario folder with the same rules as the bundled examples, which
`tools/build_scenarios.py` also uses: the rules in illustrative.py, the texts that explain them in
catalog_text.py, one copy each. Pure Python and the standard library only, so that a command line
that only writes a scenario starts fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from allocator.files import atomic_write_all
from allocator.scenario.catalog_text import (
    HOUSING_TEXT,
    MORE_REAL_TEXT,
    REAL_TEXT,
    SPLIT_TEXT,
    county_toml,
    csv_text,
    estimated_text,
    max_text,
    minors_text,
    national_minors_text,
    national_toml,
    nok,
)
from allocator.scenario.illustrative import SCENARIO_COLUMNS, build_table, split_request
from allocator.scenario.national import (
    COUNTY_NAMES,
    NATIONAL,
    CatalogError,
    _county_rows,
    _national_rows,
    check_year,
    resolve_county,
)

DATA = Path(__file__).resolve().parents[1] / "data"

COUNTY_FILE_COLUMNS: tuple[str, ...] = ("fylke", "year", "total", "minors", "minors_source")

#: `minors_source` in data/fylker.csv per year, and what it means for a scenario's comments.
MINORS_SOURCES: Mapping[int, str] = {
    2024: "sum of municipal requests",
    2025: "estimated from the 2026 share",
    2026: "real",
}
MINORS_NOTES: Mapping[int, str] = {
    2024: "real: sum of the municipal 2024 requests, IMDi",
    2025: "ESTIMATE from the county's 2026 share; no public 2025 figure",
    2026: "real, IMDi 2026 county request",
}

SETTINGS_FILE = "scenario.toml"
MUNICIPALITIES_FILE = "municipalities.csv"


class ScenarioExists(CatalogError):
    """The folder already holds a scenario, and replacing it was not asked for."""


def county_request(fylke: str, year: int = 2026) -> dict:
    """The real request of a county (or of NATIONAL, the sum) for a year: total and minors.

    Returns {"fylke", "year", "total", "minors", "minors_source"}; 2025 minors are an estimate
    (see data/README.md), which minors_source says.
    """
    county, year = resolve_county(fylke), check_year(year)
    counties = COUNTY_NAMES if county == NATIONAL else (county,)
    figures = [_county_rows()[(c, year)] for c in counties]
    return {"fylke": county, "year": year, "total": sum(f["total"] for f in figures),
            "minors": sum(f["minors"] for f in figures), "minors_source": figures[0]["minors_source"]}


# --------------------------------------------------------------------------- scenarios
def _genitive(county: str) -> str:
    return county + ("'" if county.endswith(("s", "x", "z")) else "s")


def _request_intro(county: str, year: int, total: int, minors: int) -> str:
    """What the request is and where it comes from, for the year's kind of figures."""
    if year == 2026:
        return f"fylkets reelle anmodning for 2026 fra IMDi: {nok(total)} personer, {minors} av dem enslige mindreårige."
    if year == 2024:
        return (f"fylkets reelle anmodning for 2024 fra IMDi: {nok(total)} personer. {minors} av dem er "
                "enslige mindreårige, summen av kommunenes anmodninger om enslige mindreårige for 2024 (IMDi).")
    figures = _county_rows()[(county, 2026)]
    return (f"fylkets reelle anmodning for 2025 fra IMDi, slik den ble justert midt i året: {nok(total)} "
            f"personer. Tallet på enslige mindreårige, {minors}, er et anslag, ikke et tall fra IMDi: "
            f"fylkets andel mindreårige i anmodningen for 2026 brukt på 2025 ({nok(total)} × "
            f"{figures['minors']} / {nok(figures['total'])}, avrundet).")


def _county_build(county: str, year: int) -> tuple[list[dict], dict, dict[str, int]]:
    """The county's rows, minors info and split request: the one recipe county and national share."""
    figures = _county_rows()[(county, year)]
    req = split_request(figures["total"], figures["minors"])
    rows = [r for r in _national_rows() if r["fylke"] == county]
    table, info = build_table(rows, req)
    return [_with_year_columns(row, year) for row in table], info, req


def _with_year_columns(row: dict, year: int) -> dict:
    """The year's columns of a scenario row: the real 2024 request, decision (and minors) and
    settled to 13 November for 2024, blank for other years. In 2024 `max_total` is left blank:
    the decision is in `vedtak`, and the same decision as a stand-in capacity would make a replay
    of the year circular (the second round could ask nobody for more)."""
    out = dict(row)
    real = year == 2024
    out["anmodning"] = row["anmodning_2024"] if real else None
    out["anmodning_em"] = row["anmodning_em_2024"] if real else None
    out["vedtak"] = row["vedtak_2024"] if real else None
    out["vedtak_em"] = (row["vedtak_em_2024"] if row["vedtak_em_2024"] is not None or row["vedtak_2024"] is None else 0) if real else None
    out["kan_ta_flere"] = None
    out["bosatt"] = row["bosatt_2024"] if real else None
    if real:
        out["max_total"] = None
    return out


def _estimated_lines(county: str | None) -> list[str]:
    rows = [r for r in _national_rows() if county is None or r["fylke"] == county]
    text = estimated_text(rows)
    return [text] if text else []


def _county_files(county: str, year: int) -> tuple[str, str]:
    table, info, req = _county_build(county, year)
    total, minors = sum(req.values()), req["minors"]
    subject = f"{_genitive(county)} {len(table)} kommuner" if len(table) > 1 else f"{county} (én kommune)"
    lines = [f"{subject} med " + _request_intro(county, year, total, minors), "", SPLIT_TEXT, "",
             REAL_TEXT, MORE_REAL_TEXT, max_text(year), *_estimated_lines(county), minors_text(info, minors), HOUSING_TEXT]
    toml = county_toml(f"{county} {year}", year, lines, req, MINORS_NOTES[year])
    return toml, csv_text(table, SCENARIO_COLUMNS)


def _national_files(year: int) -> tuple[str, str]:
    rows, infos, requests = [], {}, {}
    for county in COUNTY_NAMES:
        table, infos[county], requests[county] = _county_build(county, year)
        rows += table
    rows.sort(key=lambda r: r["kommunenummer"])
    total = sum(sum(r.values()) for r in requests.values())
    minors = sum(r["minors"] for r in requests.values())
    source = {2024: " (mindreårige: summen av kommunenes anmodninger for 2024)",
              2025: (" (anmodningen slik den ble justert midt i året; mindreårige er et anslag per fylke: "
                     "fylkets andel mindreårige i 2026 brukt på 2025, avrundet)"),
              2026: ""}[year]
    intro = (f"Alle {len(rows)} kommuner i {len(COUNTY_NAMES)} fylker, hvert fylke med sin reelle anmodning "
             f"for {year} fra IMDi{source}: til sammen {nok(total)} personer, {minors} av dem enslige "
             "mindreårige. Anmodningen står per fylke under [request.counties], og ingen bosettes over "
             "fylkesgrensen (`cross_border = false`). Kommunene i hvert fylke er bygget nøyaktig som i "
             "fylkets eget scenario.")
    lines = [intro, "", SPLIT_TEXT + " Regelen brukes på hvert fylkes anmodning.", "", REAL_TEXT,
             MORE_REAL_TEXT, max_text(year), *_estimated_lines(None), national_minors_text(infos),
             HOUSING_TEXT + " Her gjelder regelen innen hvert fylke: behovet i fylket, fordelt på fylkets kommuner."]
    toml = national_toml(f"{NATIONAL} {year}", year, lines, requests, MINORS_NOTES[year])
    return toml, csv_text(rows, SCENARIO_COLUMNS)


def scenario_files(fylke: str, year: int = 2026) -> tuple[str, str]:
    """The text of scenario.toml and municipalities.csv for a county (or NATIONAL) and year."""
    county, year = resolve_county(fylke), check_year(year)
    return _national_files(year) if county == NATIONAL else _county_files(county, year)


def write_new_scenario(folder: str | os.PathLike, fylke: str, year: int = 2026, force: bool = False) -> Path:
    """Write a ready scenario into `folder` (created if missing) and return the folder.

    Refuses to replace a scenario already there unless `force`: a user's edited files must never
    be overwritten silently. Each file is written to a temporary file in the same folder and then
    renamed, so a reader sees the old file or the new one, never half of one.
    """
    toml, table = scenario_files(fylke, year)
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CatalogError(f"«{folder}» finnes allerede og er ikke en mappe.") from None
    present = [name for name in (SETTINGS_FILE, MUNICIPALITIES_FILE) if (folder / name).exists()]
    if present and not force:
        raise ScenarioExists(f"Mappa «{folder}» har allerede et scenario ({', '.join(present)}). Velg en "
                           "annen mappe, eller be uttrykkelig om å erstatte filene.")
    _write_files(folder, {SETTINGS_FILE: toml, MUNICIPALITIES_FILE: table})
    return folder


def _write_files(folder: Path, files: Mapping[str, str]) -> None:
    """Every file written first, then all renamed into place (`files.atomic_write_all`)."""
    atomic_write_all(folder, {name: text.encode("utf-8") for name, text in files.items()})
