"""Every input is read as meant, or the user is told (issue 16): one test per case found by a
newcomer's ~200 broken inputs that gave a plan from wrong data without a word.

Each case is either refused (exit 2, a Norwegian message naming file, line and column) or planned
with a note (`Scenario.notes`; «Merk: …» on the command line) naming what was noticed.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from helpers import CSV_COLUMNS, DEFAULT_ROWS, SCENARIOS, municipalities_csv, run_cli, scenario_toml

from allocator import ScenarioError, load_scenario, solve
from allocator.scenario.workbook import read_workbook

ROWS = "municipalities.csv"
VESTLAND = SCENARIOS / "vestland-2026"


def _refused(folder) -> list:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    return caught.value.problems


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(("header", "meant"), [("max_totall", "max_total"), ("Maks total", "max_total"),
                                               ("maxtotal", "max_total"), ("populaton", "population"),
                                               ("small_dwelling", "small_dwellings"), ("Familiebolig", "family_dwellings"),
                                               ("Maks totalt 2026", "max_total")])
def test_a_misspelt_header_is_refused_with_the_column_meant(scenario_dir, header, meant):
    # Before: «max_totall» was an extra column, validate said valid, and the caps were gone (Etne 20, not 15).
    columns = [header if c == meant else c for c in CSV_COLUMNS]
    table = municipalities_csv(columns=columns, changes={("4611", header): 15})
    problems = _refused(scenario_dir(csv=table))
    typo = [p for p in problems if p.column == header]
    assert typo and f"mente du «{meant}»" in typo[0].message, problems


def test_the_misspelt_header_on_the_command_line_exits_2_naming_the_file_and_column(scenario_dir):
    table = municipalities_csv(columns=["max_totall" if c == "max_total" else c for c in CSV_COLUMNS])
    result = run_cli("validate", scenario_dir(csv=table))
    assert result.returncode == 2, result.stderr
    assert "municipalities.csv, kolonne max_totall: ukjent kolonne; mente du «max_total» (Maks totalt)?" in result.stderr


def test_names_known_but_not_yet_used_and_own_columns_are_not_taken_for_typos(scenario_dir):
    # the columns another change adds (anmodning, vedtak, kan_ta_flere, bosatt_q1 …), a year of a
    # real column, and a user's own column the key names
    columns = [*CSV_COLUMNS, "anmodning", "Vedtak EM", "kan_ta_flere", "bosatt_q3", "bosatt_2021", "Bosatt 2023", "tettsted"]
    rows = [{**row, "tettsted": 1 + k} for k, row in enumerate(DEFAULT_ROWS)]
    folder = scenario_dir(toml=scenario_toml(key="population = 1.0\ntettsted = 0.1"), csv=municipalities_csv(rows, columns))
    scenario = load_scenario(folder)
    assert {"anmodning", "vedtak_em", "kan_ta_flere", "bosatt_q3", "bosatt_2021"} <= set(scenario.table.columns)


def test_a_title_row_above_the_header_names_the_header_line(scenario_dir):
    # Before: ten lines of «kolonne nr. N har ingen overskrift».
    folder = scenario_dir(csv="Bosettingsplan 2026\n\n" + municipalities_csv())
    problems = _refused(folder)
    assert len(problems) == 1 and "overskriften står på linje 3" in problems[0].message, problems
    assert problems[0].row == "linje 1"


@pytest.mark.parametrize("dialect", ["excel", "plain"])
def test_the_tools_own_plan_export_is_refused_as_a_municipality_table(scenario_dir, tmp_path, dialect):
    # Before: accepted; «Småboliger tilgjengelig» is not a limit, so every dwelling and place limit vanished.
    out = tmp_path / "plan.csv"
    assert run_cli("solve", VESTLAND, "--out", out, "--csv", dialect).returncode == 0
    folder = scenario_dir(toml=(VESTLAND / "scenario.toml").read_text(encoding="utf-8"), csv=False)
    (folder / ROWS).write_bytes(out.read_bytes())
    problems = _refused(folder)
    assert any("ser ut som en plan laget av dette verktøyet" in p.message and ".xlsx" in p.message for p in problems), problems


def test_out_never_makes_a_file_named_municipalities_csv(tmp_path):
    target = tmp_path / "b"
    target.mkdir()
    result = run_cli("solve", VESTLAND, "--out", target / ROWS, "--force")
    assert result.returncode == 2 and "municipalities.csv" in result.stderr and not (target / ROWS).exists()


# --------------------------------------------------------------------------- counties


def _county_rows(fylke_of_etne: str) -> str:
    rows = [{**row, "fylke": fylke_of_etne if row["kommunenummer"] == "4611" else "Agder"} for row in DEFAULT_ROWS]
    return municipalities_csv(rows, [*CSV_COLUMNS, "fylke"])


def _county_toml() -> str:
    return 'name = "Agder"\n[request.counties."Agder"]\nadults = 20\nfamilies = 14\nminors = 3\nspecial_needs = 2\n[key]\npopulation = 1.0\n'


def test_a_county_typo_in_the_table_is_refused_with_the_county_meant(scenario_dir):
    # Before: Etne (fylke «Agdar») got 0 and the summary listed «Agdar 0 0 0».
    problems = _refused(scenario_dir(toml=_county_toml(), csv=_county_rows("Agdar")))
    county = [p for p in problems if p.column == "fylke"]
    assert county and "mente du «Agder»" in county[0].message and "4611" in county[0].row, problems


def test_a_county_with_municipalities_but_no_request_gets_0_with_a_note(scenario_dir):
    scenario = load_scenario(scenario_dir(toml=_county_toml(), csv=_county_rows("Rogaland")))
    assert any("Rogaland" in n and "får 0" in n for n in scenario.notes), scenario.notes
    assert solve(scenario).allocation.loc["4611"].sum() == 0


# --------------------------------------------------------------------------- the key


def test_a_scenario_without_a_key_is_planned_by_population_with_a_note(scenario_dir):
    # Before: silently population (Bergen 292 → 562, Modalen 5 → 0); the README did not say so.
    toml = scenario_toml().replace("[key]\npopulation = 1.0\n", "")
    scenario = load_scenario(scenario_dir(toml=toml))
    assert any("ingen [key]" in n and "innbyggertall" in n for n in scenario.notes), scenario.notes
    with_key = load_scenario(scenario_dir())
    assert not any("[key]" in n for n in with_key.notes)
    assert solve(scenario).allocation.equals(solve(with_key).allocation)


def _vestland_workbook(tmp_path) -> openpyxl.Workbook:
    out = tmp_path / "plan.xlsx"
    assert run_cli("solve", VESTLAND, "--out", out).returncode == 0
    return openpyxl.load_workbook(out)


def _read(book: openpyxl.Workbook):
    data = io.BytesIO()
    book.save(data)
    return read_workbook(io.BytesIO(data.getvalue()))


@pytest.mark.parametrize("change", ["rename", "delete"])
def test_a_workbook_without_its_key_sheet_gets_a_note(tmp_path, change):
    book = _vestland_workbook(tmp_path)
    if change == "rename":
        book["nøkkel"].title = "nøkkel (gammel)"
    else:
        del book["nøkkel"]
    scenario = _read(book)
    assert any("arket «nøkkel» mangler" in n and "innbyggertall" in n for n in scenario.notes), scenario.notes


def test_min_persons_above_the_request_is_refused(scenario_dir):
    # Before: min_persons = 1000 beside a request of 77 made every fair share 15,4 (Kristiansand = Åmli).
    toml = scenario_toml(key="population = 1.0\nmin_persons = 1000")
    problems = _refused(scenario_dir(toml=toml))
    assert any(p.column == "key.min_persons" and "større enn anmodningen" in p.message for p in problems), problems


def test_min_persons_that_takes_the_whole_request_gets_a_note(scenario_dir):
    toml = scenario_toml(key="population = 1.0\nmin_persons = 10")  # 4 municipalities × 10 ≥ 39
    scenario = load_scenario(scenario_dir(toml=toml))
    assert any("min_persons" in n and "samme rimelige andel" in n for n in scenario.notes), scenario.notes


# --------------------------------------------------------------------------- kommunenummer


def _numbered(number: str, name: str) -> str:
    rows = [dict(row) for row in DEFAULT_ROWS]
    rows[2] = {**rows[2], "kommunenummer": number, "kommune": name}
    return municipalities_csv(rows)


@pytest.mark.parametrize(("number", "name", "said"), [
    ("1201", "Bergen", "1201 (Bergen) er et nummer fra før 2020; nå 4601 Bergen"),
    ("0000", "Etne", "kommunenummeret 0000 finnes ikke i SSBs kommuneliste for 2024"),
    ("4201", "Bergen", "4201 heter Risør, men raden sier Bergen (Bergen er 4601)"),
])
def test_numbers_that_are_not_todays_municipalities_are_noted(scenario_dir, number, name, said):
    rows = _numbered(number, name)
    if number == "4201":  # Bergen is 4601 in the table already: keep one Bergen
        rows = rows.replace("4601,Bergen", "4601,Bergen sentrum")
    scenario = load_scenario(scenario_dir(csv=rows))
    assert any(said in n for n in scenario.notes), scenario.notes


def test_the_bundled_scenarios_have_no_notes():
    for folder in SCENARIOS.iterdir():
        if (folder / "scenario.toml").exists():
            assert load_scenario(folder).notes == (), folder


def test_the_national_number_changes_work_without_the_shared_data():
    from allocator.scenario import national

    assert national.changes()["1201"] == [("4601", "Bergen", "2020")]
    assert {new for new, _, _ in national.changes()["1507"]} == {"1508", "1580"}  # Ålesund and Haram, 2024
    assert set(n for rows in national.changes().values() for n, _, _ in rows) <= set(national.municipalities())


# --------------------------------------------------------------------------- counts


@pytest.mark.parametrize("text", ["-0", "+5", "1e3", "1E1", "-5"])
def test_a_count_with_a_sign_or_an_exponent_is_refused(scenario_dir, text):
    # Before: «-0» was read as a limit of 0 (Grimstad got 0); +5 and 1e3 were read as 5 and 1000.
    problems = _refused(scenario_dir(csv=municipalities_csv(changes={("4602", "max_total"): text})))
    assert any(p.row == "linje 3 (4602 Kinn)" and p.column == "max_total" and f"«{text}»" in p.message for p in problems), problems


def test_a_quoted_word_in_toml_gets_no_hint_about_numbers(scenario_dir):
    # Before: split = "kee" got the hint «skriv tall uten anførselstegn».
    toml = scenario_toml().replace("[key]", '[counties]\nsplit = "kee"\n\n[key]')
    problems = _refused(scenario_dir(toml=toml))
    split = [p for p in problems if p.column == "counties.split"]
    assert split and "anførselstegn" not in split[0].message, problems
    quoted_number = _refused(scenario_dir(toml=scenario_toml(request={"adults": '"40"'})))
    assert any("skriv tall uten anførselstegn" in p.message for p in quoted_number)


def test_a_toml_key_is_called_a_key_not_a_column(scenario_dir):
    problems = _refused(scenario_dir(toml=scenario_toml(request={"adults": -1})))
    assert any(str(p).startswith("scenario.toml, nøkkel request.adults:") for p in problems), [str(p) for p in problems]


# --------------------------------------------------------------------------- workbooks


def test_a_workbook_formula_without_a_saved_value_is_refused_by_cell(tmp_path):
    # Before: the cell read as blank, i.e. «no limit».
    book = _vestland_workbook(tmp_path)
    sheet = book["kommuner"]
    header = [c.value for c in sheet[1]]
    column = header.index("Maks totalt") + 1
    sheet.cell(3, column).value = "=10+5"
    with pytest.raises(ScenarioError) as caught:
        _read(book)
    letter = sheet.cell(3, column).column_letter
    assert any(p.row == "rad 3" and p.column == letter and "formel" in p.message for p in caught.value.problems), caught.value.problems


def test_hidden_rows_and_columns_of_a_workbook_are_noted(tmp_path):
    book = _vestland_workbook(tmp_path)
    sheet = book["kommuner"]
    sheet.row_dimensions[4].hidden = True
    sheet.column_dimensions["C"].hidden = True
    notes = _read(book).notes
    assert any("rad 4 er skjult" in n for n in notes) and any("kolonne C" in n and "skjult" in n for n in notes), notes
