"""The app-support modules: table edits → scenario edits, locks, safe names for saved scenarios,
uploads and the scenario comparison (the store itself: tests/output/test_store.py).

These are the pieces the Streamlit page only wires together, so the rules a user relies on
(a typed cap becomes a limit, a lock holds and can be released, a name becomes a safe file name,
a bad upload is refused with a precise reason) are
checked here without a browser.
"""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
from helpers import SCENARIOS, make_scenario, municipalities_csv, scenario_toml

from allocator import ScenarioError, load_scenario, solve
from allocator.analysis.compare import fairness_figures, totals_side_by_side
from allocator.output import store
from allocator.output.workbook import plan_workbook_bytes
from allocator.present import edits
from allocator.present.views import apply_editor_edits, editor_frame
from allocator.scenario.upload import MAX_UPLOAD_BYTES, scenario_from_uploads
from allocator.scenario.write import fingerprint

VESTLAND = SCENARIOS / "vestland-2026"


def small_scenario(limits=None, name="Testfylke"):
    """Four municipalities, 40 persons; Bergen (1001) is by far the largest."""
    return make_scenario(
        [290_000, 17_000, 4_000, 5_700],
        {"adults": 20, "families": 14, "minors": 4, "special_needs": 2},
        limits=limits,
        name=name,
    )


def totals(plan) -> pd.Series:
    return plan.allocation.sum(axis=1)


# --------------------------------------------------------------------------- views.apply_editor_edits


def test_a_cap_typed_in_the_table_becomes_that_municipalitys_max_total():
    scenario = small_scenario()
    plan = solve(scenario)
    frame = editor_frame(scenario, plan)

    edited = apply_editor_edits(scenario, plan, scenario, frame, {0: {"max_total": 5}})

    assert edited.municipalities.at["1001", "max_total"] == 5
    assert edited.municipalities.drop(index="1001")["max_total"].isna().all()
    assert math.isnan(scenario.municipalities.at["1001", "max_total"]), "the edit must not change the scenario it came from"
    assert totals(solve(edited))["1001"] == 5


def test_edits_are_addressed_by_row_position_in_the_shown_order():
    scenario = small_scenario()
    plan = solve(scenario)
    frame = editor_frame(scenario, plan)

    edited = apply_editor_edits(scenario, plan, scenario, frame, {"2": {"small_dwellings": 3}})  # JSON keys are text

    assert edited.municipalities.at[frame.index[2], "small_dwellings"] == 3
    assert frame.index[2] == "1003"


def test_ticking_locked_holds_the_current_total_and_keeps_the_reason():
    scenario = small_scenario()
    plan = solve(scenario)
    frame = editor_frame(scenario, plan)
    current = int(totals(plan)["1002"])

    edited = apply_editor_edits(scenario, plan, scenario, frame, {1: {"locked": True, "lock_reason": "Avtalt i møte 1"}})

    row = edited.municipalities.loc["1002"]
    assert (row["min_total"], row["max_total"], row["lock_reason"]) == (current, current, "Avtalt i møte 1")
    assert editor_frame(edited, plan)["locked"].tolist() == [False, True, False, False]
    # the lock holds when the request grows
    bigger = edits.set_request(edited, {"adults": 40, "families": 14, "minors": 4, "special_needs": 2})
    assert totals(solve(bigger))["1002"] == current


def test_a_number_typed_with_the_lock_wins_over_the_current_total():
    scenario = small_scenario()
    plan = solve(scenario)
    frame = editor_frame(scenario, plan)

    edited = apply_editor_edits(scenario, plan, scenario, frame, {1: {"locked": True, "min_total": 4, "max_total": 4}})

    assert edited.municipalities.loc["1002", ["min_total", "max_total"]].tolist() == [4, 4]
    assert totals(solve(edited))["1002"] == 4


