"""The session's scenario as one source of truth, driven through Streamlit's AppTest.

What a user did in a meeting and what must hold afterwards: a view switch, a scenario switch,
a save, a refused value, undo and redo, a reload of the page (a new session on the same address)
and the national controls never change a value the user did not touch.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, BERGEN, click, edit_table, errors, field, open_app, request_shown, save_as, show, totals, type_into

from allocator.labels import GROUP_LABELS
from allocator.present import fields
from allocator.scenario.data import GROUPS

VIEWS = ["Plan", "Forklar", "Kvartaler", "Kart", "Sammenlign", "Hva om", "Møtereferat", "Eksport", "Forhandling"]


@pytest.fixture(autouse=True)
def saved_dir(tmp_path, monkeypatch):
    folder = tmp_path / "saved"
    monkeypatch.setenv("ALLOCATOR_SAVED_DIR", str(folder))
    monkeypatch.setenv("ALLOCATOR_DRAFTS_DIR", str(tmp_path / "drafts"))
    return folder


def request(at: AppTest) -> dict[str, int]:
    return dict(at.session_state.scenario.request)


def test_every_view_and_back_keeps_the_request_and_the_key_on_screen_and_in_the_plan():
    at = open_app()
    key = at.session_state.scenario.key
    for view in VIEWS:
        show(at, view)
        assert errors(at) == [], view
    assert request_shown(at) == ["700", "650", "46", "78"]
    assert field(at, "Eksponent: Innbyggere").value == "0,6"
    assert at.session_state.scenario.key == key

    type_into(at, "Enslige voksne", "710")  # the edit changes that group only

    assert request(at) == {"adults": 710, "families": 650, "minors": 46, "special_needs": 78}
    assert sum(at.session_state.plan.settled.values()) == 1484
    show(at, "Plan")
    show(at, "Forhandling")
    assert request_shown(at) == ["710", "650", "46", "78"]


def test_clicking_the_view_on_screen_keeps_it_chosen_and_the_inputs_filled():
    at = open_app()
    show(at, "Plan")
    at.button_group(key="view").set_value(None).run()  # what a click on the chosen view sends
    assert at.button_group(key="view").value == "Plan"
    show(at, "Forhandling")
    assert request_shown(at) == ["700", "650", "46", "78"]


def test_a_scenario_switch_on_another_view_then_a_save_keeps_the_new_scenarios_request(saved_dir):
    at = open_app()
    show(at, "Plan")
    at.selectbox(key="choice").set_value("Demo: underdekning").run()
    demo = dict(at.session_state.scenario.request)
    show(at, "Forhandling")
    assert request_shown(at) == [str(demo[g]) for g in GROUPS]
    save_as(at, "Demo etter møtet")

    from allocator.output import store

    saved = store.load_stored(store.find_saved("Demo etter møtet"))
    assert dict(saved.request) == demo and sum(demo.values()) > 0
    assert at.title[0].value == "Bosetting: Demo etter møtet"
    assert at.selectbox(key="choice").value == "Demo etter møtet (lagret)"


def test_one_exponent_changes_only_that_term_and_values_beyond_the_old_sliders_stay():
    at = open_app()
    at.sidebar.selectbox(key="new_county").set_value("Vestland")
    click(at, "Lag scenario")
    [add] = [b for b in at.button if b.label == "Legg til"]
    at.selectbox(key="key_new_column").set_value("bosatt_2023")
    add.click().run()
    type_into(at, "Vekt: Bosatt 2023", "5")
    type_into(at, "Eksponent: Bosatt 2023", "2")
    type_into(at, "Vekt: Innbyggere", "12,5")  # beyond the old slider's 3,0

    terms = {t.column: t for t in at.session_state.scenario.key}
    assert (terms["bosatt_2023"].weight, terms["bosatt_2023"].exponent) == (5.0, 2.0)
    assert terms["population"].weight == 12.5
    assert field(at, "Vekt: Innbyggere").value == "12,5"

    type_into(at, "Eksponent: Innbyggere", "6")  # beyond the files' limit of 5: refused, nothing else moves
    assert "ventet et tall fra 0 til 5" in errors(at)[0]
    assert {t.column: t for t in at.session_state.scenario.key} == terms
    assert field(at, "Eksponent: Innbyggere").value == fields.text(fields.key_fields("population")[1], terms["population"].exponent)


def test_the_grant_budget_keeps_the_cap_per_municipality():
    at = open_app()
    show(at, "Hva om")
    type_into(at, "Boligtilskudd (kr)", "20 000 000")
    type_into(at, "Høyst småboliger per kommune", "3")
    type_into(at, "Boligtilskudd (kr)", "15 000 000")
    grant = at.session_state.scenario.housing_grant
    assert (grant.budget, grant.per_dwelling, grant.max_per_municipality) == (15_000_000, 1_500_000, 3)
    assert max(at.session_state.plan.grant.bought.values()) <= 3


def test_quarter_settings_change_only_the_value_typed():
    at = open_app()
    quarters, incentives = at.session_state.scenario.quarters, at.session_state.scenario.incentives
    show(at, "Kvartaler")
    type_into(at, "Trekk når andelen bosatt i K4 er over (%)", "37,5")
    type_into(at, "Bonus per person i K2 (kr)", "30 000")
    after = at.session_state.scenario
    assert after.incentives.q4_threshold == 0.375
    assert after.incentives.bonus == (incentives.bonus[0], 30_000.0, *incentives.bonus[2:])
    assert after.quarters == quarters  # readiness, deadlines and the comparison pattern untouched
    assert after.quarters.baseline == "backloaded"


def test_undo_and_redo_walk_the_edits_and_the_inputs_follow():
    at = open_app()
    type_into(at, "Enslige voksne", "710")
    edit_table(at, {BERGEN: {"max_total": 200}})
    assert totals(at)[BERGEN] == 200

    click(at, "↶ Angre")
    assert totals(at)[BERGEN] > 200 and request(at)["adults"] == 710
    click(at, "↶ Angre")
    assert request(at)["adults"] == 700 and request_shown(at)[0] == "700"
    click(at, "↷ Gjør om")
    assert request(at)["adults"] == 710 and request_shown(at)[0] == "710"
    assert totals(at)[BERGEN] > 200


def test_switching_scenario_with_unsaved_edits_asks_and_cancel_keeps_them():
    at = open_app()
    edit_table(at, {BERGEN: {"max_total": 200}})
    at.selectbox(key="choice").set_value("Demo: underdekning").run()
    assert at.session_state.scenario.name == "Vestland 2026" and totals(at)[BERGEN] == 200
    assert at.selectbox(key="choice").value == "Vestland 2026"
    assert any("ulagrede endringer" in w.value for w in at.sidebar.warning)
    click(at, "Avbryt")
    assert totals(at)[BERGEN] == 200
    click(at, "Tilbakestill endringer")
    click(at, "Ja, tilbakestill endringene")
    assert totals(at)[BERGEN] > 200


def test_a_reload_of_the_page_offers_the_unsaved_edits_back():
    at = open_app()
    address = at.session_state.draft_id
    type_into(at, "Enslige voksne", "710")
    edit_table(at, {BERGEN: {"max_total": 200}})
    expected = at.session_state.plan.allocation

    again = AppTest.from_file(str(APP), default_timeout=60)  # F5: a new session on the same address
    again.query_params["utkast"] = address
    again.run()
    assert totals(again)[BERGEN] > 200  # nothing restored without the user's click
    click(again, "Gjenopprett ulagrede endringer")

    assert request(again)["adults"] == 710 and totals(again)[BERGEN] == 200
    assert (again.session_state.plan.allocation == expected).all().all()
    click(again, "↶ Angre")  # the restored edits are one step
    assert request(again)["adults"] == 700


def test_the_meeting_record_lists_each_change_with_old_new_and_who_absorbed_it():
    at = open_app()
    edit_table(at, {BERGEN: {"max_total": 200}})
    type_into(at, "Enslige voksne", "710")
    show(at, "Møtereferat")
    [record] = [t.value for t in at.table if "Virkning på planen" in t.value.columns]
    record = record.reset_index()
    assert list(record["Nr."]) == [1, 2]
    assert record.loc[1, "Fra → til"].startswith("Anmodning, enslige voksne: 700 → 710")  # what was typed first
    assert "Bergen, Maks totalt: 1 000 → 200" in record.loc[0, "Fra → til"]
    assert record.loc[0, "Virkning på planen"].startswith("Bosatt 1 474 → 1 474. Bergen −")
    assert "Enslige voksne: 700 → 710" in record.loc[1, "Endring"]
    assert "Bosatt 1 474 → 1 484" in record.loc[1, "Virkning på planen"]
    labels = [b.label for b in at.get("download_button")]
    assert "Last ned møtereferat (Excel)" in labels and "Last ned utskriftsvennlig side" in labels


def test_national_controls_per_county_request_split_cross_border_and_max_share():
    at = open_app()
    at.sidebar.selectbox(key="new_county").set_value("Norge")
    click(at, "Lag scenario")
    assert at.selectbox(key="choice").value == "Norge 2026"
    scenario = at.session_state.scenario
    assert scenario.counties is not None and scenario.counties.split is None

    type_into(at, "Enslige voksne", "7000")  # the request is per county: refused in words
    assert "anmodningen er gitt per fylke" in errors(at)[0].lower()
    assert at.session_state.scenario.request == scenario.request

    version = at.session_state.county_editor_version
    position = scenario.counties.names.index("Vestland")
    at.session_state[f"counties_{version}"] = {"edited_rows": {position: {"adults": 800}}, "added_rows": [], "deleted_rows": []}
    at.run()
    after = at.session_state.scenario
    assert after.counties.requests["Vestland"]["adults"] == 800
    assert {f: r for f, r in after.counties.requests.items() if f != "Vestland"} == \
        {f: r for f, r in scenario.counties.requests.items() if f != "Vestland"}

    [cross] = [c for c in at.checkbox if c.label == "Bosetting på tvers av fylkesgrenser"]
    cross.check().run()
    type_into(at, "Høyst andel av anmodningen bosatt i andre fylker (%)", "20")
    counties = at.session_state.scenario.counties
    assert counties.cross_border and counties.max_share == 0.2
    type_into(at, "Høyst andel av anmodningen bosatt i andre fylker (%)", "120")
    assert "0 til 100" in errors(at)[0] and at.session_state.scenario.counties.max_share == 0.2

    [split] = [t for t in at.toggle if t.label == "Del anmodningen på fylkene etter nøkkelen"]
    split.set_value(True).run()
    assert at.session_state.scenario.counties.split == "key"
    assert at.session_state.scenario.request == at.session_state.scenario.request  # totals carried over
    type_into(at, GROUP_LABELS["adults"], "7000")
    assert at.session_state.scenario.request["adults"] == 7000 and errors(at) == []


def test_a_notice_goes_with_the_next_edit_and_the_quarterly_pattern_is_chosen_alone():
    at = open_app()
    at.selectbox(key="choice").set_value("Trøndelag 2026").run()
    assert [s.value for s in at.success] == ["Lastet inn «Trøndelag 2026»."]
    type_into(at, "Enslige voksne", "700")
    assert [s.value for s in at.success] == []  # shown with the load, gone with the next edit

    at.selectbox(key="choice").set_value("Vestland 2026").run()
    click(at, "Ja, bytt til «Vestland 2026»")
    quarters = at.session_state.scenario.quarters
    show(at, "Kvartaler")
    [pattern] = [s for s in at.selectbox if s.label == "Sammenlign med"]
    pattern.set_value("even").run()
    after = at.session_state.scenario.quarters
    assert after.baseline == "even" and after.ready == quarters.ready and after.deadline == quarters.deadline
    assert after.timeliness_weight == quarters.timeliness_weight
