"""The scenario's single settings as fields the app can show and edit one at a time.

A field is a place in `scenario.toml` (its path in `settings_dict`, e.g. `("key", "population",
"exponent")`). Reading a field reads the scenario, so an input always shows the scenario's value,
whatever happened before (a view switch, an undo, a load); writing a field changes that one value
and builds the scenario again through the same checks as the files (`build_scenario`), so an edit
touches nothing it was not given, is refused with the file's own message when out of range, and no
widget needs ranges of its own. Typed text is read the Norwegian way («1 500 000», «0,44»).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from allocator.labels import GROUP_LABELS, column_label, number
from allocator.present.edits import set_request
from allocator.problems import Problem, ScenarioError
from allocator.scenario.cells import parse_number
from allocator.scenario.data import GROUPS, MINOR_SUBGROUPS, MUNICIPALITIES_FILE, QUARTERS, SETTINGS_FILE, Scenario
from allocator.scenario.limits import MAX_EXPONENT, MAX_NOK, MAX_PERSONS, MAX_TIMELINESS_WEIGHT, MAX_WEIGHT
from allocator.scenario.readers import RawTable
from allocator.scenario.validate import build_scenario
from allocator.scenario.write import municipalities_csv_rows, settings_dict

Path = tuple[Any, ...]

#: The kinds of value a field holds: how it is typed, shown and checked before the scenario's checks.
KINDS = ("persons", "number", "nok", "percent", "share", "bool", "choice")


@dataclass(frozen=True)
class Field:
    """One setting of a scenario. `low`/`high` are the files' documented range (the library's
    validation limits), used for the input's help text and to refuse a typed value before building."""

    path: Path
    label: str
    kind: str
    low: float = 0.0
    high: float = MAX_PERSONS
    decimals: int = 0
    default: Any = None
    help: str | None = None
    optional: bool = False  # blank = absent (e.g. no max_share)

    @property
    def id(self) -> str:
        return ".".join(str(p) for p in self.path)


class FieldError(ValueError):
    """Typed text that is not a value of the field (the message is Norwegian, for the user)."""


# --------------------------------------------------------------------------- the fields of a scenario


def request_fields(scenario: Scenario) -> list[Field]:
    """The request per group (minors as two kinds where they are assessed one by one)."""
    groups = [g for group in GROUPS for g in ((*MINOR_SUBGROUPS,) if group == "minors" and scenario.minors_split else (group,))]
    return [Field(("request", g), GROUP_LABELS[g], "persons", 0, MAX_PERSONS) for g in groups]


def county_request_fields(scenario: Scenario, fylke: str) -> list[Field]:
    return [Field(("request", "counties", fylke, g), GROUP_LABELS[g], "persons", 0, MAX_PERSONS) for g in GROUPS]


def key_fields(column: str) -> tuple[Field, Field, Field]:
    name = column_label(column)
    return (Field(("key", column, "weight"), f"Vekt: {name}", "number", 0, MAX_WEIGHT, 2, 1.0),
            Field(("key", column, "exponent"), f"Eksponent: {name}", "number", 0, MAX_EXPONENT, 2, 1.0),
            Field(("key", column, "credit"), "Fradrag", "bool", default=False))


GRANT_BUDGET = Field(("housing_grant", "budget"), "Boligtilskudd (kr)", "nok", 0, MAX_NOK, default=0.0)
GRANT_PRICE = Field(("housing_grant", "per_dwelling"), "Kroner per småbolig", "nok", 0, MAX_NOK, default=1_500_000.0)
GRANT_MAX = Field(("housing_grant", "max_per_municipality"), "Høyst småboliger per kommune", "persons", 0, MAX_PERSONS,
                  optional=True, help="Tom = ingen grense.")
CROSS_BORDER = Field(("counties", "cross_border"), "Bosetting på tvers av fylkesgrenser", "bool", default=False,
                     help="Et fylke kan bosette det det ikke får plass til hjemme i andre fylker.")
