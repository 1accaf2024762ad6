"""Exports people read: Norwegian headers and words, numbers as numbers, blanks as blanks; the input
sheets load back (Norwegian or old code headers); files get the user's umask; nothing is replaced
that was not asked to be."""

from __future__ import annotations

import dataclasses
import errno
import io
import os
import stat

import numpy as np
import openpyxl
import pandas as pd
import pytest
from helpers import CSV_COLUMNS, SCENARIOS, municipalities_csv, scenario_toml, solve_and_check, write_scenario

from allocator import GROUPS, ScenarioError, load_scenario, solve
from allocator.labels import GROUP_LABELS, LIMIT_LABELS, column_label
from allocator.output import workbook
from allocator.output.destination import OutputExists, WriteError, write_plan
from allocator.output.export import csv_download, plan_downloads
from allocator.output.tables import plan_csv_bytes
from allocator.output.workbook import plan_workbook_bytes, sweep_workbook_bytes
from allocator.scenario.workbook import read_workbook
from allocator.scenario.write import fingerprint, settings_dict

VESTLAND = SCENARIOS / "vestland-2026"
CODES = {*GROUPS, "total", "binding", "max_total", "min_total", "small_dwellings", "family_dwellings", "minor_places",
         "special_places", "locked", "population", "fair_total", "lock_reason", "requested", "settled", "shortfall",
         "group", "field", "value", "column", "weight", "exponent", "credit", "quarter", "figure", "origin",
         "destination", "persons", "limit", "municipalities", "used", "available", "moved", "fair_first",
         "with_timeliness", "grant_q1", "bonus", "deduction", "net_incentive", "avg_months", "within_target", "late",
         "carried_over", "kommunenummer"}


def _book(plan) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(plan_workbook_bytes(plan)))


def _header(sheet) -> list:
    return [cell.value for cell in sheet[1]]


@pytest.fixture(scope="module")
def vestland_plan():
    """Vestland with its quarters, a timeliness weight (persons moved), a lock with a reason."""
    from allocator.present import edits

    scenario = edits.lock(load_scenario(VESTLAND), "4611", 15, "vedtak 2024")
    scenario = scenario.with_changes(quarters=dataclasses.replace(scenario.quarters, timeliness_weight=0.05))
    return solve(scenario)


@pytest.fixture(scope="module")
def county_plan(tmp_path_factory):
    """Three counties with cross-border settlement, so the county sheets are written."""
    rows = [{"kommunenummer": n, "kommune": k, "fylke": f, "population": p, "family_dwellings": d}
            for n, k, f, p, d in [("1101", "Aby", "Agder", "9000", "1"), ("1102", "Bby", "Agder", "4000", "0"),
                                  ("1201", "Cby", "Buskerud", "30000", ""), ("1202", "Dby", "Buskerud", "8000", "")]]
    toml = ('name = "To fylker"\n[request.counties."Agder"]\nadults = 10\nfamilies = 20\n'
            '[request.counties."Buskerud"]\nadults = 10\nfamilies = 10\n[counties]\ncross_border = true\n'
            '[key]\npopulation = 1.0\n')
    folder = write_scenario(tmp_path_factory.mktemp("fylker") / "s", toml=toml,
                            csv=municipalities_csv(rows=rows, columns=["kommunenummer", "kommune", "fylke", "population",
                                                                       "family_dwellings"]))
    plan = solve_and_check(load_scenario(folder))
    assert plan.flows, "the fixture must move persons across a border"
    return plan


# --------------------------------------------------------------------------- headers and words


def test_every_sheet_has_norwegian_headers(vestland_plan, county_plan):
    for plan in (vestland_plan, county_plan):
        book = _book(plan)
        for sheet in book.worksheets:
            header = _header(sheet)
            assert header and all(isinstance(h, str) and h for h in header), sheet.title
            english = [h for h in header if h in CODES or "_" in h]
            if sheet.title == "kommuner":
                english = [h for h in english if column_label(h) == h]  # a user's own column keeps its name
            assert english == [], (sheet.title, english)
    assert {"kvartalsplan", "økonomi", "tidsmål", "verdi av avtalen", "flyttet for tid"} <= set(_book(vestland_plan).sheetnames)
    assert {"fylker", "flyt mellom fylker"} <= set(_book(county_plan).sheetnames)


