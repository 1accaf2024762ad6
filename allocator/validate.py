"""Turn raw scenario input into a `Scenario`, or say precisely what is wrong with it.

One `check_*` function per rule. Each problem names the file (or sheet), the row (by
kommunenummer where there is one) and the column or key, and says what was expected, so a county
adviser can fix the file without reading code. All problems are collected before raising, so a
file with five mistakes is fixed in one round, not five.

Messages are in Norwegian bokmål: they are shown as they are in the app and on the command line.
"""

from __future__ import annotations

import io
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .scenario import (
    BASELINE_PATTERNS,
    DATED_COLUMNS,
    DEFAULT_DEADLINES,
    DEFAULT_GRANTS,
    GROUPS,
    SCHEDULE_LOCK_COLUMNS,
    Incentives,
    Quarters,
    even_split,
    LIMIT_COLUMNS,
    REQUIRED_COLUMNS,
    TEXT_COLUMNS,
    Housing,
    KeyTerm,
    Scenario,
)

SETTINGS_KEYS = ("name", "description", "year", "request", "housing", "key", "quarters", "incentives")
QUARTER_KEYS = ("ready", "deadline", "timeliness_weight", "baseline")
INCENTIVE_KEYS = ("bonus", "q4_threshold", "q4_deduction", "grant")
KEY_ENTRY_KEYS = ("weight", "exponent", "credit")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    file: str
    row: str | None = None
    column: str | None = None
    message: str = ""

    def __str__(self) -> str:
        where = [self.file]
        if self.row:
            where.append(self.row if self.row.startswith("linje") else f"rad {self.row}")
        if self.column:
            where.append(f"kolonne {self.column}")
        return f"{', '.join(where)}: {self.message}"


class ScenarioError(ValueError):
    """The scenario input is invalid; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------- raw readers


def read_toml(path: Path) -> dict:
    if not path.is_file():
        raise ScenarioError([Problem(path.name, message=f"filen mangler (ventet den i {path.parent})")])
    return parse_toml(path.read_bytes(), path.name)


def parse_toml(data: bytes, file: str) -> dict:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError([Problem(file, message="filen er ikke UTF-8-tekst")]) from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        row = f"linje {match.group(1)}" if match else None
        raise ScenarioError([Problem(file, row, message=f"TOML-syntaksfeil: {exc}")]) from None


def read_csv_rows(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ScenarioError([Problem(path.name, message=f"filen mangler (ventet den i {path.parent})")])
    return parse_csv(path.read_bytes(), path.name)


def parse_csv(data: bytes, file: str) -> pd.DataFrame:
    """Read a CSV as text cells ("" for blank), so every value is checked by our own rules."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(file, message="filen er ikke UTF-8-tekst (lagre som «CSV UTF-8»)")]) from None
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise ScenarioError([Problem(file, message="filen er tom; ventet en overskriftsrad og én rad per kommune")]) from None
    except pd.errors.ParserError as exc:
        raise ScenarioError([Problem(file, message=f"kunne ikke lese CSV (kommaseparert): {exc}")]) from None


# --------------------------------------------------------------------------- cell parsing


def _number(text: str) -> float | None:
    """A finite number from a cell, or None when the cell is not one."""
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _whole(value: Any) -> int | None:
    """A whole number from a TOML value or a cell; None when it is not one (bools are not)."""
    if isinstance(value, bool):
        return None
    number = value if isinstance(value, (int, float)) else _number(value)
    if number is None or not float(number).is_integer():
        return None
    return int(number)


# --------------------------------------------------------------------------- settings checks


def check_top_level(settings: dict, file: str, problems: list[Problem], extra_keys: tuple[str, ...] = ()) -> None:
    for key in settings:
        if key not in SETTINGS_KEYS + extra_keys:
            problems.append(Problem(file, column=key, message=f"ukjent nøkkel; gyldige er {', '.join(SETTINGS_KEYS + extra_keys)}"))
    name = settings.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(file, column="name", message="ventet et navn på scenarioet, f.eks. name = \"Vestland 2026\""))
    if "description" in settings and not isinstance(settings["description"], str):
        problems.append(Problem(file, column="description", message="ventet tekst"))
    if "year" in settings and _whole(settings["year"]) is None:
        problems.append(Problem(file, column="year", message=f"ventet et årstall, fikk {settings['year']!r}"))


