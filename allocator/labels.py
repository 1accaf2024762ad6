"""Norwegian words for the plan: column labels, limit reasons, number format.

Kept apart from the tables so the tables stay in stable English codes (the JSON contract and the
exports' machine columns) while every person-facing text is bokmål and in one place.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .plan import Plan

GROUP_LABELS = {
    "adults": "Enslige voksne",
    "families": "Personer i familier",
    "minors": "Enslige mindreårige",
    "special_needs": "Særskilte behov",
    "total": "Totalt",
}

RESOURCE_LABELS = {
    "small_dwellings": "småboliger",
    "family_dwellings": "familieboliger",
    "minor_places": "plasser for enslige mindreårige",
    "special_places": "plasser for særskilte behov",
}

COLUMN_LABELS = {
    "kommunenummer": "Kommunenr.",
    "kommune": "Kommune",
    "population": "Innbyggere",
    "total": "Totalt",
    "fair_total": "Rimelig andel",
    "deviation": "Avvik",
    "per_1000": "Per 1 000 innb.",
    "max_total": "Maks totalt",
    "min_total": "Min. totalt",
    "small_dwellings": "Småboliger",
    "family_dwellings": "Familieboliger",
    "minor_places": "Plasser EM",
    "special_places": "Plasser særskilte behov",
    "binding": "Begrenset av",
    "lock_reason": "Begrunnelse for lås",
    "locked": "Låst",
    "change": "Endring",
    "fylke": "Fylke",
    "received": "Mottatt fra andre fylker",
    **{g: label for g, label in GROUP_LABELS.items() if g != "total"},
    **{f"fair_{g}": f"Rimelig andel: {label.lower()}" for g, label in GROUP_LABELS.items() if g != "total"},
    **{f"{r}_used": f"{label.capitalize()} brukt" for r, label in RESOURCE_LABELS.items()},
    **{f"{r}_available": f"{label.capitalize()} tilgjengelig" for r, label in RESOURCE_LABELS.items()},
}

LIMIT_LABELS = {
    "locked": "låst",
    "max_total": "maks totalt",
    "min_total": "avtalt minimum",
    **RESOURCE_LABELS,
}


def number(value: float, decimals: int = 0) -> str:
    """Norwegian number format: space between thousands, decimal comma (1 474; 3,5)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


def binding_reasons(plan: "Plan") -> dict[str, str]:
    """Per municipality, why it gets no more (or no less), in plain Norwegian.

    E.g. "begrenset av familieboliger: 14 av 14 brukt"; "" when no limit holds it.
    """
    table = plan.scenario.table
    reasons_text = table.text("lock_reason")
    max_total, min_total = table.numeric("max_total"), table.numeric("min_total")
    units = plan.resource_units
    reasons: dict[str, str] = {}
    for k, (number_, codes) in enumerate(zip(table.numbers, plan.binding_codes)):
        total = int(plan.totals[k])
        parts = []
        for code in codes:
            if code == "locked":
                reason = reasons_text[k]
                parts.append(f"låst på {total}" + (f" ({reason})" if reason else ""))
            elif code == "max_total":
                parts.append(f"begrenset av maks totalt: {total} av {max_total[k]:.0f}")
            elif code == "min_total":
                parts.append(f"holdt oppe av avtalt minimum: {min_total[k]:.0f}")
            else:
                used, available = units[code]
                parts.append(f"begrenset av {RESOURCE_LABELS[code]}: {used[k]} av {available[k]:.0f} brukt")
        reasons[number_] = "; ".join(parts)
    return reasons
