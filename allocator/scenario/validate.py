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

import difflib
import math
import re
from typing import Any

import numpy as np

from allocator.columns import BY_CODE, known_names, meant_column
from allocator.labels import COLUMN_LABELS, column_label
from allocator.problems import Problem, ScenarioError
from allocator.scenario.data import (
    BASELINE_PATTERNS,
    COST_KEYS,
    COUNTY_COLUMN,
    DATED_COLUMNS,
    DEFAULT_DEADLINES,
    DEFAULT_GRANTS,
    GROUPS,
    KEY_RULE_NAMES,
    LIMIT_COLUMNS,
    MINOR_SPLIT_COLUMNS,
    MINOR_SUBGROUPS,
    MUNICIPALITIES_FILE,
    REQUIRED_COLUMNS,
    SCHEDULE_LOCK_COLUMNS,
    SETTINGS_FILE,
    TEXT_COLUMNS,
    Counties,
    Housing,
    HousingGrant,
    Incentives,
    KeyRules,
    KeyTerm,
    MunicipalityTable,
    Quarters,
    Scenario,
)
from allocator.scenario.key import key_share_values
from allocator.scenario.national import counties as national_counties
from allocator.scenario.national import kommunenummer_notes
from allocator.scenario.readers import RawTable, canonical_header
from allocator.scenario.write import municipalities_csv_rows, settings_dict
from allocator.whole import even_split, split_by_shares

__all__ = ["Problem", "ScenarioError", "build_scenario", "validate_scenario"]

SETTINGS_KEYS = ("name", "description", "year", "request", "counties", "housing", "key", "quarters", "incentives", "costs",
                 "housing_grant")
GRANT_KEYS = ("budget", "per_dwelling", "max_per_municipality")
QUARTER_KEYS = ("ready", "deadline", "timeliness_weight", "baseline")
INCENTIVE_KEYS = ("bonus", "q4_threshold", "q4_deduction", "grant")
KEY_ENTRY_KEYS = ("weight", "exponent", "credit")
COUNTY_KEYS = ("split", "cross_border", "max_share")

# Documented ranges (README, "Writing a scenario"): beyond them a value is a typing error.
MAX_PERSONS = 10_000_000  # requests, limits, dwellings, places, locks
MAX_POPULATION = 100_000_000
MAX_KEY_VALUE = 1e12  # a value in a key column
MAX_WEIGHT = 1_000.0
MAX_EXPONENT = 5.0
MAX_PERSONS_PER_DWELLING = 50.0
MAX_NOK = 1e10
MAX_TIMELINESS_WEIGHT = 1_000.0
#: Columns that describe the row itself or a negotiated limit: never a key column.
NOT_KEY_COLUMNS = ("kommunenummer", "kommune", *TEXT_COLUMNS, COUNTY_COLUMN, *LIMIT_COLUMNS, *DATED_COLUMNS, *SCHEDULE_LOCK_COLUMNS)

_DIGITS = "0-9"  # ASCII only: a full-width ０３０１ is not 0301
_NUMBER = re.compile(rf"[+-]?(?:[{_DIGITS}]+|[{_DIGITS}]{{1,3}}(?:[ \u00a0\u202f][{_DIGITS}]{{3}})+)(?:[.,][{_DIGITS}]+)?(?:[eE][+-]?[{_DIGITS}]+)?")
#: A count like 1.000 or 2,000: one (two) with decimals, or a thousand (two thousand) with a point or
#: comma between thousands? Refused with a hint rather than guessed.
_SIGN_OR_EXPONENT = re.compile(r"^[+-]|[eE]")
_THOUSANDS_OR_DECIMAL = re.compile(rf"[+-]?[1-9][{_DIGITS}]{{0,2}}[.,][{_DIGITS}]{{3}}")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _fmt(value: float) -> str:
    """A number as a person reads it: 1 474; 3,5."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", " ")
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").rstrip("0").rstrip(",")


# --------------------------------------------------------------------------- cell parsing


def _is_code(text: str, digits: int = 4) -> bool:
    """Exactly `digits` ASCII digits (a kommunenummer)."""
    return len(text) == digits and text.isascii() and text.isdigit()


def _plain_numbers(cells: list[str]) -> np.ndarray | None:
    """Cells that are all whole ASCII numbers or blank, as floats (NaN for blank), at once; None
    when any cell needs the careful reading of `parse_number`."""
    if all((not text) or (text.isascii() and text.isdigit() and len(text) < 16) for text in cells):
        return np.array([float(text) if text else np.nan for text in cells], dtype=float)
    return None


def parse_number(text: str) -> float | None:
    """A finite number from a cell (decimal comma or point, spaces between thousands), else None."""
    stripped = str(text).strip()
    if stripped.isascii() and stripped.isdigit():  # the common case, fast
        return float(stripped)
    if not _NUMBER.fullmatch(stripped):
        return None
    value = float(re.sub("[ \u00a0\u202f]", "", stripped).replace(",", "."))
    return value if math.isfinite(value) else None


def _toml_number(value: Any) -> float | None:
    """A finite number from TOML; text and booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _toml_whole(value: Any) -> int | None:
    number = _toml_number(value)
    return int(number) if number is not None and number.is_integer() else None


def _got(value: Any) -> str:
    """How a wrong TOML value is described: text is called text, so «"40"» is understood."""
    if isinstance(value, str):
        looks_numeric = parse_number(value) is not None or value.strip().casefold() in ("true", "false")
        return f"tekst «{value}»" + (" (skriv tall uten anførselstegn)" if looks_numeric else "")
    if isinstance(value, bool):
        return f"{'true' if value else 'false'}"
    return repr(value)