def check_request(settings: dict, file: str, problems: list[Problem]) -> dict[str, int]:
    section = settings.get("request")
    if not isinstance(section, dict):
        problems.append(Problem(file, column="[request]", message=f"mangler; ventet en tabell med antall personer per gruppe ({', '.join(GROUPS)})"))
        return {g: 0 for g in GROUPS}
    request = {g: 0 for g in GROUPS}
    for group, value in section.items():
        if group not in GROUPS:
            problems.append(Problem(file, column=f"request.{group}", message=f"ukjent gruppe; gyldige grupper er {', '.join(GROUPS)}"))
            continue
        count = _whole(value)
        if count is None or count < 0:
            problems.append(Problem(file, column=f"request.{group}", message=f"ventet et helt antall personer ≥ 0, fikk {value!r}"))
            continue
        request[group] = count
    return request


def check_housing(settings: dict, file: str, problems: list[Problem]) -> Housing:
    section = settings.get("housing", {})
    if not isinstance(section, dict):
        problems.append(Problem(file, column="[housing]", message="ventet en tabell"))
        return Housing()
    values: dict[str, float] = {}
    for key, value in section.items():
        if key not in Housing.__dataclass_fields__:
            problems.append(Problem(file, column=f"housing.{key}", message=f"ukjent nøkkel; gyldige er {', '.join(Housing.__dataclass_fields__)}"))
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            problems.append(Problem(file, column=f"housing.{key}", message=f"ventet et tall > 0 (personer per bolig), fikk {value!r}"))
        else:
            values[key] = float(value)
    return Housing(**values)


def check_key(settings: dict, file: str, problems: list[Problem]) -> tuple[KeyTerm, ...]:
    section = settings.get("key", {"population": 1.0})
    if not isinstance(section, dict):
        problems.append(Problem(file, column="[key]", message="ventet en tabell: kolonne = vekt"))
        return ()
    terms: list[KeyTerm] = []
    for column, entry in section.items():
        where = f"key.{column}"
        spec = entry if isinstance(entry, dict) else {"weight": entry}
        for unknown in set(spec) - set(KEY_ENTRY_KEYS):
            problems.append(Problem(file, column=f"{where}.{unknown}", message=f"ukjent nøkkel; gyldige er {', '.join(KEY_ENTRY_KEYS)}"))
        weight, exponent, credit = spec.get("weight", 1.0), spec.get("exponent", 1.0), spec.get("credit", False)
        ok = True
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            problems.append(Problem(file, column=where, message=f"vekten må være et tall ≥ 0, fikk {weight!r}"))
            ok = False
        if isinstance(exponent, bool) or not isinstance(exponent, (int, float)) or exponent < 0:
            problems.append(Problem(file, column=f"{where}.exponent", message=f"eksponenten må være et tall ≥ 0, fikk {exponent!r}"))
            ok = False
        if not isinstance(credit, bool):
            problems.append(Problem(file, column=f"{where}.credit", message=f"ventet true eller false, fikk {credit!r}"))
            ok = False
        if ok:
            terms.append(KeyTerm(column, float(weight), float(exponent), credit))
    positive = sum(t.weight for t in terms if not t.credit)
    credits = sum(t.weight for t in terms if t.credit)
    if len(terms) == len(section) and positive - credits <= 0:
        problems.append(Problem(file, column="[key]", message=(
            "vektene summerer til 0 (eller fradragene er minst like store som resten); "
            "ventet minst én kolonne med vekt > 0, f.eks. population = 1.0")))
    return tuple(terms)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _group_table(section: dict, key: str, where: str, file: str, problems: list[Problem]) -> dict:
    """A per-group sub-table such as quarters.ready; a problem (and {}) when it is not a table."""
    value = section.get(key) or {}
    if not isinstance(value, dict):
        problems.append(Problem(file, column=where, message=f"ventet en tabell med én verdi per gruppe ({', '.join(GROUPS)}), fikk {value!r}"))
        return {}
    return value


