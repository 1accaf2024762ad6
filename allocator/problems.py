"""What is wrong with an input, located as precisely as we can, in words a county adviser reads.

Kept apart from `validate.py` so the readers, the model and the app can raise and show problems
without importing the validation rules.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The most problems shown at once; the rest are counted (a 50,000-row file can have 50,000).
SHOWN_PROBLEMS = 50


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: file (or sheet), row, column, and what was expected."""

    file: str
    row: str | None = None
    column: str | None = None
    message: str = ""

    def __str__(self) -> str:
        where = [self.file] if self.file else []
        if self.row:
            where.append(self.row if self.row.startswith(("linje", "rad")) else f"rad {self.row}")
        if self.column:
            where.append(f"{self._column_word()} {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


    def _column_word(self) -> str:
        """What `column` is in this file: a key of scenario.toml («nøkkel request.adults»), a setting
        of a workbook's settings sheet, else a column of a table."""
        folded = self.file.casefold()
        if folded.endswith(".toml"):
            return "nøkkel"
        if folded.endswith("ark innstillinger"):
            return "innstilling"
        return "kolonne"


class ScenarioError(ValueError):
    """The scenario input is invalid; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self, limit: int = SHOWN_PROBLEMS) -> list[str]:
        """The problems as lines, at most `limit`, then how many more there are."""
        shown = [str(p) for p in self.problems[:limit]]
        rest = len(self.problems) - len(shown)
        if rest > 0:
            shown.append(f"… og {rest:,} feil til (rett de første og prøv igjen)".replace(",", " "))
        return shown