# --------------------------------------------------------------------------- settings checks


def _table(settings: dict, name: str, file: str, problems: list[Problem], expected: str = "ventet en tabell") -> dict | None:
    """The section `name` of scenario.toml: None where it is absent, or (with a problem) not a table."""
    section = settings.get(name)
    if section is not None and not isinstance(section, dict):
        problems.append(Problem(file, column=f"[{name}]", message=expected))
        return None
    return section


def _unknown_keys(section: dict, known: tuple[str, ...], prefix: str, file: str, problems: list[Problem]) -> None:
    """A problem for each key the format does not know, with the valid ones."""
    for key in section:
        if key not in known:
            problems.append(Problem(file, column=f"{prefix}{key}", message=f"ukjent nøkkel; gyldige er {', '.join(known)}"))


def check_top_level(settings: dict, file: str, problems: list[Problem], extra_keys: tuple[str, ...] = ()) -> None:
    _unknown_keys(settings, SETTINGS_KEYS + extra_keys, "", file, problems)
    name = settings.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(file, column="name", message="ventet et navn på scenarioet, f.eks. name = \"Vestland 2026\""))
    if "description" in settings and not isinstance(settings["description"], str):
        problems.append(Problem(file, column="description", message="ventet tekst"))
    if "year" in settings:
        year = _toml_whole(settings["year"])
        if year is None or not 1900 <= year <= 2200:
            problems.append(Problem(file, column="year", message=f"ventet et årstall, fikk {_got(settings['year'])}"))


def _group_counts(section: dict, where: str, file: str, problems: list[Problem], split: dict | None = None) -> dict[str, int]:
    """{group: persons} from a request table; unknown groups and bad counts are problems. With
    `split` (a dict to fill), minors may be given as minors_care and minors_other."""
    counts = {g: 0 for g in GROUPS}
    known = GROUPS + (MINOR_SUBGROUPS if split is not None else ())
    for group, value in section.items():
        if group not in known:
            problems.append(Problem(file, column=f"{where}.{group}", message=f"ukjent gruppe; gyldige grupper er {', '.join(known)}"))
            continue
        count = _toml_whole(value)
        if count is None or not 0 <= count <= MAX_PERSONS:
            problems.append(Problem(file, column=f"{where}.{group}", message=(
                f"ventet et helt antall personer mellom 0 og {_fmt(MAX_PERSONS)}, fikk {_got(value)}")))
            continue
        if group in MINOR_SUBGROUPS:
            split[group] = count
        else:
            counts[group] = count
    if split:
        parts = sum(split.get(g, 0) for g in MINOR_SUBGROUPS)
        if "minors" in section and counts["minors"] != parts:
            problems.append(Problem(file, column=f"{where}.minors", message=(
                f"minors ({counts['minors']}) er ikke summen av minors_care og minors_other ({parts}); "
                "gi enten minors, eller de to delene")))
        counts["minors"] = parts
        for g in MINOR_SUBGROUPS:
            split.setdefault(g, 0)
    return counts


def check_request(settings: dict, file: str, problems: list[Problem]) -> tuple[dict[str, int], dict[str, dict[str, int]] | None, dict[str, int] | None]:
    """The request per group; per county when `[request.counties."Name"]` tables are given; and the
    minors in two groups when minors_care and minors_other are given (one pool only)."""
    section = settings.get("request")
    if not isinstance(section, dict):
        problems.append(Problem(file, column="[request]", message=f"mangler; ventet en tabell med antall personer per gruppe ({', '.join(GROUPS)})"))
        return {g: 0 for g in GROUPS}, None, None
    groups = {k: v for k, v in section.items() if k != "counties"}
    if "counties" not in section:
        split: dict[str, int] = {}
        return _group_counts(groups, "request", file, problems, split), None, split or None
    by_county = section["counties"]
    if groups:
        problems.append(Problem(file, column="[request]", message=(
            "gi enten antall per gruppe for hele anmodningen, eller én tabell per fylke under [request.counties], ikke begge; "
            "for å dele en nasjonal anmodning på fylkene etter nøkkelen: [request] med gruppene og [counties] split = \"key\"")))
    if not isinstance(by_county, dict) or not by_county:
        problems.append(Problem(file, column="[request.counties]", message=(
            "ventet én tabell per fylke, f.eks. [request.counties.\"Vestland\"] med adults, families, minors og special_needs")))
        return {g: 0 for g in GROUPS}, None, None
    counties: dict[str, dict[str, int]] = {}
    for fylke, counts in by_county.items():
        where = f'request.counties."{fylke}"'
        if not isinstance(counts, dict):
            problems.append(Problem(file, column=where, message=f"ventet en tabell med antall personer per gruppe, fikk {_got(counts)}"))
            continue
        counties[str(fylke).strip()] = _group_counts(counts, where, file, problems)
    total = {g: sum(c[g] for c in counties.values()) for g in GROUPS}
    return total, counties, None