def check_quarters(settings: dict, file: str, problems: list[Problem], request: dict[str, int]) -> Quarters | None:
    """The optional [quarters] section: readiness per quarter, deadlines, weight, baseline."""
    if "quarters" not in settings:
        return None
    section = settings["quarters"]
    if not isinstance(section, dict):
        problems.append(Problem(file, column="[quarters]", message="ventet en tabell"))
        return None
    for key in section:
        if key not in QUARTER_KEYS:
            problems.append(Problem(file, column=f"quarters.{key}", message=f"ukjent nøkkel; gyldige er {', '.join(QUARTER_KEYS)}"))
    ready = {g: even_split(request[g]) for g in GROUPS}
    for group, values in _group_table(section, "ready", "quarters.ready", file, problems).items():
        where = f"quarters.ready.{group}"
        if group not in GROUPS:
            problems.append(Problem(file, column=where, message=f"ukjent gruppe; gyldige grupper er {', '.join(GROUPS)}"))
            continue
        counts = [_whole(v) for v in values] if isinstance(values, list) else []
        if len(counts) != 4 or any(c is None or c < 0 for c in counts):
            problems.append(Problem(file, column=where, message=f"ventet fire hele tall ≥ 0 (personer klare i K1–K4), fikk {values!r}"))
        elif sum(counts) != request[group]:
            problems.append(Problem(file, column=where, message=(
                f"summerer til {sum(counts)}, men anmodningen for {group} er {request[group]}; "
                "personene som blir klare i løpet av året må til sammen være anmodningen")))
        else:
            ready[group] = tuple(counts)
    deadline = dict(DEFAULT_DEADLINES)
    for group, value in _group_table(section, "deadline", "quarters.deadline", file, problems).items():
        count = _whole(value)
        if group not in GROUPS:
            problems.append(Problem(file, column=f"quarters.deadline.{group}", message=f"ukjent gruppe; gyldige grupper er {', '.join(GROUPS)}"))
        elif count is None or not 0 <= count <= 4:
            problems.append(Problem(file, column=f"quarters.deadline.{group}", message=f"ventet antall kvartaler fra klar til bosatt, 0–4, fikk {value!r}"))
        else:
            deadline[group] = count
    weight = section.get("timeliness_weight", 0.0)
    if not _is_number(weight) or weight < 0:
        problems.append(Problem(file, column="quarters.timeliness_weight", message=f"ventet et tall ≥ 0, fikk {weight!r}"))
        weight = 0.0
    baseline = section.get("baseline", "even")
    if isinstance(baseline, list):
        if len(baseline) != 4 or not all(_is_number(v) and v >= 0 for v in baseline) or sum(baseline) <= 0:
            problems.append(Problem(file, column="quarters.baseline", message=f"ventet fire andeler ≥ 0 (K1–K4), fikk {baseline!r}"))
            baseline = "even"
        else:
            baseline = tuple(float(v) / sum(baseline) for v in baseline)
    elif not isinstance(baseline, str) or baseline not in BASELINE_PATTERNS:
        problems.append(Problem(file, column="quarters.baseline", message=(
            f"ventet {' eller '.join(repr(k) for k in BASELINE_PATTERNS)} eller fire andeler, fikk {baseline!r}")))
        baseline = "even"
    return Quarters(ready=ready, deadline=deadline, timeliness_weight=float(weight), baseline=baseline)


def check_incentives(settings: dict, file: str, problems: list[Problem]) -> Incentives:
    """The optional [incentives] section, in NOK; defaults where a key is missing."""
    section = settings.get("incentives", {})
    if not isinstance(section, dict):
        problems.append(Problem(file, column="[incentives]", message="ventet en tabell"))
        return Incentives()
    for key in section:
        if key not in INCENTIVE_KEYS:
            problems.append(Problem(file, column=f"incentives.{key}", message=f"ukjent nøkkel; gyldige er {', '.join(INCENTIVE_KEYS)}"))
    defaults = Incentives()
    bonus = section.get("bonus", list(defaults.bonus))
    if not isinstance(bonus, list) or len(bonus) != 4 or not all(_is_number(v) and v >= 0 for v in bonus):
        problems.append(Problem(file, column="incentives.bonus", message=f"ventet fire beløp ≥ 0 i kroner per person (K1–K4), fikk {bonus!r}"))
        bonus = list(defaults.bonus)
    threshold = section.get("q4_threshold", defaults.q4_threshold)
    if not _is_number(threshold) or not 0 <= threshold <= 1:
        problems.append(Problem(file, column="incentives.q4_threshold", message=f"ventet en andel mellom 0 og 1, fikk {threshold!r}"))
        threshold = defaults.q4_threshold
    deduction = section.get("q4_deduction", defaults.q4_deduction)
    if not _is_number(deduction) or deduction < 0:
        problems.append(Problem(file, column="incentives.q4_deduction", message=f"ventet et beløp ≥ 0 i kroner per person, fikk {deduction!r}"))
        deduction = defaults.q4_deduction
    grant = dict(DEFAULT_GRANTS)
    for group, value in _group_table(section, "grant", "incentives.grant", file, problems).items():
        if group not in GROUPS:
            problems.append(Problem(file, column=f"incentives.grant.{group}", message=f"ukjent gruppe; gyldige grupper er {', '.join(GROUPS)}"))
        elif not _is_number(value) or value < 0:
            problems.append(Problem(file, column=f"incentives.grant.{group}", message=f"ventet et beløp ≥ 0 i kroner per person, fikk {value!r}"))
        else:
            grant[group] = float(value)
    return Incentives(tuple(float(v) for v in bonus), float(threshold), float(deduction), grant)


# --------------------------------------------------------------------------- municipality checks


def _row_label(kommunenummer: str, kommune: str, line: int) -> str:
    if re.fullmatch(r"\d{4}", kommunenummer):
        return f"{kommunenummer} ({kommune})" if kommune else kommunenummer
    return f"linje {line}"


def check_columns(rows: pd.DataFrame, file: str, problems: list[Problem]) -> bool:
    rows.columns = [str(c).strip() for c in rows.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in rows.columns]
    for column in missing:
        problems.append(Problem(file, column=column, message=f"påkrevd kolonne mangler (påkrevd: {', '.join(REQUIRED_COLUMNS)})"))
    duplicated = rows.columns[rows.columns.duplicated()].tolist()
    for column in duplicated:
        problems.append(Problem(file, column=column, message="kolonnen finnes to ganger"))
    if not missing and rows.empty:
        problems.append(Problem(file, message="ingen kommuner; ventet én rad per kommune"))
    return not missing and not duplicated and not rows.empty


def check_kommunenummer(rows: pd.DataFrame, labels: list[str], file: str, problems: list[Problem]) -> None:
    numbers = rows["kommunenummer"].str.strip()
    for label, number in zip(labels, numbers):
        if not re.fullmatch(r"\d{4}", number):
            problems.append(Problem(file, label, "kommunenummer", f"ventet 4 sifre, f.eks. 0301 eller 4601, fikk «{number}»"))
    for number in sorted(set(numbers[numbers.duplicated()])):
        problems.append(Problem(file, number, "kommunenummer", "kommunenummeret finnes på flere rader; hver kommune skal stå én gang"))
    for label, name in zip(labels, rows["kommune"]):
        if not name.strip():
            problems.append(Problem(file, label, "kommune", "kommunenavn mangler"))


def check_counts(rows: pd.DataFrame, labels: list[str], file: str, problems: list[Problem]) -> dict[str, pd.Series]:
    """Population and every limit column: whole numbers (limits may be blank = no limit)."""
    parsed: dict[str, pd.Series] = {}
    optional = [c for c in (*DATED_COLUMNS, *SCHEDULE_LOCK_COLUMNS) if c in rows.columns]
    for column in ("population", *LIMIT_COLUMNS, *optional):
        if column not in rows.columns:
            parsed[column] = pd.Series(np.nan, index=rows.index)
            continue
        values = []
        for label, cell in zip(labels, rows[column]):
            text = cell.strip()
            if text == "" and column != "population":
                values.append(np.nan)
                continue
            count = _whole(text)
            if column == "population" and (count is None or count <= 0):
                problems.append(Problem(file, label, column, f"ventet et helt tall > 0 (innbyggere), fikk «{text}»"))
            elif count is None or count < 0:
                expected = "et helt tall ≥ 0, eller tom celle for «ingen grense»"
                problems.append(Problem(file, label, column, f"ventet {expected}, fikk «{text}»"))
            values.append(np.nan if count is None else float(count))
        parsed[column] = pd.Series(values, index=rows.index, dtype=float)
    return parsed


def check_min_max(parsed: dict[str, pd.Series], labels: list[str], file: str, problems: list[Problem]) -> None:
    for label, low, high in zip(labels, parsed["min_total"], parsed["max_total"]):
        if low > high:  # NaN compares False: a blank is no limit
            problems.append(Problem(file, label, "min_total", f"min_total ({low:.0f}) er større enn max_total ({high:.0f})"))


def check_key_columns(rows: pd.DataFrame, labels: list[str], key: tuple[KeyTerm, ...], file: str, problems: list[Problem]) -> None:
    for term in key:
        if term.column not in rows.columns:
            problems.append(Problem(file, column=term.column, message=f"kolonnen brukes i [key], men finnes ikke i {file}"))
            continue
        values = []
        for label, cell in zip(labels, rows[term.column]):
            number = _number(cell)
            if number is None or number < 0:
                problems.append(Problem(file, label, term.column, f"kolonnen brukes i [key]; ventet et tall ≥ 0, fikk «{cell.strip()}»"))
            else:
                values.append(number)
        if len(values) == len(rows) and sum(v**term.exponent for v in values if v > 0) <= 0:
            problems.append(Problem(file, column=term.column, message="kolonnen brukes i [key], men er 0 for alle kommuner"))


def _numeric_extra(cells: pd.Series) -> pd.Series | None:
    """An extra column as numbers if every non-blank cell is one, else None (kept as text)."""
    stripped = cells.str.strip()
    numbers = [np.nan if c == "" else _number(c) for c in stripped]
    if any(n is None for n in numbers):
        return None
    return pd.Series(numbers, index=cells.index, dtype=float)


# --------------------------------------------------------------------------- whole-scenario checks


def check_agreed_minimums(table: pd.DataFrame, request: dict[str, int], scenario: Scenario, file: str, problems: list[Problem]) -> None:
    """Agreed minimums must fit in the request and in each municipality's own resources."""
    low, high = scenario.total_bounds()
    for number in table.index:
        if low[number] > high[number]:
            problems.append(Problem(file, f"{number} ({table.at[number, 'kommune']})", "locked_q1–locked_q4", (
                f"de låste kvartalene krever {low[number]:.0f} personer, men max_total eller summen av "
                f"kvartalene tillater {high[number]:.0f}")))
    total_min = low.fillna(0).sum()  # agreed minimums and locked quarters
    if total_min > sum(request.values()):
        problems.append(Problem(file, column="min_total", message=(
            f"summen av min_total ({total_min:.0f}) er større enn hele anmodningen ({sum(request.values())}); "
            "senk min_total eller øk anmodningen")))
    room = sum(np.minimum(scenario.group_limit(g), request[g]) for g in GROUPS)
    for number, minimum in table["min_total"].dropna().items():
        if minimum > room[number]:
            problems.append(Problem(file, f"{number} ({table.at[number, 'kommune']})", "min_total", (
                f"min_total ({minimum:.0f}) er mer enn kommunen har plass til etter boliger og plasser "
                f"({room[number]:.0f}); øk boliger/plasser eller senk min_total")))


# --------------------------------------------------------------------------- assembly


def build_scenario(settings: dict, rows: pd.DataFrame, settings_file: str, rows_file: str, extra_settings: tuple[str, ...] = ()) -> Scenario:
    """Check raw settings and municipality rows; return a `Scenario` or raise `ScenarioError`."""
    problems: list[Problem] = []
    check_top_level(settings, settings_file, problems, extra_settings)
    request = check_request(settings, settings_file, problems)
    housing = check_housing(settings, settings_file, problems)
    key = check_key(settings, settings_file, problems)
    quarters = check_quarters(settings, settings_file, problems, request)
    incentives = check_incentives(settings, settings_file, problems)

    rows = rows.copy()
    if not check_columns(rows, rows_file, problems):
        raise ScenarioError(problems)
    rows = rows.fillna("").astype(str)
    labels = [_row_label(n.strip(), k.strip(), i + 2) for i, (n, k) in enumerate(zip(rows["kommunenummer"], rows["kommune"]))]
    check_kommunenummer(rows, labels, rows_file, problems)
    parsed = check_counts(rows, labels, rows_file, problems)
    check_min_max(parsed, labels, rows_file, problems)
    check_key_columns(rows, labels, key, rows_file, problems)
    if problems:
        raise ScenarioError(problems)

    table = pd.DataFrame({"kommune": rows["kommune"].str.strip()}, index=rows.index)
    table["population"] = parsed["population"].astype(int)
    for column in parsed:
        if column != "population":
            table[column] = parsed[column]
    table["lock_reason"] = rows["lock_reason"].str.strip() if "lock_reason" in rows else ""
    handled = set(REQUIRED_COLUMNS) | set(parsed) | set(TEXT_COLUMNS)
    for column in rows.columns:
        if column not in handled:
            numeric = _numeric_extra(rows[column])
            table[column] = numeric if numeric is not None else rows[column].str.strip()
    table.index = pd.Index(rows["kommunenummer"].str.strip(), name="kommunenummer")

    scenario = Scenario(
        name=str(settings["name"]).strip(),
        request=request,
        municipalities=table,
        key=key,
        housing=housing,
        description=str(settings.get("description", "")).strip(),
        year=_whole(settings["year"]) if "year" in settings else None,
        quarters=quarters,
        incentives=incentives,
    )
    check_agreed_minimums(table, request, scenario, rows_file, problems)
    if problems:
        raise ScenarioError(problems)
    return scenario


def validate_scenario(scenario: Scenario) -> Scenario:
    """Re-run every check on an edited scenario (the app's edits), by its file form."""
    from .scenario import MUNICIPALITIES_FILE, SETTINGS_FILE, municipalities_csv_frame, settings_dict

    rows = municipalities_csv_frame(scenario).astype(str)
    return build_scenario(settings_dict(scenario), rows, SETTINGS_FILE, MUNICIPALITIES_FILE)
