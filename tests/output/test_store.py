"""The store of saved scenarios: every version kept, who/when/what changed, history, diff, restore,
soft delete, the append-only log, two sessions saving one name, 20 saves at once, a save killed
halfway, and the access rules (a role matrix as a property test and crafted requests).

Each test runs against SQLite (the default: one file in the saved folder) and, where this machine
can start one, a real PostgreSQL server of its own (`ALLOCATOR_DATABASE_URL`); otherwise the
PostgreSQL runs are skipped with the reason.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import pytest
from helpers import REPO, SCENARIOS, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import actor, county_scenario, postgres_missing, postgres_server

from allocator import load_scenario, save_scenario
from allocator.output import store
from allocator.output.store import NOT_FOUND, AccessDenied, Conflict, NameTaken
from allocator.output.store.access import NOBODY, AccessFileError, parse_rules
from allocator.output.store.database import SCHEMA_VERSION
from allocator.output.store.repository import Store
from allocator.scenario.write import fingerprint

COUNTIES = ("Vestland", "Rogaland", "Agder")
OWNERS = (*COUNTIES, "nasjonal")
ADMIN = actor("admin")


def cap(stored, who=ADMIN) -> float:
    return store.load_stored(stored, actor=who).municipalities.iloc[0]["max_total"]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def pg_url():
    reason = postgres_missing()
    if reason:
        pytest.skip(reason)
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path, monkeypatch):
    """A fresh, empty store; the saved folder (SQLite) or a new PostgreSQL database."""
    monkeypatch.setenv("ALLOCATOR_SAVED_DIR", str(tmp_path / "saved"))
    monkeypatch.delenv("ALLOCATOR_ACCESS", raising=False)
    if request.param == "sqlite":
        monkeypatch.delenv(store.DATABASE_ENV, raising=False)
        yield "sqlite"
        return
    from sqlalchemy import create_engine, text

    server = request.getfixturevalue("pg_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    monkeypatch.setenv(store.DATABASE_ENV, server.rsplit("/", 1)[0] + "/" + name)
    yield "postgresql"
    store.store().engine.dispose()


@pytest.fixture
def sqlite_db(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_SAVED_DIR", str(tmp_path / "saved"))
    monkeypatch.delenv(store.DATABASE_ENV, raising=False)
    monkeypatch.delenv("ALLOCATOR_ACCESS", raising=False)
    return tmp_path / "saved" / "scenarier.sqlite3"


# --------------------------------------------------------------------------- saving and versions


def test_a_saved_scenario_loads_back_as_the_same_scenario(db):
    from allocator.present import edits

    scenario = edits.lock(load_scenario(SCENARIOS / "vestland-2026"), "4602", 40, "avtalt, se referat")
    stored = store.save_named(scenario, "Vestland – etter møte 1")
    listed = next(s for s in store.list_scenarios() if s.label == "Vestland – etter møte 1 (lagret)")
    loaded = store.load_stored(listed)

    assert stored.owner == "Vestland" and loaded.name == "Vestland – etter møte 1"
    assert fingerprint(loaded) == fingerprint(scenario.with_changes(name="Vestland – etter møte 1"))
    assert loaded.municipalities.at["4602", "lock_reason"] == "avtalt, se referat"


def test_bundled_scenarios_come_first_with_the_default_then_saved_ones_by_name(db):
    store.save_named(county_scenario("Vestland"), "Zeta")
    store.save_named(county_scenario("Vestland"), "alfa")
    listed = store.list_scenarios()
    assert listed[0].path.name == store.DEFAULT_SCENARIO and not listed[0].saved
    assert [s.label for s in listed if s.saved] == ["alfa (lagret)", "Zeta (lagret)"]
    assert all(not s.saved for s in listed[: len(listed) - 2])


@pytest.mark.parametrize("name", ["", "   ", "..", "/", "???", "–"])
def test_a_name_without_letters_or_digits_is_refused(sqlite_db, name):
    with pytest.raises(ValueError, match="minst én bokstav"):
        store.save_named(county_scenario("Vestland"), name)
    assert not [s for s in store.list_scenarios() if s.saved]


def test_the_same_name_asks_first_and_replacing_keeps_the_old_version(db):
    first = store.save_named(county_scenario("Vestland", 11), "Plan B")
    with pytest.raises(NameTaken) as taken:
        store.save_named(county_scenario("Vestland", 22), "Plan B")
    assert str(taken.value).startswith("Det finnes allerede et lagret scenario som heter «Plan B».")
    assert taken.value.stored.id == first.id and cap(first) == 11
    assert len(store.history(first.id)) == 1, "the refused save leaves nothing behind"

    second = store.save_named(county_scenario("Vestland", 22), " Plan B ", replace=True)

    assert (second.id, second.version) == (first.id, 2) and cap(second) == 22
    assert [s.name for s in store.list_scenarios() if s.saved] == ["Plan B"]
    assert cap(first) == 22, "the name now opens the new version"
    assert store.load_stored(second, version=1).municipalities.iloc[0]["max_total"] == 11, "the old one is kept"


def test_the_same_name_in_another_unicode_form_is_the_same_name(db):
    store.save_named(county_scenario("Vestland", 11), "Årdal")  # composed Å
    with pytest.raises(NameTaken):
        store.save_named(county_scenario("Vestland", 22), "A\u030ardal")  # A + combining ring


def test_each_version_says_who_when_from_what_and_what_changed(db):
    ola, kari = actor("rediger", ["Vestland"], "ola@ks.no"), actor("rediger", ["Vestland"], "kari@ks.no")
    before = time.time()
    first = store.save_named(county_scenario("Vestland", 11), "Plan", actor=ola, based_on="Vestland 2026")
    second = store.save_named(county_scenario("Vestland", 22), "Plan", actor=kari, opened=(first.id, 1),
                              based_on="Plan (lagret), versjon 1")

    newest, oldest = store.history(first.id, actor=ola)
    assert (newest.number, newest.saved_by, newest.based_on, newest.parent) == (2, "kari@ks.no", "Plan (lagret), versjon 1", 1)
    assert (oldest.number, oldest.saved_by, oldest.based_on) == (1, "ola@ks.no", "Vestland 2026")
    assert before <= oldest.saved_at <= newest.saved_at <= time.time()
    name = county_scenario("Vestland").municipalities.iloc[0]["kommune"]
    assert [(c.what, c.old, c.new) for c in newest.changes] == [(f"{name}: Maks totalt", "11", "22")]
    assert oldest.changes == ()
    assert second.version == 2


def test_diff_between_any_two_versions_and_restore_makes_a_new_version(db):
    stored = store.save_named(county_scenario("Vestland", 11), "Plan")
    for value in (22, 33):
        stored = store.save_named(county_scenario("Vestland", value), "Plan", opened=(stored.id, stored.version))
    changes = store.diff(stored.id, 1, 3)
    assert [(c.old, c.new) for c in changes] == [("11", "33")]

    restored = store.restore(stored.id, 1)

    assert restored.version == 4 and cap(restored) == 11
    assert [v.number for v in store.history(stored.id)] == [4, 3, 2, 1]
    newest = store.history(stored.id)[0]
    assert newest.restored_from == 1 and [(c.old, c.new) for c in newest.changes] == [("33", "11")]
    assert store.diff(stored.id, 1, 4) == []


def test_a_deleted_scenario_disappears_from_lists_but_its_versions_stay_and_the_log_says_so(db):
    kept = store.save_named(county_scenario("Vestland", 11), "Plan")
    store.save_named(county_scenario("Vestland", 22), "Plan", opened=(kept.id, 1))
    store.delete(kept.id, actor=actor("admin", email="sjef@ks.no"))

    assert not [s for s in store.list_scenarios(actor=ADMIN) if s.saved]
    assert store.find_saved("Plan", actor=ADMIN) is None
    assert len(store.history(kept.id, actor=ADMIN)) == 2  # an admin can still read it
    editor = actor("rediger", ["Vestland"])
    with pytest.raises(AccessDenied, match="Fant ikke"):
        store.history(kept.id, actor=editor)
    fresh = store.save_named(county_scenario("Vestland", 33), "Plan")  # the name is free again
    assert fresh.id != kept.id and fresh.version == 1
    actions = [(e.action, e.actor) for e in store.read_log(actor=ADMIN)]
    assert ("slettet", "sjef@ks.no") in actions and actions.count(("lagret", store.local_actor().email)) == 3


def test_the_log_and_the_versions_cannot_be_changed_or_deleted(db):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    stored = store.save_named(county_scenario("Vestland", 11), "Plan")
    store.record("innlogget", actor=actor("les", ["Vestland"], "leser@ks.no"))
    engine = store.store().engine
    for statement in ("DELETE FROM log", "UPDATE log SET actor = 'x'", "DELETE FROM versions",
                      "UPDATE versions SET settings = ''"):
        with pytest.raises(DBAPIError, match="kan bare utvides"):
            with engine.connect().execution_options(write=True) as connection, connection.begin():
                connection.execute(text(statement))
    assert cap(stored) == 11
    assert [e.action for e in store.read_log(actor=ADMIN)] == ["innlogget", "lagret"]
    with pytest.raises(AccessDenied, match="administratorer"):
        store.read_log(actor=actor("nasjonal"))


def test_the_database_has_a_schema_version_and_a_newer_one_is_refused(sqlite_db):
    store.save_named(county_scenario("Vestland"), "Plan")
    with sqlite3.connect(sqlite_db) as connection:
        assert connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        connection.execute("UPDATE meta SET value = '99'")
    with pytest.raises(RuntimeError, match="skjemaversjon 99"):
        Store(f"sqlite:///{sqlite_db}")


def test_scenarios_saved_as_folders_before_the_database_are_imported_once(sqlite_db):
    folder = sqlite_db.parent
    save_scenario(county_scenario("Vestland", 11, name="Gammel plan"), folder / "gammel-plan")
    [stored] = [s for s in store.list_scenarios() if s.saved]
    assert stored.name == "Gammel plan" and cap(stored) == 11
    assert store.history(stored.id)[0].saved_by.startswith("ukjent")


def test_import_and_export_of_scenario_folders(db, tmp_path):
    stored = store.import_folder(SCENARIOS / "trondelag-2026")
    assert stored.name == "Trøndelag 2026" and stored.owner == "Trøndelag"
    out = store.export_folder(stored, tmp_path / "ut")
    assert fingerprint(load_scenario(out)) == fingerprint(load_scenario(SCENARIOS / "trondelag-2026"))


# --------------------------------------------------------------------------- two sessions, many sessions


def test_two_sessions_saving_one_name_the_second_is_told_and_can_keep_both(db):
    opened = store.save_named(county_scenario("Vestland", 11), "Plan")
    alice, bob = actor("rediger", ["Vestland"], "alice@ks.no"), actor("rediger", ["Vestland"], "bob@ks.no")
    at = (opened.id, opened.version)  # both sessions opened version 1

    store.save_named(county_scenario("Vestland", 22), "Plan", actor=alice, opened=at)
    with pytest.raises(Conflict) as told:
        store.save_named(county_scenario("Vestland", 33), "Plan", actor=bob, opened=at)
    assert told.value.latest.saved_by == "alice@ks.no" and told.value.latest.number == 2
    assert str(told.value).startswith("«Plan» ble lagret av alice@ks.no")
    # keep both: Bob's under a new name; or as a newer version of the same (Alice's stays in the history)
    kept = store.save_named(county_scenario("Vestland", 33), "Plan (Bob)", actor=bob)
    newer = store.save_named(county_scenario("Vestland", 44), "Plan", actor=bob, opened=at, replace=True)

    assert {s.name: cap(s) for s in store.list_scenarios(actor=bob) if s.saved} == {"Plan": 44, "Plan (Bob)": 33}
    assert [v.saved_by for v in store.history(newer.id, actor=bob)] == ["bob@ks.no", "alice@ks.no", store.local_actor().email]
    assert kept.version == 1


def test_a_session_sees_that_its_scenario_was_saved_elsewhere(db):
    opened = store.save_named(county_scenario("Vestland", 11), "Plan")
    store.save_named(county_scenario("Vestland", 22), "Plan", opened=(opened.id, 1),
                     actor=actor("rediger", ["Vestland"], "kari@ks.no"))
    latest = store.head(opened.id)
    assert (latest.number, latest.saved_by) == (2, "kari@ks.no")


def _twenty_at_once(save) -> list:
    barrier = threading.Barrier(20)
    results: list = [None] * 20

    def run(k: int) -> None:
        barrier.wait()
        try:
            results[k] = save(k)
        except BaseException as exc:  # noqa: BLE001 - any failure is the finding
            results[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_twenty_sessions_saving_one_scenario_at_once_every_version_is_kept(db):
    first = store.save_named(county_scenario("Vestland", 1000), "Felles plan")
    url = store.store().url
    sessions = [Store(url) for _ in range(20)]  # each session its own connections

    results = _twenty_at_once(lambda k: sessions[k].save(actor("rediger", ["Vestland"], f"s{k}@ks.no"),
                                                         county_scenario("Vestland", k), "Felles plan",
                                                         opened=(first.id, 1), replace=True))

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(r.version for r in results) == list(range(2, 22))
    history = store.history(first.id)
    assert [v.number for v in history] == list(range(21, 0, -1))
    by_saver = {v.saved_by: store.load_stored(first, version=v.number).municipalities.iloc[0]["max_total"] for v in history}
    assert {who: value for who, value in by_saver.items() if who.startswith("s")} == {f"s{k}@ks.no": k for k in range(20)}
    for session in sessions:
        session.engine.dispose()


def test_twenty_sessions_that_opened_one_version_one_saves_and_nineteen_are_told(db):
    first = store.save_named(county_scenario("Vestland", 1000), "Felles plan")
    url = store.store().url
    sessions = [Store(url) for _ in range(20)]

    results = _twenty_at_once(lambda k: sessions[k].save(actor("rediger", ["Vestland"], f"s{k}@ks.no"),
                                                         county_scenario("Vestland", k), "Felles plan",
                                                         opened=(first.id, 1)))

    saved = [r for r in results if not isinstance(r, BaseException)]
    told = [r for r in results if isinstance(r, Conflict)]
    assert len(saved) == 1 and len(told) == 19 and saved[0].version == 2
    assert all(t.latest.number == 2 for t in told)
    for session in sessions:
        session.engine.dispose()


# --------------------------------------------------------------------------- a save killed halfway

KILLED_SAVE = textwrap.dedent("""
    import sys, time
    sys.path[:0] = [{repo!r}, {tests!r}]
    from sqlalchemy import event
    from allocator.output import store
    from store_helpers import county_scenario
    engine = store.store().engine
    @event.listens_for(engine, "commit")
    def hold(connection):  # the version row is written; the commit has not happened yet
        open({marker!r}, "w").close()
        time.sleep(60)
    opened = store.find_saved("Plan")
    store.save_named(county_scenario("Vestland", 22), "Plan", opened=(opened.id, opened.version))
