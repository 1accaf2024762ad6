"""The bundled scenarios' plans are pinned, to the person.

`tests/data/pinned_plans.json` holds the yearly plans that the allocator gave before its model was
rewritten from PuLP expressions to arrays (issue 9), for every bundled scenario and for the
benchmark's synthetic national case (`tests/data/synthetic-357`, every kind of limit binding). A
change to the model, the key, the readers or the solvers that moves one person fails here: a
deliberate change of the plans must update the file and say why in its commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import SCENARIOS, solve_and_check

from allocator import GROUPS, load_scenario

DATA = Path(__file__).resolve().parents[1] / "data"
PINNED = json.loads((DATA / "pinned_plans.json").read_text(encoding="utf-8"))
FOLDERS = {name: SCENARIOS / name for name in PINNED if (SCENARIOS / name).is_dir()} | {"synthetic-357": DATA / "synthetic-357"}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_the_plan_is_the_pinned_one_to_the_person(name):
    plan = solve_and_check(load_scenario(FOLDERS[name]))
    got = {number: [int(plan.allocation.at[number, g]) for g in GROUPS] for number in plan.allocation.index}
    differing = {n: (PINNED[name][n], got.get(n)) for n in PINNED[name] if PINNED[name][n] != got.get(n)}
    assert not differing and set(got) == set(PINNED[name]), f"(pinned, now) per municipality: {differing}"
