"""The texts of a catalog scenario: its description (which numbers are real, which illustrative,
and by what rule), and `scenario.toml` and `municipalities.csv` as text."""

from __future__ import annotations

import csv
import io
import re
import textwrap
import tomllib
from typing import Iterable, Mapping, Sequence

from allocator.scenario.illustrative import GROUPS, HEADROOM, KEY_EXPONENT, PERSONS_PER_FAMILY_DWELLING

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