def check_counties_section(settings: dict, file: str, problems: list[Problem], has_groups: bool,
                           county_requests: dict | None) -> dict | None:
    """The optional [counties] section: how the request is split per county and crossed over borders."""
    if "counties" not in settings:
        return {} if county_requests is not None else None
    section = _table(settings, "counties", file, problems)
    if section is None:
        return None
    _unknown_keys(section, COUNTY_KEYS, "counties.", file, problems)
    result: dict[str, Any] = {}
    split = section.get("split")
    if split is not None and split != "key":
        problems.append(Problem(file, column="counties.split", message=f"ventet \"key\" (del etter fordelingsnøkkelen), fikk {_got(split)}"))
    elif split == "key":
        if county_requests is not None:
            problems.append(Problem(file, column="counties.split", message=(
                "split = \"key\" deler en nasjonal anmodning, men [request.counties] gir allerede anmodningen per fylke; fjern én av dem")))
        result["split"] = "key"
    elif county_requests is None:
        problems.append(Problem(file, column="[counties]", message=(
            "ventet anmodningen per fylke ([request.counties.\"Navn\"]) eller split = \"key\" for å dele "
            "den nasjonale anmodningen på fylkene")))
    cross = section.get("cross_border", False)
    if not isinstance(cross, bool):
        problems.append(Problem(file, column="counties.cross_border", message=f"ventet true eller false, fikk {_got(cross)}"))
    else:
        result["cross_border"] = cross
    if "max_share" in section:
        share = _toml_number(section["max_share"])
        if share is None or not 0 <= share <= 1:
            problems.append(Problem(file, column="counties.max_share", message=(
                f"ventet en andel mellom 0 og 1 av fylkets anmodning, f.eks. 0.2, fikk {_got(section['max_share'])}")))
        else:
            result["max_share"] = share
    return result


def check_costs(settings: dict, file: str, problems: list[Problem]) -> dict[str, float] | None:
    """The optional [costs]: NOK per dwelling or place added, per person of raised cap or lowered minimum."""
    section = _table(settings, "costs", file, problems, "ventet en tabell: ressurs = kroner per enhet")
    if section is None:
        return None
    costs = {}
    for key, value in section.items():
        number = _toml_number(value)
        if key not in COST_KEYS and key != "max_added_per_1000":
            problems.append(Problem(file, column=f"costs.{key}", message=f"ukjent nøkkel; gyldige er {', '.join(COST_KEYS)}, max_added_per_1000"))
        elif key == "max_added_per_1000":  # persons, not NOK: what the least change may add per 1 000 inhabitants
            if number is None or not 0 <= number <= 1000:
                problems.append(Problem(file, column=f"costs.{key}", message=f"ventet personer per 1 000 innbyggere, fra 0 til 1 000, fikk {_got(value)}"))
            else:
                costs[key] = number
        elif number is None or not 0 < number <= MAX_NOK:
            problems.append(Problem(file, column=f"costs.{key}", message=f"ventet kroner per enhet, over 0 og høyst {_fmt(MAX_NOK)}, fikk {_got(value)}"))
        else:
            costs[key] = number
    return costs or None


def check_housing_grant(settings: dict, file: str, problems: list[Problem]) -> HousingGrant | None:
    """The optional [housing_grant]: budget and price per small dwelling, and a cap per municipality."""
    section = _table(settings, "housing_grant", file, problems, "ventet en tabell med budget og per_dwelling")
    if section is None:
        return None
    _unknown_keys(section, GRANT_KEYS, "housing_grant.", file, problems)
    budget, price = _toml_number(section.get("budget")), _toml_number(section.get("per_dwelling"))
    ok = True
    if budget is None or not 0 <= budget <= MAX_NOK:
        problems.append(Problem(file, column="housing_grant.budget", message=f"ventet kroner fra 0 til {_fmt(MAX_NOK)}, fikk {_got(section.get('budget'))}"))
        ok = False
    if price is None or not 0 < price <= MAX_NOK:
        problems.append(Problem(file, column="housing_grant.per_dwelling", message=(
            f"ventet kroner per småbolig, over 0 og høyst {_fmt(MAX_NOK)}, fikk {_got(section.get('per_dwelling'))}")))
        ok = False
    cap = None
    if "max_per_municipality" in section:
        cap = _toml_whole(section["max_per_municipality"])
        if cap is None or not 0 <= cap <= MAX_PERSONS:
            problems.append(Problem(file, column="housing_grant.max_per_municipality", message=(
                f"ventet et helt antall boliger ≥ 0, fikk {_got(section['max_per_municipality'])}")))
            ok = False
    return HousingGrant(budget, price, cap) if ok else None


def check_housing(settings: dict, file: str, problems: list[Problem]) -> Housing:
    section = _table(settings, "housing", file, problems)
    if section is None:
        return Housing()
    values: dict[str, float] = {}
    for key, value in section.items():
        number = _toml_number(value)
        if key not in Housing.__dataclass_fields__:
            problems.append(Problem(file, column=f"housing.{key}", message=f"ukjent nøkkel; gyldige er {', '.join(Housing.__dataclass_fields__)}"))
        elif number is None or not 0 < number <= MAX_PERSONS_PER_DWELLING:
            problems.append(Problem(file, column=f"housing.{key}", message=(
                f"ventet personer per bolig, et tall over 0 og høyst {_fmt(MAX_PERSONS_PER_DWELLING)}, fikk {_got(value)}")))
        else:
            values[key] = number
    return Housing(**values)