""")


def test_a_server_killed_in_the_middle_of_a_save_leaves_the_database_whole(sqlite_db, tmp_path):
    first = store.save_named(county_scenario("Vestland", 11), "Plan")
    store.store().engine.dispose()
    marker = tmp_path / "midway"
    script = KILLED_SAVE.format(repo=str(REPO), tests=str(REPO / "tests"), marker=str(marker))
    child = subprocess.Popen([sys.executable, "-c", script], env={**os.environ}, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the save never got half way"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()

    with sqlite3.connect(sqlite_db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    reopened = Store(f"sqlite:///{sqlite_db}")
    assert [v.number for v in reopened.history(ADMIN, first.id)] == [1]
    assert reopened.load(ADMIN, first.id).municipalities.iloc[0]["max_total"] == 11
    after = reopened.save(ADMIN, county_scenario("Vestland", 33), "Plan", opened=(first.id, 1))  # not locked
    assert after.version == 2
    reopened.engine.dispose()


# --------------------------------------------------------------------------- access rules

ROLE_GRANTS = st.lists(
    st.tuples(st.sampled_from(["les", "rediger", "nasjonal", "admin"]),
              st.lists(st.sampled_from(COUNTIES), min_size=1, max_size=3, unique=True)),
    min_size=0, max_size=3,
)


def _rules_say(grants, owner: str) -> tuple[bool, bool]:
    """(may read, may write) as the issue states the rules, written out independently."""
    read = write = False
    for rolle, fylker in grants:
        if rolle == "admin":
            read = write = True
        elif rolle == "nasjonal":
            read = True
            write = write or owner == "nasjonal"
        elif owner in fylker:
            read = True
            write = write or rolle == "rediger"
    return read, write


@pytest.fixture
def one_of_each(sqlite_db):
    """One saved scenario per owner (saved by an admin)."""
    return {owner: store.save_named(county_scenario(owner, 11), f"Plan {owner}", actor=ADMIN) for owner in OWNERS}


@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(grants=ROLE_GRANTS)
def test_role_matrix_read_and_write_allowed_exactly_as_the_rules_say(one_of_each, grants):
    import tomli_w

    users = [{"email": "x@ks.no", "rolle": r, **({"fylker": f} if r in ("les", "rediger") else {})} for r, f in grants]
    who = parse_rules(tomli_w.dumps({"users": users})).actor("X@ks.no")  # e-mail case does not matter
    listed = {s.id for s in store.list_scenarios(actor=who) if s.saved}
    for owner, stored in one_of_each.items():
        may_read, may_write = _rules_say(grants, owner)
        assert (stored.id in listed) == may_read, (owner, grants)
        for read in (lambda: store.load_stored(stored, actor=who), lambda: store.history(stored.id, actor=who),
                     lambda: store.diff(stored.id, 1, 1, actor=who), lambda: store.head(stored.id, actor=who)):
            if may_read:
                read()
            else:
                with pytest.raises(AccessDenied, match="Fant ikke"):
                    read()
        assert (store.find_saved(f"Plan {owner}", actor=who) is not None) == may_read
        if may_write:
            saved = store.save_named(county_scenario(owner, 12), f"Plan {owner}", actor=who, replace=True)
            assert saved.id == stored.id
        else:
            with pytest.raises(AccessDenied, match="ikke lov"):
                store.save_named(county_scenario(owner, 12), f"Plan {owner}", actor=who, replace=True)
            with pytest.raises(AccessDenied):
                store.restore(stored.id, 1, actor=who)
            with pytest.raises(AccessDenied):
                store.delete(stored.id, actor=who)
    assert bool(grants) == any(not s.saved for s in store.list_scenarios(actor=who)), "bundled: every known user"


def test_crafted_requests_for_another_countys_scenario_look_like_nothing_is_there(one_of_each, tmp_path):
    rogaland = actor("rediger", ["Rogaland"], "r@ks.no")
    vestland = one_of_each["Vestland"]
    missing = max(s.id for s in one_of_each.values()) + 7
    answers = []
    for scenario_id in (vestland.id, missing):
        for call in (lambda: store.store().load(rogaland, scenario_id), lambda: store.history(scenario_id, actor=rogaland),
                     lambda: store.diff(scenario_id, 1, 1, actor=rogaland), lambda: store.restore(scenario_id, 1, actor=rogaland),
                     lambda: store.delete(scenario_id, actor=rogaland), lambda: store.head(scenario_id, actor=rogaland),
                     lambda: store.store().export_folder(rogaland, scenario_id, tmp_path / "x"),
                     lambda: store.store().files(rogaland, scenario_id, 1)):
            with pytest.raises(AccessDenied) as refused:
                call()
            answers.append(str(refused.value))
    assert set(answers) == {NOT_FOUND}, "a scenario she may not read answers exactly as one that does not exist"
    assert "Plan Vestland" not in NOT_FOUND and not (tmp_path / "x").exists()
    # saving her own scenario under the same name neither fails nor reveals the other one
    own = store.save_named(county_scenario("Rogaland", 5), "Plan Vestland", actor=rogaland)
    assert own.id != vestland.id and own.version == 1
    assert cap(vestland) == 11
    # another county's scenario cannot be saved into her own
    with pytest.raises(AccessDenied, match="ikke lov til å lagre scenarioer for Vestland"):
        store.save_named(county_scenario("Vestland", 99), "Plan Vestland", actor=rogaland, replace=True)


def test_without_sign_in_on_a_server_nothing_is_listed_or_saved(one_of_each, tmp_path, monkeypatch):
    access = tmp_path / "tilgang.toml"
    access.write_text('[[users]]\nemail = "a@ks.no"\nrolle = "admin"\n', encoding="utf-8")
    monkeypatch.setenv("ALLOCATOR_ACCESS", str(access))
    assert store.current_actor() is NOBODY
    assert store.list_scenarios() == []
    with pytest.raises(AccessDenied):
        store.save_named(county_scenario("Vestland"), "Plan")
    unknown = parse_rules(access.read_text()).actor("ukjent@example.com")
    assert not unknown.known and store.list_scenarios(actor=unknown) == []


@pytest.mark.parametrize("text, message", [
    ('[[users]]\nemail = "a@ks.no"\nrolle = "skriv"\nfylker = ["Vestland"]', "oppføring nr. 1 under [[users]]: rolle må være en av"),
    ('[[users]]\nemail = "a@ks.no"\nrolle = "les"\nfylker = ["Vestlandet"]', "ukjent fylke Vestlandet"),
    ('[[users]]\nemail = "a@ks.no"\nrolle = "les"', "trenger minst ett fylke"),
    ('[[users]]\nrolle = "admin"', "skriv enten email eller gruppe"),
    ('[[users]]\nemail = "a@ks.no"\nrolle = "admin"\npassord = "x"', "ukjent felt passord"),
    ('users = 3', "[[users]]-tabeller"),
    ('[[users]\n', "ikke gyldig TOML"),
])
def test_a_broken_access_file_names_the_file_the_entry_and_the_field(text, message):
    with pytest.raises(AccessFileError, match=f"^tilgang.toml: .*{__import__('re').escape(message)}"):
        parse_rules(text, "tilgang.toml")


def test_a_group_claim_gives_the_groups_grants():
    rules = parse_rules('group_claim = "roles"\n[[users]]\ngruppe = "ks-vestland"\nrolle = "rediger"\nfylker = ["Vestland"]\n')
    assert rules.group_claim == "roles"
    member = rules.actor("x@ks.no", ["ks-vestland", "alle"])
    assert member.can_write("Vestland") and not member.can_read("Rogaland")
    assert not rules.actor("y@ks.no", ["alle"]).known


def test_the_example_access_file_is_valid():
    rules = store.read_rules(REPO / "tilgang.example.toml")
    assert rules.actor("radgiver@ks.no").can_write("Vestland")
    assert rules.actor("ukjent@ks.no", ["imdi-nasjonal-planlegging"]).can_write("nasjonal")
    assert not rules.meeting_without_sign_in


def test_the_command_line_lists_exports_and_imports_saved_scenarios(sqlite_db, tmp_path, capsys):
    from allocator.__main__ import main

    assert main(["saved", "import", str(SCENARIOS / "vestland-2026"), "--name", "Vestland A"]) == 0
    assert main(["saved", "import", str(SCENARIOS / "vestland-2026"), "--name", "Vestland A"]) == 2
    assert "--replace" in capsys.readouterr().err
    from allocator.present import edits

    edited = edits.lock(load_scenario(SCENARIOS / "vestland-2026"), "4602", 40)
    save_scenario(edited, tmp_path / "endret")
    assert main(["saved", "import", str(tmp_path / "endret"), "--name", "Vestland A", "--replace"]) == 0
    capsys.readouterr()

    assert main(["saved", "history", "Vestland A", "--json"]) == 0
    newest, oldest = __import__("json").loads(capsys.readouterr().out)
    assert (newest["version"], oldest["version"]) == (2, 1)
    assert {"what": "Kinn: Maks totalt", "old": "210", "new": "40"} in newest["changes"]

    assert main(["saved", "export", "Vestland A", str(tmp_path / "v1"), "--version", "1"]) == 0
    assert fingerprint(load_scenario(tmp_path / "v1")) == fingerprint(load_scenario(SCENARIOS / "vestland-2026").with_changes(name="Vestland A"))
    assert main(["saved", "export", "Vestland A", str(tmp_path / "v1")]) == 2, "never over an existing scenario"
    assert main(["saved", "export", "Finnes ikke", str(tmp_path / "x")]) == 2
    assert "fant ikke" in capsys.readouterr().err


def test_one_name_in_two_counties_is_two_scenarios_each_labelled_with_its_county(db):
    vestland = store.save_named(county_scenario("Vestland", 11), "Plan", actor=actor("rediger", ["Vestland"]))
    rogaland = store.save_named(county_scenario("Rogaland", 22), "Plan", actor=actor("rediger", ["Rogaland"]))
    assert vestland.id != rogaland.id
    assert [s.label for s in store.list_scenarios(actor=actor("rediger", ["Vestland"])) if s.saved] == ["Plan (lagret)"]
    both = [s.label for s in store.list_scenarios(actor=actor("nasjonal")) if s.saved]
    assert sorted(both) == ["Plan (lagret, Rogaland)", "Plan (lagret, Vestland)"]


def test_a_database_that_cannot_be_opened_says_where_in_norwegian_without_the_password(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_SAVED_DIR", str(tmp_path / "saved"))
    monkeypatch.setenv(store.DATABASE_ENV, "postgresql://bruker:hemmelig@127.0.0.1:1/scenarier")
    with pytest.raises(store.StoreUnavailable, match=r"^Databasen med lagrede scenarioer kan ikke åpnes \(127.0.0.1:1/scenarier\)") as failed:
        store.list_scenarios(actor=ADMIN)
    assert "hemmelig" not in str(failed.value)
