"""Saved scenarios: never replaced by a different one, replaced by the same name only when asked,
and readable by colleagues (the user's umask, not private folders)."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from allocator import store

from helpers import make_scenario


def small(max_total: float | None = None, name: str = "Test"):
    limits = {1: {"max_total": max_total}} if max_total is not None else None
    return make_scenario([290_000, 17_000, 4_000], {"adults": 10, "families": 7}, limits=limits, name=name)


def cap(stored) -> float:
    return store.load_stored(stored).municipalities.at["1002", "max_total"]


@pytest.fixture
def saved(tmp_path, monkeypatch):
    root = tmp_path / "server" / "saved"
    monkeypatch.setenv("ALLOCATOR_SAVED_DIR", str(root))
    return root


def test_names_that_make_the_same_folder_name_are_both_kept(saved):
    a = store.save_named(small(11), "Vestland – forslag etter møte 1")
    b = store.save_named(small(22), "vestland forslag etter mote 1!")

    assert a.path != b.path and a.path.parent == b.path.parent == saved.resolve()
    assert (a.path.name, b.path.name) == ("vestland-forslag-etter-mote-1", "vestland-forslag-etter-mote-1-2")
    assert (cap(a), cap(b)) == (11, 22)
    assert sorted(s.label for s in store.list_scenarios() if s.saved) == [
        "Vestland – forslag etter møte 1 (lagret)", "vestland forslag etter mote 1! (lagret)"]


def test_the_same_name_is_refused_with_a_norwegian_message_unless_replace(saved):
    first = store.save_named(small(11), "Plan B")
    with pytest.raises(store.NameTaken) as taken:
        store.save_named(small(22), "Plan B")
    assert isinstance(taken.value, ValueError)
    assert str(taken.value).startswith("Det finnes allerede et lagret scenario som heter «Plan B».")
    assert taken.value.stored.path == first.path and taken.value.name == "Plan B"
    assert cap(first) == 11
    assert len(list((saved / store.VERSIONS_DIR).iterdir())) == 1, "the refused save leaves nothing behind"

    second = store.save_named(small(22), "Plan B", replace=True)
    assert second.path == first.path and cap(second) == 22
    # replace=True for a name nobody has used yet is an ordinary save
    fresh = store.save_named(small(33), "Plan C", replace=True)
    assert fresh.path.name == "plan-c" and cap(fresh) == 33


def test_the_same_name_in_another_unicode_form_is_the_same_name(saved):
    store.save_named(small(11), "Årdal")  # composed Å
    with pytest.raises(store.NameTaken):
        store.save_named(small(22), "A\u030ardal")  # A + combining ring: looks the same


def test_a_replace_finds_a_scenario_in_a_numbered_folder(saved):
    store.save_named(small(11), "Plan")
    second = store.save_named(small(22), "plan")  # another name: plan-2
    again = store.save_named(small(44), "plan", replace=True)
    assert again.path == second.path and second.path.name == "plan-2"
    assert {s.name: cap(s) for s in store.list_scenarios() if s.saved} == {"Plan": 11, "plan": 44}


def test_an_old_plain_folder_of_another_name_is_kept(saved):
    from allocator import save_scenario

    saved.mkdir(parents=True)
    save_scenario(small(11, name="PLAN"), saved / "plan")  # as saves used to be: a plain folder
    new = store.save_named(small(22), "Plan")
    assert new.path.name == "plan-2"
    assert {s.name: cap(s) for s in store.list_scenarios() if s.saved} == {"PLAN": 11, "Plan": 22}


def test_long_names_stay_short_folder_names(saved):
    name = "x" * 80
    first = store.save_named(small(1), name)
    second = store.save_named(small(2), name + "!")
    assert len(first.path.name) <= 60 and len(second.path.name) <= 60
    assert second.path.name.endswith("-2") and first.path != second.path


def test_saves_of_different_names_at_the_same_time_all_survive(saved):
    names = [f"Forslag {i}{'!' * k}" for i in range(3) for k in range(4)]  # four names per folder name
    errors: list[BaseException] = []

    def save(k: int, name: str) -> None:
        try:
            store.save_named(small(k), name)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(k, name)) for k, name in enumerate(names)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    found = {s.name: cap(s) for s in store.list_scenarios() if s.saved}
    assert found == {name: k for k, name in enumerate(names)}


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_saved_scenarios_are_readable_by_colleagues(saved, umask_022):
    stored = store.save_named(small(11), "Delt plan")
    store.save_named(small(22), "Delt plan", replace=True)  # a replaced version, and the version of the replacement
    version = stored.path.resolve()
    folders = [saved, saved / store.VERSIONS_DIR, *(saved / store.VERSIONS_DIR).iterdir()]
    assert version in folders
    for folder in folders:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755, folder
    for folder in (saved / store.VERSIONS_DIR).iterdir():
        for file in folder.iterdir():
            assert stat.S_IMODE(file.stat().st_mode) == 0o644, file
    assert sorted(p.name for p in version.iterdir()) == ["municipalities.csv", "scenario.toml"]