def check_key_rules(settings: dict, file: str, problems: list[Problem]) -> KeyRules:
    """The shape switches in [key]: min_population, min_persons, round_to, and per_group (0 or absent = off)."""
    section = settings.get("key", {})
    if not isinstance(section, dict):
        return KeyRules()
    values: dict[str, float] = {}
    limits = {"min_population": (MAX_POPULATION, False), "min_persons": (MAX_PERSONS, True), "round_to": (1_000, True),
              "per_group": (1, True)}
    for name, (highest, whole) in limits.items():
        if name not in section:
            continue
        value = section[name]
        number = _toml_number(value)
        if number is None or not 0 <= number <= highest or (whole and not number.is_integer()):
            kind = "et helt tall" if whole else "et tall"
            problems.append(Problem(file, column=f"key.{name}", message=f"ventet {kind} fra 0 til {_fmt(highest)}, fikk {_got(value)}"))
        else:
            values[name] = int(number) if whole else number
    return KeyRules(**values)


def check_key(settings: dict, file: str, problems: list[Problem]) -> tuple[KeyTerm, ...]:
    section = settings.get("key", {"population": 1.0})
    if not isinstance(section, dict):
        problems.append(Problem(file, column="[key]", message="ventet en tabell: kolonne = vekt"))
        return ()
    section = {k: v for k, v in section.items() if k not in KEY_RULE_NAMES}
    terms: list[KeyTerm] = []
    named: dict[str, str] = {}  # column code → the name it was first given by (population ← Innbyggere)
    for column, entry in section.items():
        where = f"key.{column}"
        code = canonical_header(column)  # a column may be named by the table's header (Innbyggere = 1)
        spec = entry if isinstance(entry, dict) else {"weight": entry}
        for unknown in sorted(set(spec) - set(KEY_ENTRY_KEYS)):
            problems.append(Problem(file, column=f"{where}.{unknown}", message=f"ukjent nøkkel; gyldige er {', '.join(KEY_ENTRY_KEYS)}"))
        weight, exponent = _toml_number(spec.get("weight", 1.0)), _toml_number(spec.get("exponent", 1.0))
        credit = spec.get("credit", False)
        ok = True
        if code.strip().casefold() in {c.casefold() for c in NOT_KEY_COLUMNS}:
            problems.append(Problem(file, column=where, message=(
                f"«{column}» kan ikke brukes i nøkkelen (det er et nummer, et navn eller en forhandlet grense); "
                "bruk en kolonne som beskriver kommunen, f.eks. population")))
            ok = False
        elif code in named:
            problems.append(Problem(file, column=where, message=(
                f"«{column}» er samme kolonne som «{named[code]}», som alt står i nøkkelen; "
                "gi kolonnen én vekt (slå sammen de to linjene)")))
            ok = False
        named.setdefault(code, column)
        if weight is None or not 0 <= weight <= MAX_WEIGHT:
            problems.append(Problem(file, column=where, message=f"vekten må være et tall fra 0 til {_fmt(MAX_WEIGHT)}, fikk {_got(spec.get('weight'))}"))
            ok = False
        if exponent is None or not 0 <= exponent <= MAX_EXPONENT:
            problems.append(Problem(file, column=f"{where}.exponent", message=(
                f"eksponenten må være et tall fra 0 til {_fmt(MAX_EXPONENT)}, fikk {_got(spec.get('exponent'))}")))
            ok = False
        if not isinstance(credit, bool):
            problems.append(Problem(file, column=f"{where}.credit", message=f"ventet true eller false, fikk {_got(credit)}"))
            ok = False
        if ok:
            terms.append(KeyTerm(code, weight, exponent, credit))
    positive = sum(t.weight for t in terms if not t.credit)
    credits = sum(t.weight for t in terms if t.credit)
    if len(terms) == len(section) and positive - credits <= 0:
        problems.append(Problem(file, column="[key]", message=(
            "vektene summerer til 0 (eller fradragene er minst like store som resten); "
            "ventet minst én kolonne med vekt over 0, f.eks. population = 1.0")))
    return tuple(terms)


def _group_table(section: dict, key: str, where: str, file: str, problems: list[Problem]) -> dict:
    """A per-group sub-table such as quarters.ready; a problem (and {}) when it is not a table."""
    value = section.get(key) or {}
    if not isinstance(value, dict):
        problems.append(Problem(file, column=where, message=f"ventet en tabell med én verdi per gruppe ({', '.join(GROUPS)}), fikk {_got(value)}"))
        return {}
    return value


