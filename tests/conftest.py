"""Shared fixtures for the core-library tests (builders live in helpers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
for path in (TESTS.parent, TESTS):  # `import allocator` and `import helpers`, however pytest is started
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from helpers import SCENARIOS, write_scenario  # noqa: E402


@pytest.fixture
def scenario_dir(tmp_path):
    """Factory: scenario_dir(toml=..., csv=...) writes a scenario folder under tmp_path and returns it."""
    counter = iter(range(1_000))

    def make(toml=None, csv=None):
        return write_scenario(tmp_path / f"scenario{next(counter)}", toml=toml, csv=csv)

    return make


@pytest.fixture(scope="session")
def bundled():
    """Path of a bundled scenario folder by name."""
    return lambda name: SCENARIOS / name
