"""Build the bundled example scenarios in scenarios/ from public IMDi/SSB statistics.

Why this exists: the example scenarios mix real figures (population, 2024 requests and council
decisions, the 2026 county requests) with clearly labelled illustrative ones (group split, housing,
places), and this script is the single documented, deterministic recipe for that mix. The input
tables in ../shared/data are a developer-only resource and are NOT shipped with the project; the
generated scenarios/*/ folders are committed. Re-run after changing a rule:

    .venv/bin/python tools/build_scenarios.py      (from the repository root)

It prints a feasibility report per scenario (can the request be met in full, and which
municipalities reach a limit when the request is spread with a population^0.6 key).
"""

from __future__ import annotations

import itertools
import math
import sys
import textwrap
import tomllib
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"  # developer-only input, not part of the repository
OUT = REPO / "scenarios"

GROUPS = ("adults", "families", "minors", "special_needs")
SPECIAL_SHARE = 0.055  # special_needs = floor(5.5 % of the non-minors)
ADULT_SHARE = 0.49  # adults = round(49 % of the non-minors); families = the rest
HEADROOM = 1.75  # illustrative housing covers 175 % of each group's need, pool-wide
MINOR_HEADROOM = 1.2  # minor places scaled up (if needed) to 120 % of the minors requested
PERSONS_PER_FAMILY_DWELLING = 3.5
KEY_EXPONENT = 0.6
EXTRA = ["sentralitet", "bosatt_2022", "bosatt_2023"]


def round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def split_request(total: int, minors: int) -> dict[str, int]:
    """The one illustrative split of the non-minor persons, used by every scenario."""
    rest = total - minors
    special = math.floor(SPECIAL_SHARE * rest)
    adults = round_half_up(ADULT_SHARE * rest)
    return {"adults": adults, "families": rest - special - adults, "minors": minors,
            "special_needs": special}


def load() -> pd.DataFrame:
    if not (DATA / "kommuner.csv").exists():
        sys.exit(f"Input data not found in {DATA} (expected kommuner.csv, fylker.csv). "
                 "This is a developer tool: it needs the shared/ data folder next to the repository.")
    return pd.read_csv(DATA / "kommuner.csv", dtype={"kommunenummer": str, "fylkenummer": str})


def county_requests() -> pd.DataFrame:
    return pd.read_csv(DATA / "fylker.csv").set_index("fylke")


def build_table(k: pd.DataFrame, req: dict[str, int], family_headroom: float = HEADROOM
                ) -> tuple[pd.DataFrame, dict]:
    """Municipality table: real columns plus illustrative housing and places (rules below)."""
    k = k.sort_values("kommunenummer").reset_index(drop=True)
    t = pd.DataFrame({"kommunenummer": k.kommunenummer, "kommune": k.kommune,
                      "population": k.folkemengde_2024})
    t["max_total"] = k.vedtak_2024.astype("Int64")  # blank = no decision in 2024 = no limit
    # Housing follows the key (population^0.6) times the share of its 2024 request the council
    # accepted (decision / request, at most 1; 1 where either is missing): a low 2024 decision is
    # read as a sign of scarce housing. Scaled to HEADROOM x the need, rounded up.
    accepted = (k.vedtak_2024 / k.anmodning_2024).clip(upper=1).fillna(1)
    base = k.folkemengde_2024 ** KEY_EXPONENT * accepted
    share = base / base.sum()
    need = {"small_dwellings": req["adults"],
            "family_dwellings": req["families"] / PERSONS_PER_FAMILY_DWELLING,
            "special_places": req["special_needs"]}
    for col, n in need.items():
        h = family_headroom if col == "family_dwellings" else HEADROOM
        t[col] = (h * n * share).apply(math.ceil).astype(int)
    # Minor places: the 2024 minors decision, else the 2024 minors request, else 0; scaled up by
    # k_em (rounded up) only when that sum is below 120 % of the minors requested.
    em = k.vedtak_em_2024.fillna(k.anmodning_em_2024).fillna(0)
    k_em = max(1.0, MINOR_HEADROOM * req["minors"] / em.sum()) if em.sum() else 1.0
    t["minor_places"] = (k_em * em).apply(lambda x: math.ceil(round(x, 9))).astype(int)
    t = t[["kommunenummer", "kommune", "population", "max_total", "small_dwellings",
           "family_dwellings", "minor_places", "special_places"]]
    for c in EXTRA:
        t[c] = k[c].astype(int)
    return t, {"em_sum": int(em.sum()), "em_decided": int(k.vedtak_em_2024.sum()), "k_em": k_em}