def check_quarters(settings: dict, file: str, problems: list[Problem], request: dict[str, int]) -> Quarters | None:
    """The optional [quarters] section: readiness per quarter, deadlines, weight, baseline."""
    section = _table(settings, "quarters", file, problems)
    if section is None:
        return None
    _unknown_keys(section, QUARTER_KEYS, "quarters.", file, problems)
    ready = {g: even_split(request[g]) for g in GROUPS}
    for group, values in _group_table(section, "ready", "quarters.ready", file, problems).items():
        where = f"quarters.ready.{group}"
        if group not in GROUPS:
            problems.append(Problem(file, column=where, message=f"ukjent gruppe; gyldige grupper er {', '.join(GROUPS)}"))
            continue
        counts = [_toml_whole(v) for v in values] if isinstance(values, list) else []
        if len(counts) != 4 or any(c is None or not 0 <= c <= MAX_PERSONS for c in counts):
            problems.append(Problem(file, column=where, message=f"ventet fire hele tall ≥ 0 (personer klare i K1–K4), fikk {_got(values)}"))
        elif sum(counts) != request[group]:
            problems.append(Problem(file, column=where, message=(
                f"summerer til {_fmt(sum(counts))}, men anmodningen for {group} er {_fmt(request[group])}; "
                "personene som blir klare i løpet av året må til sammen være anmodningen")))
        else:
            ready[group] = tuple(counts)
    deadline = dict(DEFAULT_DEADLINES)
    for group, value in _group_table(section, "deadline", "quarters.deadline", file, problems).items():
        count = _toml_whole(value)
        if group not in GROUPS:
            problems.append(Problem(file, column=f"quarters.deadline.{group}", message=f"ukjent gruppe; gyldige grupper er {', '.join(GROUPS)}"))
        elif count is None or not 0 <= count <= 4:
            problems.append(Problem(file, column=f"quarters.deadline.{group}", message=f"ventet antall kvartaler fra klar til bosatt, 0–4, fikk {_got(value)}"))
        else:
            deadline[group] = count
    weight = _toml_number(section.get("timeliness_weight", 0.0))
    if weight is None or not 0 <= weight <= MAX_TIMELINESS_WEIGHT:
        problems.append(Problem(file, column="quarters.timeliness_weight", message=(
            f"ventet et tall fra 0 til {_fmt(MAX_TIMELINESS_WEIGHT)}, fikk {_got(section.get('timeliness_weight'))}")))
        weight = 0.0
    baseline = section.get("baseline", "even")
    if isinstance(baseline, list):
        shares = [_toml_number(v) for v in baseline]
        if len(shares) != 4 or any(s is None or s < 0 for s in shares) or sum(s or 0 for s in shares) <= 0:
            problems.append(Problem(file, column="quarters.baseline", message=f"ventet fire andeler ≥ 0 (K1–K4), fikk {_got(baseline)}"))
            baseline = "even"
        else:
            if not math.isfinite(sum(shares)):  # 4 × 1e308: the sum is inf and every share would be 0
                shares = [s / max(shares) for s in shares]
            baseline = tuple(s / sum(shares) for s in shares)
    elif not isinstance(baseline, str) or baseline not in BASELINE_PATTERNS:
        problems.append(Problem(file, column="quarters.baseline", message=(
            f"ventet {' eller '.join(repr(k) for k in BASELINE_PATTERNS)} eller fire andeler, fikk {_got(baseline)}")))
        baseline = "even"
    return Quarters(ready=ready, deadline=deadline, timeliness_weight=float(weight), baseline=baseline)


def check_incentives(settings: dict, file: str, problems: list[Problem]) -> Incentives:
    """The optional [incentives] section, in NOK; defaults where a key is missing."""
    section = _table(settings, "incentives", file, problems)
    if section is None:
        return Incentives()
    _unknown_keys(section, INCENTIVE_KEYS, "incentives.", file, problems)
    defaults = Incentives()
    amount = lambda v: (n := _toml_number(v)) is not None and 0 <= n <= MAX_NOK  # noqa: E731
    bonus = section.get("bonus", list(defaults.bonus))
    if not isinstance(bonus, list) or len(bonus) != 4 or not all(amount(v) for v in bonus):
        problems.append(Problem(file, column="incentives.bonus", message=f"ventet fire beløp ≥ 0 i kroner per person (K1–K4), fikk {_got(bonus)}"))
        bonus = list(defaults.bonus)
    threshold = section.get("q4_threshold", defaults.q4_threshold)
    if (number := _toml_number(threshold)) is None or not 0 <= number <= 1:
        problems.append(Problem(file, column="incentives.q4_threshold", message=f"ventet en andel mellom 0 og 1, fikk {_got(threshold)}"))
        threshold = defaults.q4_threshold
    deduction = section.get("q4_deduction", defaults.q4_deduction)
    if not amount(deduction):
        problems.append(Problem(file, column="incentives.q4_deduction", message=f"ventet et beløp ≥ 0 i kroner per person, fikk {_got(deduction)}"))
        deduction = defaults.q4_deduction
    grant = dict(DEFAULT_GRANTS)
    for group, value in _group_table(section, "grant", "incentives.grant", file, problems).items():
        if group not in GROUPS + MINOR_SUBGROUPS:
            problems.append(Problem(file, column=f"incentives.grant.{group}", message=f"ukjent gruppe; gyldige grupper er {', '.join(GROUPS + MINOR_SUBGROUPS)}"))
        elif not amount(value):
            problems.append(Problem(file, column=f"incentives.grant.{group}", message=f"ventet et beløp ≥ 0 i kroner per person, fikk {_got(value)}"))
        else:
            grant[group] = float(value)
    return Incentives(tuple(float(v) for v in bonus), float(threshold), float(deduction), grant)


# --------------------------------------------------------------------------- municipality checks


class _Rows:
    """The municipality rows under check, with each row's label for messages."""

    def __init__(self, raw: RawTable, numbers: list[str]):
        self.raw = raw
        self.file = raw.file
        self.numbers = numbers
        self._cells: dict[str, list[str]] = {}
        names = raw.column("kommune")
        self.labels = []
        for k, (number, name) in enumerate(zip(numbers, names)):
            where = raw.where(k) if raw.lines else f"rad {k + 1}"
            known = _is_code(number)
            if known and not raw.lines:  # the app's own rows: the kommunenummer is the place to look
                self.labels.append(f"rad {number} ({name.strip()})")
            else:
                self.labels.append(f"{where} ({number} {name.strip()})" if known else where)

    def cells(self, column: str) -> list[str]:
        """The column's cells without surrounding spaces."""
        if column not in self._cells:
            self._cells[column] = [cell.strip() for cell in self.raw.column(column)]
        return self._cells[column]


