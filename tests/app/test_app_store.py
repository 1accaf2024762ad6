"""The app's save/open flow on the versioned store, the two modes and meeting mode, through AppTest.

(The shared server's sign-in runs in a real browser against a local OpenID provider:
tests/app/test_browser_signin.py.)
"""

from __future__ import annotations

import os
import time

import pytest
from helpers import REPO
from streamlit.testing.v1 import AppTest
from test_app import app_test, click, open_app

from allocator.labels import GROUP_LABELS
from allocator.output import store

BERGEN = "4601"


@pytest.fixture(autouse=True)
def saved_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_SAVED_DIR", str(tmp_path / "saved"))
    monkeypatch.delenv("ALLOCATOR_ACCESS", raising=False)
    monkeypatch.delenv(store.DATABASE_ENV, raising=False)
    monkeypatch.chdir(REPO)
    return tmp_path / "saved"


def click_starting(at: AppTest, start: str) -> AppTest:
    [button] = [b for b in at.button if b.label.startswith(start)]
    button.click().run()
    assert not at.exception, at.exception
    return at


def save(at: AppTest, name: str) -> AppTest:
    at.text_input(key="save_name").set_value(name)
    return click(at, "Lagre for alle brukere")


def set_adults(at: AppTest, value: int) -> AppTest:
    """Type the single adults' request into its input, as a user would."""
    [adults] = [t for t in at.text_input if t.label == GROUP_LABELS["adults"]]
    adults.input(str(value)).run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def test_local_mode_runs_as_before_and_says_so_in_the_sidebar():
    at = open_app()
    assert "Lokal modus: alle som når denne maskinen, ser alt" in texts(at.sidebar.caption)
    assert at.title[0].value == "Bosetting: Vestland 2026"
    assert not [b for b in at.button if b.label == "Logg inn"]


def test_an_access_file_without_sign_in_settings_shows_nothing(tmp_path, monkeypatch):
    access = tmp_path / "tilgang.toml"
    access.write_text('[[users]]\nemail = "a@ks.no"\nrolle = "admin"\n', encoding="utf-8")
    monkeypatch.setenv("ALLOCATOR_ACCESS", str(access))
    at = open_app()
    assert any("innlogging er ikke satt opp" in e for e in texts(at.error))
    assert not at.title and not at.selectbox and not at.sidebar.button


def test_two_sessions_saving_one_name_the_second_is_told_and_keeps_both():
    first = save(open_app(), "Felles plan")
    alice, bob = open_app(), open_app()
    for at in (alice, bob):
        at.selectbox(key="choice").set_value("Felles plan (lagret)").run()

    save(set_adults(alice, 710), "Felles plan")  # her own opened scenario: a new version, no question
    assert texts(alice.success)[0].startswith("Lagret som «Felles plan» (versjon 2")

    bob.run()  # bob is told that his scenario was saved elsewhere
    assert any("er lagret på nytt av" in w and "versjon 2" in w for w in texts(bob.sidebar.warning))
    save(set_adults(bob, 720), "Felles plan")
    [told] = [w for w in texts(bob.sidebar.warning) if "ble lagret av" in w]
    assert "etter at du åpnet versjon 1" in told
    click_starting(bob, "Behold begge")

    assert texts(bob.success)[0].startswith("Lagret som «Felles plan (2)»")
    saved = {s.name: store.load_stored(s).request["adults"] for s in store.list_scenarios() if s.saved}
    assert saved == {"Felles plan": 710, "Felles plan (2)": 720}
    [plan] = [s for s in store.list_scenarios() if s.name == "Felles plan"]
    assert [v.number for v in store.history(plan.id)] == [2, 1]
    assert first is not None


def test_saving_mine_as_the_newest_version_keeps_the_other_in_the_history():
    save(open_app(), "Plan")
    alice, bob = open_app(), open_app()
    for at in (alice, bob):
        at.selectbox(key="choice").set_value("Plan (lagret)").run()
    save(set_adults(alice, 710), "Plan")
    save(set_adults(bob, 720), "Plan")
    click_starting(bob, "Lagre mitt som nyeste versjon")

    [plan] = [s for s in store.list_scenarios() if s.saved]
    assert [v.number for v in store.history(plan.id)] == [3, 2, 1]
    assert [store.load_stored(plan, version=n).request["adults"] for n in (1, 2, 3)] == [700, 710, 720]
    save(set_adults(bob, 730), "Plan")  # bob now has version 3 open: no question
    assert texts(bob.success)[0].startswith("Lagret som «Plan» (versjon 4")


