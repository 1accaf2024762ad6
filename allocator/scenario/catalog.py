"""Ready scenarios for any of Norway's 15 counties, or all of Norway, for 2024, 2025 and 2026.

Why this exists: a county planner should not have to assemble a municipality table before the
first meeting. The project carries the national table (`data/kommuner_2024.csv`, real IMDi and
SSB figures for all 357 municipalities) and the real county requests (`data/fylker.csv`); this
module turns them into a scenario folder with the same rules as the bundled examples. Those rules
(the split of a request into groups, the illustrative housing and places, and the texts that
explain them) live here, in one copy; `tools/build_scenarios.py` imports them.

Pure Python and the standard library only (no pandas/numpy at import time), so that a command
line that only writes a scenario starts fast. The capacity rules were first written with pandas;
`build_table` reproduces them with the same floating-point expressions (numpy's pairwise sum
included), so the bundled scenarios come out byte-identical. One difference remains by nature:
`population ** 0.6` here is the C library's power, while numpy's vectorised power can differ in the
last bit on some CPUs; every rounded-up capacity was checked to be the same for each county, year
and the national pool.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import textwrap
import tomllib
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from allocator.files import atomic_write_all
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


#: Same order as allocator.scenario.GROUPS (not imported: that module pulls in pandas).
GROUPS: tuple[str, ...] = ("adults", "families", "minors", "special_needs")

# --------------------------------------------------------------------------- the rules
SPECIAL_SHARE = 0.055  # special_needs = floor(5.5 % of the non-minors)
ADULT_SHARE = 0.49  # adults = round(49 % of the non-minors); families = the rest
HEADROOM = 1.75  # illustrative housing covers 175 % of each group's need, pool-wide
MINOR_HEADROOM = 1.2  # minor places scaled up (if needed) to 120 % of the minors requested
PERSONS_PER_FAMILY_DWELLING = 3.5
KEY_EXPONENT = 0.6

#: Columns of the national table, in file order.
NATIONAL_COLUMNS: tuple[str, ...] = (
    "kommunenummer", "kommune", "fylke", "population", "sentralitet", "kostragruppe", "bosatt_2022",
    "bosatt_2023", "bosatt_2024", "anmodning_2024", "vedtak_2024", "anmodning_em_2024", "vedtak_em_2024",
)
#: Real columns copied unchanged into a scenario, after the capacity columns.
REAL_COLUMNS: tuple[str, ...] = NATIONAL_COLUMNS[4:]
#: Illustrative capacity columns (max_total is the real 2024 decision used as a stand-in).
CAPACITY_COLUMNS: tuple[str, ...] = (
    "max_total", "small_dwellings", "family_dwellings", "minor_places", "special_places",
)
#: The settlement year's columns (allocator/yeardata.py): filled from the real figures for 2024,
#: so the real year can be replayed (year, round2, revise, followup); blank for later years.
YEAR_COLUMNS: tuple[str, ...] = ("anmodning", "anmodning_em", "vedtak", "vedtak_em", "kan_ta_flere", "bosatt")
SCENARIO_COLUMNS: tuple[str, ...] = (
    "kommunenummer", "kommune", "fylke", "population", *CAPACITY_COLUMNS, *REAL_COLUMNS, *YEAR_COLUMNS,
)
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


def round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def split_request(total: int, minors: int) -> dict[str, int]:
    """The one illustrative split of the non-minor persons, used by every scenario.

    No public figures split a request into single adults, families and special needs, so every
    example uses the same stated rule (see SPLIT_TEXT) and only the minors are real.
    """
    rest = total - minors
    special = math.floor(SPECIAL_SHARE * rest)
    adults = round_half_up(ADULT_SHARE * rest)
    return {"adults": adults, "families": rest - special - adults, "minors": minors,
            "special_needs": special}


def numpy_sum(values: Sequence[float]) -> float:
    """The sum exactly as numpy (and so pandas) adds float64 arrays: pairwise, 8-way unrolled.

    Why: the capacity rules were first computed with pandas; adding in the same order keeps
    every share bit-identical, so a rounded-up capacity never flips by one.
    """
    return _pairwise(values, 0, len(values))


def _pairwise(a: Sequence[float], lo: int, n: int) -> float:
    if n < 8:
        total = 0.0
        for i in range(lo, lo + n):
            total += a[i]
        return total
    if n <= 128:
        r = [float(a[lo + j]) for j in range(8)]
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += a[lo + i + j]
            i += 8
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for k in range(lo + i, lo + n):
            total += a[k]
        return total
    half = n // 2
    half -= half % 8
    return _pairwise(a, lo, half) + _pairwise(a, lo + half, n - half)


def _accepted(row: Mapping[str, object]) -> float:
    """Share of its 2024 request the council decided (at most 1; 1 where either figure is missing
    or the request was 0), as pandas' (vedtak / anmodning).clip(upper=1).fillna(1) gave it."""
    decided, asked = row["vedtak_2024"], row["anmodning_2024"]
    if decided is None or asked is None or asked == 0:
        return 1.0
    return min(decided / asked, 1.0)