def test_input_sheets_have_the_agreed_headers(vestland_plan):
    book = _book(vestland_plan)
    assert _header(book["innstillinger"]) == ["Innstilling", "Verdi", "Forklaring"]
    assert _header(book["nøkkel"])[:4] == ["Kolonne", "Vekt", "Eksponent", "Fradrag"]
    kommuner = _header(book["kommuner"])
    assert kommuner[:3] == ["Kommunenr.", "Kommune", "Innbyggere"]
    assert {"Maks totalt", "Småboliger", "Familieboliger K3", "Sentralitet", "Bosatt 2022", "Bosatt 2023",
            "Begrunnelse for lås"} <= set(kommuner)
    # the settings are named in Norwegian (read back to scenario.toml's names), and every one is explained
    settings = pd.read_excel(io.BytesIO(plan_workbook_bytes(vestland_plan)), sheet_name="innstillinger")
    fields = list(settings["Innstilling"])
    assert {"Navn", "Anmodning › enslige voksne", "Kvartaler › klare for bosetting › enslige voksne",
            "Insentiver › integreringstilskudd › enslige mindreårige"} <= set(fields)
    assert not [f for f in fields if "_" in f or "." in f], "no code names where a user reads"
    assert settings["Forklaring"].notna().all()
    explained = dict(zip(settings["Innstilling"], settings["Forklaring"]))
    assert explained["Anmodning › enslige voksne"] == "Anmodning: enslige voksne (personer)"


def test_the_plan_sheet_and_csv_carry_groups_and_limits_as_words(vestland_plan):
    plan = vestland_plan
    sheets = pd.read_excel(io.BytesIO(plan_workbook_bytes(plan)), sheet_name=None, dtype={"Kommunenr.": str})
    csv = pd.read_csv(io.BytesIO(plan_csv_bytes(plan)), sep=";", decimal=",", encoding="utf-8-sig",
                      dtype={"Kommunenr.": str})
    words = {label for label in LIMIT_LABELS.values()}
    for table in (sheets["plan"], csv):
        table = table.set_index("Kommunenr.")
        # "Begrenset av" is what holds a municipality back, as in the app; "Grenser nådd" every limit used up
        assert {GROUP_LABELS[g] for g in GROUPS} | {"Begrenset av", "Grenser nådd", "Forklaring"} <= set(table.columns)
        for k, number in enumerate(plan.scenario.table.numbers):
            binding = table.at[number, "Grenser nådd"]
            codes = plan.binding_codes[k]
            if codes:
                assert binding.split(", ") == [LIMIT_LABELS[c] for c in codes]
                assert set(binding.split(", ")) <= words
                assert table.at[number, "Forklaring"]
            else:
                assert pd.isna(binding)
            held = table.at[number, "Begrenset av"]
            assert pd.isna(held) == (not plan.holding[k])
            if plan.holding[k]:
                assert held.split(" (")[0] == LIMIT_LABELS[plan.holding[k][0][0]]  # the one that matters most first
        assert table.at["4611", "Grenser nådd"].split(", ")[0] == "låst"
        assert "vedtak 2024" in table.at["4611", "Forklaring"]
    groups = sheets["grupper"]
    assert set(groups["Gruppe"]) == {GROUP_LABELS[g] for g in GROUPS}
    summary = sheets["sammendrag"]
    assert list(summary["Gruppe"]) == [GROUP_LABELS[g] for g in (*GROUPS, "total")]
    limits = sheets["grenser"]
    assert "Maks totalt" in set(limits["Grense"]) and "Familieboliger" in set(limits["Grense"])
    schedule = sheets["kvartalsplan"]
    assert set(schedule["Kvartal"]) == {"K1", "K2", "K3", "K4"}
    assert set(sheets["tidsmål"]["Gruppe"]) == {GROUP_LABELS[g] for g in GROUPS}
    assert not any("_" in str(v) for v in sheets["verdi av avtalen"]["Størrelse"])


