"""Exports: the plan as CSV and Excel; the Excel workbook loads back into the same scenario."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest
from helpers import CSV_COLUMNS, SCENARIOS, municipalities_csv, scenario_toml, solve_and_check

from allocator import GROUPS, KeyTerm, ScenarioError, load_scenario
from allocator.labels import GROUP_LABELS
from allocator.output.destination import write_plan
from allocator.output.tables import plan_csv_bytes
from allocator.output.workbook import plan_workbook_bytes
from allocator.scenario.workbook import read_workbook

ROWS = [
    {"kommunenummer": "0301", "kommune": "Oslo", "population": "717710", "max_total": "400", "bosatt": "2018", "fylke": "Oslo"},
    {"kommunenummer": "4640", "kommune": "Sogndal", "population": "12319", "min_total": "40", "max_total": "40",
     "lock_reason": "Avtale med kommunen, sak 12/345", "bosatt": "142", "fylke": "Vestland"},
    {"kommunenummer": "4642", "kommune": "Lærdal", "population": "2160", "small_dwellings": "9", "family_dwellings": "3",
     "minor_places": "0", "special_places": "1", "bosatt": "34", "fylke": "Vestland"},
    {"kommunenummer": "5001", "kommune": "Trondheim - Tråante", "population": "214565", "min_total": "50",
     "bosatt": "788", "fylke": "Trøndelag"},
]
TOP = '''
description = "Et scenario med æøå, låser og fradrag."
year = 2026
'''
EXTRA = '''
[housing]
adults_per_small_dwelling = 1.5
persons_per_family_dwelling = 3.2
'''


@pytest.fixture
def rich_scenario(scenario_dir):
    """Locks, a lock reason, a credit key with an exponent, non-default housing, æøå and a leading zero."""
    folder = scenario_dir(
        toml=scenario_toml(
            request={"adults": 150, "families": 120, "minors": 12, "special_needs": 6},
            key="population = { weight = 2.0, exponent = 0.6 }\nbosatt = { weight = 1.0, credit = true }",
            name="Blandet 2026",
            extra=EXTRA,
            top=TOP,
        ),
        csv=municipalities_csv(rows=ROWS, columns=[*CSV_COLUMNS, "lock_reason", "bosatt", "fylke"]),
    )
    return load_scenario(folder)


def _assert_same_scenario(a, b) -> None:
    assert a.name == b.name
    assert a.description == b.description
    assert a.year == b.year
    assert dict(a.request) == dict(b.request)
    assert a.key == b.key
    assert a.housing == b.housing
    assert getattr(a, "quarters", None) == getattr(b, "quarters", None)
    assert getattr(a, "incentives", None) == getattr(b, "incentives", None)
    pd.testing.assert_frame_equal(a.municipalities, b.municipalities, check_like=True)


def test_workbook_reads_back_to_the_same_scenario_and_plan(rich_scenario, tmp_path):
    plan = solve_and_check(rich_scenario)
    path = write_plan(plan, tmp_path / "plan.xlsx")
    again = read_workbook(path)
    _assert_same_scenario(rich_scenario, again)
    replan = solve_and_check(again)
    pd.testing.assert_frame_equal(plan.allocation, replan.allocation)


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.iterdir() if (p / "scenario.toml").is_file()))
def test_bundled_scenario_survives_the_workbook(name, tmp_path):
    folder = SCENARIOS / name
    if not folder.is_dir():
        pytest.skip(f"scenarios/{name} is not there")
    scenario = load_scenario(folder)
    plan = solve_and_check(scenario)
    again = read_workbook(io.BytesIO(plan_workbook_bytes(plan)))
    _assert_same_scenario(scenario, again)
    pd.testing.assert_frame_equal(plan.allocation, solve_and_check(again).allocation)


def test_workbook_plan_sheet_holds_the_allocation(rich_scenario):
    plan = solve_and_check(rich_scenario)
    sheets = pd.read_excel(io.BytesIO(plan_workbook_bytes(plan)), sheet_name=None, dtype={"Kommunenr.": str})
    assert {"plan", "sammendrag", "innstillinger", "nøkkel", "kommuner"} <= set(sheets)
    table = sheets["plan"].set_index("Kommunenr.")
    assert list(table.index) == list(rich_scenario.municipalities.index)  # 0301 keeps its zero
    for g in GROUPS:
        assert (table[GROUP_LABELS[g]] == plan.allocation[g]).all()
    summary = sheets["sammendrag"].set_index("Gruppe")
    assert summary.at["Totalt", "Fordelt"] == sum(plan.settled.values())
    locks = sheets["låste"]
    assert "Avtale med kommunen, sak 12/345" in set(locks["Begrunnelse for lås"])


def test_workbook_where_excel_dropped_the_leading_zero_still_reads(rich_scenario, tmp_path):
    plan = solve_and_check(rich_scenario)
    path = tmp_path / "plan.xlsx"
    write_plan(plan, path)
    book = openpyxl.load_workbook(path)
    sheet = book["kommuner"]
    for row in sheet.iter_rows(min_row=2, max_col=1):
        if row[0].value == "0301":
            row[0].value = 301  # what Excel does to a number typed as 0301
    book.save(path)
    again = read_workbook(path)
    assert "0301" in again.municipalities.index
    pd.testing.assert_frame_equal(plan.allocation, solve_and_check(again).allocation)


def test_workbook_with_an_edited_invalid_cell_is_refused_naming_sheet_row_and_column(rich_scenario, tmp_path):
    plan = solve_and_check(rich_scenario)
    path = tmp_path / "plan.xlsx"
    write_plan(plan, path)
    book = openpyxl.load_workbook(path)
    sheet = book["kommuner"]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "4642":
            row[header.index("Småboliger")].value = "mange"
    book.save(path)
    with pytest.raises(ScenarioError) as caught:
        read_workbook(path, label="plan.xlsx")
    text = str(caught.value)
    assert "plan.xlsx" in text and "kommuner" in text
    assert "4642" in text and "small_dwellings" in text and "mange" in text


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_text("kommunenummer,kommune\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        read_workbook(path, label="plan.xlsx")
    assert "plan.xlsx" in str(caught.value)


def test_a_workbook_without_the_municipality_sheet_is_refused(tmp_path):
    path = tmp_path / "bare.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"field": ["name"], "value": ["X"]}).to_excel(writer, sheet_name="innstillinger", index=False)
    with pytest.raises(ScenarioError) as caught:
        read_workbook(path, label="bare.xlsx")
    assert "kommuner" in str(caught.value)


def _read_excel_csv(data: bytes) -> pd.DataFrame:
    """The CSV as Norwegian Excel reads it: semicolons, decimal comma, UTF-8 with BOM."""
    return pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", dtype={"Kommunenr.": str},
                       keep_default_na=False, na_values=[""]).set_index("Kommunenr.")


def test_csv_export_is_for_norwegian_excel_utf8_with_bom_and_keeps_kommunenummer_as_text(rich_scenario, tmp_path):
    plan = solve_and_check(rich_scenario)
    data = plan_csv_bytes(plan)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "Lærdal" in text and "Trondheim - Tråante" in text
    assert text.splitlines()[0].startswith("Kommunenr.;Kommune;Fylke;Innbyggere;Totalt;")
    table = _read_excel_csv(data)
    assert list(table.index) == ["0301", "4640", "4642", "5001"]
    for g in GROUPS:
        assert (table[GROUP_LABELS[g]] == plan.allocation[g]).all()
    assert (table["Totalt"] == plan.allocation.sum(axis=1)).all()
    fair = plan.fair_share.sum(axis=1).round(2)
    assert np.allclose(table["Rimelig andel"].astype(float), fair)  # decimal comma read back as numbers
    path = write_plan(plan, tmp_path / "plan.csv")
    assert path.read_bytes() == data


def test_csv_export_shows_what_binds_in_words(rich_scenario):
    plan = solve_and_check(rich_scenario)
    table = _read_excel_csv(plan_csv_bytes(plan))
    assert table.at["4640", "Grenser nådd"] == "låst"
    assert table.at["4640", "Begrenset av"] == "låst (ca. 24 personer)"  # held up from about 16 (was a wrong 1)
    assert table.at["4640", "Totalt"] == 40
    assert table.at["4640", "Forklaring"] == "låst på 40 (Avtale med kommunen, sak 12/345)"
    assert table.at["4640", "Begrunnelse for lås"] == "Avtale med kommunen, sak 12/345"


def test_plain_csv_keeps_the_codes_commas_and_decimal_points(rich_scenario):
    plan = solve_and_check(rich_scenario)
    data = plan_csv_bytes(plan, dialect="plain")
    assert not data.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(data), dtype={"kommunenummer": str}, keep_default_na=False).set_index("kommunenummer")
    assert list(table.index) == ["0301", "4640", "4642", "5001"]
    for g in GROUPS:
        assert (table[g] == plan.allocation[g]).all()
    assert "locked" in table.at["4640", "binding"]
    assert table.at["4640", "total"] == 40
    assert np.allclose(table["fair_total"], plan.fair_share.sum(axis=1).round(2))


def test_write_plan_refuses_an_unknown_extension(rich_scenario, tmp_path):
    plan = solve_and_check(rich_scenario)
    with pytest.raises(ValueError):
        write_plan(plan, tmp_path / "plan.txt")
    assert not (tmp_path / "plan.txt").exists()


def test_scenario_with_extra_sheets_still_reads_back(rich_scenario):
    plan = solve_and_check(rich_scenario)
    data = plan_workbook_bytes(plan, extra_sheets={"notater": pd.DataFrame({"notat": ["hei"]})})
    again = read_workbook(io.BytesIO(data))
    _assert_same_scenario(rich_scenario, again)


def test_the_rich_scenario_uses_what_it_claims(rich_scenario):
    # Guards the round-trip tests above against a fixture that silently lost its interesting parts.
    table = rich_scenario.municipalities
    assert rich_scenario.key == (KeyTerm("population", 2.0, 0.6), KeyTerm("bosatt", 1.0, 1.0, True))
    assert rich_scenario.housing.persons_per_family_dwelling == 3.2
    assert table.at["4640", "lock_reason"].startswith("Avtale")
    assert table.at["4640", "min_total"] == table.at["4640", "max_total"] == 40
    assert np.isnan(table.at["0301", "min_total"])
    assert table.at["5001", "fylke"] == "Trøndelag"
