"""Unsaved edits kept on the server, so a reload of the page (F5, a closed tab) loses nothing.

A draft is one JSON file per browser address (`?utkast=<id>`): the scenario as loaded and as
edited, both in their file form (the settings of `scenario.toml` and the rows of
`municipalities.csv`, never pickled objects), and the list of edits in words. It is written
atomically after each edit and read back through the same checks as any file, so a draft from an
older version of the app that no longer passes them is simply not offered. Drafts are private to
the address (not listed anywhere); ones not touched for `KEEP_DAYS` days are removed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from allocator.files import atomic_write
from allocator.output.store import saved_dir
from allocator.problems import ScenarioError
from allocator.scenario.data import MUNICIPALITIES_FILE, SETTINGS_FILE, Scenario
from allocator.scenario.readers import RawTable
from allocator.scenario.validate import build_scenario
from allocator.scenario.write import municipalities_csv_rows, settings_dict

KEEP_DAYS = 14
log = logging.getLogger(__name__)
_ID = re.compile(r"[A-Za-z0-9_-]{8,40}")


def drafts_dir() -> Path:
    """`ALLOCATOR_DRAFTS_DIR`, else `drafts/` beside the saved scenarios' folder."""
    default = saved_dir().parent / "drafts"
    return Path(os.environ.get("ALLOCATOR_DRAFTS_DIR", default)).resolve()


def new_id() -> str:
    return secrets.token_urlsafe(12)


def valid_id(draft_id: object) -> bool:
    """Only ids this module makes name a file: nothing in the address can reach another folder."""
    return isinstance(draft_id, str) and bool(_ID.fullmatch(draft_id))


@dataclass(frozen=True)
class Draft:
    base: Scenario
    scenario: Scenario
    steps: tuple[str, ...]
    label: str  # «Velg scenario»'s label of the scenario the edits started from
    saved_at: float


def _file_form(scenario: Scenario) -> dict:
    header, rows = municipalities_csv_rows(scenario)
    return {"settings": settings_dict(scenario), "header": header, "rows": rows}


def _scenario(form: dict) -> Scenario:
    raw = RawTable.from_records(MUNICIPALITIES_FILE, list(form["header"]), [list(r) for r in form["rows"]])
    return build_scenario(form["settings"], raw, SETTINGS_FILE, MUNICIPALITIES_FILE)


def save(draft_id: str, base: Scenario, scenario: Scenario, steps: list[str], label: str) -> None:
    if not valid_id(draft_id):
        raise ValueError("ugyldig utkast-id")
    folder = drafts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    data = {"base": _file_form(base), "scenario": _file_form(scenario), "steps": list(steps), "label": label,
            "saved_at": time.time()}
    atomic_write(folder / f"{draft_id}.json", json.dumps(data, ensure_ascii=False).encode("utf-8"))
    _prune(folder)


_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="utkast")


def save_later(draft_id: str, base: Scenario, scenario: Scenario, steps: list[str], label: str) -> None:
    """`save` on one background thread, in the order asked (scenarios are immutable): an edit does
    not wait for the disk, and a later draft is never overwritten by an earlier one."""
    def write() -> None:
        try:
            save(draft_id, base, scenario, steps, label)
        except (OSError, ValueError) as exc:
            log.warning("draft %s not kept: %s", draft_id, exc)

    _writer.submit(write)


def discard_later(draft_id: str) -> None:
    _writer.submit(discard, draft_id)


def load(draft_id: str) -> Draft | None:
    """The draft of an address, or None (none, unreadable, or no longer a valid scenario).
    Waits for the drafts being written first (a reload right after an edit finds it)."""
    if not valid_id(draft_id):
        return None
    _writer.submit(lambda: None).result()
    path = drafts_dir() / f"{draft_id}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Draft(_scenario(data["base"]), _scenario(data["scenario"]), tuple(data.get("steps", ())),
                     str(data.get("label", "")), float(data.get("saved_at", 0)))
    except (OSError, ValueError, KeyError, TypeError, ScenarioError):
        return None


def discard(draft_id: str) -> None:
    if valid_id(draft_id):
        (drafts_dir() / f"{draft_id}.json").unlink(missing_ok=True)


def _prune(folder: Path) -> None:
    cutoff = time.time() - KEEP_DAYS * 86400
    for path in folder.glob("*.json"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass
