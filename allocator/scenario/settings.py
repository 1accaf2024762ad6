"""Checking `scenario.toml`: every table and setting, by name, with the problem it has.

Each `check_*` reads one section into the typed value the `Scenario` holds and adds a `Problem` in
Norwegian for everything it refuses; `validate.build_scenario` calls them in order.
"""

from __future__ import annotations

import math
from typing import Any

from allocator.problems import Problem
from allocator.scenario.cells import (
    _fmt,
    _got,
    _toml_number,
    _toml_whole,
)
from allocator.scenario.data import (
    BASELINE_PATTERNS,
    COST_KEYS,
    DEFAULT_DEADLINES,
    DEFAULT_GRANTS,
    GROUPS,
    KEY_RULE_NAMES,
    MINOR_SUBGROUPS,
    Housing,
    HousingGrant,
    Incentives,
    KeyRules,
    KeyTerm,
    Quarters,
)
from allocator.scenario.limits import (
    MAX_EXPONENT,
    MAX_NOK,
    MAX_PERSONS,
    MAX_PERSONS_PER_DWELLING,
    MAX_POPULATION,
    MAX_TIMELINESS_WEIGHT,
    MAX_WEIGHT,
)
from allocator.scenario.readers import canonical_header
from allocator.scenario.table import NOT_KEY_COLUMNS
from allocator.whole import even_split

SETTINGS_KEYS = ("name", "description", "year", "request", "counties", "housing", "key", "quarters", "incentives", "costs",
                 "housing_grant")
GRANT_KEYS = ("budget", "per_dwelling", "max_per_municipality")
QUARTER_KEYS = ("ready", "deadline", "timeliness_weight", "baseline")
INCENTIVE_KEYS = ("bonus", "q4_threshold", "q4_deduction", "grant")
KEY_ENTRY_KEYS = ("weight", "exponent", "credit")
COUNTY_KEYS = ("split", "cross_border", "max_share")


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