def test_unticking_locked_restores_the_loaded_limits_and_keeps_the_reason():
    base = small_scenario(limits={0: {"max_total": 30, "min_total": 2}})
    plan = solve(base)
    locked = edits.lock(base, "1001", int(totals(plan)["1001"]), "midlertidig")
    frame = editor_frame(locked, plan)

    released = apply_editor_edits(locked, plan, base, frame, {0: {"locked": False}})

    row = released.municipalities.loc["1001"]
    assert (row["min_total"], row["max_total"], row["lock_reason"]) == (2, 30, "midlertidig")
    assert not editor_frame(released, plan)["locked"].any()
    relocked = apply_editor_edits(released, plan, base, editor_frame(released, plan), {0: {"locked": True}})
    assert relocked.municipalities.at["1001", "lock_reason"] == "midlertidig"  # ticked again: the reason is back


def test_a_cleared_cell_means_no_limit():
    scenario = small_scenario(limits={0: {"max_total": 10}})
    plan = solve(scenario)
    frame = editor_frame(scenario, plan)

    for cleared in (None, float("nan")):
        edited = apply_editor_edits(scenario, plan, scenario, frame, {0: {"max_total": cleared}})
        assert math.isnan(edited.municipalities.at["1001", "max_total"])
    assert totals(solve(edited))["1001"] > 10


@pytest.mark.parametrize(
    "row_edits, words",
    [
        ({"min_total": 9, "max_total": 3}, ["min_total", "max_total"]),
        ({"max_total": -1}, ["max_total"]),
        ({"small_dwellings": 2.5}, ["small_dwellings"]),
    ],
)
def test_an_edit_that_breaks_a_rule_is_refused_and_says_where(row_edits, words):
    scenario = small_scenario()
    plan = solve(scenario)
    frame = editor_frame(scenario, plan)
    before = fingerprint(scenario)

    with pytest.raises(ScenarioError) as raised:
        apply_editor_edits(scenario, plan, scenario, frame, {0: row_edits})

    text = "\n".join(map(str, raised.value.problems))
    assert "1001" in text and all(word in text for word in words), text
    assert fingerprint(scenario) == before


# --------------------------------------------------------------------------- edits.lock / unlock


def test_lock_fixes_the_total_and_only_that_municipality_is_locked():
    scenario = small_scenario()

    locked = edits.lock(scenario, "1003", 7, "vedtak i kommunestyret")

    assert locked.municipalities.loc["1003", ["min_total", "max_total"]].tolist() == [7, 7]
    assert locked.municipalities.at["1003", "lock_reason"] == "vedtak i kommunestyret"
    assert edits.is_locked(locked).tolist() == [False, False, True, False]
    assert totals(solve(locked))["1003"] == 7


def test_lock_beyond_what_the_municipality_can_house_is_refused():
    scenario = small_scenario(limits={2: {"small_dwellings": 1, "family_dwellings": 0, "minor_places": 0, "special_places": 0}})

    with pytest.raises(ScenarioError) as raised:
        edits.lock(scenario, "1003", 5)
    assert any(p.column == "min_total" for p in raised.value.problems)


def test_unlock_goes_back_to_the_loaded_limits():
    base = small_scenario(limits={2: {"max_total": 12}})
    locked = edits.lock(base, "1003", 6, "midlertidig")

    released = edits.unlock(locked, "1003", base)

    row = released.municipalities.loc["1003"]
    assert math.isnan(row["min_total"]) and row["max_total"] == 12 and row["lock_reason"] == "midlertidig"


def test_unlock_of_a_lock_that_came_with_the_file_releases_it_fully():
    base = small_scenario(limits={2: {"min_total": 6, "max_total": 6}})
    assert edits.is_locked(base)["1003"]

    released = edits.unlock(base, "1003", base)

    assert released.municipalities.loc["1003", ["min_total", "max_total"]].isna().all()
    assert not edits.is_locked(released).any()


# --------------------------------------------------------------------------- store: names


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Vestland – plan B", "vestland-plan-b"),
        ("Bjørnafjorden og Årdal, ÆRE", "bjornafjorden-og-ardal-aere"),
        ("../../etc", "etc"),
        ("/tmp/x", "tmp-x"),
        ("..\\..\\Windows\\system32", "windows-system32"),
        ("~/.ssh", "ssh"),
        ("  Forslag 2  ", "forslag-2"),
        ("..", ""),
        ("/", ""),
        ("", ""),
    ],
)
def test_slugify_makes_a_safe_folder_name(name, slug):
    assert store.slugify(name) == slug


def test_slugify_output_is_never_a_path():
    for name in ["a/b", "a\\b", ".hidden", "x" * 200, "nul\x00byte", "é" * 10]:
        slug = store.slugify(name)
        assert len(slug) <= 60
        assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
        assert not slug.startswith("-") and not slug.endswith("-")


# --------------------------------------------------------------------------- upload.scenario_from_uploads


def _vestland_files() -> dict[str, bytes]:
    return {name: (VESTLAND / name).read_bytes() for name in ("scenario.toml", "municipalities.csv")}


def test_toml_and_csv_upload_gives_the_same_scenario_as_the_folder():
    uploaded = scenario_from_uploads(_vestland_files())

    assert fingerprint(uploaded) == fingerprint(load_scenario(VESTLAND))


def test_file_names_are_matched_by_extension_in_any_case():
    files = _vestland_files()
    renamed = {"Vestland.TOML": files["scenario.toml"], "Kommuner.Csv": files["municipalities.csv"]}

    assert scenario_from_uploads(renamed).name == "Vestland 2026"


def test_a_bad_cell_in_an_uploaded_csv_names_the_file_row_and_column():
    csv = municipalities_csv(changes={("4611", "max_total"): "mange"})

    with pytest.raises(ScenarioError) as raised:
        scenario_from_uploads({"s.toml": scenario_toml().encode(), "kommuner.csv": csv.encode()})

    [problem] = raised.value.problems
    assert problem.file == "kommuner.csv"
    assert "4611" in problem.row and "Etne" in problem.row
    assert problem.column == "max_total"
    assert "mange" in problem.message


def test_a_bad_uploaded_toml_names_the_file():
    with pytest.raises(ScenarioError) as raised:
        scenario_from_uploads({"mitt.toml": b"name = \"x\"\n[request\n", "k.csv": municipalities_csv().encode()})

    assert all(p.file == "mitt.toml" for p in raised.value.problems)


def test_an_exported_workbook_uploads_back_to_the_same_scenario():
    scenario = edits.lock(load_scenario(VESTLAND), "4611", 15, "vedtak 2024")
    workbook = plan_workbook_bytes(solve(scenario))

    uploaded = scenario_from_uploads({"Vestland plan.XLSX": workbook})

    assert fingerprint(uploaded) == fingerprint(scenario)
    assert uploaded.municipalities.at["4611", "lock_reason"] == "vedtak 2024"


def test_a_file_that_is_not_a_workbook_is_refused_with_its_name():
    with pytest.raises(ScenarioError) as raised:
        scenario_from_uploads({"plan.xlsx": b"PK\x03\x04 not really a zip"})

    [problem] = raised.value.problems
    assert problem.file == "plan.xlsx" and "Excel" in problem.message


def test_a_workbook_without_the_scenario_sheets_says_which_are_missing():
    buffer = io.BytesIO()
    pd.DataFrame({"a": [1]}).to_excel(buffer, sheet_name="noe annet", index=False)

    with pytest.raises(ScenarioError) as raised:
        scenario_from_uploads({"annet.xlsx": buffer.getvalue()})

    text = "\n".join(map(str, raised.value.problems))
    assert "annet.xlsx" in text and "innstillinger" in text and "kommuner" in text


