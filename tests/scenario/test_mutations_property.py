"""Property (issue 16): a mutated header name or value is refused, noted, or gives the same plan.

The mutations are the ways a real file differs from what was meant: a typing error in a header
(a letter left out, added, changed or two swapped), another case, the Norwegian header, spaces
for underscores; in a count, a sign, an exponent, a decimal point or comma, thousands written
with a space or a point, a leading zero, other digits than 0–9, a word after the number. Each
mutated Vestland table must be either refused (`ScenarioError`), or read with a note that the
original does not have, or give exactly the same yearly plan as the original, municipality by
municipality and group by group. A plan from differently read data without a word fails it.
"""

from __future__ import annotations

import csv
import io
import shutil
import string

from helpers import SCENARIOS, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator import ScenarioError, load_scenario, solve
from allocator.labels import column_label

VESTLAND = SCENARIOS / "vestland-2026"
with (VESTLAND / "municipalities.csv").open(encoding="utf-8") as _handle:
    HEADER, *ROWS = list(csv.reader(_handle))
COUNT_COLUMNS = [j for j, name in enumerate(HEADER) if name not in ("kommunenummer", "kommune")]


def _yearly(scenario):
    """The yearly plan (the quarterly schedule left out: the mutations are about the year's data)."""
    return solve(scenario.with_changes(quarters=None)).allocation


BASE = load_scenario(VESTLAND)
BASE_PLAN = _yearly(BASE)


@st.composite
def header_mutation(draw, name: str) -> str:
    kind = draw(st.sampled_from(["delete", "insert", "replace", "swap", "case", "norwegian", "spaces", "padding"]))
    i = draw(st.integers(0, len(name) - 1))
    letter = draw(st.sampled_from(string.ascii_lowercase))
    if kind == "delete":
        return name[:i] + name[i + 1:]
    if kind == "insert":
        return name[:i] + letter + name[i:]
    if kind == "replace":
        return name[:i] + letter + name[i + 1:]
    if kind == "swap" and i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    if kind == "case":
        return draw(st.sampled_from([name.upper(), name.title(), name.capitalize()]))
    if kind == "norwegian":
        return column_label(name)
    if kind == "spaces":
        return name.replace("_", " ")
    return f"  {name} "


@st.composite
def value_mutation(draw, text: str) -> str:
    kind = draw(st.sampled_from(["minus", "plus", "exponent", "point", "comma", "space", "thousands_point", "zero",
                                 "fullwidth", "word", "unicode_minus", "nbsp"]))
    if kind == "minus":
        return "-" + text
    if kind == "plus":
        return "+" + text
    if kind == "exponent":
        return text + "e0"
    if kind == "point":
        return text + ".0"
    if kind == "comma":
        return text + ",0"
    if kind == "space":
        return f"{int(text):,}".replace(",", " ")
    if kind == "thousands_point":
        return f"{int(text):,}".replace(",", ".")
    if kind == "zero":
        return "0" + text
    if kind == "fullwidth":
        return "".join(chr(ord(c) - ord("0") + ord("０")) for c in text)
    if kind == "word":
        return text + " stk"
    if kind == "unicode_minus":
        return "\u2212" + text
    return f"{int(text):,}".replace(",", "\u00a0")


@st.composite
def mutated_table(draw) -> tuple[list[str], list[list[str]], list[str]]:
    header = list(HEADER)
    rows = [list(row) for row in ROWS]
    done = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            j = draw(st.integers(0, len(header) - 1))
            header[j] = draw(header_mutation(HEADER[j]))
            done.append(f"header {HEADER[j]!r} → {header[j]!r}")
        else:
            k = draw(st.integers(0, len(rows) - 1))
            j = draw(st.sampled_from(COUNT_COLUMNS))
            if rows[k][j]:
                rows[k][j] = draw(value_mutation(ROWS[k][j]))
                done.append(f"{ROWS[k][0]} {HEADER[j]}: {ROWS[k][j]!r} → {rows[k][j]!r}")
    return header, rows, done


@settings(max_examples=examples(60))
@given(mutated_table())
def test_every_mutation_is_refused_noted_or_gives_the_same_plan(tmp_path_factory, table):
    header, rows, done = table
    folder = tmp_path_factory.mktemp("mutated")
    shutil.copy(VESTLAND / "scenario.toml", folder / "scenario.toml")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    (folder / "municipalities.csv").write_text(buffer.getvalue(), encoding="utf-8")
    try:
        scenario = load_scenario(folder)
    except ScenarioError:
        return  # refused
    if set(scenario.notes) - set(BASE.notes):
        return  # read, and the user is told what was noticed
    plan = _yearly(scenario)
    assert plan.index.equals(BASE_PLAN.index) and (plan.values == BASE_PLAN.values).all(), (
        f"a different plan without a word after {done}")