def capacities(t: pd.DataFrame) -> pd.DataFrame:
    """Persons each municipality can take per group (inf = no limit), and max_total."""
    return pd.DataFrame({
        "adults": t.small_dwellings.astype(float),
        "families": (t.family_dwellings * PERSONS_PER_FAMILY_DWELLING).apply(math.floor).astype(float),
        "minors": t.minor_places.astype(float),
        "special_needs": t.special_places.astype(float),
        "total": t.max_total.astype("Float64").fillna(math.inf).astype(float)})


def max_settlable(cap: pd.DataFrame, req: dict[str, int]) -> int:
    """Exact maximum number of persons that can be placed (max-flow = min-cut over group subsets)."""
    best = math.inf
    for r in range(len(GROUPS) + 1):
        for s in itertools.combinations(GROUPS, r):
            cut = sum(req[g] for g in GROUPS if g not in s)
            cut += cap["total"].combine(cap[list(s)].sum(axis=1), min).sum() if s else 0
            best = min(best, cut)
    return int(best)


def waterfill(amount: float, w: pd.Series, cap: pd.Series) -> pd.Series:
    """Spread amount in proportion to w, capping at cap and passing the excess on."""
    alloc = pd.Series(0.0, index=w.index)
    free = (w > 0) & (cap > 0)
    while amount > 1e-9 and free.any():
        part = amount * w[free] / w[free].sum()
        full = part >= cap[free] - alloc[free]
        if not full.any():
            alloc[free] += part
            break
        idx = full[full].index
        amount -= (cap[idx] - alloc[idx]).sum()
        alloc[idx] = cap[idx]
        free[idx] = False
    return alloc


def report(name: str, t: pd.DataFrame, req: dict[str, int]) -> None:
    cap = capacities(t)
    total = sum(req.values())
    print(f"\n== {name}: request {total} = " + ", ".join(f"{g} {req[g]}" for g in GROUPS))
    for g in GROUPS:
        print(f"   {g:14s} request {req[g]:6d}   capacity (min with max_total) "
              f"{int(cap[g].combine(cap['total'], min).sum()):6d}")
    finite = cap["total"][cap["total"] < math.inf]
    print(f"   {'total':14s} request {total:6d}   sum of max_total {finite.sum():.0f}"
          + (f" + {len(t) - len(finite)} blank (no limit)" if len(finite) < len(t) else ""))
    ok = max_settlable(cap, req)
    print(f"   max settlable {ok} -> " + ("request CAN be met in full" if ok >= total
                                        else f"SHORTFALL of {total - ok} persons"))
    # Who reaches a limit with a population^0.6 key (continuous estimate, scarcest group first).
    w = t.population.astype(float) ** KEY_EXPONENT
    room = cap["total"].copy()
    hit: dict[str, dict[str, list[str]]] = {"housing/places or max_total": {}, "minor_places": {}}
    for g in ("minors", "special_needs", "families", "adults"):
        c = cap[g].combine(room, min)
        a = waterfill(req[g], w, c)
        for i in t.index[(c > 0) & (a >= c - 1e-6)]:
            why = g if cap[g][i] <= room[i] else "max_total"
            kind = "minor_places" if g == "minors" else "housing/places or max_total"
            hit[kind].setdefault(t.kommune[i], []).append(why)
        room -= a
    for kind, names in hit.items():
        items = [f"{n} ({', '.join(dict.fromkeys(v))})" for n, v in sorted(names.items())]
        shown = "; ".join(items) if len(items) <= 15 else "; ".join(items[:15]) + "; ..."
        print(f"   at a {kind} limit with a population^{KEY_EXPONENT} key: {len(items)}"
              + (f": {shown}" if items else ""))


TEMPLATE = '''\
# Generated by tools/build_scenarios.py from IMDi/SSB statistics. Do not edit by hand: change the
# script and re-run it. The description says which numbers are real and which are illustrative.
name = "{name}"
description = """
{description}"""
year = 2026

[request]  # persons to settle in 2026 (the request); a missing group = 0
adults = {adults}  # enslige voksne (illustrative split)
families = {families}  # personer i familier (illustrative split)
minors = {minors}  # enslige mindreårige ({minors_note})
special_needs = {special_needs}  # personer med særskilte behov (illustrative split)

[housing]
adults_per_small_dwelling = 1
persons_per_family_dwelling = {ppfd}

[key]
# Fair-share key. The real 2024 requests grew about as population^0.6 (small municipalities
# get relatively more); try sentralitet, bosatt_2022 or bosatt_2023 as further columns.
population = {{ weight = 1.0, exponent = {exp} }}
'''