def check_columns(raw: RawTable, problems: list[Problem]) -> bool:
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.header]
    for column in missing:
        problems.append(Problem(raw.file, column=column, message=(
            f"påkrevd kolonne mangler (påkrevd: {', '.join(REQUIRED_COLUMNS)}; fant: {', '.join(raw.header) or 'ingen'})")))
    if not missing and not raw.rows and not raw.problems:
        problems.append(Problem(raw.file, message="ingen kommuner; ventet én rad per kommune"))
    return not missing


#: Columns only the tool's own plan exports have (code and Norwegian header): a table with them is a
#: plan, whose dwellings and places are what was used and available, not the municipalities' limits.
_PLAN_ONLY = ("fair_total", "deviation", "per_1000", "binding", "limited_by",
              *(f"{r}_{kind}" for r in ("small_dwellings", "family_dwellings", "minor_places", "special_places")
                for kind in ("used", "available")))


def check_column_names(raw: RawTable, key: tuple[KeyTerm, ...], problems: list[Problem]) -> None:
    """Refuse a header that is a misspelling of a known column («max_totall», «Maks total»): read
    as an extra column, its limits would silently be gone. And refuse the tool's own plan export
    given as the municipality table. A column the key names is the user's own on purpose."""
    plan_names = {name.casefold(): name for code in _PLAN_ONLY for name in (code, COLUMN_LABELS.get(code, code))}
    found = [h for h in raw.header if h.casefold() in plan_names]
    if len(found) >= 2:
        shown = ", ".join(f"«{h}»" for h in found[:3])
        problems.append(Problem(raw.file, message=(
            f"tabellen ser ut som en plan laget av dette verktøyet (kolonnene {shown} …), ikke en kommunetabell: "
            "i en plan er boliger og plasser det som ble brukt og var ledig, ikke kommunenes grenser. Bruk scenarioets "
            "egen municipalities.csv, eller Excel-filen planen ble lagret som (.xlsx), som har kommunetabellen i arket «kommuner»")))
        return
    known = known_names()
    in_key = {t.column.casefold() for t in key}
    for header in raw.header:
        if header in BY_CODE or header.casefold() in known or header.casefold() in in_key:
            continue
        meant = meant_column(header)
        if meant is not None:
            label = column_label(meant.code)
            also = f" ({label})" if label != meant.code else ""
            problems.append(Problem(raw.file, column=header, message=(
                f"ukjent kolonne; mente du «{meant.code}»{also}? Med dette navnet ville den bli lest som en ekstra kolonne "
                "og ikke brukt som det den ligner på; rett overskriften, eller gi en egen kolonne et navn som ikke ligner")))


def padded_kommunenummer(text: str) -> str:
    """A kommunenummer as typed or as Excel saved it: 3 digits get their leading zero back (301 → 0301)."""
    number = text.strip()
    return "0" + number if _is_code(number, 3) else number


def read_kommunenummer(raw: RawTable, problems: list[Problem], notes: list[str]) -> list[str]:
    """kommunenummer as 4 ASCII digits; 3 digits get their leading zero back (Excel drops it)."""
    numbers = [padded_kommunenummer(cell) for cell in raw.column("kommunenummer")]
    padded = [cell.strip() for cell, number in zip(raw.column("kommunenummer"), numbers) if number != cell.strip()]
    if padded:
        shown = ", ".join(f"{n} → 0{n}" for n in padded[:5]) + (" …" if len(padded) > 5 else "")
        notes.append(f"{raw.file}: {_plural(len(padded), 'kommunenummer', 'kommunenumre')} med 3 sifre er lest med 0 foran ({shown}).")
    return numbers


def check_kommunenummer(rows: _Rows, problems: list[Problem]) -> None:
    seen: dict[str, str] = {}
    for label, number in zip(rows.labels, rows.numbers):
        if not _is_code(number):
            hint = " (bruk vanlige sifre 0–9)" if any(ch.isdigit() and not ch.isascii() for ch in number) else ""
            problems.append(Problem(rows.file, label, "kommunenummer", f"ventet 4 sifre, f.eks. 0301 eller 4601, fikk «{number}»{hint}"))
        elif number in seen:
            problems.append(Problem(rows.file, label, "kommunenummer", (
                f"kommunenummeret står også på {seen[number]}; hver kommune skal stå én gang")))
        else:
            seen[number] = label.split(" (")[0]
    for label, name in zip(rows.labels, rows.cells("kommune")):
        if not name:
            problems.append(Problem(rows.file, label, "kommune", "kommunenavn mangler"))