def test_county_sheets_name_groups_in_norwegian(county_plan):
    sheets = pd.read_excel(io.BytesIO(plan_workbook_bytes(county_plan)), sheet_name=None)
    assert list(sheets["fylker"]["Fylke"]) == ["Agder", "Buskerud"]
    flows = sheets["flyt mellom fylker"]
    assert list(flows.columns) == ["Fra fylke", "Til fylke", "Gruppe", "Personer"]
    assert set(flows["Gruppe"]) <= {GROUP_LABELS[g] for g in GROUPS}
    assert flows["Personer"].sum() == sum(f.persons for f in county_plan.flows)


def test_no_cell_says_nan_or_na_and_blanks_are_empty(vestland_plan, county_plan):
    for plan in (vestland_plan, county_plan):
        for sheet in _book(plan).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.value != "", (sheet.title, cell.coordinate)
                    assert cell.value is None or str(cell.value).strip().lower() not in ("nan", "<na>", "none", "nat", "inf"), (sheet.title, cell.coordinate)
        for dialect in ("excel", "plain"):
            text = plan_csv_bytes(plan, dialect).decode("utf-8-sig")
            assert "<NA>" not in text
            for line in text.splitlines():
                assert not any(cell.strip().lower() in ("nan", "<na>", "none") for cell in line.split(";" if dialect == "excel" else ","))


def test_numbers_are_number_cells_and_kommunenummer_is_text(vestland_plan):
    book = _book(vestland_plan)
    sheet = book["kommuner"]
    header = _header(sheet)
    scenario = vestland_plan.scenario
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, row))
        number = cells["Kommunenr."].value
        assert isinstance(number, str) and len(number) == 4 and cells["Kommunenr."].number_format == "@"
        for code in scenario.table.columns:
            label = column_label(code)
            cell = cells[label]
            if scenario.table.is_numeric(code):
                value = scenario.table.numeric(code)[scenario.table.position[number]]
                if np.isnan(value):
                    assert cell.value is None
                else:
                    assert cell.data_type == "n" and not isinstance(cell.value, str) and cell.value == value, (code, cell.value)
            else:
                assert cell.value is None or isinstance(cell.value, str)
    plan_sheet = book["plan"]
    header = _header(plan_sheet)
    first = dict(zip(header, next(plan_sheet.iter_rows(min_row=2))))
    for label in ("Innbyggere", "Totalt", "Rimelig andel", "Per 1 000 innb.", *[GROUP_LABELS[g] for g in GROUPS]):
        assert first[label].data_type == "n" and isinstance(first[label].value, (int, float)), label
    assert first["Totalt"].number_format == "#,##0"  # Excel shows 1 474 on a Norwegian PC
    assert first["Rimelig andel"].number_format == "#,##0.0#"  # and 270,2


def test_excel_csv_has_decimal_commas_and_no_thousands_separator():
    plan = solve(load_scenario(VESTLAND))
    text = plan_csv_bytes(plan).decode("utf-8-sig")
    header, bergen = text.splitlines()[:2]
    cells = dict(zip(header.split(";"), bergen.split(";")))
    assert cells["Kommunenr."] == "4601" and cells["Innbyggere"] == "291940"
    assert "," in cells["Rimelig andel"] and "." not in cells["Rimelig andel"]
    assert text.count("\r\n") == len(plan.scenario.table) + 1


# --------------------------------------------------------------------------- reading back


def test_every_bundled_scenario_reads_back_to_the_same_scenario_and_plan():
    for folder in sorted(p for p in SCENARIOS.iterdir() if (p / "scenario.toml").is_file()):
        scenario = load_scenario(folder)
        plan = solve(scenario)
        again = read_workbook(io.BytesIO(plan_workbook_bytes(plan)))
        assert settings_dict(again) == settings_dict(scenario), folder.name
        assert again.table.columns == scenario.table.columns, folder.name
        pd.testing.assert_frame_equal(again.municipalities, scenario.municipalities)
        np.testing.assert_array_equal(solve(again).persons, plan.persons)


def _old_format_workbook(scenario, plan) -> bytes:
    """A workbook as exports wrote it before the headers were Norwegian: code headers everywhere."""
    settings = settings_dict(scenario)
    settings.pop("key")
    rows = workbook.flatten_settings("", settings)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        plan.municipality_table().reset_index().to_excel(writer, sheet_name="plan", index=False)
        pd.DataFrame(rows, columns=["field", "value"]).to_excel(writer, sheet_name="innstillinger", index=False)
        pd.DataFrame([(t.column, t.weight, t.exponent, t.credit) for t in scenario.key],
                     columns=["column", "weight", "exponent", "credit"]).to_excel(writer, sheet_name="nøkkel", index=False)
        scenario.municipalities.reset_index().to_excel(writer, sheet_name="kommuner", index=False)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["vestland-2026", "demo-shortfall"])
