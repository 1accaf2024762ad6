"""The negotiation app as a user drives it, through Streamlit's AppTest (no browser).

AppTest cannot type into `st.data_editor` cells, so a table edit is made the way the browser
reports one: `{"edited_rows": {row position: {column code: value}}}` under the editor's key
`editor_<editor_version>` in session state, followed by a rerun. Everything else (number inputs,
buttons, the file uploader, the multiselect) is driven through the widgets themselves, and files
are taken from the download buttons exactly as the app offers them.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module
from helpers import REPO
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from allocator import load_scenario, solve
from allocator.labels import GROUP_LABELS
from allocator.present import fields
from allocator.scenario.data import GROUPS
from allocator.scenario.upload import scenario_from_uploads
from allocator.scenario.write import fingerprint

APP = REPO / "app.py"
VESTLAND = REPO / "scenarios" / "vestland-2026"
BERGEN, KINN, ETNE = "4601", "4602", "4611"
SAVE = "Lagre for alle brukere"
LOAD_UPLOAD = "Last inn filene"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture(autouse=True)
def saved_dir(tmp_path, monkeypatch):
    """Every test gets its own shared-scenario folder and runs from the project folder."""
    folder = tmp_path / "saved"
    monkeypatch.setenv("ALLOCATOR_SAVED_DIR", str(folder))
    monkeypatch.chdir(REPO)
    return folder


@pytest.fixture
def offered(monkeypatch):
    """The bytes behind the app's download buttons: `offered(at, label)`.

    The app makes its files only when a user clicks (a deferred download). AppTest keeps the
    deferred callables in a media file manager it makes for each run; recording those managers
    lets the test click, as it were, and read back exactly what a user would download.
    """
    managers: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)

    def get(at: AppTest, label: str) -> bytes:
        show(at, "Eksport")
        [button] = [b for b in at.download_button if b.label == label]
        manager = managers[-1]
        url = manager.execute_deferred(button.proto.deferred_file_id)
        return manager._storage.get_file(url.rsplit("/", 1)[-1]).content

    return get


def app_test(**query: str) -> AppTest:
    """The app, not yet run, with `query` as the address's parameters (e.g. mote=TOKEN)."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def open_app(**query: str) -> AppTest:
    """The app's first page (see `app_test`)."""
    at = app_test(**query).run()
    assert not at.exception, at.exception
    return at


def new_scenario(at: AppTest, county: str, year: int | None = None) -> AppTest:
    """Make a ready scenario from the sidebar («Lag scenario»), as a user would."""
    at.sidebar.selectbox(key="new_county").set_value(county)
    if year is not None:
        at.sidebar.selectbox(key="new_year").set_value(year)
    [button] = [b for b in at.sidebar.button if b.label == "Lag scenario"]
    button.click().run()
    assert not at.exception, at.exception
    return at


def show(at: AppTest, view: str) -> AppTest:
    """Switch the page to one of its views (Forhandling, Plan, Kvartaler, …)."""
    at.button_group(key="view").set_value(view).run()
    assert not at.exception, at.exception
    return at


def row_of(at: AppTest, number: str) -> int:
    """Row position of a municipality in the editor (the scenario's municipality order)."""
    return list(at.session_state.scenario.municipalities.index).index(number)


def edit_table(at: AppTest, rows: dict[str, dict[str, object]]) -> AppTest:
    """Edit cells of the negotiation table, {kommunenummer: {column: value}}, as the browser would:
    the editor's `edited_rows` keeps every edit made in it, and this one is added."""
    key = f"editor_{at.session_state['editor_version']}"  # app_pages.keys.editor("editor", version)
    edited = {int(p): dict(r) for p, r in (at.session_state[key]["edited_rows"] if key in at.session_state else {}).items()}
    for number, values in rows.items():
        edited.setdefault(row_of(at, number), {}).update(values)
    at.session_state[key] = {"edited_rows": edited, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception
    return at


def field(at: AppTest, label: str):
    """A scenario field's input (a text input read the Norwegian way), found by its label."""
    [found] = [t for t in at.text_input if t.label == label]
    return found


def type_into(at: AppTest, label: str, text: str) -> AppTest:
    field(at, label).input(text).run()
    assert not at.exception, at.exception
    return at


def request_shown(at: AppTest) -> list[str]:
    return [field(at, GROUP_LABELS[g]).value for g in GROUPS]


def set_request(at: AppTest, **request: int) -> AppTest:
    """Type each group's request into its input (one edit per group, as a user would)."""
    for group, value in request.items():
        type_into(at, GROUP_LABELS[group], str(value))
    return at


def click(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    button.click().run()
    assert not at.exception, at.exception
    return at


def save_as(at: AppTest, name: str) -> AppTest:
    at.text_input(key="save_name").set_value(name)
    click(at, SAVE)
    assert [s.value for s in at.success] == [f"Lagret som «{name}». Alle brukere av denne serveren ser det under Scenario."]
    return at


def upload(at: AppTest, files: list[tuple[str, bytes, str]]) -> AppTest:
    at.file_uploader(key="upload").set_value(files)
    return click(at, LOAD_UPLOAD)


def totals(at: AppTest) -> pd.Series:
    return at.session_state.plan.allocation.sum(axis=1)


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def metric(at: AppTest, label: str):
    [found] = [m for m in at.metric if m.label == label]
    return found


def all_placed(at: AppTest, label: str, persons: str) -> bool:
    """The summary metric says that all `persons` (as shown, e.g. "1 474") requested are placed."""
    shown = metric(at, label)
    text = f"{shown.value} | {shown.delta}"
    return shown.value.startswith(persons) and "hele anmodningen" in text and text.count(persons) >= 2


def editor(at: AppTest) -> pd.DataFrame:
    """What the negotiation table shows (limits beside the plan's answer)."""
    frames = [d.value for d in at.dataframe if "locked" in d.value.columns]
    assert len(frames) == 1
    return frames[0]


def dataframe_with(at: AppTest, column: str) -> pd.DataFrame:
    [frame] = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def vestland_files(changes: dict[tuple[str, str], str] | None = None) -> list[tuple[str, bytes, str]]:
    """The Vestland scenario files as a user would upload them; `changes[(kommunenummer, column)]` edits a cell."""
    with open(VESTLAND / "municipalities.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for (number, column), value in (changes or {}).items():
        [row] = [r for r in rows if r["kommunenummer"] == number]
        assert column in row
        row[column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return [
        ("scenario.toml", (VESTLAND / "scenario.toml").read_bytes(), "application/toml"),
        ("municipalities.csv", out.getvalue().encode("utf-8"), "text/csv"),
    ]


# --------------------------------------------------------------------------- 1. load


def test_the_app_opens_on_vestland_with_the_whole_request_placed():
    at = open_app()
    scenario = load_scenario(VESTLAND)

    assert "Vestland" in at.title[0].value
    assert errors(at) == []
    assert at.selectbox(key="choice").value == "Vestland 2026"
    assert all_placed(at, "Totalt", "1 474"), metric(at, "Totalt")
    for label, group in [("Enslige voksne", "adults"), ("Enslige mindreårige", "minors")]:
        requested = scenario.request[group]
        assert all_placed(at, label, str(requested)), metric(at, label)
    assert request_shown(at) == [str(scenario.request[g]) for g in GROUPS]
    show(at, "Plan")
    plan_table = dataframe_with(at, "Per 1 000 innb.").set_index("Kommunenr.")
    assert len(plan_table) == len(scenario.municipalities) == 43
    assert plan_table["Totalt"].sum() == 1474
    assert plan_table.loc[BERGEN, "Kommune"] == "Bergen"


# --------------------------------------------------------------------------- 2. a cap


def test_a_lower_cap_for_bergen_moves_persons_to_the_other_municipalities():
    at = open_app()
    before = totals(at)
    cap = 200
    assert before[BERGEN] > cap, "the test needs a cap that binds"

    edit_table(at, {BERGEN: {"max_total": cap}})

    after = totals(at)
    assert errors(at) == []
    assert at.session_state.scenario.municipalities.at[BERGEN, "max_total"] == cap
    assert after[BERGEN] == cap
    others = after.drop(BERGEN) - before.drop(BERGEN)
    assert (others >= 0).all() and others.sum() == before[BERGEN] - cap
    assert after.sum() == 1474 and all_placed(at, "Totalt", "1 474")
    shown = editor(at).loc[BERGEN]
    assert shown["max_total"] == cap and shown["total"] == cap
    assert shown["change"] == cap - before[BERGEN]
    assert "maks totalt" in shown["binding"]


def test_successive_edits_keep_the_same_table_and_apply_each_cell_once():
    # The browser keeps the table (its scroll position and sort) while the plan updates, so the
    # editor's state holds every edit made in it; each must count once, in the order made.
    at = open_app()
    version = at.session_state["editor_version"]
    edit_table(at, {BERGEN: {"locked": True}})
    locked_at = totals(at)[BERGEN]
    edit_table(at, {KINN: {"max_total": 10}})  # Kinn gives up persons; Bergen's lock must not move with them
    edit_table(at, {ETNE: {"max_total": 12}})
    assert at.session_state["editor_version"] == version
    after = totals(at)
    assert after[BERGEN] == locked_at and after[KINN] == 10 and after[ETNE] == 12
    scenario = at.session_state.scenario.municipalities
    assert scenario.at[BERGEN, "min_total"] == scenario.at[BERGEN, "max_total"] == locked_at
    edit_table(at, {BERGEN: {"locked": False}})  # unticking is a new edit of the same cell
    assert pd.isna(at.session_state.scenario.municipalities.at[BERGEN, "min_total"])
    edit_table(at, {ETNE: {"min_total": 50}})  # refused (max 12): a fresh table shows the scenario as it is
    assert errors(at) and at.session_state["editor_version"] == version + 1
    assert totals(at)[ETNE] == 12


# --------------------------------------------------------------------------- 3. a lock


def test_a_locked_municipality_holds_its_number_while_the_request_changes(offered):
    at = open_app()
    held = int(totals(at)[KINN])
    reason = "Avtalt med ordføreren 3. mars"

    edit_table(at, {KINN: {"locked": True, "lock_reason": reason}})
    before = totals(at)
    adults = at.session_state.scenario.request["adults"]
    set_request(at, adults=adults + 150)

    after = totals(at)
    assert errors(at) == []
    assert after[KINN] == before[KINN] == held
    assert after.sum() == 1474 + 150 and all_placed(at, "Totalt", "1 624")
    assert (after.drop(KINN) - before.drop(KINN)).abs().sum() >= 150, "the others absorb the change"
    table = at.session_state.scenario.municipalities
    assert table.at[KINN, "lock_reason"] == reason
    assert table.loc[KINN, ["min_total", "max_total"]].tolist() == [held, held]
    assert editor(at).loc[KINN, "locked"]
    assert editor(at).loc[KINN, "lock_reason"] == reason

    workbook = offered(at, "Last ned Excel (.xlsx)")
    locks = pd.read_excel(io.BytesIO(workbook), sheet_name="låste", dtype=str)
    [row] = locks.to_dict("records")
    assert set(row.values()) >= {KINN, "Kinn", str(held), reason}


# --------------------------------------------------------------------------- 4. a bad upload


@pytest.mark.parametrize(
    "files, expected",
    [
        (
            vestland_files({(KINN, "population"): "sytten tusen"}),
            ["municipalities.csv", "linje 3 (4602 Kinn)", "kolonne population", "«sytten tusen»"],
        ),
        (
            vestland_files({(ETNE, "max_total"): "-3"}),
            ["municipalities.csv", "linje 4 (4611 Etne)", "kolonne max_total", "«-3»"],
        ),
        ([("plan.xlsx", b"dette er ikke en arbeidsbok", XLSX)], ["plan.xlsx", "Excel"]),
        ([vestland_files()[0]], ["scenario.toml", "municipalities.csv", ".xlsx"]),
    ],
    ids=["text-in-number-column", "negative-cap", "not-a-workbook", "toml-alone"],
)
def test_a_bad_upload_is_refused_with_a_precise_message_and_nothing_is_lost(files, expected):
    at = open_app()
    edit_table(at, {BERGEN: {"max_total": 200}})  # work in progress that must survive
    plan, scenario = at.session_state.plan, at.session_state.scenario

    upload(at, files)

    [message] = errors(at)
    assert message.startswith("Opplastingen ble ikke lastet inn; det du hadde er beholdt.")
    for words in expected:
        assert words in message
    assert at.session_state.scenario is scenario and at.session_state.plan is plan
    assert "Vestland" in at.title[0].value and all_placed(at, "Totalt", "1 474")
    assert editor(at).loc[BERGEN, "max_total"] == 200 and totals(at)[BERGEN] == 200

    at.run()  # the message was for that action only; the work is still there
    assert errors(at) == [] and totals(at)[BERGEN] == 200


def test_a_good_upload_replaces_the_scenario():
    at = open_app()
    edit_table(at, {BERGEN: {"max_total": 200}})

    upload(at, vestland_files({(BERGEN, "max_total"): "150"}))
    assert totals(at)[BERGEN] == 200  # the edit is not saved: the app asks first
    click(at, "Ja, bytt til «Vestland 2026 (opplastet)»")

    assert errors(at) == []
    # the bundled Vestland 2026 is in the list already: the upload gets a name of its own
    assert [s.value for s in at.success] == ["Lastet inn «Vestland 2026 (opplastet)» fra opplastede filer."]
    assert totals(at)[BERGEN] == 150 and at.session_state.base.municipalities.at[BERGEN, "max_total"] == 150


# --------------------------------------------------------------------------- 5. save and compare


def test_save_two_scenarios_and_compare_them():
    at = open_app()
    before = totals(at)
    save_as(at, "Forslag A")
    edit_table(at, {BERGEN: {"max_total": 200}})
    save_as(at, "Forslag B – Bergen med tak")

    first, second = "Forslag A (lagret)", "Forslag B – Bergen med tak (lagret)"
    assert {first, second} <= set(at.selectbox(key="choice").options)
    show(at, "Sammenlign")
    at.button_group(key="compare_choice").set_value([first, second]).run()
    assert not at.exception and errors(at) == []

    fairness = dataframe_with(at, "Største avvik (totalt)").set_index("Scenario").loc[[first, second]]
    assert fairness["Fordelt"].tolist() == [1474, 1474]
    assert fairness["Underskudd"].tolist() == [0, 0]
    side = dataframe_with(at, f"Endring: {second}").set_index("Kommunenr.")
    diff = side[f"Endring: {second}"]
    assert side.loc[BERGEN, first] == before[BERGEN] and side.loc[BERGEN, second] == 200
    assert diff[BERGEN] == 200 - before[BERGEN]
    assert (diff.drop(BERGEN) > 0).any() and diff.sum() == 0
    assert (diff == side[second] - side[first]).all()


def test_a_saved_scenario_can_be_chosen_again_after_another():
    at = open_app()
    edit_table(at, {BERGEN: {"max_total": 200}})
    save_as(at, "Med tak")
    assert at.title[0].value == "Bosetting: Med tak" and at.selectbox(key="choice").value == "Med tak (lagret)"
    at.selectbox(key="choice").set_value("Vestland 2026").run()  # nothing unsaved: no question
    assert totals(at)[BERGEN] > 200 and at.title[0].value == "Bosetting: Vestland 2026"

    at.selectbox(key="choice").set_value("Med tak (lagret)").run()

    assert not at.exception and errors(at) == []
    assert at.title[0].value == "Bosetting: Med tak"
    assert totals(at)[BERGEN] == 200


# --------------------------------------------------------------------------- 6. download and load back


def test_the_downloaded_workbook_loads_back_to_the_same_plan_to_the_person(offered):
    at = open_app()
    edit_table(at, {BERGEN: {"max_total": 180}})
    edit_table(at, {KINN: {"locked": True, "lock_reason": "vedtak"}})
    set_request(at, families=600)
    workbook = offered(at, "Last ned Excel (.xlsx)")
    csv = offered(at, "Last ned CSV (komma, punktum)")
    expected = at.session_state.plan.allocation

    other = open_app()  # a colleague loads the attachment in their own session
    upload(other, [("vestland-2026.xlsx", workbook, XLSX)])

    assert errors(other) == []
    uploaded = other.session_state.scenario
    assert uploaded.name == "Vestland 2026 (opplastet)"  # the bundled one keeps its name
    assert fingerprint(uploaded.with_changes(name="Vestland 2026")) == fingerprint(at.session_state.scenario)
    assert other.session_state.scenario.municipalities.at[KINN, "lock_reason"] == "vedtak"
    pd.testing.assert_frame_equal(other.session_state.plan.allocation, expected)
    # and solved afresh (not from the app's plan cache), the same persons go to the same places
    fresh = solve(scenario_from_uploads({"vestland-2026.xlsx": workbook}))
    pd.testing.assert_frame_equal(fresh.allocation, expected)
    # the CSV download is the same plan
    table = pd.read_csv(io.BytesIO(csv), dtype={"kommunenummer": str}, encoding="utf-8-sig").set_index("kommunenummer")
    assert table["total"].to_dict() == expected.sum(axis=1).to_dict()


# --------------------------------------------------------------------------- 7. two sessions


def test_two_sessions_do_not_see_each_others_unsaved_edits_but_share_saved_ones():
    alice, bob = open_app(), open_app()
    bob_plan = totals(bob)

    edit_table(alice, {BERGEN: {"max_total": 200}})
    set_request(alice, adults=750)
    bob.run()

    assert totals(alice)[BERGEN] == 200 and totals(alice).sum() == 1524
    assert bob.session_state.scenario.municipalities.at[BERGEN, "max_total"] == 1000
    assert bob.session_state.scenario.request["adults"] == 700
    assert field(bob, "Enslige voksne").value == "700"
    pd.testing.assert_series_equal(totals(bob), bob_plan)
    assert all_placed(bob, "Totalt", "1 474")

    save_as(alice, "Alices forslag")
    assert "Alices forslag (lagret)" not in bob.selectbox(key="choice").options  # not until bob's page reruns
    bob.run()
    assert "Alices forslag (lagret)" in bob.selectbox(key="choice").options
    show(bob, "Sammenlign")
    assert "Alices forslag (lagret)" in bob.button_group(key="compare_choice").options
    pd.testing.assert_series_equal(totals(bob), bob_plan)


# --------------------------------------------------------------------------- 8. a failing solve


def test_an_invalid_edit_is_refused_and_the_last_plan_stays():
    at = open_app()
    plan, scenario = at.session_state.plan, at.session_state.scenario

    edit_table(at, {ETNE: {"min_total": 50}})  # Etne's max_total is 15

    [message] = errors(at)
    assert message.startswith("Endringen i tabellen ble ikke gjort")
    # in plain words: the municipality's name and the column's label, no file name, no code
    assert "Etne" in message and "min. totalt (50) er større enn maks totalt (15)" in message
    assert "municipalities.csv" not in message and "min_total" not in message
    assert at.session_state.plan is plan and at.session_state.scenario is scenario
    assert pd.isna(editor(at).loc[ETNE, "min_total"])  # the table shows the scenario as it was
    assert all_placed(at, "Totalt", "1 474")


def test_an_edit_no_plan_can_meet_shows_why_and_keeps_the_last_good_plan():
    at = open_app()
    table = at.session_state.scenario.municipalities
    assert table.at[KINN, "minor_places"] == 0 and table.at[BERGEN, "minor_places"] < 35, "premise of the test"
    set_request(at, adults=100, families=0, minors=46, special_needs=0)
    good = at.session_state.plan
    assert all_placed(at, "Totalt", "146")

    # Each minimum fits its own municipality, but together they need more adults than requested:
    # Kinn has no places for minors, Bergen has 25.
    edit_table(at, {BERGEN: {"min_total": 90}, KINN: {"min_total": 55}})

    [message] = errors(at)
    assert message.startswith("Ingen ny plan kunne lages; viser siste gyldige plan.")
    assert "min. totalt" in message and "Bergen" in message and "Kinn" in message
    assert at.session_state.plan is good
    assert all_placed(at, "Totalt", "146")
    assert editor(at).loc[BERGEN, "total"] == good.allocation.sum(axis=1)[BERGEN]

    edit_table(at, {KINN: {"min_total": None}})  # lower one minimum: a plan exists again

    assert errors(at) == []
    assert at.session_state.plan is not good and totals(at)[BERGEN] >= 90


def test_when_no_new_plan_can_be_made_the_quarters_view_shows_the_last_good_schedule():
    """The negotiation table keeps its last good plan without the schedule; the Kvartaler view must
    not read that as "no quarterly plan" (and offer to make one, replacing the readiness)."""
    at = open_app()
    set_request(at, adults=100, families=0, minors=46, special_needs=0)
    quarters = at.session_state.scenario.quarters
    assert quarters is not None, "premise of the test"
    edit_table(at, {BERGEN: {"min_total": 90}, KINN: {"min_total": 55}})  # no plan can meet both
    assert errors(at)[0].startswith("Ingen ny plan kunne lages")

    show(at, "Kvartaler")

    assert errors(at)[0].startswith("Ingen ny plan kunne lages")
    labels = [b.label for b in at.button]
    assert "Fjern kvartalsplanen" in labels and not any(label.startswith("Lag kvartalsplan") for label in labels)
    assert not any("ingen kvartalsplan" in i.value for i in at.info)
    assert at.session_state.scenario.quarters == quarters


# --------------------------------------------------------------------------- national planning


def test_a_new_scenario_for_any_county_is_made_from_the_sidebar():
    at = open_app()
    new_scenario(at, "Troms", 2025)
    scenario = at.session_state.scenario
    assert scenario.name == "Troms 2025" and set(scenario.county_of()) == {"Troms"}
    assert at.session_state.plan.scenario is scenario
    assert any("Troms 2025" in s.value for s in at.success)


def test_the_national_scenario_shows_counties_a_sweep_and_the_consistency_view():
    at = open_app()
    new_scenario(at, "Norge")
    assert at.session_state.plan.has_counties
    show(at, "Hva om")
    field(at, "Fra (personer)").input("10 000")
    field(at, "Til (personer)").input("30 000")
    field(at, "Steg").input("10 000").run()
    [run] = [b for b in at.button if b.key == "sweep_run"]
    run.click().run()
    assert not at.exception, at.exception
    fingerprint_, points = at.session_state.sweep_result
    assert [p.total for p in points] == [10000, 20000, 30000]
    assert sum(points[-1].shortfall.values()) > 0  # 30,000 is more than the illustrative housing allows
    texts = [m.value for m in at.markdown]
    assert any("går først tom" in t for t in texts)
    assert any("Behandles like kommuner likt" in h.value for h in at.subheader)


# --------------------------------------------------------------------------- why this number


def test_forklar_explains_a_municipality_and_applies_the_least_change():
    at = open_app()
    at.sidebar.selectbox(key="choice").set_value("Demo: underdekning").run()
    show(at, "Forklar")
    texts = "\n".join(m.value for m in at.markdown)
    assert "kan ikke bosettes med grensene slik de er" in texts and "Minste endring" in texts
    assert "**Planen etter endringen**" in texts  # the plan after the change, beside the change
    at.selectbox(key="explain_number").set_value("4644").run()
    texts = "\n".join(m.value for m in at.markdown)
    assert "Luster (4644)" in texts and "rimelige andelen" in texts
    click(at, "Legg inn endringene")
    assert at.session_state.plan.status == "optimal"
    assert all_placed(at, "Totalt", "300")
    click(at, "Tilbakestill endringer")  # unsaved edits: asks first
    assert at.session_state.plan.status == "optimal"
    click(at, "Ja, tilbakestill endringene")
    assert at.session_state.plan.status == "shortfall"


def test_the_housing_grant_and_a_calibrated_key_from_the_app():
    at = open_app()
    new_scenario(at, "Vestland", 2024)
    show(at, "Forklar")
    [run] = [b for b in at.button if b.key == "calibrate_run"]
    run.click().run()
    assert not at.exception, at.exception
    assert any("Avvik" in m.value for m in at.markdown)
    click(at, "Bruk den tilpassede nøkkelen")
    assert len(at.session_state.scenario.key) >= 1 and at.session_state.plan is not None
    show(at, "Hva om")
    type_into(at, "Boligtilskudd (kr)", "30 000 000")
    assert at.session_state.scenario.housing_grant.budget == 30_000_000
    assert at.session_state.plan.grant is not None
    show(at, "Forhandling")  # the key's inputs show the fitted key
    assert not at.exception, at.exception
    for term in at.session_state.scenario.key:
        weight = fields.key_fields(term.column)[0]
        assert field(at, weight.label).value == fields.text(weight, term.weight) != "0"
