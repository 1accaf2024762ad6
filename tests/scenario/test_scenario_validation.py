"""Invalid input is refused with a message that names the file, the row and the column.

Every case is checked twice: through `load_scenario` (the `ScenarioError` and its problems) and
through the command line (`validate` and `solve` exit with code 2, message on stderr, no
traceback). The bundled scenarios at the end must load, solve and pass the checker.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from helpers import (
    CSV_COLUMNS,
    DEFAULT_ROWS,
    SCENARIOS,
    municipalities_csv,
    run_cli,
    run_cli_many,
    scenario_toml,
    solve_and_check,
)

from allocator import InfeasibleScenario, ScenarioError, load_scenario
from allocator.scenario.validate import Problem

SETTINGS = "scenario.toml"
ROWS = "municipalities.csv"


@dataclass(frozen=True)
class Case:
    id: str
    file: str  # the file the message must name
    row: str | None  # text that must appear in the problem's row (a kommunenummer, or "linje N")
    column: str | None  # the column or settings key the problem must name
    toml: object = None  # None = a valid default, False = no file
    csv: object = None
    says: tuple[str, ...] = ()  # further text the message must contain (e.g. the bad value)


def _rows_with(**changes: dict[str, str]) -> list[dict[str, str]]:
    """DEFAULT_ROWS with whole-row overrides keyed by the row's kommunenummer."""
    return [{**row, **changes.get(f"k{row['kommunenummer']}", {})} for row in DEFAULT_ROWS]


def _cell(number: str, column: str, value: str) -> str:
    return municipalities_csv(changes={(number, column): value})


CASES = [
    Case("missing scenario.toml", SETTINGS, None, None, toml=False, says=("mangler",)),
    Case("missing municipalities.csv", ROWS, None, None, csv=False, says=("mangler",)),
    *[
        Case(
            f"missing required column {column}",
            ROWS,
            None,
            column,
            csv=municipalities_csv(columns=[c for c in CSV_COLUMNS if c != column]),
            says=("påkrevd kolonne mangler",),
        )
        for column in ("kommunenummer", "kommune", "population")
    ],
    Case(
        "duplicate kommunenummer",
        ROWS,
        "4602",
        "kommunenummer",
        csv=municipalities_csv(rows=[*DEFAULT_ROWS, {"kommunenummer": "4602", "kommune": "Kinn igjen", "population": "100"}]),
        says=("står også på linje 3",),
    ),
    Case(
        "kommunenummer with two digits",
        ROWS,
        "linje 2",
        "kommunenummer",
        csv=municipalities_csv(rows=_rows_with(k4601={"kommunenummer": "30"})),
        says=("30",),
    ),
    Case(
        "kommunenummer in full-width digits",
        ROWS,
        "linje 2",
        "kommunenummer",
        csv=municipalities_csv(rows=_rows_with(k4601={"kommunenummer": "０３０１"})),
        says=("vanlige sifre",),
    ),
    Case(
        "a three-digit kommunenummer that then appears twice",
        ROWS,
        "linje 3",
        "kommunenummer",
        csv=municipalities_csv(rows=_rows_with(k4601={"kommunenummer": "301"}, k4602={"kommunenummer": "0301"})),
        says=("står også på linje 2",),
    ),
    Case(
        "kommunenummer with a letter",
        ROWS,
        "linje 4",
        "kommunenummer",
        csv=municipalities_csv(rows=_rows_with(k4611={"kommunenummer": "03A1"})),
        says=("03A1",),
    ),
    Case("negative max_total", ROWS, "4602", "max_total", csv=_cell("4602", "max_total", "-3"), says=("-3",)),
    Case("fractional small_dwellings", ROWS, "4611", "small_dwellings", csv=_cell("4611", "small_dwellings", "12.5"), says=("12.5",)),
    Case("max_total not a number", ROWS, "4612", "max_total", csv=_cell("4612", "max_total", "mange"), says=("mange",)),
    Case("family_dwellings not a number", ROWS, "4601", "family_dwellings", csv=_cell("4601", "family_dwellings", "mange"), says=("mange",)),
    Case("population zero", ROWS, "4602", "population", csv=_cell("4602", "population", "0"), says=("0",)),
    Case("population negative", ROWS, "4611", "population", csv=_cell("4611", "population", "-5"), says=("-5",)),
    Case("population blank", ROWS, "4611", "population", csv=_cell("4611", "population", "")),
    Case(
        "min_total above max_total",
        ROWS,
        "4602",
        "min_total",
        csv=municipalities_csv(changes={("4602", "min_total"): "20", ("4602", "max_total"): "10"}),
        says=("20", "10"),
    ),
    Case(
        "sum of min_total above the request",
        ROWS,
        None,
        "min_total",
        csv=municipalities_csv(changes={("4601", "min_total"): "15", ("4602", "min_total"): "15", ("4611", "min_total"): "15"}),
        says=("45", "39"),
    ),
    Case(
        "min_total above the municipality's own dwellings and places",
        ROWS,
        "4611",
        "min_total",
        csv=municipalities_csv(
            changes={
                ("4611", "min_total"): "10",
                ("4611", "small_dwellings"): "2",
                ("4611", "family_dwellings"): "1",
                ("4611", "minor_places"): "0",
                ("4611", "special_places"): "0",
            }
        ),
        says=("10", "5"),  # room: 2 adults + floor(1 × 3.5) = 3 persons in families
    ),
    Case(
        "unknown group in the request",
        SETTINGS,
        None,
        "request.children",
        toml=scenario_toml(request={"adults": 20, "children": 5}),
        says=("ukjent gruppe",),
    ),
    Case("negative request", SETTINGS, None, "request.adults", toml=scenario_toml(request={"adults": -5}), says=("-5",)),
    Case("fractional request", SETTINGS, None, "request.minors", toml=scenario_toml(request={"minors": 2.5}), says=("2.5",)),
    Case("request not a number", SETTINGS, None, "request.families", toml=scenario_toml(request={"families": '"mange"'}), says=("mange",)),
    Case(
        "key column missing from the CSV",
        ROWS,
        None,
        "bosatt_2023",
        toml=scenario_toml(key="population = 1.0\nbosatt_2023 = 0.5"),
        says=("[key]",),
    ),
    Case(
        "key column not numeric",
        ROWS,
        "4611",
        "bosatt_2023",
        toml=scenario_toml(key="population = 1.0\nbosatt_2023 = 0.5"),
        csv=municipalities_csv(
            rows=[{**row, "bosatt_2023": v} for row, v in zip(DEFAULT_ROWS, ["1037", "221", "mange", "32"])],
            columns=[*CSV_COLUMNS, "bosatt_2023"],
        ),
        says=("mange",),
    ),
    Case("negative key weight", SETTINGS, None, "key.population", toml=scenario_toml(key="population = -1.0"), says=("-1.0",)),
    Case("key weights sum to 0", SETTINGS, None, "[key]", toml=scenario_toml(key="population = 0.0"), says=("0",)),
    Case(
        "key credits as large as the weights",
        SETTINGS,
        None,
        "[key]",
        toml=scenario_toml(key="population = 1.0\nbosatt_2023 = { weight = 1.0, credit = true }"),
        csv=municipalities_csv(
            rows=[{**row, "bosatt_2023": v} for row, v in zip(DEFAULT_ROWS, ["1037", "221", "19", "32"])],
            columns=[*CSV_COLUMNS, "bosatt_2023"],
        ),
    ),
    Case("no [request] table", SETTINGS, None, "[request]", toml='name = "Testfylke"\n\n[key]\npopulation = 1.0\n'),
    Case("no municipalities (header only)", ROWS, None, None, csv=",".join(CSV_COLUMNS) + "\n", says=("ingen kommuner",)),
    Case(
        "TOML syntax error",
        SETTINGS,
        "linje 5",
        None,
        toml='name = "Testfylke"\n\n[request]\nadults = 20\nfamilies = = 14\n',
        says=("TOML",),
    ),
]


