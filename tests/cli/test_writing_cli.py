"""`solve --out` never loses work: the scenario's own files are never written over, an existing file
only with --force, the folder is checked before solving; messages in Norwegian, exit code 2."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import stat

import pandas as pd
import pytest
from helpers import SCENARIOS, run_cli, run_cli_many, solve_and_check

from allocator import GROUPS, load_scenario
from allocator.labels import GROUP_LABELS
from allocator.scenario.workbook import read_workbook

DEMO = SCENARIOS / "demo-shortfall"


@pytest.fixture
def scenario(tmp_path):
    """A copy of demo-shortfall, so a mistake could only ever hurt a copy."""
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    return folder


def _inputs(folder):
    return {name: (folder / name).read_bytes() for name in ("scenario.toml", "municipalities.csv")}


def _refused(result, *fragments):
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.startswith("feil:"), result.stderr
    assert ".tmp" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_the_scenarios_own_files_are_never_written_over_by_any_spelling(scenario, tmp_path):
    before = _inputs(scenario)
    os.symlink(scenario, tmp_path / "lenke")
    os.symlink(scenario / "municipalities.csv", tmp_path / "kommuner.csv")
    spellings = [
        scenario / "municipalities.csv",
        f"{scenario}/./municipalities.csv",
        f"{scenario}/../demo/municipalities.csv",
        tmp_path / "lenke" / "municipalities.csv",
        tmp_path / "kommuner.csv",  # a link to the input
    ]
    commands = [("solve", scenario, "--out", out, *force) for out in spellings for force in ((), ("--force",))]
    for result in run_cli_many(commands):
        _refused(result, "municipalities.csv", "skrives aldri over")
    assert _inputs(scenario) == before


def test_a_hard_link_to_an_input_is_refused_too(scenario, tmp_path):
    before = _inputs(scenario)
    os.link(scenario / "municipalities.csv", tmp_path / "plan.csv")
    _refused(run_cli("solve", scenario, "--out", tmp_path / "plan.csv", "--force"), "municipalities.csv")
    assert _inputs(scenario) == before


def test_an_existing_file_is_replaced_only_with_force(scenario, tmp_path):
    out = tmp_path / "plan.xlsx"
    out.write_bytes(b"mitt eget regneark")
    _refused(run_cli("solve", scenario, "--out", out), str(out), "finnes fra før", "--force")
    assert out.read_bytes() == b"mitt eget regneark"

    result = run_cli("solve", scenario, "--out", out, "--force")

    assert result.returncode == 0, result.stderr
    assert read_workbook(out).name == load_scenario(scenario).name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "plan.xlsx"]


def test_the_output_folder_is_checked_before_solving(scenario, tmp_path):
    missing = tmp_path / "finnes-ikke" / "plan.csv"
    _refused(run_cli("solve", scenario, "--out", missing), "finnes-ikke", "finnes ikke")
    assert not missing.parent.exists()
    _refused(run_cli("solve", scenario, "--out", "/proc/plan.csv"), "/proc", "skrivetilgang")
    folder = tmp_path / "mappe.csv"
    folder.mkdir()
    _refused(run_cli("solve", scenario, "--out", folder, "--force"), "er en mappe")


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root may write anywhere")
def test_a_read_only_folder_is_refused(scenario, tmp_path):
    folder = tmp_path / "lesbar"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        _refused(run_cli("solve", scenario, "--out", folder / "plan.csv"), "skrivetilgang")
    finally:
        folder.chmod(stat.S_IRWXU)


def test_csv_is_for_norwegian_excel_by_default_and_plain_on_request(scenario, tmp_path):
    excel, plain = tmp_path / "excel.csv", tmp_path / "plain.csv"
    first, second = run_cli_many([("solve", scenario, "--json", "--out", excel),
                                  ("solve", scenario, "--json", "--out", plain, "--csv", "plain")])
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    table = pd.read_csv(excel, sep=";", decimal=",", encoding="utf-8-sig", dtype={"Kommunenr.": str}).set_index("Kommunenr.")
    machine = pd.read_csv(plain, dtype={"kommunenummer": str}).set_index("kommunenummer")
    doc = json.loads(first.stdout)
    for row in doc["municipalities"]:
        number = row["kommunenummer"]
        assert table.at[number, "Totalt"] == machine.at[number, "total"] == row["total"]
        for g in GROUPS:
            assert table.at[number, GROUP_LABELS[g]] == machine.at[number, g] == row["allocation"][g]
    assert excel.read_bytes().startswith(b"\xef\xbb\xbf") and not plain.read_bytes().startswith(b"\xef\xbb\xbf")


def test_csv_form_without_a_csv_file_is_a_usage_mistake(scenario, tmp_path):
    _refused(run_cli("solve", scenario, "--out", tmp_path / "plan.xlsx", "--csv", "plain"), "--csv")
    _refused(run_cli("solve", scenario, "--csv", "plain"), "--csv")
    result = run_cli("solve", scenario, "--out", tmp_path / "plan.csv", "--csv", "tab")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == [scenario]


def test_an_error_while_writing_names_the_file_not_a_temporary_one(scenario, tmp_path, monkeypatch, capsys):
    from allocator.__main__ import main

    real_open = os.open

    def full_disk(path, *args, **kwargs):
        if str(path).endswith(".tmp") and ".skrivetest." not in str(path):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", full_disk)
    out = tmp_path / "plan.xlsx"
    code = main(["solve", str(scenario), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2  # a file-system error the user can fix (issue 16)
    assert err.strip() == f"feil: kunne ikke skrive {out}: disken er full"
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_the_written_workbook_gives_the_same_plan(scenario, tmp_path):
    out = tmp_path / "plan.xlsx"
    result = run_cli("solve", scenario, "--out", out)
    assert result.returncode == 0, result.stderr
    assert f"Skrev {out}" in result.stdout
    again = solve_and_check(read_workbook(io.BytesIO(out.read_bytes())))
    assert sum(again.settled.values()) > 0