#: Size bands (inhabitants) for "comparable municipalities": lower bounds.
SIZE_BANDS: tuple[int, ...] = (0, 2_000, 5_000, 10_000, 20_000, 50_000)


def _band(population: int) -> int:
    return sum(population >= low for low in SIZE_BANDS)


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def estimated_decision(row: Mapping[str, object]) -> tuple[int, float]:
    """For a municipality with no 2024 decision: a capacity from comparable municipalities, and the
    share of its request they accepted.

    Why: a blank max_total means no limit, and such a municipality became the sink of every least
    change and of the housing grant (Utsira, 215 inhabitants, +8 100 persons). Comparable = the
    same SSB centrality and size band (SIZE_BANDS) among the municipalities that did decide, in the
    whole national table (a small pool may have none); where there are none, the same size band.
    The capacity is their median decision per 1 000 inhabitants times this one's population,
    rounded half up; the share is their median accepted share (`_accepted`). Illustrative, and the
    scenario's description says so (`estimated_text`).
    """
    decided = [r for r in _national_rows() if r["vedtak_2024"] is not None and r["population"]]
    peers = [r for r in decided if r["sentralitet"] == row["sentralitet"] and _band(r["population"]) == _band(row["population"])]
    if not peers:
        peers = [r for r in decided if _band(r["population"]) == _band(row["population"])] or decided
    per_1000 = _median([1000 * r["vedtak_2024"] / r["population"] for r in peers])
    return round_half_up(per_1000 * row["population"] / 1000), _median([_accepted(r) for r in peers])


def estimated_text(rows: Iterable[Mapping[str, object]]) -> str:
    """The description's line for the municipalities whose max_total is an estimate ("" when none)."""
    names = [r["kommune"] for r in rows if r["vedtak_2024"] is None]
    if not names:
        return ""
    return ("- Illustrativt: " + ", ".join(names) + " hadde ikke noe vedtak for 2024. Der er `max_total` "
            "beregnet fra sammenlignbare kommuner (samme sentralitet og størrelse, i hele landet): deres "
            "median av vedtak per 1 000 innbyggere, ganget med kommunens folketall og avrundet; "
            "boligene følger medianen av hvor stor del av anmodningen de vedtok. Ellers ville "
            "kommunen vært uten grense.")


def build_table(rows: Iterable[Mapping[str, object]], req: Mapping[str, int],
                family_headroom: float = HEADROOM) -> tuple[list[dict], dict]:
    """Municipality rows: real columns plus illustrative housing and places (rules in the comments).

    `rows` are national-table rows (see `national_table`); the result has SCENARIO_COLUMNS, in
    kommunenummer order, and `info` feeds `minors_text`. The rules are stated to the user in
    HOUSING_TEXT and minors_text, which is why they are simple and pool-wide.
    """
    rows = sorted(rows, key=lambda r: r["kommunenummer"])
    # Housing follows the key (population^0.6) times the share of its 2024 request the council
    # accepted: a low 2024 decision is read as a sign of scarce housing. Scaled to HEADROOM x the
    # need, rounded up.
    estimates = {r["kommunenummer"]: estimated_decision(r) for r in rows if r["vedtak_2024"] is None}
    accepted = [estimates[r["kommunenummer"]][1] if r["kommunenummer"] in estimates else _accepted(r) for r in rows]
    base = [r["population"] ** KEY_EXPONENT * a for r, a in zip(rows, accepted)]
    base_sum = numpy_sum(base)
    share = [b / base_sum for b in base]
    need = {"small_dwellings": req["adults"],
            "family_dwellings": req["families"] / PERSONS_PER_FAMILY_DWELLING,
            "special_places": req["special_needs"]}
    # Minor places: the 2024 minors decision, else the 2024 minors request, else 0; scaled up by
    # k_em (rounded up) only when that sum is below 120 % of the minors requested.
    em = [_first_given(r["vedtak_em_2024"], r["anmodning_em_2024"], 0) for r in rows]
    em_sum = numpy_sum([float(e) for e in em])
    k_em = max(1.0, MINOR_HEADROOM * req["minors"] / em_sum) if em_sum else 1.0
    table = []
    for i, r in enumerate(rows):
        out = {c: r[c] for c in ("kommunenummer", "kommune", "fylke", "population")}
        # the 2024 decision; without one, an estimate from comparable municipalities (never "no limit")
        out["max_total"] = r["vedtak_2024"] if r["vedtak_2024"] is not None else estimates[r["kommunenummer"]][0]
        for col, n in need.items():
            h = family_headroom if col == "family_dwellings" else HEADROOM
            out[col] = math.ceil(h * n * share[i])
        out["minor_places"] = math.ceil(round(k_em * em[i], 9))
        out.update({c: r[c] for c in REAL_COLUMNS})
        table.append(out)
    decided = sum(r["vedtak_em_2024"] or 0 for r in rows)
    return table, {"em_sum": int(em_sum), "em_decided": int(decided), "k_em": k_em}