def test_a_workbook_with_a_bad_cell_names_the_sheet_row_and_column():
    buffer = io.BytesIO(plan_workbook_bytes(solve(load_scenario(VESTLAND))))
    sheets = pd.read_excel(buffer, sheet_name=None, dtype=str, keep_default_na=False)
    sheets["kommuner"].loc[sheets["kommuner"]["Kommunenr."] == "4612", "Innbyggere"] = "-5"
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)

    with pytest.raises(ScenarioError) as raised:
        scenario_from_uploads({"endret.xlsx": out.getvalue()})

    problem = next(p for p in raised.value.problems if p.column == "population")
    assert "endret.xlsx" in problem.file and "kommuner" in problem.file
    assert "4612" in problem.row


@pytest.mark.parametrize(
    "names",
    [
        [],
        ["scenario.toml"],
        ["municipalities.csv"],
        ["a.csv", "b.csv"],
        ["scenario.toml", "plan.xlsx"],
        ["plan.xlsx", "municipalities.csv"],
        ["plan.xlsx", "plan2.xlsx"],
        ["scenario.toml", "municipalities.csv", "plan.xlsx"],
        ["notater.txt"],
        ["scenario.toml", "municipalities.txt"],
    ],
)
def test_a_combination_of_files_that_is_not_a_scenario_is_refused_naming_the_files(names):
    content = {**_vestland_files(), "plan.xlsx": b"", "plan2.xlsx": b"", "a.csv": b"", "b.csv": b"", "notater.txt": b"",
               "municipalities.txt": b""}

    with pytest.raises(ScenarioError) as raised:
        scenario_from_uploads({name: content[name] for name in names})

    [problem] = raised.value.problems
    assert "scenario.toml" in problem.message and ".xlsx" in problem.message
    assert all(name in problem.file for name in names)


def test_an_oversized_upload_is_refused_before_it_is_read():
    with pytest.raises(ScenarioError) as raised:
        scenario_from_uploads({"stor.xlsx": b"0" * (MAX_UPLOAD_BYTES + 1)})

    [problem] = raised.value.problems
    assert problem.file == "stor.xlsx" and "MB" in problem.message


# --------------------------------------------------------------------------- compare


def test_totals_side_by_side_shows_who_absorbs_a_change():
    before = solve(small_scenario())
    after = solve(small_scenario(limits={0: {"max_total": 10}}))

    side = totals_side_by_side({"før": before, "etter": after})

    assert list(side.columns) == ["Kommune", "før", "etter", "Endring: etter"]
    assert side["før"].tolist() == totals(before).tolist()
    assert side["etter"].tolist() == totals(after).tolist()
    assert (side["Endring: etter"] == side["etter"] - side["før"]).all()
    assert side.at["1001", "Endring: etter"] < 0 and side["Endring: etter"].drop("1001").gt(0).any()
    assert side["Endring: etter"].sum() == 0  # the whole request is placed in both


def test_totals_side_by_side_counts_a_missing_municipality_as_zero():
    four = solve(small_scenario())
    three = solve(make_scenario([290_000, 17_000, 4_000], {"adults": 10}, name="Tre"))

    side = totals_side_by_side({"fire": four, "tre": three})

    assert side.at["1004", "tre"] == 0
    assert side.at["1004", "Endring: tre"] == -totals(four)["1004"]
    assert side.at["1004", "Kommune"] == "Kommune 1004"


def test_fairness_figures_report_completeness_and_spread():
    plan = solve(small_scenario())
    full = fairness_figures(plan)
    assert (full["settled"], full["shortfall"]) == (40, 0)
    per_1000 = 1000 * totals(plan) / plan.scenario.municipalities["population"]
    assert full["max_per_1000"] == pytest.approx(per_1000.max(), abs=0.01)
    assert full["min_per_1000"] == pytest.approx(per_1000.min(), abs=0.01)

    capped = small_scenario(limits={n: {"max_total": 5} for n in range(4)})
    short = fairness_figures(solve(capped))
    assert (short["settled"], short["shortfall"]) == (20, 20)
    # all four are at their cap, but only where the key would give at least half a person more is a
    # municipality held back by it: the two small ones already have far more than their fair share
    assert short["at_limit"] == 2
    assert short["max_total_deviation"] > full["max_total_deviation"]