MAX_SHARE = Field(("counties", "max_share"), "Høyst andel av anmodningen bosatt i andre fylker (%)", "percent", 0, 1, 1,
                  optional=True, help="Tom = ingen grense.")
TIMELINESS = Field(("quarters", "timeliness_weight"), "Vekt på tidlig bosetting mot rettferdig årsfordeling", "number", 0,
                   MAX_TIMELINESS_WEIGHT, 2, 0.0,
                   help="0 = årsfordelingen er den rettferdige. Med vekt w flyttes én person til en annen kommune bare når "
                        "det sparer minst 1/w personkvartaler ventetid (w = 0,5: minst to).")
Q4_THRESHOLD = Field(("incentives", "q4_threshold"), "Trekk når andelen bosatt i K4 er over (%)", "percent", 0, 1, 1, 0.4)
Q4_DEDUCTION = Field(("incentives", "q4_deduction"), "Trekk per person over grensen (kr)", "nok", 0, MAX_NOK, default=25_000.0)


def deadline_field(group: str) -> Field:
    return Field(("quarters", "deadline", group), f"Frist (kvartaler): {GROUP_LABELS[group].lower()}", "persons", 0, 4)


def bonus_field(quarter: int) -> Field:
    return Field(("incentives", "bonus", quarter - 1), f"Bonus per person i K{quarter} (kr)", "nok", 0, MAX_NOK, default=0.0)


BONUS_FIELDS = tuple(bonus_field(q) for q in QUARTERS)


# --------------------------------------------------------------------------- reading


def get(scenario: Scenario, field: Field) -> Any:
    """The field's value in the scenario (its default where the file leaves it out)."""
    if field.path[0] == "request" and len(field.path) == 2:
        group = field.path[1]
        return int((scenario.minors_split or {}).get(group, scenario.request.get(group, 0)))
    value: Any = settings_dict(scenario)
    for part in field.path:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        elif field.path[0] == "key" and isinstance(value, (int, float)) and part in ("weight", "exponent", "credit"):
            value = {"weight": value, "exponent": 1.0, "credit": False}[part]  # the plain form `population = 1.0`
        else:
            return field.default
    return value


def text(field: Field, value: Any) -> str:
    """The value as an input shows it, the Norwegian way (1 500 000; 0,44; 40 %)."""
    if value is None:
        return ""
    if field.kind == "percent":
        value = 100 * float(value)
    decimals = field.decimals
    if field.kind in ("number", "percent", "share"):  # as few decimals as the value needs, at most `decimals` + 2
        for places in range(0, decimals + 3):
            if abs(round(float(value), places) - float(value)) < 1e-9:
                decimals = places
                break
        else:
            decimals += 2
    return number(float(value), decimals)


def parse(field: Field, typed: str) -> Any:
    """Typed text as the field's value; `FieldError` with a Norwegian message when it is none."""
    stripped = (typed or "").strip().removesuffix("%").removesuffix("kr").strip()
    if not stripped:
        if field.optional:
            return None
        raise FieldError(f"{field.label}: skriv et tall (feltet kan ikke være tomt).")
    value = parse_number(stripped.replace("−", "-"))
    if value is None:
        raise FieldError(f"{field.label}: «{typed}» er ikke et tall; skriv f.eks. «1 500» eller «0,5».")
    if field.kind == "percent":
        if not 0 <= value <= 100:
            raise FieldError(f"{field.label}: ventet en prosent fra 0 til 100, fikk «{typed}».")
        return value / 100
    if field.kind == "persons":
        if not float(value).is_integer():
            raise FieldError(f"{field.label}: ventet et helt tall, fikk «{typed}».")
        value = int(value)
    if not field.low <= value <= field.high:
        raise FieldError(f"{field.label}: ventet et tall fra {number(field.low)} til {number(field.high)}, fikk «{typed}».")
    return value


