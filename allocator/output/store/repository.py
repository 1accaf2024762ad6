"""Saved scenarios with every version kept, behind the access rules.

Each save is one transaction that adds a version (who, when, from which scenario it started, what
changed) and a line in the log; nothing is ever overwritten or deleted: a restore is a new version,
a deletion hides the scenario (soft) and keeps its versions. Every method takes the actor it works
for and checks the access rules first, so a user never gets the name, numbers or files of a
scenario she may not read, however the request was made; a scenario she may not read is answered
exactly as one that does not exist.

Two sessions saving one scenario: a save names the version its session opened (`opened`); when a
newer version was saved since, the save is refused with `Conflict` (who saved it, when) unless the
caller asks to save anyway (`replace=True`, the other version stays in the history) or keeps both
under a new name.
"""

from __future__ import annotations

import functools
import json
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from allocator.files import slugify
from allocator.scenario.data import COUNTY_COLUMN, MUNICIPALITIES_FILE, SETTINGS_FILE, Scenario
from allocator.scenario.load import load_scenario
from allocator.scenario.national import national_table
from allocator.scenario.readers import parse_csv, parse_toml
from allocator.scenario.validate import ScenarioError, build_scenario
from allocator.scenario.write import municipalities_csv_text, save_scenario, settings_dict

from .access import NATIONAL_OWNER, AccessDenied, Actor
from .changes import Change, changes_between
from .database import log, make_engine, migrate, scenarios, versions

NOT_FOUND = "Fant ikke scenarioet (det kan være slettet, eller du har ikke tilgang til det)."


@dataclass(frozen=True)
class StoredScenario:
    """A scenario one can open: a bundled folder (`saved` False) or a saved scenario's current
    version (`id`, `version`) in the database."""

    name: str
    path: Path | None
    saved: bool
    id: int | None = None
    version: int | None = None
    owner: str | None = None
    saved_by: str = ""
    saved_at: float = 0.0
    same_name_elsewhere: bool = False  # another county's scenario has this name too: say whose

    @property
    def label(self) -> str:
        if not self.saved:
            return self.name
        return f"{self.name} (lagret, {self.owner})" if self.same_name_elsewhere else f"{self.name} (lagret)"


@dataclass(frozen=True)
class VersionInfo:
    """One version in a scenario's history."""

    scenario_id: int
    number: int
    name: str
    saved_by: str
    saved_at: float
    based_on: str
    parent: int | None
    restored_from: int | None
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class LogEntry:
    at: float
    actor: str
    action: str
    scenario_id: int | None
    version: int | None
    detail: str


class NameTaken(ValueError):
    """A saved scenario has exactly this name already; save again with replace=True to add a new
    version to it (its earlier versions stay in the history)."""

    def __init__(self, name: str, stored: StoredScenario):
        super().__init__(f"Det finnes allerede et lagret scenario som heter «{name}». "
                         "Vil du erstatte det, eller lagre under et annet navn?")
        self.name = name
        self.stored = stored


class Conflict(ValueError):
    """Someone saved the scenario since this session opened it."""

    def __init__(self, name: str, latest: VersionInfo, opened: int):
        super().__init__(f"«{name}» ble lagret av {latest.saved_by} ({clock(latest.saved_at)}, versjon {latest.number}) "
                         f"etter at du åpnet versjon {opened}.")
        self.name = name
        self.latest = latest
        self.opened = opened


def clock(at: float) -> str:
    """A saving time as a Norwegian reads it: «4.12.2026 kl. 14:03»."""
    t = time.localtime(at)
    return f"{t.tm_mday}.{t.tm_mon}.{t.tm_year} kl. {t.tm_hour:02d}:{t.tm_min:02d}"


def name_key(name: str) -> str:
    """Exactly the same name as a person sees it (the same letters, whatever the Unicode form)."""
    return unicodedata.normalize("NFC", name.strip())


@functools.lru_cache(maxsize=1)
def _county_by_number() -> dict[str, str]:
    return {row["kommunenummer"]: row["fylke"] for row in national_table()}