def check_counts(rows: _Rows, problems: list[Problem]) -> dict[str, np.ndarray]:
    """Population and every limit column: whole numbers in range (limits may be blank = no limit)."""
    parsed: dict[str, np.ndarray] = {}
    optional = [c for c in (*DATED_COLUMNS, *SCHEDULE_LOCK_COLUMNS, *MINOR_SPLIT_COLUMNS) if c in rows.raw.header]
    for column in ("population", *LIMIT_COLUMNS, *optional):
        if column not in rows.raw.header:
            parsed[column] = np.full(len(rows.numbers), np.nan)
            continue
        cells = rows.cells(column)
        values = _plain_numbers(cells)  # the common case, checked at once
        if values is not None:
            low, high = (1, MAX_POPULATION) if column == "population" else (0, MAX_PERSONS)
            given = values[~np.isnan(values)]
            if given.min(initial=low) >= low and given.max(initial=0) <= high and (column != "population" or len(given) == len(values)):
                parsed[column] = values
                continue
        values = np.full(len(rows.numbers), np.nan)
        for k, (label, text) in enumerate(zip(rows.labels, cells)):
            if text == "" and column != "population":
                continue
            number = None if _THOUSANDS_OR_DECIMAL.fullmatch(text) else parse_number(text)
            if number is not None and _SIGN_OR_EXPONENT.search(text):  # -0, +5, 1e3: a count is written as digits
                problems.append(Problem(rows.file, label, column, (
                    f"ventet et helt tall skrevet med sifre (uten fortegn eller eksponent), fikk «{text}»"
                    + (" (-0 er ikke en grense; skriv 0 for ingen, eller tom celle for «ingen grense»)" if number == 0 and text.startswith("-") else ""))))
                continue
            whole = number is not None and number.is_integer()
            if column == "population":
                if not whole or not 0 < number <= MAX_POPULATION:
                    problems.append(Problem(rows.file, label, column, (
                        f"ventet et helt tall over 0 og høyst {_fmt(MAX_POPULATION)} (innbyggere), fikk «{text}»{_number_hint(text, number)}")))
                    continue
            elif not whole or not 0 <= number <= MAX_PERSONS:
                problems.append(Problem(rows.file, label, column, (
                    f"ventet et helt tall fra 0 til {_fmt(MAX_PERSONS)}, eller tom celle for «ingen grense», fikk «{text}»{_number_hint(text, number)}")))
                continue
            values[k] = number
        parsed[column] = values
    return parsed


def _number_hint(text: str, number: float | None) -> str:
    if re.fullmatch(r"[+-]?[0-9]{1,3}(?:[.,][0-9]{3})+", text):
        return " (tusenskille skrives med mellomrom: 1 474)"
    if number is None and text and any(ch.isdigit() and not ch.isascii() for ch in text):
        return " (bruk vanlige sifre 0–9)"
    return ""


def check_min_max(rows: _Rows, parsed: dict[str, np.ndarray], problems: list[Problem]) -> None:
    for label, low, high in zip(rows.labels, parsed["min_total"], parsed["max_total"]):
        if low > high:  # NaN compares False: a blank is no limit
            problems.append(Problem(rows.file, label, "min_total", f"min_total ({_fmt(low)}) er større enn max_total ({_fmt(high)})"))


def resolve_key_columns(key: tuple[KeyTerm, ...], header: list[str]) -> tuple[KeyTerm, ...]:
    """Key columns matched to the table's headers regardless of case ("Sentralitet" = sentralitet)."""
    by_fold = {h.casefold(): h for h in header}
    return tuple(KeyTerm(by_fold.get(t.column.casefold(), t.column), t.weight, t.exponent, t.credit) for t in key)


