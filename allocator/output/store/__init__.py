"""Where scenarios live: the bundled ones (read-only folders) and the ones users save (a database
that keeps every version), the one module the app and the command line ask.

Saved scenarios live in a database (`repository`, `database`): SQLite in the saved folder
(`ALLOCATOR_SAVED_DIR`, default `saved/` beside `scenarios/`) unless `ALLOCATOR_DATABASE_URL`
names another (PostgreSQL on a hosted server). Scenario folders (TOML + CSV) and the Excel
workbook stay the exchange format: `import_folder` / `export_folder`, and the app's upload and
download.

Every function acts for an actor (`access`): the person signed in on the shared server, or, in
local mode (no `ALLOCATOR_ACCESS`), the one user of this machine, who may do everything. The app
tells the store who is asking once (`set_actor_provider`); a caller that passes no actor gets that
person, and on a server with an access file but nobody signed in, nobody: the bundled scenarios
only after sign-in, no saved ones, no saves.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Callable

from sqlalchemy.exc import SQLAlchemyError

from allocator.files import slugify
from allocator.scenario.data import SETTINGS_FILE, Scenario
from allocator.scenario.load import load_scenario
from allocator.scenario.write import save_scenario

from .access import (
    ACCESS_ENV,
    NATIONAL_OWNER,
    NOBODY,
    AccessDenied,
    AccessFileError,
    AccessRules,
    Actor,
    Grant,
    local_actor,
    read_rules,
)
from .changes import Change
from .database import DATABASE_ENV, database_url
from .repository import NOT_FOUND, Conflict, LogEntry, NameTaken, Store, StoredScenario, VersionInfo, clock, owner_label, owner_of

__all__ = [
    "ACCESS_ENV", "DATABASE_ENV", "NATIONAL_OWNER", "AccessDenied", "AccessFileError", "AccessRules", "Actor", "Change",
    "Conflict", "Grant", "StoreUnavailable", "LogEntry", "NameTaken", "NOT_FOUND", "Store", "StoredScenario", "VersionInfo", "clock",
    "current_actor", "delete", "diff", "export_folder", "find_saved", "head", "history", "import_folder",
    "list_scenarios", "load_stored", "local_actor", "owner_label", "owner_of", "read_log", "record", "restore",
    "rules", "save_named", "set_actor_provider", "slugify",
]

PROJECT_ROOT = Path(__file__).resolve().parents[3]
BUNDLED_DIR = PROJECT_ROOT / "scenarios"
DEFAULT_SCENARIO = "vestland-2026"


def saved_dir() -> Path:
    return Path(os.environ.get("ALLOCATOR_SAVED_DIR", PROJECT_ROOT / "saved")).resolve()


# --------------------------------------------------------------------------- who is asking

_provider: Callable[[], Actor | None] | None = None
_rules_cache: dict[tuple[str, float], AccessRules] = {}


def set_actor_provider(provider: Callable[[], Actor | None] | None) -> None:
    """The app's way to say who is asking (e.g. the signed-in user of this browser session)."""
    global _provider
    _provider = provider


def rules() -> AccessRules | None:
    """The access file's rules (re-read when the file changes), or None in local mode."""
    path = os.environ.get(ACCESS_ENV, "").strip()
    if not path:
        return None
    try:
        stamp = os.stat(path).st_mtime
    except OSError:
        return read_rules(path)  # raises AccessFileError naming the file
    if (path, stamp) not in _rules_cache:
        _rules_cache.clear()
        _rules_cache[(path, stamp)] = read_rules(path)
    return _rules_cache[(path, stamp)]


def current_actor(actor: Actor | None = None) -> Actor:
    """`actor`, else the app's signed-in user, else the local user in local mode, else nobody."""
    if actor is not None:
        return actor
    if _provider is not None:
        found = _provider()
        if found is not None:
            return found
    return local_actor() if rules() is None else NOBODY


# --------------------------------------------------------------------------- the database

_stores: dict[str, Store] = {}


class StoreUnavailable(RuntimeError):
    """The database of saved scenarios cannot be opened; the message says where and why."""