def test_an_old_workbook_with_code_headers_still_loads(name):
    scenario = load_scenario(SCENARIOS / name)
    plan = solve(scenario)
    again = read_workbook(io.BytesIO(_old_format_workbook(scenario, plan)))
    assert settings_dict(again) == settings_dict(scenario)
    pd.testing.assert_frame_equal(again.municipalities, scenario.municipalities)
    np.testing.assert_array_equal(solve(again).persons, plan.persons)


def test_text_that_looks_like_a_formula_is_kept_as_text(scenario_dir):
    rows = [{"kommunenummer": "4601", "kommune": "Bergen", "population": "291940", "min_total": "5", "max_total": "5",
             "lock_reason": "=avtalt i møte"},
            {"kommunenummer": "4602", "kommune": "Kinn", "population": "17349", "min_total": "3", "max_total": "3",
             "lock_reason": "-2 fra i fjor"},
            {"kommunenummer": "4611", "kommune": "Etne", "population": "4072"}]
    scenario = load_scenario(scenario_dir(csv=municipalities_csv(rows=rows, columns=[*CSV_COLUMNS, "lock_reason"])))
    plan = solve_and_check(scenario)
    again = read_workbook(io.BytesIO(plan_workbook_bytes(plan)))
    assert fingerprint(again) == fingerprint(scenario)
    assert again.municipalities.at["4601", "lock_reason"] == "=avtalt i møte"
    # in the CSV for Excel it is shown as text, not run as a formula
    csv = pd.read_csv(io.BytesIO(plan_csv_bytes(plan)), sep=";", decimal=",", encoding="utf-8-sig", dtype=str)
    assert set(csv["Begrunnelse for lås"].dropna()) == {"'=avtalt i møte", "'-2 fra i fjor"}
    plain = pd.read_csv(io.BytesIO(plan_csv_bytes(plan, "plain")), dtype=str)
    assert set(plain["lock_reason"].dropna()) == {"=avtalt i møte", "-2 fra i fjor"}


def test_the_national_tables_columns_have_norwegian_headers_and_read_back(scenario_dir):
    columns = [*CSV_COLUMNS, "fylke", "sentralitet", "kostragruppe", "bosatt_2023", "vedtak_em_2024", "eget_tall",
               "total", "Bosatt 2024"]
    rows = [{"kommunenummer": n, "kommune": k, "population": p, "fylke": "Vestland", "sentralitet": s,
             "kostragruppe": g, "bosatt_2023": b, "vedtak_em_2024": e, "eget_tall": x, "total": t, "Bosatt 2024": y}
            for n, k, p, s, g, b, e, x, t, y in [("4601", "Bergen", "291940", "2", "13", "1037", "", "1.5", "7", "3"),
                                                 ("4602", "Kinn", "17349", "5", "2", "221", "4", "2", "8", "4")]]
    key = 'population = 1.0\nbosatt_2023 = { weight = 0.2, credit = true }\nsentralitet = 0.1\n"Bosatt 2024" = 0.1'

    scenario = load_scenario(scenario_dir(toml=scenario_toml(key=key), csv=municipalities_csv(rows=rows, columns=columns)))
    plan = solve_and_check(scenario)
    data = plan_workbook_bytes(plan)
    header = _header(openpyxl.load_workbook(io.BytesIO(data))["kommuner"])
    assert {"Fylke", "Sentralitet", "KOSTRA-gruppe", "Bosatt 2023", "Vedtak EM 2024"} <= set(header)
    assert {"eget_tall", "total"} <= set(header), "a user's own columns keep their names"
    again = read_workbook(io.BytesIO(data))
    assert fingerprint(again) == fingerprint(scenario)
    assert again.key == scenario.key