def _first_given(*values):
    return next(v for v in values if v is not None)


# --------------------------------------------------------------------------- the texts
SPLIT_TEXT = ("Fordelingen på grupper er illustrativ, samme regel i alle eksempler: av personene som "
              "ikke er enslige mindreårige er 5,5 % personer med særskilte behov (rundet ned), "
              "49 % enslige voksne (avrundet) og resten personer i familier.")
REAL_TEXT = ("- Ekte tall: `population` = folkemengde 1.1.2024 (SSB tabell 07459), `sentralitet` = "
             "SSBs sentralitetsindeks (1 = mest sentral, 6 = minst), `bosatt_2022` og `bosatt_2023` = "
             "bosatte flyktninger (IMDi).")
MORE_REAL_TEXT = ("- Også ekte tall: `fylke`, `kostragruppe` = SSBs KOSTRA-gruppe (1–17), `bosatt_2024` = "
                  "bosatte flyktninger i 2024 til og med 13. november (IMDi; tom celle = skjult fordi "
                  "tallet er under 5), `anmodning_2024` og `vedtak_2024` = anmodning og kommunestyrets "
                  "vedtak for 2024, `anmodning_em_2024` og `vedtak_em_2024` = av dem enslige mindreårige "
                  "(IMDi; tom celle = ingen anmodning eller intet vedtak).")
MAX_TEXT = ("- `max_total` = kommunestyrets vedtak om bosetting for 2024 (IMDi), brukt som stedfortreder "
            "for oppgitt kapasitet (vedtakene gjaldt et nasjonalt behov på 37 000 personer, mot 13 000 "
            "i 2026). Tom celle = ingen grense.")
HOUSING_TEXT = ("- Illustrativt (det finnes ingen offentlige tall per kommune): `small_dwellings`, "
                "`family_dwellings` og `special_places` = {pct} % av behovet i hele utvalget (enslige "
                "voksne; personer i familier / 3,5 per familiebolig; særskilte behov), fordelt etter "
                "folkemengde^0,6 ganget med hvor stor del av anmodningen for 2024 kommunen vedtok "
                "(høyst 1; 1 der tallet mangler), rundet opp. Et lavt vedtak i 2024 leses altså som "
                "knapphet på boliger.").format(pct=round(HEADROOM * 100))


def max_text(year: int) -> str:
    """MAX_TEXT for a scenario year: the 2024 decisions answered a much larger national need."""
    if year == 2026:
        return MAX_TEXT
    if year == 2025:
        return MAX_TEXT.replace("mot 13 000 i 2026", "mot 12 640 i 2025 etter justeringen midt i året")
    return ("- Året 2024 (ekte tall, IMDi): `anmodning` og `vedtak` = anmodningen og kommunestyrets vedtak for "
            "2024 (`anmodning_em`, `vedtak_em` = av dem enslige mindreårige; tomt vedtak = venter på vedtak), "
            "`bosatt` = bosatt i 2024 til og med 13. november (tom celle = skjult, under 5). `kan_ta_flere` er tom: "
            "ingen offentlige tall. `max_total` står tom: vedtaket står i `vedtak`, og det samme tallet som "
            "grense ville gjort andre runde meningsløs.")


def minors_text(info: dict, minors: int) -> str:
    """How minor places were made, with the numbers of this pool."""
    s = ("- `minor_places` bygger på vedtaket om enslige mindreårige for 2024 (IMDi); der kommunen "
         "ikke hadde vedtatt, anmodningen for 2024; ellers 0"
         + (f" (vedtakene alene gir bare {info['em_decided']} plasser)"
            if info["em_decided"] < info["em_sum"] else "")
         + f". Summen er {info['em_sum']} plasser")
    if info["k_em"] == 1.0:
        return s + f", nok for {minors} mindreårige, så tallene brukes uendret."
    factor = f"1,2 × {minors} / {info['em_sum']} ≈ {info['k_em']:.2f}".replace(".", ",")
    return (s + f", for lite for {minors} mindreårige, så alle tall er ganget med {factor} og "
            "rundet opp (illustrativt; gir 20 % margin).")


