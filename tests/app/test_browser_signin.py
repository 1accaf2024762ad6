"""The shared server's sign-in in a real browser, against a local OpenID Connect provider.

The test starts `oidc-provider-mock` (an OpenID provider for tests) on a free port, gives the app a
secrets file whose `[auth]` points at it and an access file, and drives Chromium: before sign-in
only «Logg inn»; after it the user's own county's saved scenarios and nothing of another's; a
crafted meeting link shows nothing; a user the access file does not know is politely refused; the
log has both sign-ins. Uses Debian's Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import re
import secrets

import pytest
from helpers import needs_chromium

pytestmark = needs_chromium

ADVISER, STRANGER = "radgiver@ks.no", "ukjent@example.com"
ACCESS = f'''
[[users]]
email = "{ADVISER}"
fylker = ["Vestland"]
rolle = "rediger"

[[users]]
email = "sjef@ks.no"
rolle = "admin"
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The OpenID provider and the app in server mode, with a Vestland and a Rogaland scenario saved."""
    from oidc_provider_mock import User, run_server_in_thread
    from store_helpers import actor, county_scenario

    from allocator.output import store
    from benchmarks.app_speed import AppServer, free_port

    tmp = tmp_path_factory.mktemp("signin")
    saved = tmp / "saved"
    access = tmp / "tilgang.toml"
    access.write_text(ACCESS, encoding="utf-8")
    admin = actor("admin")
    with pytest.MonkeyPatch.context() as patch:  # seed the server's database before it starts
        patch.setenv("ALLOCATOR_SAVED_DIR", str(saved))
        patch.delenv(store.DATABASE_ENV, raising=False)
        store.save_named(county_scenario("Vestland", 11), "Vestland-plan", actor=admin)
        store.save_named(county_scenario("Rogaland", 22), "Rogaland-hemmelig", actor=admin)
        store.store().engine.dispose()
    users = [User(sub=email, claims={"email": email}) for email in (ADVISER, STRANGER)]
    with run_server_in_thread(port=0, user_claims=users) as provider:
        port = free_port()
        secrets_file = tmp / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            'client_id = "bosetting"\n'
            'client_secret = "ikke-hemmelig-i-test"\n'
            f'server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"\n',
            encoding="utf-8")
        env = {"ALLOCATOR_SAVED_DIR": str(saved), "ALLOCATOR_ACCESS": str(access), "AUTHLIB_INSECURE_TRANSPORT": "1",
               "NO_PROXY": "localhost,127.0.0.1", "no_proxy": "localhost,127.0.0.1"}
        with AppServer(env=env, args=("--secrets.files", str(secrets_file)), port=port) as app:
            yield app, saved


def _page(browser, url: str):
    context = browser.new_context(locale="nb-NO", viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    return page


def _sign_in(page, who: str) -> None:
    from playwright.sync_api import expect

    button = page.get_by_role("button", name="Logg inn")
    expect(button).to_be_visible()
    button.click()
    page.get_by_role("button", name=who, exact=True).click()  # the provider's form: a predefined user


def test_sign_in_shows_the_users_county_only(server, browser):
    from helpers import wait_idle
    from playwright.sync_api import expect

    app, saved = server
    page = _page(browser, app.url)
    expect(page.get_by_role("button", name="Logg inn")).to_be_visible()
    page.wait_for_timeout(500)
    main = page.get_by_test_id("stMain").inner_text()
    assert "Vestland" not in main and "Velg scenario" not in page.content(), "nothing but «Logg inn» before sign-in"

    _sign_in(page, ADVISER)

    expect(page.get_by_role("heading", name="Bosetting: Vestland 2026")).to_be_visible(timeout=60_000)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(f"Innlogget som {ADVISER}: rediger (Vestland)")).to_be_visible()
    expect(sidebar.get_by_text("Lokal modus")).to_have_count(0)
    wait_idle(page)  # during the run after sign-in an old, hidden selectbox may still be on the page
    sidebar.get_by_role("combobox", name="Velg scenario").click()
    options = page.get_by_role("option")
    expect(options.filter(has_text="Vestland-plan (lagret)")).to_have_count(1)
    names = options.all_inner_texts()
    assert not [n for n in names if "Rogaland-hemmelig" in n], names
    page.keyboard.press("Escape")

    crafted = _page(browser, app.url + "/?mote=" + "A" * 22)  # a guessed meeting link
    expect(crafted.get_by_text("Denne møtelenken er ikke i bruk")).to_be_visible()
    assert "Rogaland" not in crafted.content()


def test_a_user_not_in_the_access_file_is_politely_refused(server, browser):
    from playwright.sync_api import expect

    app, saved = server
    page = _page(browser, app.url)
    _sign_in(page, STRANGER)

    expect(page.get_by_text(re.compile(f"Du er logget inn som {re.escape(STRANGER)}, men har ikke tilgang"))).to_be_visible(
        timeout=60_000)
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
    assert "Velg scenario" not in page.content() and "Vestland-plan" not in page.content()

    from store_helpers import actor

    from allocator.output.store.repository import Store

    log = Store(f"sqlite:///{saved / 'scenarier.sqlite3'}").read_log(actor("admin"))
    assert (STRANGER, "avvist") in {(e.actor, e.action) for e in log}