def store() -> Store:
    """The store of the configured database (opened, and migrated, once per process)."""
    folder = saved_dir()
    try:
        url = database_url(folder)
        found = _stores.get(url)
        if found is None:
            found = _stores[url] = Store(url, legacy_folder=folder)
    except (OSError, SQLAlchemyError) as exc:
        where = os.environ.get(DATABASE_ENV, "").split("@")[-1] or str(folder)  # never the password
        reason = getattr(exc, "orig", None) or exc
        raise StoreUnavailable(f"Databasen med lagrede scenarioer kan ikke åpnes ({where}): {reason}") from None
    return found


# --------------------------------------------------------------------------- the functions the app calls


def _scenario_name(folder: Path) -> str:
    """The name in a scenario.toml, without validating the rest (listing must stay fast)."""
    try:
        return str(tomllib.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8")).get("name", folder.name))
    except (OSError, ValueError):
        return folder.name


def bundled_scenarios() -> list[StoredScenario]:
    if not BUNDLED_DIR.is_dir():
        return []
    folders = sorted(p for p in BUNDLED_DIR.iterdir() if p.is_dir() and (p / SETTINGS_FILE).is_file()
                     and not p.name.startswith("."))
    found = [StoredScenario(_scenario_name(p), p, False) for p in folders]
    found.sort(key=lambda s: (s.path.name != DEFAULT_SCENARIO, s.name.lower()))
    return found


def list_scenarios(actor: Actor | None = None) -> list[StoredScenario]:
    """Bundled scenarios first (default first), then the saved ones the actor may read, by name."""
    who = current_actor(actor)
    if not who.known:  # nobody signed in, or a user the access file does not know
        return []
    return bundled_scenarios() + store().list(who)


def find_saved(name: str, actor: Actor | None = None) -> StoredScenario | None:
    """The saved scenario with exactly this name that the actor may read, if there is one."""
    return store().find(current_actor(actor), name)


def load_stored(stored: StoredScenario, actor: Actor | None = None, version: int | None = None) -> Scenario:
    """A listed scenario (a saved one: its current version, or `version`)."""
    if not stored.saved:
        if not current_actor(actor).known:
            raise AccessDenied(NOT_FOUND)
        return load_scenario(stored.path)
    return store().load(current_actor(actor), stored.id, version)


def save_named(scenario: Scenario, name: str, replace: bool = False, actor: Actor | None = None,
               opened: tuple[int, int] | None = None, based_on: str = "") -> StoredScenario:
    """Save under `name` (see `Store.save`): a new scenario, or a new version of the one with this name."""
    return store().save(current_actor(actor), scenario, name, replace=replace, opened=opened, based_on=based_on)


def history(scenario_id: int, actor: Actor | None = None) -> list[VersionInfo]:
    return store().history(current_actor(actor), scenario_id)


def diff(scenario_id: int, old: int, new: int, actor: Actor | None = None) -> list[Change]:
    return store().diff(current_actor(actor), scenario_id, old, new)


def head(scenario_id: int, actor: Actor | None = None) -> VersionInfo:
    return store().head(current_actor(actor), scenario_id)


def restore(scenario_id: int, number: int, actor: Actor | None = None) -> StoredScenario:
    return store().restore(current_actor(actor), scenario_id, number)


def delete(scenario_id: int, actor: Actor | None = None) -> None:
    store().delete(current_actor(actor), scenario_id)


def read_log(actor: Actor | None = None, limit: int = 500) -> list[LogEntry]:
    return store().read_log(current_actor(actor), limit)


def record(action: str, detail: str = "", actor: Actor | None = None) -> None:
    store().record(current_actor(actor), action, detail)


def import_folder(folder: str | os.PathLike, name: str | None = None, actor: Actor | None = None,
                  replace: bool = False) -> StoredScenario:
    """A scenario folder (as the command line uses) saved into the store."""
    scenario = load_scenario(folder)
    return save_named(scenario, name or scenario.name, replace=replace, actor=actor, based_on=f"mappen {Path(folder).name}")


def export_folder(stored: StoredScenario, folder: str | os.PathLike, version: int | None = None,
                  actor: Actor | None = None) -> Path:
    """A saved scenario's version (default the current one) as an ordinary scenario folder."""
    if not stored.saved:
        return save_scenario(load_stored(stored, actor), folder)
    return store().export_folder(current_actor(actor), stored.id, Path(folder), version)
