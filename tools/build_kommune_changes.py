"""Build allocator/data/kommunenummer_endringer.csv: every old kommunenummer (2008–2023) and the
2024 municipality (or municipalities) it became, from SSB's classification changes.

Why: a table typed from an older list (1201 Bergen, before 2020) must be told that 1201 is now
4601, not silently planned under a number no municipality has. The input
(../shared/data/ssb_kommune_changes_2008_2024.csv, SSB KLASS classification 131) is a
developer-only resource and not shipped; the output is committed.

    .venv/bin/python tools/build_kommune_changes.py      (from the repository root)
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The developer-only shared/ data folder next to the repository (or next to the folder of worktrees).
SOURCE = next((folder / "shared" / "data" / "ssb_kommune_changes_2008_2024.csv" for folder in (ROOT.parent, ROOT.parent.parent)
               if (folder / "shared" / "data").is_dir()), ROOT.parent / "shared" / "data" / "ssb_kommune_changes_2008_2024.csv")
NATIONAL = ROOT / "allocator" / "data" / "kommuner_2024.csv"
OUT = ROOT / "allocator" / "data" / "kommunenummer_endringer.csv"


def main(source: Path = SOURCE) -> None:
    with NATIONAL.open(encoding="utf-8") as handle:
        current = {row["kommunenummer"]: row["kommune"] for row in csv.DictReader(handle)}
    with source.open(encoding="utf-8") as handle:
        changes = sorted(csv.DictReader(handle), key=lambda row: row["changeOccurred"])
    successors: dict[str, list[tuple[str, str, str]]] = {}  # old → [(new, old name, year)]
    for row in changes:
        if row["oldCode"] != row["newCode"]:
            successors.setdefault(row["oldCode"], []).append((row["newCode"], row["oldName"], row["changeOccurred"][:4]))

    def today(code: str, seen: frozenset = frozenset()) -> set[str]:
        """The 2024 numbers an old number ended in, following every later change."""
        if code in current:
            return {code}
        if code in seen or code not in successors:
            return set()
        return set().union(*(today(new, seen | {code}) for new, _, _ in successors[code]))

    rows = []
    for old in sorted(successors):
        if old in current:  # a number still in use is its own municipality
            continue
        name, year = successors[old][0][1], successors[old][0][2]
        for new in sorted(today(old)):
            rows.append({"old_number": old, "old_name": name, "year": year, "new_number": new, "new_name": current[new]})
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["old_number", "old_name", "year", "new_number", "new_name"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} rows for {len({r['old_number'] for r in rows})} old numbers")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
