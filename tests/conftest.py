"""Shared fixtures for the core-library tests (builders live in helpers.py)."""

from __future__ import annotations

import os

import pytest
from helpers import SCENARIOS, write_scenario  # `make` installs the package; pytest puts tests/ on the path
from hypothesis import HealthCheck, settings

# Hypothesis: a fast default for `make test`, and a long run for a deeper search
# (`HYPOTHESIS_PROFILE=long make test`: every property test tries ten times as many examples,
# see helpers.examples). The default is derandomized: the same examples on every run, so `make
# test` and CI pass or fail alike on every machine; the long run draws new examples each time,
# and what it finds becomes a plain regression test.
settings.register_profile("fast", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
settings.register_profile("long", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


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