def test_meeting_mode_shows_the_advisers_live_plan_read_only():
    adviser = open_app()
    click(adviser, "Start møtevisning")
    token = adviser.session_state.meeting_token
    assert any(f"?mote={token}" in c.value for c in adviser.sidebar.code)

    guest = open_app(mote=token)
    assert guest.title[0].value == "Møte: Vestland 2026"
    assert not guest.sidebar.selectbox and not guest.number_input and not guest.text_input
    assert [m.value for m in guest.metric][-1] == "1 474"

    set_adults(adviser, 750)
    guest.run()
    assert [m.value for m in guest.metric][-1] == "1 524"

    crafted = open_app(mote=token[:-2] + "xx")
    assert "ikke i bruk" in crafted.info[0].value and len(crafted.title) == 1 and not crafted.metric
    click(adviser, "Avslutt møtevisning")
    guest.run()  # a reload after the end (the open page's own refresh says «Møtet er avsluttet»)
    assert "ikke i bruk" in guest.info[0].value and not guest.metric


def dataframe_with(at: AppTest, column: str):
    [frame] = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def test_history_shows_who_and_what_changed_diffs_and_restores_as_a_new_version():
    at = save(open_app(), "Plan")
    save(set_adults(at, 710), "Plan")
    click(at, "Historikk for dette scenarioet")

    versions = dataframe_with(at, "Lagret av")
    assert versions["Versjon"].tolist() == [2, 1]
    assert versions["Endringer"].iloc[0].startswith("Anmodning: Enslige voksne: 700 → 710")
    assert versions["Endringer"].iloc[1] == "første versjon"
    assert versions["Startet fra"].tolist() == ["Plan (lagret), versjon 1", "Vestland 2026"]
    diff = dataframe_with(at, "Hva")
    assert diff.iloc[0].tolist() == ["Anmodning: Enslige voksne", "700", "710"]

    at.selectbox(key="history_pick").set_value(1).run()
    click(at, "Gjenopprett versjon 1")

    assert at.session_state.scenario.request["adults"] == 700
    assert texts(at.success)[0] == "Versjon 1 av «Plan» er gjenopprettet som versjon 3."
    [plan] = [s for s in store.list_scenarios() if s.saved]
    assert [v.number for v in store.history(plan.id)] == [3, 2, 1] and plan.version == 3
    assert store.history(plan.id)[0].restored_from == 1


def test_a_deleted_scenario_leaves_the_list_and_the_session_keeps_its_copy():
    at = save(set_adults(open_app(), 710), "Plan")
    click(at, "Historikk for dette scenarioet")
    click(at, "Slett «Plan»")
    assert "Plan (lagret)" not in at.selectbox(key="choice").options
    assert texts(at.success)[0].startswith("«Plan» er slettet.")
    assert at.session_state.scenario.request["adults"] == 710
    [entry] = [e for e in store.read_log() if e.action == "slettet"]
    assert entry.detail == "Plan"


# --------------------------------------------------------------------------- the shared server (AppTest's st.user)

SERVER_ACCESS = """
[[users]]
email = "vestland@ks.no"
fylker = ["Vestland"]
rolle = "rediger"

[[users]]
email = "leser@ks.no"
fylker = ["Vestland"]
rolle = "les"

[[users]]
email = "rogaland@ks.no"
fylker = ["Rogaland"]
rolle = "rediger"

[[users]]
email = "sjef@ks.no"
rolle = "admin"
"""


@pytest.fixture
def server(tmp_path, monkeypatch):
    """Server mode: an access file and `[auth]` in the secrets; `server(email)` opens the app as
    that signed-in user (None: nobody signed in)."""
    access = tmp_path / "tilgang.toml"
    access.write_text(SERVER_ACCESS, encoding="utf-8")
    monkeypatch.setenv("ALLOCATOR_ACCESS", str(access))

    def open_as(email: str | None, **query) -> AppTest:
        at = app_test(**query)
        at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                              "client_id": "bosetting", "client_secret": "test",
                              "server_metadata_url": "http://localhost:9/.well-known/openid-configuration"}
        if email is not None:
            at.user = {"is_logged_in": True, "email": email}
        at.run()
        assert not at.exception, at.exception
        return at

    return open_as


