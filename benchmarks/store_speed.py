"""The store of saved scenarios: save, open and a long history (SQLite in a temporary saved folder,
or the database `ALLOCATOR_DATABASE_URL` names).

  save     a new version of a saved scenario (serialise, what changed, one transaction, fsync)
  open     a saved scenario's current version as a validated scenario (not from the parsed-version
           cache: every run reads the database and validates again)
  history  the list of versions of a scenario with 1 000 versions
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from allocator import load_scenario
from allocator.present.edits import lock

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def _in_temporary_store(run):
    def case(repeat: int):
        with tempfile.TemporaryDirectory(prefix="store-speed-") as tmp:
            old = os.environ.get("ALLOCATOR_SAVED_DIR")
            os.environ["ALLOCATOR_SAVED_DIR"] = str(Path(tmp) / "saved")
            try:
                return run(repeat)
            finally:
                from allocator.output import store

                store.store().engine.dispose()
                if old is None:
                    del os.environ["ALLOCATOR_SAVED_DIR"]
                else:
                    os.environ["ALLOCATOR_SAVED_DIR"] = old
    return case


def save_case(folder: str, number: str):
    def run(repeat: int):
        from allocator.output import store

        scenario = load_scenario(SCENARIOS / folder)
        variants = [lock(scenario, number, 10 + k % 2) for k in range(2)]
        stored = store.save_named(scenario, "Benchmark")
        times = []
        for k in range(repeat + 1):
            started = time.perf_counter()
            stored = store.save_named(variants[k % 2], "Benchmark", opened=(stored.id, stored.version))
            times.append(time.perf_counter() - started)
        return {"e2e": times[1:]}  # the first save warms up the imports
    return _in_temporary_store(run)


def open_case(folder: str):
    def run(repeat: int):
        from allocator.output import store

        stored = store.save_named(load_scenario(SCENARIOS / folder), "Benchmark")
        times = []
        for _ in range(repeat + 1):
            store.store()._loaded.cache_clear()
            started = time.perf_counter()
            store.load_stored(stored)
            times.append(time.perf_counter() - started)
        return {"e2e": times[1:]}
    return _in_temporary_store(run)


def history_case(versions: int = 1000):
    def run(repeat: int):
        from allocator.output import store

        scenario = load_scenario(SCENARIOS / "vestland-2026")
        variants = [lock(scenario, "4602", 10 + k % 7) for k in range(7)]
        stored = store.save_named(scenario, "Benchmark")
        for k in range(versions - 1):
            stored = store.save_named(variants[k % 7], "Benchmark", opened=(stored.id, stored.version))
        times = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            found = store.history(stored.id)
            times.append(time.perf_counter() - started)
        assert len(found) == versions
        return {"e2e": times[1:]}
    return _in_temporary_store(run)


CASES = [
    ("store save, vestland-2026", save_case("vestland-2026", "4602"), 21),
    ("store save, norge-2026", save_case("norge-2026", "0301"), 11),
    ("store open, vestland-2026", open_case("vestland-2026"), 21),
    ("store open, norge-2026", open_case("norge-2026"), 11),
    ("store history of 1 000 versions", history_case(), 9),
]
TARGETS = [
    ("save a county scenario <= 30 ms", "store save, vestland-2026", "e2e", 30.0),
    ("save the national scenario <= 30 ms", "store save, norge-2026", "e2e", 30.0),
    ("open a county scenario <= 30 ms", "store open, vestland-2026", "e2e", 30.0),
    ("open the national scenario <= 30 ms", "store open, norge-2026", "e2e", 30.0),
    ("history of 1 000 versions <= 100 ms", "store history of 1 000 versions", "e2e", 100.0),
]
