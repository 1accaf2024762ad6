"""The settlement year on the command line, and IMDi's decisions list read into a scenario."""

from __future__ import annotations

import json

import openpyxl
import pytest
from helpers import run_cli, run_cli_many

from allocator.problems import ScenarioError
from allocator.scenario.catalog import write_new_scenario
from allocator.scenario.data import MUNICIPALITIES_FILE
from allocator.scenario.decisions import read_decisions
from allocator.scenario.load import load_scenario


@pytest.fixture
def troms(tmp_path):
    folder = tmp_path / "troms"
    write_new_scenario(folder, "Troms", 2026)
    return folder


def _list(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_a_list_as_imdi_writes_it_is_read_in_every_language(troms, tmp_path):
    good = _list(tmp_path / "liste.csv", (
        "Fylke;Kommune;Anmodet;Vedtatt;Bosatte\n"
        "Troms;TROMSØ;300;250;40\n"
        "Troms;Hárstták;1 200;avventer vedtak;:\n"           # Harstad's Sami name, a suppressed figure
        "Troms;Kåfjord;30;-;0\n"                           # one of Gáivuotna - Kåfjord - Kaivuono's names
        "Troms; storfjord ;20;15;5\n"
        "Nordland;Bodø;400;400;300\n"                       # another county: left out, and said so
        "Totalt;;1950;670;345\n"))
    result = read_decisions(load_scenario(troms), good)
    by_number = {c.kommunenummer: c for c in result.changes}
    assert by_number["5501"].new["vedtak"] == 250 and by_number["5503"].new["anmodning"] == 1200
    assert by_number["5540"].new["vedtak"] == 0 and by_number["5538"].new["bosatt"] == 5
    assert any("Nordland" in note for note in result.notes) and any("Totalt" in note for note in result.notes)


def test_shared_names_are_told_apart_by_county_or_hint(tmp_path):
    folder = tmp_path / "norge"
    write_new_scenario(folder, "Norge", 2026)
    scenario = load_scenario(folder)
    ok = _list(tmp_path / "ok.csv", "Fylke;Kommune;Anmodet;Vedtatt;Bosatte\nNordland;Herøy;50;40;3\n;Våler (Innlandet);20;10;1\n")
    numbers = {c.kommunenummer for c in read_decisions(scenario, ok).changes}
    assert numbers == {"1818", "3419"}
    bad = _list(tmp_path / "bad.csv", "Fylke;Kommune;Anmodet;Vedtatt;Bosatte\n;Herøy;50;40;3\n")
    with pytest.raises(ScenarioError, match="flere kommuner.*1515.*1818"):
        read_decisions(scenario, bad)


def test_bad_lists_are_refused_naming_line_and_column_and_nothing_is_written(troms, tmp_path):
    before = (troms / MUNICIPALITIES_FILE).read_bytes()
    bad = _list(tmp_path / "feil.csv", (
        "Fylke;Kommune;Anmodet;Vedtatt;Bosatte\n"
        "Troms;Tromsøy;300;250;40\n"          # unknown, with a suggestion
        "Troms;Senja;tjue;20;5\n"             # text in a number
        "Troms;Senja;20;20;5\n"               # twice
        "Troms;Lyngen;50;40;45\n"))           # settled above the decision
    result = run_cli("decisions", str(troms), str(bad))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    err = result.stderr
    assert "feil.csv, linje 2, kolonne Kommune" in err and "mente du «5501 Tromsø" in err
    assert "linje 3, kolonne Anmodet" in err and "«tjue»" in err
    assert "linje 4" in err and "én gang" in err
    assert "linje 5, kolonne Bosatte" in err
    assert (troms / MUNICIPALITIES_FILE).read_bytes() == before


def test_recorded_decisions_change_only_with_force(troms, tmp_path):
    first = _list(tmp_path / "a.csv", "Fylke;Kommune;Anmodet;Vedtatt;Bosatte\nTroms;Tromsø;300;250;40\n")
    second = _list(tmp_path / "b.csv", "Fylke;Kommune;Anmodet;Vedtatt;Bosatte\nTroms;Tromsø;300;200;40\n")
    wrote = run_cli("decisions", str(troms), str(first))
    refused = run_cli("decisions", str(troms), str(second))
    forced = run_cli("decisions", str(troms), str(second), "--force")
    assert wrote.returncode == 0 and "5501 Tromsø: anmodning tom → 300, vedtak avventer → 250" in wrote.stdout
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert forced.returncode == 0 and "vedtak 250 → 200" in forced.stdout
    assert load_scenario(troms).table.numeric("vedtak")[load_scenario(troms).table.position["5501"]] == 200


def test_an_excel_list_with_a_title_row(troms, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Bosetting 2026 per kommune"])
    sheet.append(["Fylke", "Kommunenummer", "Kommune", "Anmodet", "Vedtatt", "Bosatte"])
    sheet.append(["Troms", "5501", "Tromsø", 300, 250, 40])
    book.save(tmp_path / "liste.xlsx")
    result = read_decisions(load_scenario(troms), tmp_path / "liste.xlsx")
    assert [c.kommunenummer for c in result.changes] == ["5501"]


def test_the_year_commands_answer_in_their_json_shapes(tmp_path):
    folder = tmp_path / "vestland"
    write_new_scenario(folder, "Vestland", 2024)
    out = tmp_path / "tillegg.xlsx"
    year, rnd, rev, fol, rng = run_cli_many([
        ("year", str(folder), "--json"), ("round2", str(folder), "--json", "--out", str(out)),
        ("revise", str(folder), "--total", "4000", "--json"), ("followup", str(folder), "--json"),
        ("sweep", str(folder), "--range", "3000:4500:6000", "--json")])
    for result in (year, rnd, rev, fol, rng):
        assert result.returncode == 0, result.stderr
    y = json.loads(year.stdout)
    assert set(y["total"]) >= {"anmodning", "vedtak", "avventer", "gap", "bosatt"}
    assert set(y["municipalities"][0]) >= {"kommunenummer", "anmodning", "vedtak", "status", "bosatt", "kan_ta_flere"}
    assert set(y["counties"][0]) >= {"fylke", "anmodning", "vedtak", "avventer", "gap", "bosatt"}
    r = json.loads(rnd.stdout)
    assert set(r) >= {"gap", "gap_minors", "placed", "unplaced", "asks", "flows"}
    assert set(r["asks"][0]) >= {"kommunenummer", "fylke", "extra", "extra_minors", "offered"}
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[1]][:5] == ["Kommunenr.", "Kommune", "Fylke", "Vedtak", "Tilleggsanmodning"]
    v = json.loads(rev.stdout)
    assert set(v) >= {"total_before", "total_after", "municipalities", "changed"} and v["total_after"] == 4000
    f = json.loads(fol.stdout)
    assert set(f["total"]) >= {"agreed", "settled", "bonus", "deduction", "projected"}
    assert set(f["municipalities"][0]) >= {"kommunenummer", "agreed", "settled", "bonus", "deduction", "projected"}
    g = json.loads(rng.stdout)
    assert g["range"] == [3000, 4500, 6000] and all(a <= b <= c for a, b, c in (m["numbers"] for m in g["municipalities"]))


def test_year_without_year_columns_is_a_clear_error(bundled):
    result = run_cli("year", str(bundled("demo-shortfall")))
    assert result.returncode == 2 and "decisions" in result.stderr and "Traceback" not in result.stderr


def test_a_coming_year_with_blank_columns_is_not_a_year_yet(tmp_path):
    folder = tmp_path / "vestland"
    write_new_scenario(folder, "Vestland", 2026)
    year, revised = run_cli_many([("year", str(folder)), ("revise", str(folder), "--total", "1000", "--json")])
    assert year.returncode == 2 and "ingen anmodninger eller vedtak" in year.stderr
    assert revised.returncode == 0 and json.loads(revised.stdout)["source"] == "plan"  # revises the yearly plan


def test_a_national_list_read_into_a_county_without_a_fylke_column(tmp_path, bundled):
    import shutil

    folder = tmp_path / "vestland"
    shutil.copytree(bundled("vestland-2026"), folder)
    listing = _list(tmp_path / "liste.csv", "Fylke;Kommune;Anmodet;Vedtatt;Bosatte\nVestland;Kinn;60;50;10\n"
                                           "Trøndelag;Trondheim;500;500;300\n")
    result = read_decisions(load_scenario(folder), listing)
    assert [c.kommunenummer for c in result.changes] == ["4602"]
    assert any("Trøndelag" in note for note in result.notes)


def test_a_decision_above_the_stated_limit_is_refused(troms, tmp_path):
    before = (troms / MUNICIPALITIES_FILE).read_bytes()
    table = load_scenario(troms).table
    cap = int(table.numeric("max_total")[table.position["5536"]])  # Lyngen's max_total
    listing = _list(tmp_path / "over.csv", f"Fylke;Kommune;Anmodet;Vedtatt;Bosatte\nTroms;Lyngen;{cap + 10};{cap + 5};0\n")
    result = run_cli("decisions", str(troms), str(listing))
    assert result.returncode == 2 and "over.csv, linje 2, kolonne Vedtatt" in result.stderr
    assert f"over grensen max_total ({cap})" in result.stderr
    assert (troms / MUNICIPALITIES_FILE).read_bytes() == before


def test_followup_schedules_by_the_scenarios_readiness(tmp_path, bundled):
    """Vestland 2026 has [quarters] with 30/30/20/20 % ready per quarter: the agreement follows it."""
    import numpy as np

    from allocator.analysis.followup import followup

    scenario = load_scenario(bundled("vestland-2026"))
    n = len(scenario.table)
    columns = {"vedtak": np.full(n, 100.0), "bosatt_q1": np.full(n, 20.0), "bosatt_q2": np.full(n, 40.0),
               "bosatt_q3": np.full(n, np.nan), "bosatt_q4": np.full(n, np.nan)}
    result = followup(scenario.with_changes(table=scenario.table.with_columns(columns))).to_dict()
    row = result["municipalities"][0]
    assert result["schedule"] == "quarters" and row["schedule"] == [30, 30, 20, 20]
    assert row["behind"] == 60 - 60 and row["projected"] == 120
    bonus = scenario.incentives.bonus
    assert row["bonus"] == 20 * bonus[0] + 40 * bonus[1] and row["deduction"] == 0


def test_mistakes_on_the_year_command_lines_are_told_in_norwegian(troms, tmp_path):
    results = run_cli_many([
        ("sweep", str(troms), "--range", "900:800:1000"),
        ("sweep", str(troms), "--range", "800:900"),
        ("revise", str(troms), "--total", "-5"),
        ("decisions", str(troms), str(tmp_path / "finnes-ikke.csv")),
        ("round2", str(troms), "--out", str(tmp_path / "tillegg.csv")),
        ("revise", str(troms), "--total", "900", "--fylke", "Tromsø"),
    ])
    for result in results:
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and result.stderr.strip()
    assert "LAV ≤ PLAN ≤ HØY" in results[0].stderr and "LAV:PLAN:HØY" in results[1].stderr
    assert "finnes-ikke.csv" in results[3].stderr and ".xlsx" in results[4].stderr
    assert "fant ikke fylket «Tromsø»" in results[5].stderr and "Troms" in results[5].stderr


def test_settled_per_quarter_is_kept_when_a_list_is_read(troms, tmp_path):
    import numpy as np

    scenario = load_scenario(troms)
    n = len(scenario.table)
    quarterly = scenario.with_changes(table=scenario.table.with_columns(
        {"bosatt_q1": np.full(n, 3.0), **{f"bosatt_q{q}": np.full(n, np.nan) for q in (2, 3, 4)}}))
    listing = _list(tmp_path / "liste.csv", "Fylke;Kommune;Anmodet;Vedtatt;Bosatte\nTroms;Tromsø;300;250;40\n")
    result = read_decisions(quarterly, listing)
    data_settled = result.scenario.table.numeric("bosatt_q1")[result.scenario.table.position["5501"]]
    assert data_settled == 3 and any("per kvartal" in note for note in result.notes)