def test_the_server_shows_only_a_sign_in_button_before_sign_in(server):
    at = server(None)
    assert [b.label for b in at.button] == ["Logg inn"]
    assert not at.selectbox and not at.sidebar.caption and not at.dataframe and not at.metric


def test_a_signed_in_user_sees_her_countys_saved_scenarios_only(server):
    store.save_named(store.load_stored(store.bundled_scenarios()[0], actor=store.local_actor()), "Vestland-plan",
                     actor=store.local_actor())
    at = server("rogaland@ks.no")
    assert "Innlogget som rogaland@ks.no: rediger (Rogaland)" in texts(at.sidebar.caption)
    assert "Lokal modus: alle som når denne maskinen, ser alt" not in texts(at.sidebar.caption)
    assert not [o for o in at.selectbox(key="choice").options if "Vestland-plan" in o]
    at.text_input(key="save_name").set_value("Forsøk")
    click(at, "Lagre for alle med tilgang")  # a Vestland scenario: not hers to save
    assert texts(at.error) == ["Ikke lagret: Du har ikke lov til å lagre scenarioer for Vestland."]

    vestland = server("vestland@ks.no")
    assert "Vestland-plan (lagret)" in vestland.selectbox(key="choice").options
    reader = server("leser@ks.no")
    reader.text_input(key="save_name").set_value("Forsøk")
    click(reader, "Lagre for alle med tilgang")
    assert texts(reader.error) == ["Ikke lagret: Du har ikke lov til å lagre scenarioer for Vestland."]


def test_a_user_not_in_the_access_file_gets_a_polite_refusal_and_the_admin_sees_it_in_the_log(server):
    stranger = server("ukjent@example.com")
    assert stranger.info[0].value.startswith("Du er logget inn som ukjent@example.com, men har ikke tilgang")
    assert [b.label for b in stranger.button] == ["Logg ut"] and not stranger.selectbox

    admin = server("sjef@ks.no")
    click(admin, "Logg")
    log = [d.value for d in admin.dataframe if "Hvem" in d.value.columns][0]
    seen = set(zip(log["Hvem"], log["Hva"]))
    assert {("ukjent@example.com", "avvist"), ("sjef@ks.no", "innlogget")} <= seen


def test_a_meeting_link_shows_the_plan_only_to_those_who_may_read_the_county(server, tmp_path, monkeypatch):
    adviser = server("vestland@ks.no")
    click(adviser, "Start møtevisning")
    token = adviser.session_state.meeting_token

    reader = server("leser@ks.no", mote=token)
    assert reader.title[0].value == "Møte: Vestland 2026"
    other = server("rogaland@ks.no", mote=token)
    assert other.info[0].value == "Denne møtelenken er ikke i bruk. Be rådgiveren om en ny lenke."
    assert not other.metric and not other.dataframe
    nobody = server(None, mote=token)
    assert [b.label for b in nobody.button] == ["Logg inn"] and not nobody.metric

    # the adviser opens a Rogaland scenario: the Vestland reader's next refresh shows nothing of it
    from store_helpers import county_scenario

    from allocator.present.meeting import MEETINGS

    MEETINGS.publish(token, county_scenario("Rogaland", 5, name="Rogaland-plan"))
    reader.run()
    assert reader.info[0].value.startswith("Denne møtelenken er ikke i bruk") and not reader.metric
    assert "Rogaland" not in str([e.value for e in reader.title])
    MEETINGS.publish(token, adviser.session_state.scenario)

    access = tmp_path / "tilgang.toml"  # the access file allows meetings without sign-in
    access.write_text("mote_uten_innlogging = true\n" + SERVER_ACCESS, encoding="utf-8")
    os.utime(access, (time.time() + 5, time.time() + 5))
    assert server(None, mote=token).title[0].value == "Møte: Vestland 2026"


def test_a_database_that_cannot_be_opened_is_said_plainly(monkeypatch):
    monkeypatch.setenv(store.DATABASE_ENV, "postgresql://bruker:hemmelig@127.0.0.1:1/scenarier")
    at = open_app()
    [message] = texts(at.error)
    assert message.startswith("Databasen med lagrede scenarioer kan ikke åpnes (127.0.0.1:1/scenarier)")
    assert "hemmelig" not in message and not at.selectbox