# --------------------------------------------------------------------------- writing


def set_value(scenario: Scenario, field: Field, value: Any) -> Scenario:
    """The scenario with this one field changed and every other value as it was; built and
    checked as the files are (so a refusal has the files' message). `value` None removes an
    optional field. An edit the scenario's form cannot take (a request per group where the request
    is given per county) is refused in words."""
    path = field.path
    counties = scenario.counties
    if path[0] == "request" and len(path) == 2:
        if counties is not None and counties.split is None:
            raise ScenarioError([Problem(SETTINGS_FILE, column="request", message=(
                "anmodningen er gitt per fylke; endre den i tabellen «Anmodning per fylke», eller velg "
                "«Del anmodningen på fylkene etter nøkkelen» for å gi én anmodning for hele landet"))])
        request = {g: get(scenario, f) for f in request_fields(scenario) for g in [f.path[1]]}
        request[path[1]] = int(value)
        return set_request(scenario, request)
    if path[0] == "request" and len(path) == 4 and (counties is None or counties.split is not None):
        raise ScenarioError([Problem(SETTINGS_FILE, column="request", message=(
            "anmodningen deles på fylkene etter nøkkelen; slå av «Del anmodningen på fylkene etter nøkkelen» "
            "for å gi hvert fylke sin egen anmodning"))])
    settings = copy.deepcopy(settings_dict(scenario))
    _put(settings, path, value, field)
    return rebuild(scenario, settings)


def set_county_split(scenario: Scenario, by_key: bool) -> Scenario:
    """Switch a scenario with counties between a request per county and a national request split
    by the key; the county requests (or their sum) carry over, so the plan changes only by the split."""
    counties = scenario.counties
    if counties is None or (counties.split == "key") == by_key:
        return scenario
    settings = copy.deepcopy(settings_dict(scenario))
    if by_key:
        settings["request"] = {g: int(scenario.request[g]) for g in GROUPS}
        settings["counties"]["split"] = "key"
    else:
        settings["request"] = {"counties": {c: {g: int(counties.requests[c].get(g, 0)) for g in GROUPS} for c in counties.names}}
        settings["counties"].pop("split", None)
    return rebuild(scenario, settings)


def rebuild(scenario: Scenario, settings: dict) -> Scenario:
    """A scenario from edited settings and the scenario's own rows, through the files' checks."""
    header, rows = municipalities_csv_rows(scenario)
    return build_scenario(settings, RawTable.from_records(MUNICIPALITIES_FILE, header, rows), SETTINGS_FILE, MUNICIPALITIES_FILE)


def _put(settings: dict, path: Path, value: Any, field: Field) -> None:
    node: Any = settings
    for k, part in enumerate(path[:-1]):
        following = path[k + 1]
        if isinstance(node, dict):
            child = node.get(part)
            if path[0] == "key" and k == 1 and not isinstance(child, dict):  # `population = 1.0` → a table
                child = {"weight": child if child is not None else 0.0, "exponent": 1.0}
            elif path[0] == "housing_grant" and child is None:  # a new grant: budget and price together
                child = {"budget": GRANT_BUDGET.default, "per_dwelling": GRANT_PRICE.default}
            elif child is None:
                child = [] if isinstance(following, int) else {}
            node[part] = child
            node = child
        else:
            node = node[part]
    last = path[-1]
    if value is None and isinstance(node, dict):
        node.pop(last, None)
    elif isinstance(node, list):
        node[last] = value
    else:
        node[last] = value


def describe(field: Field, value: Any) -> str:
    """A value for a sentence («1 500 000 kr», «40 %», «ja»)."""
    if field.kind == "bool":
        return "ja" if value else "nei"
    if value is None:
        return "ingen grense"
    shown = text(field, value)
    return {"nok": f"{shown} kr", "percent": f"{shown} %"}.get(field.kind, shown)