def national_minors_text(infos: Mapping[str, dict]) -> str:
    """minors_text for the national scenario: the rule applies within each county."""
    scaled = [f"{county} {info['k_em']:.2f}".replace(".", ",")
              for county, info in infos.items() if info["k_em"] != 1.0]
    s = ("- `minor_places` bygger på vedtaket om enslige mindreårige for 2024 (IMDi); der kommunen "
         "ikke hadde vedtatt, anmodningen for 2024; ellers 0. I et fylke der summen er under 120 % av "
         "fylkets mindreårige, er alle tallene i fylket ganget opp til 120 % og rundet opp "
         "(illustrativt)")
    return s + (". Faktorer: " + "; ".join(scaled) + "." if scaled else "; det gjelder ingen fylker dette året.")


HEADER_CATALOG = ("# Made by allocator.catalog from IMDi/SSB statistics (allocator/data). This copy is yours to\n"
                  "# change. The description says which numbers are real and which are illustrative.")

TEMPLATE = '''\
{header}
name = "{name}"
description = """
{description}"""
year = {year}

[request]  # persons to settle in {year} (the request); a missing group = 0
adults = {adults}  # enslige voksne (illustrative split)
families = {families}  # personer i familier (illustrative split)
minors = {minors}  # enslige mindreårige ({minors_note})
special_needs = {special_needs}  # personer med særskilte behov (illustrative split)
'''

NATIONAL_TEMPLATE = '''\
{header}
name = "{name}"
description = """
{description}"""
year = {year}
{requests}[counties]
cross_border = false  # each county settles its own request; nobody is moved across a county border
'''

SETTINGS_TEMPLATE = '''
[housing]
adults_per_small_dwelling = 1
persons_per_family_dwelling = {ppfd}

[key]
# Fair-share key. The real 2024 requests grew about as population^0.6 (small municipalities
# get relatively more); try sentralitet, bosatt_2022 or bosatt_2023 as further columns.
population = {{ weight = 1.0, exponent = {exp} }}
'''.format(ppfd=PERSONS_PER_FAMILY_DWELLING, exp=KEY_EXPONENT)


_THOUSANDS = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")
_GLUE = "\x00"  # stands in for a thousands space while wrapping (textwrap never breaks at it)


def description_text(lines: Sequence[str]) -> tuple[str, str]:
    """The description (lines, then the attribution) and its TOML form with short lines.

    Long lines are wrapped with TOML line-ending backslashes, which join back into one line when
    parsed, so the file stays readable and the text stays exact.
    """
    description = "\n".join([*lines, "", "Kilde: IMDi, SSB."]) + "\n"
    assert '"""' not in description and "\\" not in description and _GLUE not in description
    # A number written with a thousands space ("1 474") is never split over two lines.
    glued = _THOUSANDS.sub(_GLUE, description)
    wrapped = "\n".join(" \\\n".join(textwrap.wrap(line, 96, break_on_hyphens=False))
                        for line in glued.split("\n"))
    return description, wrapped.replace(_GLUE, " ")


def county_toml(name: str, year: int, lines: Sequence[str], req: Mapping[str, int], minors_note: str,
                header: str = HEADER_CATALOG) -> str:
    """scenario.toml text of one pool with one request; checked by parsing it back."""
    description, wrapped = description_text(lines)
    text = TEMPLATE.format(header=header, name=name, description=wrapped, year=year,
                           minors_note=minors_note, **req) + SETTINGS_TEMPLATE
    parsed = tomllib.loads(text)
    assert parsed["request"] == dict(req) and parsed["description"] == description
    return text


def national_toml(name: str, year: int, lines: Sequence[str], requests: Mapping[str, Mapping[str, int]],
                  minors_note: str, header: str = HEADER_CATALOG) -> str:
    """scenario.toml text with one request per county ([request.counties."<fylke>"])."""
    description, wrapped = description_text(lines)
    blocks = [f"\n# Persons each county is asked to settle in {year} (its request); a missing group = 0.\n"
              f"# minors: {minors_note};\n# adults, families, special_needs: the illustrative split.\n"]
    blocks += [f'[request.counties."{county}"]\n' + "".join(f"{g} = {req[g]}\n" for g in GROUPS) + "\n"
               for county, req in requests.items()]
    text = NATIONAL_TEMPLATE.format(header=header, name=name, description=wrapped, year=year,
                                    requests="".join(blocks)) + SETTINGS_TEMPLATE
    parsed = tomllib.loads(text)
    assert parsed["request"] == {"counties": {c: dict(r) for c, r in requests.items()}}
    assert parsed["description"] == description
    return text


def nok(n: int) -> str:
    """A whole number with a space between thousands, as Norwegian text writes it."""
    return f"{n:,}".replace(",", " ")


def csv_text(rows: Iterable[Mapping[str, object]], columns: Sequence[str]) -> str:
    """CSV text (comma, "\\n" line ends); None is a blank cell, whole numbers have no ".0"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    return buffer.getvalue()


















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
