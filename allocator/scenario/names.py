"""Municipality names as IMDi writes them, matched to the scenario's rows.

IMDi's lists name a municipality by one of its official names, in any of its languages
(«Trondheim» for «Trondheim - Tråante», «Karasjok» or «Kárášjohka» for «Kárášjohka - Karasjok»),
in any case and spacing, sometimes with a hint in brackets («Bø (Nordland)», «Herøy (Nordland)»).
The names shared by two municipalities (Våler, Herøy, Os, Sande …) are told apart by county.

The official names come from the scenario's own `kommune` column and the national table the
project carries (`allocator/data/kommuner_2024.csv`), split on « - »; a name that matches none, or
two, is refused with suggestions.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from allocator.scenario.national import national_table

_HINT = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


def fold(text: str) -> str:
    """Compared form: no case, no-break spaces as spaces, spaces collapsed, spaces around hyphens gone."""
    text = " ".join(str(text).replace("\u00a0", " ").replace("\u2013", "-").split()).casefold()
    return re.sub(r"\s*-\s*", "-", text)


def split_hint(name: str) -> tuple[str, str]:
    """«Bø (Nordland)» → («Bø», «Nordland»); a name without brackets → (name, "")."""
    match = _HINT.match(" ".join(str(name).replace("\u00a0", " ").split()))
    return (match.group(1), match.group(2)) if match else (" ".join(str(name).replace("\u00a0", " ").split()), "")


def official_names(kommune: str) -> list[str]:
    """Every name a municipality goes by: the whole name and each language's name."""
    base, _ = split_hint(kommune)
    parts = [p.strip() for p in base.split(" - ") if p.strip()]
    return list(dict.fromkeys([base, *parts]))


@dataclass
class NameIndex:
    """Folded name → row positions, with each row's county (folded) for shared names."""

    labels: list[str]
    counties: list[str]
    by_name: dict[str, set[int]] = field(default_factory=dict)

    def add(self, name: str, row: int) -> None:
        self.by_name.setdefault(fold(name), set()).add(row)

    def find(self, name: str, fylke: str = "") -> tuple[list[int], list[str]]:
        """Rows the name (within the county, when given) can mean, and suggestions when none."""
        base, hint = split_hint(name)
        rows = set(self.by_name.get(fold(base), set())) | set(self.by_name.get(fold(name), set()))
        county = fold(fylke)
        if county:
            rows = {k for k in rows if self.counties[k] == county}
        if hint and len(rows) > 1:  # «Herøy (Nordland)»: the hint names the county
            hinted = {k for k in rows if self.counties[k] == fold(hint)}
            rows = hinted or rows
        if rows:
            return sorted(rows), []
        pool = [n for n, ks in self.by_name.items() if not county or any(self.counties[k] == county for k in ks)]
        close = difflib.get_close_matches(fold(base), pool, n=3, cutoff=0.6)
        return [], sorted({self.labels[k] for n in close for k in self.by_name[n]
                           if not county or self.counties[k] == county})


def name_index(numbers, names, counties) -> NameIndex:
    """The index of a scenario's rows: their own names and the national table's official names."""
    national = {row["kommunenummer"]: row for row in national_table()}
    index = NameIndex([f"{n} {name}" + (f" ({c})" if c else "") for n, name, c in zip(numbers, names, counties)],
                      [fold(c or national.get(n, {}).get("fylke", "")) for n, c in zip(numbers, counties)])
    for k, (number, name) in enumerate(zip(numbers, names)):
        for official in official_names(name):
            index.add(official, k)
        if number in national:
            for official in official_names(national[number]["kommune"]):
                index.add(official, k)
    return index