def test_a_setting_typed_with_a_decimal_comma_as_text_reads_as_a_number():
    plan = solve(load_scenario(SCENARIOS / "demo-shortfall"))
    book = openpyxl.load_workbook(io.BytesIO(plan_workbook_bytes(plan)))
    for row in book["innstillinger"].iter_rows(min_row=2):
        if row[0].value == "Boliger › personer per familiebolig":
            row[1].value = "3,2"
    out = io.BytesIO()
    book.save(out)
    assert read_workbook(io.BytesIO(out.getvalue())).housing.persons_per_family_dwelling == 3.2


def test_an_edited_norwegian_workbook_still_names_sheet_row_and_column():
    plan = solve(load_scenario(VESTLAND))
    book = openpyxl.load_workbook(io.BytesIO(plan_workbook_bytes(plan)))
    sheet = book["kommuner"]
    header = _header(sheet)
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "4612":
            row[header.index("Familieboliger K3")].value = -1
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ScenarioError) as caught:
        read_workbook(io.BytesIO(out.getvalue()), label="plan.xlsx")
    problem = next(p for p in caught.value.problems if p.column == "family_dwellings_q3")
    assert "kommuner" in problem.file and "4612" in problem.row


# --------------------------------------------------------------------------- the sweep workbook


def test_the_sweep_workbook_is_in_norwegian():
    from allocator.analysis.sweep import sweep

    scenario = load_scenario(SCENARIOS / "demo-shortfall")
    book = openpyxl.load_workbook(io.BytesIO(sweep_workbook_bytes(sweep(scenario, [100, 300], workers=1))))
    for sheet in book.worksheets:
        header = _header(sheet)
        assert not [h for h in header if h in CODES or "_" in str(h)], (sheet.title, header)
    first = [row for row in book["går først tom"].iter_rows(min_row=2, values_only=True)]
    assert all(row[1] in LIMIT_LABELS.values() for row in first)


# --------------------------------------------------------------------------- downloads for the app


def test_downloads_offer_the_workbook_and_both_csv_forms():
    plan = solve(load_scenario(SCENARIOS / "demo-shortfall"))
    workbook, excel, plain = plan_downloads(plan)
    assert workbook.file_name.endswith(".xlsx") and read_workbook(io.BytesIO(workbook.data)).name == plan.scenario.name
    assert excel.data == plan_csv_bytes(plan, "excel") and excel.file_name.endswith(".csv")
    assert plain.data == plan_csv_bytes(plan, "plain") and plain.file_name != excel.file_name
    assert csv_download(plan, "plain") == plain
    assert all(d.label.startswith("Last ned") and d.help for d in (workbook, excel, plain))
    with pytest.raises(ValueError):
        plan_csv_bytes(plan, "tab")


# --------------------------------------------------------------------------- writing files


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("name", ["plan.csv", "plan.xlsx"])
def test_written_exports_get_the_users_umask(tmp_path, umask_022, name):
    plan = solve(load_scenario(SCENARIOS / "demo-shortfall"))
    path = write_plan(plan, tmp_path / name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    replaced = write_plan(plan, tmp_path / name, overwrite=True)
    assert stat.S_IMODE(replaced.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left behind


def test_write_plan_never_replaces_a_file_unless_asked(tmp_path):
    plan = solve(load_scenario(SCENARIOS / "demo-shortfall"))
    path = tmp_path / "plan.csv"
    path.write_text("mitt eget arbeid", encoding="utf-8")
    with pytest.raises(OutputExists, match="plan.csv"):
        write_plan(plan, path)
    assert path.read_text(encoding="utf-8") == "mitt eget arbeid"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.csv"]
    write_plan(plan, path, csv="plain", overwrite=True)
    assert path.read_bytes() == plan_csv_bytes(plan, "plain")


def test_a_failed_write_names_the_file_not_a_temporary_one(tmp_path, monkeypatch):
    plan = solve(load_scenario(SCENARIOS / "demo-shortfall"))
    real_open = os.open

    def full_disk(path, *args, **kwargs):
        if str(path).endswith(".tmp"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", full_disk)  # export and scenario.atomic_write share the os module
    for overwrite in (False, True):
        with pytest.raises(WriteError) as caught:
            write_plan(plan, tmp_path / "plan.xlsx", overwrite=overwrite)
        message = str(caught.value)
        assert message == f"kunne ikke skrive {tmp_path / 'plan.xlsx'}: disken er full"
        assert ".tmp" not in message and caught.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []
