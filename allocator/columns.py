"""The municipality table's known columns, in one table: code, Norwegian header, other spellings.

Why one table: the readers map a header to its column by it (`Maks totalt` → max_total), and the
typo check refuses an unknown header that is close to a known one («max_totall»: mente du
«max_total»?), because such a column would otherwise be read as an extra column and its limits
silently dropped. A new column is added here once, and both know it. `read_as_code` says whether
a header is read as the code (the input columns); the national table's real columns are known to
the typo check but keep the name they are given (the workbook reader maps their labels itself).
`used` is False for columns that are recognised but not yet used by the plan (kept as extra
columns), so that a file carrying them is not refused.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The quarters of the settlement year (scenario files name them _q1 … _q4).
QUARTERS: tuple[int, ...] = (1, 2, 3, 4)


@dataclass(frozen=True)
class KnownColumn:
    code: str
    header: str  # the Norwegian header the app and the exports write
    aliases: tuple[str, ...] = ()  # other spellings people use, read as the code
    read_as_code: bool = True
    used: bool = True


_RESOURCES = (("small_dwellings", "Småboliger"), ("family_dwellings", "Familieboliger"),
              ("minor_places", "Plasser EM"), ("special_places", "Plasser særskilte behov"))

COLUMNS: tuple[KnownColumn, ...] = (
    KnownColumn("kommunenummer", "Kommunenr.", ("kommunenr", "knr", "kommune-nr")),
    KnownColumn("kommune", "Kommune", ("kommunenavn", "navn")),
    KnownColumn("population", "Innbyggere", ("folkemengde", "folketall", "innbyggertall")),
    KnownColumn("max_total", "Maks totalt", ("maks. totalt",)),
    KnownColumn("min_total", "Min. totalt", ("min totalt",)),
    KnownColumn("small_dwellings", "Småboliger"),
    KnownColumn("family_dwellings", "Familieboliger"),
    KnownColumn("minor_places", "Plasser EM", ("plasser for enslige mindreårige",)),
    KnownColumn("special_places", "Plasser særskilte behov", ("plasser for særskilte behov",)),
    KnownColumn("minor_care_places", "Omsorgsplasser EM"),
    KnownColumn("minor_other_places", "Andre plasser EM"),
    KnownColumn("lock_reason", "Begrunnelse for lås", ("begrunnelse",)),
    KnownColumn("fylke", "Fylke"),
    *(KnownColumn(f"{code}_q{q}", f"{header} K{q}") for code, header in _RESOURCES for q in QUARTERS),
    *(KnownColumn(f"locked_q{q}", f"Låst K{q}") for q in QUARTERS),
    # The national table's real columns (allocator/data/kommuner_2024.csv): kept under their own name.
    KnownColumn("sentralitet", "Sentralitet", read_as_code=False),
    KnownColumn("kostragruppe", "KOSTRA-gruppe", read_as_code=False),
    *(KnownColumn(f"bosatt_{year}", f"Bosatt {year}", read_as_code=False) for year in (2022, 2023, 2024)),
    KnownColumn("anmodning_2024", "Anmodning 2024", read_as_code=False),
    KnownColumn("vedtak_2024", "Vedtak 2024", read_as_code=False),
    KnownColumn("anmodning_em_2024", "Anmodning EM 2024", read_as_code=False),
    KnownColumn("vedtak_em_2024", "Vedtak EM 2024", read_as_code=False),
    # This year's request, decision and settlement per municipality: read by the settlement year's
    # commands (yeardata.py), not by the plan; «Bosatt 2021» beside «Bosatt» is another column.
    KnownColumn("anmodning", "Anmodning", used=False),
    KnownColumn("anmodning_em", "Anmodning EM", used=False),
    KnownColumn("vedtak", "Vedtak", used=False),
    KnownColumn("vedtak_em", "Vedtak EM", used=False),
    KnownColumn("kan_ta_flere", "Kan ta flere", used=False),
    KnownColumn("bosatt", "Bosatt", used=False),
    *(KnownColumn(f"bosatt_q{q}", f"Bosatt {q}. kv.", used=False) for q in QUARTERS),
)

BY_CODE: dict[str, KnownColumn] = {c.code: c for c in COLUMNS}


def header_names() -> dict[str, str]:
    """Every header read as a code (casefolded) → the code: codes, Norwegian headers, aliases."""
    names: dict[str, str] = {}
    for column in COLUMNS:
        if column.read_as_code:
            for name in (column.code, column.header, *column.aliases):
                names[name.casefold()] = column.code
    return names


def known_names() -> dict[str, str]:
    """Every name the typo check knows (casefolded) → how to write it: codes, headers, aliases."""
    names: dict[str, str] = {}
    for column in COLUMNS:
        for name in (column.code, column.header, *column.aliases):
            names.setdefault(name.casefold(), column.code)
    return names


def _squeezed(name: str) -> str:
    """A name without case, spaces, underscores, hyphens and points: «Maks_Totalt» ~ «maks totalt»."""
    return "".join(ch for ch in name.casefold() if ch not in " _-.\u00a0")


def _distance(a: str, b: str, most: int) -> int:
    """Edit distance with adjacent swaps (Damerau–Levenshtein, optimal string alignment), capped at most + 1."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > most:
            return most + 1
        previous2, previous = previous, current
    return previous[-1]


def _allowed(length: int) -> int:
    return 0 if length <= 4 else 1 if length <= 7 else 2


def meant_column(name: str) -> KnownColumn | None:
    """The known column an unknown header is probably a misspelling of, else None.

    Close means: the same name but for case, spaces, underscores and points («maxtotal»), or a
    typing error or two («max_totall», «Maks total», «populaton»). Names that differ only in
    digits (bosatt_2021 beside bosatt_2022) are different columns, not typos; but an input column
    with a year added («Maks totalt 2026», «Innbyggere 2024») is that column.
    """
    squeezed = _squeezed(name)
    if not squeezed:
        return None
    best: tuple[int, KnownColumn] | None = None
    for column in COLUMNS:
        for known in (column.code, column.header, *column.aliases):
            other = _squeezed(known)
            if squeezed == other:
                return column
            if "".join(ch for ch in squeezed if not ch.isdigit()) == "".join(ch for ch in other if not ch.isdigit()):
                if column.read_as_code and column.used and not any(ch.isdigit() for ch in other):
                    return column  # «Maks totalt 2026»: the limit with a year added is still the limit
                continue
            most = _allowed(min(len(other), len(squeezed)))
            if most and (d := _distance(squeezed, other, most)) <= most and (best is None or d < best[0]):
                best = (d, column)
    return best[1] if best else None
