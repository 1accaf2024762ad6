"""The app's «Året» view as a user drives it (AppTest, no browser)."""

from __future__ import annotations

import pytest
from test_app import new_scenario, open_app, show


@pytest.fixture(scope="module")
def year_2024():
    at = open_app()
    new_scenario(at, "Vestland", 2024)
    return show(at, "Året")


def test_the_year_shows_decisions_gap_and_statuses(year_2024):
    at = year_2024
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Anmodet"] == "4 500" and metrics["Vedtatt"] == "3 227" and metrics["Gap"] == "1 273"
    statuses = [d.value for d in at.dataframe if "Status" in d.value.columns]
    assert statuses and set(statuses[0]["Status"]) <= {"ja", "under", "nei", "avventer", "ikke anmodet"}


def test_the_second_round_is_editable_and_replanned(year_2024):
    at = year_2024
    at.button_group(key="year_part").set_value("Andre runde").run()
    assert not at.exception, at.exception
    [frame] = [d for d in at.dataframe if "Tilleggsanmodning" in d.value.columns] or [None]
    assert frame is not None
    scenario = at.session_state.scenario
    from allocator.analysis.round2 import round2

    first = round2(scenario)
    number = first.asks()[0]["kommunenummer"]
    shown = [d.value for d in at.dataframe if "Tilleggsanmodning" in d.value.columns][0]
    assert list(shown["Kommunenr."]) == [a["kommunenummer"] for a in first.asks()]
    # the user types 0 in the first row's «Tilleggsanmodning», as the browser sends it
    at.session_state["year_round2_0"] = {"edited_rows": {0: {"Tilleggsanmodning": 0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception
    again = round2(scenario, fixed={number: 0})
    assert again.extra[scenario.table.position[number]] == 0
    shown = [d.value for d in at.dataframe if "Tilleggsanmodning" in d.value.columns][0]
    assert number not in set(shown["Kommunenr."])  # asked for none now: off the list


@pytest.mark.parametrize("part", ["Endret behov", "Planleggingsspenn", "Oppfølging"])
def test_every_part_of_the_year_renders(year_2024, part):
    at = year_2024
    at.button_group(key="year_part").set_value(part).run()
    assert not at.exception, at.exception
    assert not at.error


def test_imdis_list_uploaded_in_the_year_view():
    at = open_app()
    new_scenario(at, "Troms", 2026)
    show(at, "Året")
    assert any("ingen tall for året" in i.value for i in at.info)
    listing = "Fylke;Kommune;Anmodet;Vedtatt;Bosatte\nTroms;Tromsø;300;250;40\nTroms;Hárstták;100;avventer vedtak;:\n"
    at.file_uploader(key="year_upload").set_value([("liste.csv", listing.encode(), "text/csv")])
    at.run()
    [read] = [b for b in at.button if b.key == "year_read"]
    read.click().run()
    assert not at.exception, at.exception
    table = at.session_state.scenario.table
    assert table.numeric("vedtak")[table.position["5501"]] == 250
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Anmodet"] == "400" and metrics["Vedtatt"] == "250" and metrics["Venter på vedtak"] == "100"