SPLIT_TEXT = ("Fordelingen på grupper er illustrativ, samme regel i alle eksempler: av personene som "
              "ikke er enslige mindreårige er 5,5 % personer med særskilte behov (rundet ned), "
              "49 % enslige voksne (avrundet) og resten personer i familier.")
REAL_TEXT = ("- Ekte tall: `population` = folkemengde 1.1.2024 (SSB tabell 07459), `sentralitet` = "
             "SSBs sentralitetsindeks (1 = mest sentral, 6 = minst), `bosatt_2022` og `bosatt_2023` = "
             "bosatte flyktninger (IMDi).")
MAX_TEXT = ("- `max_total` = kommunestyrets vedtak om bosetting for 2024 (IMDi), brukt som stedfortreder "
            "for oppgitt kapasitet (vedtakene gjaldt et nasjonalt behov på 37 000 personer, mot 13 000 "
            "i 2026). Tom celle = ingen anmodning eller vedtak i 2024 = ingen grense.")
HOUSING_TEXT = ("- Illustrativt (det finnes ingen offentlige tall per kommune): `small_dwellings`, "
                "`family_dwellings` og `special_places` = {pct} % av behovet i hele utvalget (enslige "
                "voksne; personer i familier / 3,5 per familiebolig; særskilte behov), fordelt etter "
                "folkemengde^0,6 ganget med hvor stor del av anmodningen for 2024 kommunen vedtok "
                "(høyst 1; 1 der tallet mangler), rundet opp. Et lavt vedtak i 2024 leses altså som "
                "knapphet på boliger.").format(pct=round(HEADROOM * 100))


def minors_text(info: dict, minors: int) -> str:
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


READY_SHARES = (0.3, 0.3, 0.2, 0.2)  # illustrative: more permits early in the year
QUARTERS_TEMPLATE = '''
[quarters]
# Illustrative: persons ready for settlement (permit granted) per quarter, 30/30/20/20 %.
{ready}
baseline = "backloaded"  # compare with the usual pattern: 10/20/30/40 % of the year per quarter

[incentives]
# Illustrative KS-style scheme (no such scheme exists): NOK per person settled in Q1..Q4, and a
# deduction per person settled in Q4 beyond 40 % of the municipality's yearly number.
bonus = [50000, 25000, 0, 0]
q4_threshold = 0.4
q4_deduction = 25000
'''
QUARTERS_TEXT = ("- Kvartaler (illustrativt): 30/30/20/20 % av personene blir klare for bosetting i K1–K4. "
                 "I kommuner med sentralitet 1–2 kommer 30 % av familieboligene (rundet ned) først i K3 "
                 "(`family_dwellings_q3`), f.eks. etter oppussing. Bonus og trekk i [incentives] er et "
                 "tenkt KS-opplegg, ikke en ordning som finnes.")


def split_shares(total: int, shares: tuple[float, ...]) -> list[int]:
    raw = [total * s for s in shares]
    counts = [int(v) for v in raw]
    for k in sorted(range(len(raw)), key=lambda k: (-(raw[k] - counts[k]), k))[: total - sum(counts)]:
        counts[k] += 1
    return counts


def add_quarters(t: pd.DataFrame, req: dict[str, int]) -> tuple[pd.DataFrame, str]:
    """Readiness per quarter and family dwellings that arrive in Q3 (both illustrative)."""
    t = t.copy()
    central = t["sentralitet"] <= 2
    later = (t["family_dwellings"] * 0.3).astype(int).where(central, 0)
    t["family_dwellings"] = t["family_dwellings"] - later
    t.insert(t.columns.get_loc("family_dwellings") + 1, "family_dwellings_q3", later)
    ready = "\n".join(f"ready.{g} = {split_shares(n, READY_SHARES)}" for g, n in req.items())
    return t, QUARTERS_TEMPLATE.format(ready=ready)


