"""The command line as a user (or a script) runs it: `python -m allocator solve|validate DIR`."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import SCENARIOS, municipalities_csv, run_cli, run_cli_many, scenario_toml, solve_and_check

from allocator import GROUPS, load_scenario
from allocator.scenario.workbook import read_workbook

VESTLAND = SCENARIOS / "vestland-2026"
DEMO_SHORTFALL = SCENARIOS / "demo-shortfall"


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def assert_plan_json_shape(doc: dict) -> None:
    """The documented `--json` shape; extra keys are allowed, none of these may be missing."""
    assert isinstance(doc, dict)
    assert isinstance(doc["scenario"], str) and doc["scenario"]
    assert doc["status"] in ("optimal", "shortfall")
    assert isinstance(doc["solver"], str) and doc["solver"]
    for part in ("request", "settled", "shortfall"):
        assert set(GROUPS) <= set(doc[part]), part
        assert all(_is_int(doc[part][g]) for g in GROUPS), doc[part]
    assert isinstance(doc["municipalities"], list) and doc["municipalities"]
    for row in doc["municipalities"]:
        assert isinstance(row["kommunenummer"], str) and len(row["kommunenummer"]) == 4 and row["kommunenummer"].isdigit()
        assert isinstance(row["kommune"], str) and row["kommune"]
        assert set(GROUPS) <= set(row["allocation"])
        assert all(_is_int(row["allocation"][g]) and row["allocation"][g] >= 0 for g in GROUPS)
        assert _is_int(row["total"])
        assert set(GROUPS) <= set(row["fair_share"])
        assert all(_is_number(row["fair_share"][g]) for g in GROUPS)
        assert isinstance(row["binding"], list) and all(isinstance(code, str) for code in row["binding"])


def assert_plan_json_adds_up(doc: dict) -> None:
    """Totals in the JSON agree with each other (settled + shortfall = request, rows sum to settled)."""
    for g in GROUPS:
        assert doc["settled"][g] + doc["shortfall"][g] == doc["request"][g]
        assert sum(row["allocation"][g] for row in doc["municipalities"]) == doc["settled"][g]
        assert sum(row["fair_share"][g] for row in doc["municipalities"]) == pytest.approx(doc["request"][g], abs=0.01)
    for row in doc["municipalities"]:
        assert row["total"] == sum(row["allocation"][g] for g in GROUPS)
    assert doc["status"] == ("shortfall" if any(doc["shortfall"].values()) else "optimal")


def _solve_json(*args) -> dict:
    result = run_cli("solve", *args, "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)  # the whole of stdout must be the JSON document


# --------------------------------------------------------------------------- --json


def test_solve_json_prints_exactly_the_documented_shape():
    doc = _solve_json(VESTLAND)
    assert_plan_json_shape(doc)
    assert_plan_json_adds_up(doc)
    assert doc["scenario"] == "Vestland 2026"
    assert doc["status"] == "optimal"
    assert len(doc["municipalities"]) == 43
    assert {row["kommune"] for row in doc["municipalities"]} >= {"Bergen", "Kinn"}


def test_solve_json_lists_all_four_groups_even_when_some_are_not_requested(scenario_dir):
    folder = scenario_dir(toml=scenario_toml(request={"adults": 7}))
    doc = _solve_json(folder)
    assert_plan_json_shape(doc)
    assert_plan_json_adds_up(doc)
    assert doc["request"] == {"adults": 7, "families": 0, "minors": 0, "special_needs": 0}
    assert doc["settled"]["adults"] == 7


def test_solve_json_with_a_shortfall_exits_0_and_reports_it():
    doc = _solve_json(DEMO_SHORTFALL)
    assert_plan_json_shape(doc)
    assert_plan_json_adds_up(doc)
    assert doc["status"] == "shortfall"
    assert sum(doc["shortfall"].values()) > 0


def test_solve_json_matches_the_library_plan():
    doc = _solve_json(DEMO_SHORTFALL)
    plan = solve_and_check(load_scenario(DEMO_SHORTFALL))
    assert doc["settled"] == plan.settled
    for row in doc["municipalities"]:
        assert row["allocation"] == {g: int(plan.allocation.at[row["kommunenummer"], g]) for g in GROUPS}


def test_solve_json_with_cbc_prints_only_json(scenario_dir):
    doc = _solve_json(scenario_dir(), "--solver", "cbc")
    assert_plan_json_shape(doc)
    assert_plan_json_adds_up(doc)
    assert doc["solver"].upper().startswith("CBC")


# --------------------------------------------------------------------------- --out


def test_solve_out_csv_writes_the_plan_table_for_norwegian_excel_or_plain(tmp_path):
    out = tmp_path / "plan.csv"
    result = run_cli("solve", VESTLAND, "--json", "--out", out)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)  # --out does not disturb the JSON on stdout
    # by default as Norwegian Excel reads CSV: semicolons, decimal commas, Norwegian headers
    table = pd.read_csv(out, sep=";", decimal=",", dtype={"Kommunenr.": str}, encoding="utf-8-sig")
    assert len(table) == 43
    assert {"Kommunenr.", "Kommune", "Totalt", "Enslige voksne", "Særskilte behov"} <= set(table.columns)
    by_number = table.set_index("Kommunenr.")
    for row in doc["municipalities"]:
        assert by_number.at[row["kommunenummer"], "Totalt"] == row["total"]

    plain = tmp_path / "plain.csv"
    assert run_cli("solve", VESTLAND, "--out", plain, "--csv", "plain").returncode == 0
    table = pd.read_csv(plain, dtype={"kommunenummer": str})
    assert {"kommunenummer", "kommune", "total", *GROUPS} <= set(table.columns)
    by_number = table.set_index("kommunenummer")
    for row in doc["municipalities"]:
        assert by_number.at[row["kommunenummer"], "total"] == row["total"]
        for g in GROUPS:
            assert by_number.at[row["kommunenummer"], g] == row["allocation"][g]


def test_solve_out_xlsx_reads_back_to_the_same_plan(tmp_path):
    out = tmp_path / "plan.xlsx"
    result = run_cli("solve", DEMO_SHORTFALL, "--json", "--out", out)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    scenario = read_workbook(out)
    plan = solve_and_check(scenario)
    assert plan.settled == doc["settled"]
    for row in doc["municipalities"]:
        assert row["allocation"] == {g: int(plan.allocation.at[row["kommunenummer"], g]) for g in GROUPS}


def test_solve_out_with_unknown_extension_exits_2(tmp_path):
    out = tmp_path / "plan.txt"
    result = run_cli("solve", VESTLAND, "--out", out)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "plan.txt" in result.stderr
    assert not out.exists()


def test_solve_out_prints_where_the_plan_was_written(tmp_path):
    out = tmp_path / "plan.csv"
    result = run_cli("solve", DEMO_SHORTFALL, "--out", out)
    assert result.returncode == 0, result.stderr
    assert out.is_file() and out.stat().st_size > 0
    assert str(out) in result.stdout


# --------------------------------------------------------------------------- human-readable output


def test_solve_prints_municipality_names_and_the_summary():
    result = run_cli("solve", DEMO_SHORTFALL)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    scenario = load_scenario(DEMO_SHORTFALL)
    for name in scenario.municipalities["kommune"]:
        assert name in out
    assert "Lærdal" in out  # æøå survive
    assert "Sammendrag" in out
    for label in ("Enslige voksne", "Personer i familier", "Enslige mindreårige", "Særskilte behov"):
        assert label in out  # groups in Norwegian, not as codes
    assert "adults" not in out
    plan = solve_and_check(scenario)
    assert str(sum(plan.settled.values())) in out
    assert str(sum(plan.shortfall.values())) in out


def test_solve_text_says_whether_the_whole_request_is_placed(scenario_dir):
    full, short = run_cli_many([("solve", scenario_dir()), ("solve", DEMO_SHORTFALL)])
    assert full.returncode == 0 and short.returncode == 0
    assert "hele anmodningen er fordelt" in full.stdout
    assert "underskudd" in short.stdout
    assert "underskudd" not in full.stdout


# --------------------------------------------------------------------------- usage


@pytest.mark.parametrize(
    "args",
    [(), ("solve",), ("fordel", "scenarios/vestland-2026"), ("solve", "scenarios/vestland-2026", "--solver", "gurobi")],
    ids=["no command", "no folder", "unknown command", "unknown solver"],
)
def test_usage_mistakes_exit_2_without_traceback(args):
    result = run_cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_validate_prints_a_one_line_verdict_for_a_bundled_scenario():
    result = run_cli("validate", VESTLAND)
    assert result.returncode == 0, result.stderr
    assert "Vestland 2026" in result.stdout
    assert "43 kommuner" in result.stdout
    assert "1 474" in result.stdout  # Norwegian number format


def test_invalid_input_message_goes_to_stderr_not_stdout(scenario_dir):
    folder = scenario_dir(csv=municipalities_csv(changes={("4602", "max_total"): "12.5"}))
    result = run_cli("solve", folder, "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "4602" in result.stderr and "max_total" in result.stderr and "12.5" in result.stderr


# --------------------------------------------------------------------------- what the command line loads


def _modules_after(*args: str) -> set[str]:
    """The modules imported by `python -m allocator ARGS`, as a set of top-level package names."""
    import subprocess
    import sys

    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['allocator', *{list(args)!r}]\n"
        "try:\n    runpy.run_module('allocator', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=VESTLAND.parent.parent)
    return set(result.stderr.split())


SOLVER_STACK = {"highspy", "clarabel", "scipy", "pulp", "pandas", "openpyxl"}


def test_help_does_not_load_the_solver_stack():
    assert not SOLVER_STACK & _modules_after("--help")


def test_validate_does_not_load_pandas_or_the_quadratic_solver():
    loaded = _modules_after("validate", str(VESTLAND))
    assert "highspy" in loaded  # the feasibility check is a real LP
    assert not {"pandas", "scipy", "clarabel", "pulp", "openpyxl"} & loaded