def owner_of(scenario: Scenario) -> str:
    """The county a scenario belongs to: its municipalities' one county (from its fylke column,
    else from the national table), or «nasjonal» when it spans counties or none is known."""
    if COUNTY_COLUMN in scenario.table.columns:
        found = {c for c in scenario.table.text(COUNTY_COLUMN) if c}
    else:
        known = _county_by_number()
        found = {known[n] for n in scenario.table.numbers if n in known}
    return found.pop() if len(found) == 1 else NATIONAL_OWNER


def files_of(scenario: Scenario) -> tuple[str, str]:
    """The scenario as its two files' text: the exchange format, and what each version stores."""
    import tomli_w  # on demand: heavy to import (see allocator/__init__)

    return tomli_w.dumps(settings_dict(scenario)), municipalities_csv_text(scenario)


def scenario_from_files(settings: str, rows: str) -> Scenario:
    parsed, notes = parse_toml(settings.encode("utf-8"), SETTINGS_FILE)
    table = parse_csv(rows.encode("utf-8"), MUNICIPALITIES_FILE)
    table.notes[:0] = notes
    return build_scenario(parsed, table, SETTINGS_FILE, MUNICIPALITIES_FILE)


class Store:
    """The saved scenarios of one database."""

    def __init__(self, url: str, legacy_folder: Path | None = None):
        self.url = url
        self.engine: Engine = make_engine(url)
        found = migrate(self.engine)
        if found == 0 and legacy_folder is not None:
            self._import_legacy(legacy_folder)
        self._loaded = functools.lru_cache(maxsize=64)(self._load_version)

    # ------------------------------------------------------------------ reading

    def _reader(self):
        return self.engine.connect()

    def _writer(self):
        return self.engine.connect().execution_options(write=True)

    def _stored(self, row) -> StoredScenario:
        return StoredScenario(row.name, None, True, row.id, row.head, row.owner, row.saved_by, row.saved_at)

    def _live_query(self):
        v = versions
        return (select(scenarios.c.id, scenarios.c.head, scenarios.c.owner, v.c.name, v.c.saved_by, v.c.saved_at)
                .join(v, (v.c.scenario_id == scenarios.c.id) & (v.c.number == scenarios.c.head))
                .where(scenarios.c.deleted_at.is_(None)))

    def list(self, actor: Actor) -> list[StoredScenario]:
        """The saved scenarios the actor may read, by name."""
        with self._reader() as connection:
            rows = connection.execute(self._live_query()).all()
        found = [self._stored(r) for r in rows if actor.can_read(r.owner)]
        names = Counter(name_key(s.name) for s in found)
        found = [replace(s, same_name_elsewhere=True) if names[name_key(s.name)] > 1 else s for s in found]
        return sorted(found, key=lambda s: (s.name.lower(), s.id))

    def get(self, actor: Actor, scenario_id: int, deleted: bool = False) -> StoredScenario:
        """One saved scenario by id; `AccessDenied` with NOT_FOUND when it does not exist or the
        actor may not read it (the two answers are the same)."""
        query = (select(scenarios.c.id, scenarios.c.head, scenarios.c.owner, versions.c.name, versions.c.saved_by,
                        versions.c.saved_at)
                 .join(versions, (versions.c.scenario_id == scenarios.c.id) & (versions.c.number == scenarios.c.head))
                 .where(scenarios.c.id == scenario_id))
        if not deleted:
            query = query.where(scenarios.c.deleted_at.is_(None))
        with self._reader() as connection:
            row = connection.execute(query).first()
        if row is None or not actor.can_read(row.owner):
            raise AccessDenied(NOT_FOUND)
        return self._stored(row)

    def find(self, actor: Actor, name: str) -> StoredScenario | None:
        key = name_key(name)
        with self._reader() as connection:
            rows = connection.execute(self._live_query().where(scenarios.c.name_key == key)).all()
        readable = [self._stored(r) for r in rows if actor.can_read(r.owner)]
        return readable[0] if readable else None

    def _load_version(self, scenario_id: int, number: int) -> Scenario:
        with self._reader() as connection:
            row = connection.execute(select(versions.c.settings, versions.c.municipalities)
                                     .where(versions.c.scenario_id == scenario_id, versions.c.number == number)).first()
        if row is None:
            raise AccessDenied(NOT_FOUND)
        return scenario_from_files(row.settings, row.municipalities)

    def load(self, actor: Actor, scenario_id: int, number: int | None = None) -> Scenario:
        """A version (default the current one) as a scenario. Versions never change, so a parsed
        version is kept for the next reader."""
        stored = self.get(actor, scenario_id, deleted=actor.is_admin)
        return self._loaded(scenario_id, number or stored.version)

    def files(self, actor: Actor, scenario_id: int, number: int | None = None) -> tuple[str, str]:
        stored = self.get(actor, scenario_id, deleted=actor.is_admin)
        with self._reader() as connection:
            row = connection.execute(select(versions.c.settings, versions.c.municipalities).where(
                versions.c.scenario_id == scenario_id, versions.c.number == (number or stored.version))).first()
        if row is None:
            raise AccessDenied(NOT_FOUND)
        return row.settings, row.municipalities

    def history(self, actor: Actor, scenario_id: int) -> list[VersionInfo]:
        """Every version, newest first."""
        self.get(actor, scenario_id, deleted=actor.is_admin)
        v = versions
        with self._reader() as connection:
            rows = connection.execute(
                select(v.c.number, v.c.name, v.c.saved_by, v.c.saved_at, v.c.based_on, v.c.parent, v.c.restored_from,
                       v.c.changes).where(v.c.scenario_id == scenario_id).order_by(v.c.number.desc())).all()
        return [VersionInfo(scenario_id, r.number, r.name, r.saved_by, r.saved_at, r.based_on, r.parent,
                            r.restored_from, tuple(Change(**c) for c in json.loads(r.changes))) for r in rows]

    def diff(self, actor: Actor, scenario_id: int, old: int, new: int) -> list[Change]:
        """What differs between two versions of one scenario (in either order)."""
        return changes_between(self.files(actor, scenario_id, old), self.files(actor, scenario_id, new))

    def head(self, actor: Actor, scenario_id: int) -> VersionInfo:
        """The current version (to tell a session that its scenario was saved elsewhere)."""
        stored = self.get(actor, scenario_id)
        v = versions
        with self._reader() as connection:
            r = connection.execute(select(v.c.number, v.c.name, v.c.saved_by, v.c.saved_at, v.c.based_on, v.c.parent,
                                          v.c.restored_from).where(v.c.scenario_id == scenario_id,
                                                                   v.c.number == stored.version)).one()
        return VersionInfo(scenario_id, r.number, r.name, r.saved_by, r.saved_at, r.based_on, r.parent, r.restored_from, ())

    def read_log(self, actor: Actor, limit: int = 500) -> list[LogEntry]:
        if not actor.is_admin:
            raise AccessDenied("Bare administratorer kan lese loggen.")
        with self._reader() as connection:
            rows = connection.execute(select(log).order_by(log.c.id.desc()).limit(limit)).all()
        return [LogEntry(r.at, r.actor, r.action, r.scenario_id, r.version, r.detail) for r in rows]

    # ------------------------------------------------------------------ writing

    def record(self, actor: Actor, action: str, detail: str = "") -> None:
        """A line in the log that is not a save (a sign-in, a refused sign-in)."""
        with self._writer() as connection, connection.begin():
            connection.execute(log.insert().values(at=time.time(), actor=actor.email or "ukjent", action=action,
                                                   detail=detail))

    def save(self, actor: Actor, scenario: Scenario, name: str, *, replace: bool = False,
             opened: tuple[int, int] | None = None, based_on: str = "") -> StoredScenario:
        """Save `scenario` under `name` as a new version (or a new scenario).

        `opened` is (scenario id, version) the session had opened: saving under that scenario's name
        then adds a version without asking, unless a newer version was saved since (`Conflict`).
        Any other scenario with this name is replaced only with `replace=True` (`NameTaken`);
        replacing adds a version, the earlier ones stay.
        """
        name = name.strip()
        if not slugify(name):
            raise ValueError("Navnet må inneholde minst én bokstav eller ett tall.")
        scenario = scenario.with_changes(name=name)
        owner = owner_of(scenario)
        if not actor.can_write(owner):
            raise AccessDenied(f"Du har ikke lov til å lagre scenarioer for {owner_label(owner)}.")
        content = files_of(scenario)
        for attempt in range(20):
            try:
                return self._save_once(actor, name, owner, content, replace, opened, based_on)
            except IntegrityError:  # PostgreSQL: another server made this name or number meanwhile
                if attempt == 19:
                    raise
            except OperationalError as exc:  # SQLite: still locked after the busy timeout
                if "locked" not in str(exc) or attempt == 19:
                    raise
        raise AssertionError("unreachable")

    def _save_once(self, actor, name, owner, content, replace, opened, based_on) -> StoredScenario:
        now, key = time.time(), name_key(name)
        with self._writer() as connection, connection.begin():
            query = (select(scenarios.c.id, scenarios.c.head)
                     .where(scenarios.c.owner == owner, scenarios.c.name_key == key, scenarios.c.deleted_at.is_(None)))
            if connection.dialect.name == "postgresql":
                query = query.with_for_update()
            row = connection.execute(query).first()
            parent = None
            if row is None:
                scenario_id = connection.execute(scenarios.insert().values(
                    name=name, name_key=key, owner=owner, head=1, created_at=now, created_by=actor.email)).inserted_primary_key[0]
                number, previous = 1, None
            else:
                scenario_id = row.id
                mine = opened is not None and opened[0] == row.id
                if mine and row.head != opened[1] and not replace:
                    raise Conflict(name, self._version_info(connection, row.id, row.head), opened[1])
                if not mine and not replace:
                    raise NameTaken(name, StoredScenario(name, None, True, row.id, row.head, owner))
                parent = opened[1] if mine else None
                number = row.head + 1
                previous = connection.execute(select(versions.c.settings, versions.c.municipalities).where(
                    versions.c.scenario_id == row.id, versions.c.number == row.head)).one()
                previous = (previous.settings, previous.municipalities)
                connection.execute(scenarios.update().where(scenarios.c.id == row.id).values(head=number))
            changes = [c.as_dict() for c in changes_between(previous, content)]
            self._add_version(connection, actor, scenario_id, number, name, content, now, based_on, parent, None, changes)
            connection.execute(log.insert().values(at=now, actor=actor.email, action="lagret", scenario_id=scenario_id,
                                                   version=number, detail=name))
        return StoredScenario(name, None, True, scenario_id, number, owner, actor.email, now)

    @staticmethod
    def _add_version(connection, actor, scenario_id, number, name, content, now, based_on, parent, restored_from, changes):
        connection.execute(versions.insert().values(
            scenario_id=scenario_id, number=number, name=name, saved_by=actor.email, saved_at=now,
            based_on=based_on or "", parent=parent, restored_from=restored_from, settings=content[0],
            municipalities=content[1], changes=json.dumps(changes, ensure_ascii=False)))

    @staticmethod
    def _version_info(connection, scenario_id: int, number: int) -> VersionInfo:
        v = versions
        r = connection.execute(select(v.c.number, v.c.name, v.c.saved_by, v.c.saved_at, v.c.based_on, v.c.parent,
                                      v.c.restored_from).where(v.c.scenario_id == scenario_id, v.c.number == number)).one()
        return VersionInfo(scenario_id, r.number, r.name, r.saved_by, r.saved_at, r.based_on, r.parent, r.restored_from, ())

    def restore(self, actor: Actor, scenario_id: int, number: int) -> StoredScenario:
        """Make version `number` the current one again, as a new version (nothing is lost)."""
        stored = self.get(actor, scenario_id)
        if not actor.can_write(stored.owner):
            raise AccessDenied(f"Du har ikke lov til å endre scenarioer for {owner_label(stored.owner)}.")
        now = time.time()
        with self._writer() as connection, connection.begin():
            query = select(scenarios.c.head).where(scenarios.c.id == scenario_id)
            if connection.dialect.name == "postgresql":
                query = query.with_for_update()
            head = connection.execute(query).scalar_one()
            v = versions
            rows = {r.number: r for r in connection.execute(
                select(v.c.number, v.c.name, v.c.settings, v.c.municipalities)
                .where(v.c.scenario_id == scenario_id, v.c.number.in_([number, head]))).all()}
            if number not in rows:
                raise AccessDenied(f"Scenarioet har ingen versjon {number}.")
            content = (rows[number].settings, rows[number].municipalities)
            changes = [c.as_dict() for c in changes_between((rows[head].settings, rows[head].municipalities), content)]
            self._add_version(connection, actor, scenario_id, head + 1, rows[number].name, content, now,
                              f"versjon {number}", head, number, changes)
            connection.execute(scenarios.update().where(scenarios.c.id == scenario_id).values(head=head + 1))
            connection.execute(log.insert().values(at=now, actor=actor.email, action="gjenopprettet",
                                                   scenario_id=scenario_id, version=head + 1,
                                                   detail=f"{rows[number].name}: versjon {number}"))
        return StoredScenario(rows[number].name, None, True, scenario_id, head + 1, stored.owner, actor.email, now)

    def delete(self, actor: Actor, scenario_id: int) -> None:
        """Hide a scenario from every list (soft): its versions stay, the log says who and when."""
        stored = self.get(actor, scenario_id)
        if not actor.can_write(stored.owner):
            raise AccessDenied(f"Du har ikke lov til å slette scenarioer for {owner_label(stored.owner)}.")
        now = time.time()
        with self._writer() as connection, connection.begin():
            connection.execute(scenarios.update().where(scenarios.c.id == scenario_id)
                               .values(deleted_at=now, deleted_by=actor.email))
            connection.execute(log.insert().values(at=now, actor=actor.email, action="slettet", scenario_id=scenario_id,
                                                   version=stored.version, detail=stored.name))

    def count_versions(self, scenario_id: int) -> int:
        with self._reader() as connection:
            return connection.execute(select(func.count()).select_from(versions)
                                      .where(versions.c.scenario_id == scenario_id)).scalar_one()

    # ------------------------------------------------------------------ exchange

    def export_folder(self, actor: Actor, scenario_id: int, folder: Path, number: int | None = None) -> Path:
        """A version as an ordinary scenario folder (scenario.toml + municipalities.csv)."""
        return save_scenario(self.load(actor, scenario_id, number), folder)

    def _import_legacy(self, root: Path) -> None:
        """Scenarios saved as folders before the database (schema 0) become version 1 each."""
        if not root.is_dir():
            return
        who = Actor("ukjent (lagret før versjoner)", ())
        for folder in sorted(p for p in root.iterdir() if not p.name.startswith(".") and (p / SETTINGS_FILE).is_file()):
            try:
                scenario = load_scenario(folder)
            except ScenarioError:
                continue  # unreadable then as now; the folder stays where it is
            content, now = files_of(scenario), time.time()
            owner = owner_of(scenario)
            try:
                with self._writer() as connection, connection.begin():
                    sid = connection.execute(scenarios.insert().values(
                        name=scenario.name, name_key=name_key(scenario.name), owner=owner, head=1, created_at=now,
                        created_by=who.email)).inserted_primary_key[0]
                    self._add_version(connection, who, sid, 1, scenario.name, content, now, f"mappen {folder.name}",
                                      None, None, [])
                    connection.execute(log.insert().values(at=now, actor=who.email, action="importert", scenario_id=sid,
                                                           version=1, detail=folder.name))
            except IntegrityError:
                continue  # two folders with one name: the first is kept, the other stays a folder


def owner_label(owner: str | None) -> str:
    return "nasjonale scenarioer" if owner == NATIONAL_OWNER else str(owner)