def _ids(cases):
    return [c.id for c in cases]


def _matching(problems: list[Problem], case: Case) -> list[Problem]:
    return [
        p
        for p in problems
        if p.file == case.file
        and (case.row is None or case.row in (p.row or ""))
        and (case.column is None or p.column == case.column)
    ]


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_invalid_input_is_refused_naming_file_row_and_column(case, scenario_dir):
    folder = scenario_dir(toml=case.toml, csv=case.csv)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    exc = caught.value
    matching = _matching(exc.problems, case)
    assert matching, f"no problem names {case.file} / {case.row} / {case.column}: {exc.problems}"
    text = str(exc)
    assert case.file in text
    if case.row:
        assert case.row in text
    if case.column:
        assert case.column in text
    for fragment in case.says:
        assert any(fragment in str(p) for p in matching), f"{fragment!r} not in {[str(p) for p in matching]}"


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_cli_refuses_invalid_input_with_exit_code_2(case, scenario_dir):
    folder = scenario_dir(toml=case.toml, csv=case.csv)
    for command, result in zip(("validate", "solve"), run_cli_many([("validate", folder), ("solve", folder)])):
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        assert case.file in result.stderr
        if case.row:
            assert case.row in result.stderr
        if case.column:
            assert case.column in result.stderr
        for fragment in case.says:
            assert fragment in result.stderr