def check_key_columns(rows: _Rows, key: tuple[KeyTerm, ...], problems: list[Problem], county_rows: dict[str, list[int]] | None,
                      counts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    parsed: dict[str, np.ndarray] = {}
    for term in key:
        if term.column == "population":  # checked with the counts; one message per mistake is enough
            continue
        if term.column not in rows.raw.header:
            if term.column.casefold() not in {c.casefold() for c in NOT_KEY_COLUMNS}:
                problems.append(Problem(rows.file, column=term.column, message=(
                    f"kolonnen brukes i [key], men finnes ikke i {rows.file} (kolonner: {', '.join(rows.raw.header)})")))
            continue
        cells = rows.cells(term.column)
        values = _plain_numbers(cells)  # the common case, at once
        if values is None or np.isnan(values).any() or values.max(initial=0) > MAX_KEY_VALUE:
            values = np.full(len(cells), np.nan)
            for k, (label, text) in enumerate(zip(rows.labels, cells)):
                number = parse_number(text)
                if number is None or not 0 <= number <= MAX_KEY_VALUE:
                    problems.append(Problem(rows.file, label, term.column, (
                        f"kolonnen brukes i [key]; ventet et tall fra 0 til {_fmt(MAX_KEY_VALUE)}, fikk «{text}»")))
                else:
                    values[k] = number
        if not np.isnan(values).any():
            parsed[term.column] = values
            groups = county_rows or {"": list(range(len(values)))}
            for fylke, positions in (groups.items() if not term.credit else ()):  # no load carried: a credit of 0
                where = f" i {fylke}" if fylke else ""
                given = values[positions]
                if positions and not (given > 0).any():
                    problems.append(Problem(rows.file, column=term.column, message=f"kolonnen brukes i [key], men er 0 for alle kommuner{where}"))
                elif positions and not (given[given > 0] ** term.exponent > 0).any():  # e.g. 1e-70 ** 5 is 0 in floating point
                    problems.append(Problem(rows.file, column=term.column, message=(
                        f"kolonnen brukes i [key] med eksponent {_fmt(term.exponent)}, men verdiene{where} er så små at de blir 0 "
                        f"opphøyd i {_fmt(term.exponent)}; skriv dem i en større enhet (f.eks. per 1 000 innbyggere)")))
    return parsed


def _extra_column(cells: list[str]) -> np.ndarray | list[str]:
    """An extra column as numbers if every non-blank cell is one, else kept as text."""
    plain = _plain_numbers(cells)
    if plain is not None:
        return plain
    values = np.full(len(cells), np.nan)
    for k, text in enumerate(cells):
        if text:
            number = parse_number(text)
            if number is None:
                return cells
            values[k] = number
    return values


def check_county_column(rows: _Rows, county_requests: dict[str, dict[str, int]] | None, wanted: bool,
                        settings_file: str, problems: list[Problem], notes: list[str] | None = None) -> dict[str, list[int]] | None:
    """With requests per county, every row needs a county, and every requested county rows."""
    if not wanted:
        return None
    if COUNTY_COLUMN not in rows.raw.header:
        problems.append(Problem(rows.file, column=COUNTY_COLUMN, message=(
            "anmodningen er gitt per fylke, men tabellen har ingen kolonne fylke; legg til fylket på hver kommune")))
        return None
    groups: dict[str, list[int]] = {}
    for k, (label, fylke) in enumerate(zip(rows.labels, rows.cells(COUNTY_COLUMN))):
        if not fylke:
            problems.append(Problem(rows.file, label, COUNTY_COLUMN, "fylke mangler; med anmodning per fylke må hver kommune ha sitt fylke"))
        else:
            groups.setdefault(fylke, []).append(k)
    _check_county_names(rows, groups, county_requests, settings_file, problems, notes)
    for fylke in county_requests or {}:
        if fylke not in groups:
            close = difflib.get_close_matches(fylke, list(groups), n=1)
            hint = f" (mente du «{close[0]}»?)" if close else ""
            problems.append(Problem(settings_file, column=f'request.counties."{fylke}"', message=(
                f"fylket har en anmodning, men ingen kommuner i {rows.file}{hint}"
                + (f"; fylkene der er: {', '.join(sorted(groups))}" if groups else ""))))
    return groups


def _check_county_names(rows: _Rows, groups: dict[str, list[int]], county_requests: dict | None, settings_file: str,
                        problems: list[Problem], notes: list[str] | None) -> None:
    """A county in the table that no request names and no county of Norway is called, but close to
    one («Agdar» beside «Agder»), is a typo that would make a county of its own: refused with the
    suggestion. A county with municipalities but no request (form 2) gets 0: said in a note."""
    requested = list(county_requests or {})
    national = national_counties()
    for fylke, positions in groups.items():
        if fylke in requested or (county_requests is None and fylke in national):
            continue
        close = [] if fylke in national else (  # a county of Norway is never a typo of another
            [name for name in (*requested, *national) if name.casefold() == fylke.casefold()]
            or difflib.get_close_matches(fylke, requested, n=1, cutoff=0.75)
            or difflib.get_close_matches(fylke, list(national), n=1, cutoff=0.75))
        if close and close[0] != fylke:
            where = f"anmodningen i {settings_file} har «{close[0]}»" if close[0] in requested else f"fylket heter «{close[0]}»"
            problems.append(Problem(rows.file, rows.labels[positions[0]], COUNTY_COLUMN, (
                f"fylket «{fylke}» ({_plural(len(positions), 'kommune', 'kommuner')}) finnes ikke; mente du «{close[0]}»? ({where})")))
        elif county_requests is not None and notes is not None:
            notes.append(f"{rows.file}: fylket «{fylke}» ({_plural(len(positions), 'kommune', 'kommuner')}) har ingen anmodning i "
                         f"{settings_file}; kommunene der får 0.")


def check_key_rules_fit(scenario: Scenario, file: str, problems: list[Problem], notes: list[str]) -> None:
    """`min_persons` above a request makes every fair share the same (the key no longer matters):
    refused; at or above what the request can give every municipality it asks: a note."""
    rules = scenario.key_rules
    if not rules.min_persons:
        return
    counties = scenario.counties
    of = np.array(scenario.county_of())
    population = scenario.table.numeric("population")
    pools = {"": scenario.total_request} if counties is None else {f: counties.total(f) for f in counties.names}
    for fylke, total in pools.items():
        if total <= 0:
            continue
        where = f" i {fylke}" if fylke else ""
        inside = (of == fylke) if fylke else np.ones(len(of), dtype=bool)
        asked = int((inside & (population >= rules.min_population)).sum()) if rules.min_population else int(inside.sum())
        if rules.min_persons > total:
            problems.append(Problem(file, column="key.min_persons", message=(
                f"min_persons ({_fmt(rules.min_persons)}) er større enn anmodningen{where} ({_fmt(total)}): da får alle kommuner "
                "samme rimelige andel og nøkkelen betyr ingenting; senk min_persons (f.eks. 5) eller sett den til 0")))
        elif asked and rules.min_persons * asked >= total:
            notes.append(f"{file}: key.min_persons = {_fmt(rules.min_persons)} for {_plural(asked, 'kommune', 'kommuner')}{where} er "
                         f"minst hele anmodningen ({_fmt(total)}); alle får da omtrent samme rimelige andel, uansett nøkkel.")


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
    own_request = _own_request(scenario)
    room = sum(np.minimum(scenario.person_caps(g), own_request[:, j]) for j, g in enumerate(GROUPS))
    minimum = table.numeric("min_total")
    for k in np.flatnonzero(minimum > room):
        problems.append(Problem(file, label(k), "min_total", (
            f"min_total ({_fmt(minimum[k])}) er mer enn kommunen har plass til etter boliger og plasser "
            f"({_fmt(room[k])}); øk boliger/plasser eller senk min_total")))


def _own_request(scenario: Scenario) -> np.ndarray:
    """Per municipality and group, the most persons that could come to it: its county's request
    (the whole request with one pool or across borders)."""
    counties = scenario.counties
    whole = np.array([scenario.request[g] for g in GROUPS], dtype=float)
    if counties is None or counties.cross_border:
        return np.tile(whole, (len(scenario.table), 1))
    return np.array([[counties.requests.get(f, {}).get(g, 0) for g in GROUPS] for f in scenario.county_of()], dtype=float)


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
    from allocator.scenario.yeardata import check_year_columns  # the settlement year's optional columns (own module)

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
