"""What changed between two versions of a scenario, in the words of the screen.

Used for the steps of «Angre» and for the meeting record: every difference of the settings
(`scenario.toml`) and of the municipality rows, each as «what: old → new», with Norwegian labels
only (no TOML names or column codes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from allocator.labels import GROUP_LABELS, column_label, number
from allocator.scenario.data import KEY_RULE_NAMES, Scenario
from allocator.scenario.write import settings_dict

SECTION_LABELS = {
    "request": "Anmodning",
    "counties": "Fylkene",
    "key": "Fordelingsnøkkel",
    "housing": "Boliger",
    "quarters": "Kvartalsplan",
    "incentives": "Insentiver",
    "costs": "Kostnader",
    "housing_grant": "Boligtilskudd",
}
SETTING_LABELS = {
    "cross_border": "bosetting på tvers av fylkesgrenser",
    "max_share": "høyst andel bosatt i andre fylker",
    "split": "delt etter nøkkelen",
    "weight": "vekt",
    "exponent": "eksponent",
    "credit": "fradrag",
    "budget": "budsjett (kr)",
    "per_dwelling": "kroner per småbolig",
    "max_per_municipality": "høyst småboliger per kommune",
    "ready": "klare for bosetting per kvartal",
    "deadline": "frist (kvartaler)",
    "timeliness_weight": "vekt på tidlig bosetting",
    "baseline": "sammenlignet med",
    "bonus": "bonus per person per kvartal (kr)",
    "q4_threshold": "grense for trekk i K4",
    "q4_deduction": "trekk per person (kr)",
    "grant": "integreringstilskudd (kr)",
    "adults_per_small_dwelling": "enslige voksne per småbolig",
    "persons_per_family_dwelling": "personer per familiebolig",
    "min_population": "ingen anmodning under innbyggere",
    "min_persons": "minst personer til dem som får en",
    "round_to": "rundet til nærmeste",
    "small_dwellings": "småboliger", "family_dwellings": "familieboliger", "minor_places": "plasser for enslige mindreårige",
    "special_places": "plasser for særskilte behov", "max_total": "maks totalt", "min_total": "min. totalt",
    "even": "jevn bosetting", "backloaded": "bosetting mot slutten av året", "key": "nøkkelen",
}
SKIPPED = ("name", "description", "year")


@dataclass(frozen=True)
class Change:
    """One difference: where («Bergen», or «Scenario» for a setting), what, old and new as shown."""

    where: str
    what: str
    old: str
    new: str
    kommunenummer: str | None = None

    @property
    def text(self) -> str:
        prefix = f"{self.where}, " if self.kommunenummer else ""
        return f"{prefix}{self.what}: {self.old} → {self.new}"


def _word(part: Any) -> str:
    if isinstance(part, int):
        return f"K{part + 1}"
    return GROUP_LABELS.get(part, "").lower() or SETTING_LABELS.get(part) or column_label(str(part))


def _value(value: Any) -> str:
    if value is None:
        return "ingen"
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, (int, float)):
        places = next(p for p in (0, 1, 2, 3, 6) if abs(round(float(value), p) - float(value)) < 1e-9 or p == 6)
        return number(float(value), places)
    if isinstance(value, (list, tuple)):
        return " / ".join(_value(v) for v in value)
    return SETTING_LABELS.get(str(value), str(value))


def flatten_settings(settings: dict, prefix: tuple = ()) -> dict[tuple, Any]:
    flat: dict[tuple, Any] = {}
    for name, value in settings.items():
        path = (*prefix, name)
        if isinstance(value, dict):
            flat.update(flatten_settings(value, path))
        else:
            flat[path] = value
    return flat


def _normal(flat: dict[tuple, Any]) -> dict[tuple, Any]:
    """`key.population = 1.0` and `key.population.weight = 1.0, exponent = 1.0` are one key."""
    out = dict(flat)
    for path, value in flat.items():
        if path[0] == "key" and len(path) == 2 and isinstance(value, (int, float)) and not isinstance(value, bool):
            if path[1] not in KEY_RULE_NAMES:
                del out[path]
                out[(*path, "weight")] = value
                out[(*path, "exponent")] = 1.0
    return out


def setting_changes(before: Scenario, after: Scenario) -> list[Change]:
    old, new = _normal(flatten_settings(settings_dict(before))), _normal(flatten_settings(settings_dict(after)))
    changes = []
    order = list(SECTION_LABELS)  # the request first, then the counties, the key …; derived values (readiness) after
    for path in sorted(set(old) | set(new), key=lambda p: (order.index(p[0]) if p[0] in order else len(order), [str(x) for x in p])):
        if path[0] in SKIPPED or old.get(path) == new.get(path):
            continue
        if path[:2] == ("counties", "split"):
            changes.append(Change("Scenario", "Anmodningen", "gitt per fylke" if old.get(path) is None else "delt etter nøkkelen",
                                  "delt på fylkene etter nøkkelen" if new.get(path) else "gitt per fylke"))
            continue
        section = SECTION_LABELS.get(path[0], "Innstilling")
        parts = list(path[1:])
        if path[0] == "request" and parts[:1] == ["counties"]:
            parts = parts[1:]  # «Anmodning, Vestland, enslige voksne»
        words = [p if path[0] == "request" and k == 0 and len(parts) > 1 else _word(p) for k, p in enumerate(parts)]
        if path[0] == "key" and len(path) >= 3:
            words = [f"{_word(path[2])} for {column_label(path[1])}"]
        what = ", ".join([section, *words])
        changes.append(Change("Scenario", what, _value(old.get(path)), _value(new.get(path))))
    return changes


def municipality_changes(before: Scenario, after: Scenario) -> list[Change]:
    """Cells of the municipality rows that differ (blank = «ingen grense» in a limit column)."""
    a, b = before.table, after.table
    if a.numbers != b.numbers:
        return [Change("Scenario", "Kommunetabellen", f"{len(a)} kommuner", f"{len(b)} kommuner")]
    names = b.text("kommune")
    changes = []
    for column in [c for c in b.columns if c != "kommune"] + [c for c in a.columns if c not in b]:
        if column in a and column in b and a.is_numeric(column) != b.is_numeric(column):
            continue
        numeric = (a.is_numeric(column) if column in a else b.is_numeric(column))
        if numeric:
            old, new = a.numeric(column), b.numeric(column)
            differs = ~((old == new) | (np.isnan(old) & np.isnan(new)))
            for k in np.flatnonzero(differs):
                changes.append(Change(names[k], column_label(column), _cell(old[k]), _cell(new[k]), b.numbers[k]))
        else:
            old_t = a.text(column) if column in a else ("",) * len(a)
            new_t = b.text(column) if column in b else ("",) * len(b)
            for k, (x, y) in enumerate(zip(old_t, new_t)):
                if x != y:
                    changes.append(Change(names[k], column_label(column), f"«{x}»" if x else "ingen", f"«{y}»" if y else "ingen",
                                          b.numbers[k]))
    return changes


def _cell(value: float) -> str:
    return "ingen grense" if math.isnan(value) else number(value)


def scenario_changes(before: Scenario, after: Scenario) -> list[Change]:
    return setting_changes(before, after) + municipality_changes(before, after)


def summary(before: Scenario, after: Scenario, most: int = 3) -> str:
    """The changes in one line, for «Angre» («Bergen, Maks totalt: 1 000 → 200»)."""
    found = scenario_changes(before, after)
    if not found:
        return "ingen endring"
    text = "; ".join(c.text for c in found[:most])
    return text + (f" og {len(found) - most} til" if len(found) > most else "")