def test_every_problem_is_reported_in_one_round(scenario_dir):
    folder = scenario_dir(
        toml=scenario_toml(request={"adults": 20, "children": 5}),
        csv=municipalities_csv(changes={("4602", "max_total"): "12.5", ("4611", "population"): "0", ("4612", "small_dwellings"): "mange"}),
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    located = {(p.file, p.row or "", p.column) for p in caught.value.problems}
    assert {
        (SETTINGS, "", "request.children"),
        (ROWS, "linje 3 (4602 Kinn)", "max_total"),
        (ROWS, "linje 4 (4611 Etne)", "population"),
        (ROWS, "linje 5 (4612 Sveio)", "small_dwellings"),
    } <= located


def test_csv_in_windows_1252_is_read_with_a_note(scenario_dir):
    folder = scenario_dir()
    (folder / ROWS).write_bytes(municipalities_csv(rows=[{"kommunenummer": "4642", "kommune": "Lærdal", "population": "2160"}]).encode("cp1252"))
    scenario = load_scenario(folder)
    assert scenario.table.text("kommune") == ("Lærdal",)
    assert any("Windows-1252" in note and ROWS in note for note in scenario.notes)
    result = run_cli("validate", folder)
    assert result.returncode == 0 and "Windows-1252" in result.stderr


def test_csv_that_is_neither_utf8_nor_windows_1252_is_refused_naming_the_file(scenario_dir):
    folder = scenario_dir()
    (folder / ROWS).write_bytes(municipalities_csv().encode("utf-8").replace(b"Kinn", b"K\x81\x8d\xffnn"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    assert any(p.file == ROWS for p in caught.value.problems)
    result = run_cli("validate", folder)
    assert result.returncode == 2 and "Traceback" not in result.stderr and ROWS in result.stderr


def test_csv_saved_by_excel_with_a_byte_order_mark_loads(scenario_dir):
    folder = scenario_dir()
    (folder / ROWS).write_bytes(municipalities_csv().encode("utf-8-sig"))
    scenario = load_scenario(folder)
    assert list(scenario.municipalities.index) == ["4601", "4602", "4611", "4612"]


def test_missing_scenario_folder_is_refused(tmp_path):
    with pytest.raises(ScenarioError):
        load_scenario(tmp_path / "finnes-ikke")
    result = run_cli("validate", tmp_path / "finnes-ikke")
    assert result.returncode == 2
    assert "finnes-ikke" in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- valid input


def test_valid_default_scenario_loads_with_documented_columns(scenario_dir):
    scenario = load_scenario(scenario_dir())
    table = scenario.municipalities
    assert list(table.index) == ["4601", "4602", "4611", "4612"]
    assert table.index.name == "kommunenummer"
    assert dict(scenario.request) == {"adults": 20, "families": 14, "minors": 3, "special_needs": 2}
    for column in ("kommune", "population", "max_total", "min_total", "small_dwellings", "family_dwellings",
                   "minor_places", "special_places", "lock_reason"):
        assert column in table.columns
    assert table["max_total"].isna().all()  # blank = no limit
    assert (table["lock_reason"] == "").all()


def test_kommunenummer_keeps_its_leading_zero(scenario_dir):
    rows = [{"kommunenummer": "0301", "kommune": "Oslo", "population": "717710"}, *DEFAULT_ROWS[1:]]
    scenario = load_scenario(scenario_dir(csv=municipalities_csv(rows=rows)))
    assert "0301" in scenario.municipalities.index


def test_validate_accepts_a_valid_scenario(scenario_dir):
    result = run_cli("validate", scenario_dir())
    assert result.returncode == 0, result.stderr
    assert "Testfylke 2026" in result.stdout
    assert "4 kommuner" in result.stdout


def test_min_totals_that_cannot_be_met_together_exit_2_naming_min_total(scenario_dir):
    # Each minimum fits on its own, and their sum fits in the whole request, but both
    # municipalities can only take minors and only 4 minors are requested.
    csv = municipalities_csv(
        changes={
            ("4602", "min_total"): "3",
            ("4602", "small_dwellings"): "0",
            ("4602", "family_dwellings"): "0",
            ("4602", "special_places"): "0",
            ("4611", "min_total"): "3",
            ("4611", "small_dwellings"): "0",
            ("4611", "family_dwellings"): "0",
            ("4611", "special_places"): "0",
        }
    )
    folder = scenario_dir(toml=scenario_toml(request={"adults": 10, "minors": 4}), csv=csv)
    scenario = load_scenario(folder)
    with pytest.raises(InfeasibleScenario) as caught:
        solve_and_check(scenario)
    assert any(p.column == "min_total" for p in caught.value.problems)
    result = run_cli("solve", folder)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "min_total" in result.stderr
    assert "4602" in result.stderr and "4611" in result.stderr


# --------------------------------------------------------------------------- bundled scenarios

BUNDLED = sorted(p.name for p in SCENARIOS.iterdir() if p.is_dir()) if SCENARIOS.is_dir() else []


def _bundled(name: str):
    folder = SCENARIOS / name
    if not folder.is_dir():
        pytest.skip(f"scenarios/{name} is not there (being written concurrently)")
    return load_scenario(folder)


def test_there_are_bundled_scenarios():
    assert {"vestland-2026", "norge-2026", "demo-shortfall"} <= set(BUNDLED)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_loads_solves_and_passes_the_checker(name):
    scenario = _bundled(name)
    plan = solve_and_check(scenario)
    assert sum(plan.settled.values()) + sum(plan.shortfall.values()) == scenario.total_request


def test_vestland_2026_has_43_municipalities_and_1474_persons_with_46_minors():
    scenario = _bundled("vestland-2026")
    assert len(scenario.municipalities) == 43
    assert scenario.total_request == 1474
    assert scenario.request["minors"] == 46
    assert scenario.municipalities.index.str.fullmatch(r"46\d\d").all()


def test_norge_2026_has_357_municipalities_and_13000_persons_with_651_minors():
    scenario = _bundled("norge-2026")
    assert len(scenario.municipalities) == 357
    assert scenario.total_request == 13000
    assert scenario.request["minors"] == 651
    assert "0301" in scenario.municipalities.index


def test_demo_shortfall_ends_in_a_shortfall():
    plan = solve_and_check(_bundled("demo-shortfall"))
    assert plan.status == "shortfall"
    assert sum(plan.shortfall.values()) > 0