def write(folder: str, name: str, lines: list[str], req: dict[str, int], t: pd.DataFrame,
          minors_note: str, extra_toml: str = "") -> None:
    description = "\n".join(lines + ["", "Kilde: IMDi, SSB."]) + "\n"
    assert '"""' not in description and "\\" not in description
    # Wrap long lines with TOML line-ending backslashes (they join back into one line when parsed).
    wrapped = "\n".join(" \\\n".join(textwrap.wrap(line, 96, break_on_hyphens=False)) for line in description.split("\n"))
    text = TEMPLATE.format(name=name, description=wrapped, minors_note=minors_note,
                           ppfd=PERSONS_PER_FAMILY_DWELLING, exp=KEY_EXPONENT, **req) + extra_toml
    parsed = tomllib.loads(text)
    assert parsed["request"] == req and parsed["description"] == description
    d = OUT / folder
    d.mkdir(parents=True, exist_ok=True)
    (d / "scenario.toml").write_text(text, encoding="utf-8")
    t.to_csv(d / "municipalities.csv", index=False, lineterminator="\n", encoding="utf-8")
    report(name, t, req)


def nok(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def main() -> None:
    k, f = load(), county_requests()

    for folder, county in (("vestland-2026", "Vestland"), ("trondelag-2026", "Trøndelag")):
        total, minors = int(f.anmodning_2026[county]), int(f.anmodning_em_2026[county])
        req = split_request(total, minors)
        kc = k[k.fylke == county]
        t, info = build_table(kc, req)
        intro = (f"{county}s {len(kc)} kommuner med fylkets reelle anmodning for 2026 fra IMDi: "
                 f"{nok(total)} personer, {minors} av dem enslige mindreårige.")
        lines = [intro, "", SPLIT_TEXT, "", REAL_TEXT, MAX_TEXT, minors_text(info, minors), HOUSING_TEXT]
        extra = ""
        if county == "Vestland":  # the default scenario shows the quarterly plan too
            t, extra = add_quarters(t, req)
            lines.append(QUARTERS_TEXT)
        write(folder, f"{county} 2026", lines, req, t, "real, IMDi 2026 county request", extra)

    total, minors = 13000, 651  # national 2026 request (IMDi) = sum of the county requests
    assert int(f.anmodning_2026.sum()) == total and int(f.anmodning_em_2026.sum()) == minors
    req = split_request(total, minors)
    t, info = build_table(k, req)
    t.insert(2, "fylke", k.sort_values("kommunenummer").fylke.values)
    intro = (f"Alle {len(k)} kommuner som én pott, med hele landets anmodning for 2026 fra IMDi: "
             f"{nok(total)} personer, {minors} av dem enslige mindreårige. I virkeligheten fordeles "
             "behovet først per fylke; her kan en prøve én nasjonal nøkkel. `fylke` er med for "
             "oversikt.")
    write("norge-2026", "Norge 2026", [intro, "", SPLIT_TEXT, "", REAL_TEXT, MAX_TEXT,
          minors_text(info, minors), HOUSING_TEXT], req, t, "real, IMDi 2026 national request")

    # Demo: six real municipalities in inner Sogn, a made-up request, too few family dwellings
    # (60 % of the need instead of 175 %) and made-up minor places, so the plan falls short.
    kd = k[(k.fylke == "Vestland")
           & k.kommune.isin(["Sogndal", "Luster", "Lærdal", "Årdal", "Aurland", "Vik"])]
    req = split_request(300, 20)
    t, _ = build_table(kd, req, family_headroom=0.6)
    t["minor_places"] = t.kommune.map({"Sogndal": 6, "Luster": 2}).fillna(0).astype(int)
    ok = max_settlable(capacities(t), req)
    intro = ("Demo av underdekning: seks ekte kommuner i indre Sogn, men en oppdiktet anmodning på "
             "300 personer, 20 av dem enslige mindreårige. Det er med vilje for få familieboliger "
             f"og plasser for mindreårige: høyst {ok} av 300 kan bosettes, {300 - ok} blir "
             "udekket. Tallene sier ingenting om de virkelige kommunene.")
    write("demo-shortfall", "Demo: underdekning", [
        intro, "", SPLIT_TEXT, "", REAL_TEXT, MAX_TEXT,
        "- Oppdiktet: `minor_places` (Sogndal 6, Luster 2, ellers 0; til sammen 8 plasser for 20 "
        "mindreårige).",
        HOUSING_TEXT + " Unntak i denne demoen: familieboliger dekker bare 60 % av behovet."],
        req, t, "made up for the demo")


if __name__ == "__main__":
    main()
