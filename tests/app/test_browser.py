"""The app in a real browser: `streamlit run` as a user starts it, driven with Playwright.

Covers what AppTest cannot: typing into a cell of the negotiation table (Streamlit's
glide-data-grid, drawn on a canvas), switching views with the view switch, uploading a file
through the page, and what a Norwegian user (browser locale nb-NO) sees: Norwegian labels, numbers
drawn the Norwegian way (270,2 and 1 000), blank cells blank (never "None"), and no developer menu
("Deploy", "Clear cache"). What the canvas draws is read from the page's own fillText calls (the
benchmark's PAGE_SCRIPT, benchmarks/app_speed.py); the grid's accessibility mirror holds raw values.
The test also prints two timings (run with `-n 0` to see them; the benchmark judges them): page load
to the plan on screen, and Enter in a cell to the new number drawn. Uses Debian's Chromium at
/usr/bin/chromium; Playwright never downloads a browser.
"""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import pytest
from helpers import REPO, needs_chromium, wait_idle

pytestmark = needs_chromium

VESTLAND = REPO / "scenarios" / "vestland-2026"


@pytest.fixture(scope="module")
def app_server():
    """`streamlit run app.py` on a free port with its own saved-scenario folder (the benchmark's
    AppServer: the page must not change under the test, so files are not watched); stopped
    afterwards. One server for every test of this module."""
    from benchmarks.app_speed import AppServer

    with AppServer() as server:
        yield server


@pytest.fixture(scope="module")
def app_url(app_server):
    return app_server.url


def _browser_page(browser, app_url, viewport: dict):
    from benchmarks.app_speed import PAGE_SCRIPT

    context = browser.new_context(locale="nb-NO", viewport=viewport)
    context.add_init_script(PAGE_SCRIPT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(app_url)
    return page


@pytest.fixture
def page(browser, app_url):
    """A Norwegian user's browser (locale nb-NO) on the app; the page is instrumented with the
    benchmark's PAGE_SCRIPT, which times the plan's arrival and what the grid's canvas draws."""
    return _browser_page(browser, app_url, {"width": 1600, "height": 1100})


@pytest.fixture
def laptop(browser, app_url):
    """The same on a laptop on a projector: 1366 × 768."""
    return _browser_page(browser, app_url, {"width": 1366, "height": 768})


@pytest.fixture
def report(capsys):
    """Prints a timing past pytest's capture (with -n 0 or -p no:xdist; xdist workers have no terminal).
    Timings are printed, never asserted on: the benchmark (`python -m benchmarks.run --only app`) judges them."""

    def say(text: str) -> None:
        with capsys.disabled():
            print(f"\n  browser: {text}", flush=True)

    return say


def _grid(page):
    """The first data grid (st.dataframe or st.data_editor) of the view on screen."""
    return page.get_by_test_id("stMain").get_by_test_id("stDataFrame").first


def _view(page, name: str):
    """The view switch (a segmented control): a radio button per view."""
    return page.get_by_role("radiogroup", name="Visning").get_by_role("radio", name=name, exact=True)


def _switch_to(page, name: str, header: str):
    """Choose a view, and wait until its table (with a column `header` only that view's table has) is
    on screen: the previous view's table stays on the page until the new one replaces it."""
    from playwright.sync_api import expect

    _view(page, name).click()
    expect(_view(page, name)).to_be_checked()
    grid = _grid(page)
    expect(grid.locator('th[role="columnheader"]').filter(has_text=re.compile(f"^{re.escape(header)}$"))).to_have_count(1)
    return grid


def _column(grid, column: str) -> int:
    """A column's aria-colindex (1 = the first data column). glide-data-grid's accessibility mirror
    holds only the columns in view, and is built a few hundred ms after the grid is drawn, so the
    grid is scrolled sideways, a step at a time, until the column is in the mirror."""
    headers = grid.locator('th[role="columnheader"]')
    find = "(hs, name) => { const h = hs.find(h => h.textContent === name); return h ? Number(h.getAttribute('aria-colindex')) : -1; }"
    scroller = grid.locator(".dvn-scroller").first
    scroller.evaluate("e => { e.scrollLeft = 0; }")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        headers.first.wait_for(state="attached")
        index = headers.evaluate_all(find, column)
        if index >= 0:
            return index
        at_end = scroller.evaluate("e => { const end = e.scrollLeft + e.clientWidth >= e.scrollWidth - 1; e.scrollBy(e.clientWidth / 2, 0); return end; }")
        if at_end:
            scroller.evaluate("e => { e.scrollLeft = 0; }")  # perhaps the grid was still being drawn: once more
        grid.page.wait_for_timeout(500)  # the mirror follows the scroll late
    pytest.fail(f"column {column!r} not in the grid; rendered: {headers.all_text_contents()}")


def _cell(grid, column: str, row: int):
    """The accessibility mirror of a grid cell (glide-data-grid draws the grid on a canvas), found by
    aria-rowindex and aria-colindex (the cells' ids also count a row-selection column). The mirror
    holds the raw value (270.2, not 270,2) and is updated a few hundred ms after the canvas."""
    return grid.locator(f'tr[aria-rowindex="{row + 2}"] > td[aria-colindex="{_column(grid, column)}"]')


def _open_cell_editor(page, grid, column: str, row: int, text: str):
    """Select the row's first cell with the mouse, walk to the column with the arrow keys, Enter opens
    the cell editor, type; returns the editor (Enter commits). The grid may still be settling (e.g.
    just after a view switch) and ignore the first click, so the selection is retried until the cell
    editor opens."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    steps = _column(grid, column) - 1  # from the first column
    grid.locator(".dvn-scroller").first.evaluate("e => { e.scrollLeft = 0; }")
    header = row_height = 35  # Streamlit's default header and row heights
    editor = page.locator("input.gdg-input, textarea.gdg-input").first
    for _attempt in range(5):
        box = grid.locator("canvas").first.bounding_box()
        if box is None:  # the grid is being drawn again
            page.wait_for_timeout(500)
            continue
        x, y = box["x"] + 10, box["y"] + header + row_height * row + row_height / 2
        page.mouse.move(x + 100, y + 100)
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        try:  # the arrow keys must go to the grid, not to whatever had focus before (e.g. the view switch)
            page.wait_for_function("grid => grid.contains(document.activeElement)", arg=grid.element_handle(), timeout=3_000)
        except PlaywrightTimeout:
            continue
        for _ in range(steps):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        try:
            editor.wait_for(state="visible", timeout=5_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    else:
        pytest.fail(f"the cell editor for {column!r}, row {row} did not open")
    editor.fill(text)
    return editor


def _drawn(page) -> set[str]:
    """Every text drawn on a canvas since the page opened (or since _forget_drawn)."""
    return set(page.evaluate("[...window.__drawnTexts]"))


def _forget_drawn(page) -> None:
    page.evaluate("window.__drawnTexts.clear()")


def _no_none_shown(page, grid) -> None:
    """Blank cells are blank: no "None", "nan" or "<NA>" drawn, nor in the grid's mirror."""
    shown = {t.strip() for t in _drawn(page)} | {t.strip() for t in grid.locator('td[role="gridcell"]').all_text_contents()}
    assert not shown & {"None", "nan", "NaN", "<NA>", "null", "undefined"}, sorted(shown & {"None", "nan", "NaN", "<NA>", "null", "undefined"})


VIEWS = ["Forhandling", "Plan", "Kvartaler", "Kart", "Sammenlign", "Hva om", "Eksport"]  # others may come between
METRICS = ["Enslige voksne", "Personer i familier", "Enslige mindreårige", "Særskilte behov", "Totalt"]


def test_a_cell_typed_in_the_browser_changes_the_plan_and_a_bad_upload_keeps_it(page, report):
    from playwright.sync_api import expect

    from benchmarks.app_speed import ARM_SCRIPT, DONE_SCRIPT

    # The page shows the scenario and its plan, in Norwegian.
    expect(page.get_by_role("heading", name="Bosetting: Vestland 2026")).to_be_visible()
    total = page.get_by_test_id("stMetric").filter(has_text="Totalt")  # persons placed of the request
    expect(total).to_contain_text("1 474")
    expect(total).to_contain_text("hele anmodningen på 1 474")
    report(f"page load to the plan on screen: {page.wait_for_function('() => window.__planShownAt').json_value():.0f} ms")
    assert page.evaluate("navigator.language") == "nb-NO"
    expect(page.get_by_role("radiogroup", name="Visning").get_by_role("radio")).to_contain_text(VIEWS)  # in this order
    expect(_view(page, "Forhandling")).to_be_checked()
    expect(page.get_by_test_id("stMetricLabel")).to_have_text(METRICS)
    negotiation = _grid(page)
    expect(_cell(negotiation, "Kommune", 0)).to_have_text("Bergen")
    expect(_cell(negotiation, "Maks totalt", 0)).to_have_text("1000")
    expect(_cell(negotiation, "Rimelig andel", 0)).to_have_text("270.2")  # the mirror holds the raw number
    expect(_cell(negotiation, "Begrunnelse for lås", 0)).to_have_text("")

    # Numbers the Norwegian way on the grid's canvas: a decimal comma, a space between thousands.
    page.wait_for_function("() => window.__tableDrawnAt")
    drawn = _drawn(page)
    assert "270,2" in drawn and "270.2" not in drawn, sorted(t for t in drawn if "270" in t)
    assert "1\u00a0000" in drawn and "1000" not in drawn and "1,000" not in drawn, sorted(t for t in drawn if "1" in t and "000" in t)
    _no_none_shown(page, negotiation)

    # No developer menu in a meeting: no Deploy, no Clear cache, not even in the main menu.
    expect(page.get_by_role("button", name="Deploy")).to_have_count(0)
    expect(page.get_by_text("Clear cache")).to_have_count(0)
    menu = page.get_by_role("button", name="Main menu")
    if menu.count():
        menu.click()
        expect(page.get_by_text("Clear cache")).to_have_count(0)
        expect(page.get_by_text("Deploy")).to_have_count(0)
        page.keyboard.press("Escape")
    assert "Clear cache" not in page.content() and "Deploy" not in page.content()

    _forget_drawn(page)
    plan = _switch_to(page, "Plan", "Totalt")
    expect(_cell(plan, "Kommune", 0)).to_have_text("Bergen")
    bergen_before = int(_cell(plan, "Totalt", 0).text_content())
    assert bergen_before > 50
    expect(_cell(plan, "Endring", 0)).to_have_text("")  # no change yet: blank, not "+0"
    page.wait_for_function("() => window.__drawnTexts.has('270,2')")  # Rimelig andel, Norwegian
    drawn = _drawn(page)
    assert not {"+0", "-0", "\u22120", "-0,0", "\u22120,0"} & drawn, "a change or deviation of zero drawn with a sign"
    _no_none_shown(page, plan)

    # A real edit: Bergen's cap to 50, typed into the table, timed from Enter to the new number drawn.
    negotiation = _switch_to(page, "Forhandling", "Plan: totalt")
    expect(_cell(negotiation, "Kommune", 0)).to_have_text("Bergen")
    editor = _open_cell_editor(page, negotiation, "Maks totalt", 0, "50")
    negotiation.locator(".dvn-scroller").first.evaluate("e => { e.__beforeEdit = true; }")
    page.evaluate(ARM_SCRIPT, ["Plan: totalt", 0, "50"])
    editor.press("Enter")
    _epoch, seconds, sent, reply, draw = page.wait_for_function(DONE_SCRIPT).json_value()
    report(f"Enter in a cell to the new number on screen: {seconds:.0f} ms (Enter → sent {sent:.0f} ms, "
           f"→ the server's last message handled {reply:.0f} ms, → drawn {draw:.0f} ms)")
    expect(_cell(_grid(page), "Plan: totalt", 0)).to_have_text("50")
    expect(total).to_contain_text("1 474")
    # the same table, updated in place: it keeps the user's scroll position and sort
    assert _grid(page).locator(".dvn-scroller").first.evaluate("e => e.__beforeEdit === true")

    plan = _switch_to(page, "Plan", "Totalt")
    expect(_cell(plan, "Totalt", 0)).to_have_text("50")
    expect(_cell(plan, "Endring", 0)).to_have_text(str(50 - bergen_before))
    expect(total).to_contain_text("1 474")
    expect(total).to_contain_text("hele anmodningen")  # the others took the rest
    _no_none_shown(page, plan)

    # A bad upload: refused with the file, row and column named; the edited plan stays.
    with open(VESTLAND / "municipalities.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    [kinn] = [r for r in rows if r["kommunenummer"] == "4602"]
    kinn["population"] = "mange"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    bad_csv = out.getvalue()
    uploads = []
    page.on("response", lambda r: uploads.append(r) if "upload_file" in r.url and r.request.method == "PUT" else None)
    page.get_by_text("Last opp scenario").click()
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([
        {"name": "scenario.toml", "mimeType": "application/toml", "buffer": (VESTLAND / "scenario.toml").read_bytes()},
        {"name": "municipalities.csv", "mimeType": "text/csv", "buffer": bad_csv.encode("utf-8")},
    ])
    expect(page.get_by_test_id("stFileChip")).to_have_count(2)
    deadline = time.monotonic() + 20
    while len([r for r in uploads if r.ok]) < 2:  # both files are on the server before the button is pressed
        assert time.monotonic() < deadline, f"uploads did not finish: {[(r.url, r.status) for r in uploads]}"
        page.wait_for_timeout(100)
    page.get_by_role("button", name="Last inn filene").click()

    error = page.get_by_test_id("stAlert").filter(has_text="Opplastingen ble ikke lastet inn")
    expect(error).to_be_visible()
    expect(error).to_contain_text("det du hadde er beholdt")
    expect(error).to_contain_text("municipalities.csv, linje 3 (4602 Kinn), kolonne population")
    expect(error).to_contain_text("«mange»")
    expect(page.get_by_role("heading", name="Bosetting: Vestland 2026")).to_be_visible()
    expect(total).to_contain_text("1 474")
    expect(total).to_contain_text("hele anmodningen")
    expect(_view(page, "Plan")).to_be_checked()  # still where the user was
    expect(_cell(_grid(page), "Totalt", 0)).to_have_text("50")


# --------------------------------------------------------------------------- a meeting on a laptop


_idle = wait_idle


def _metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))


def _input(page, label: str):
    return page.get_by_test_id("stMain").get_by_label(label, exact=True)


_ONE_FIELD = """([label, value]) => {
    const fields = [...document.querySelectorAll('[data-testid="stMain"] input')].filter(e => e.getAttribute("aria-label") === label);
    return fields.length === 1 && (value === null || fields[0].value === value);
}"""


def _expect_value(page, label: str, value: str | None) -> None:
    """Wait until the field labelled `label` is the only one (and holds `value`, unless None). During
    a run the old and the new input can both be on the page (an undo redraws the field), so a plain
    expect or fill may meet two elements and fail at once."""
    page.wait_for_function(_ONE_FIELD, arg=[label, value], timeout=30_000)


def _type(page, label: str, text: str) -> None:
    _idle(page)
    _expect_value(page, label, None)
    field = _input(page, label)
    field.fill(text)
    field.press("Enter")
    _idle(page)


def _choose(page, name: str) -> None:
    page.get_by_test_id("stSidebar").get_by_role("combobox", name="Velg scenario").click()
    page.get_by_role("option", name=name, exact=True).click()


def test_a_meeting_on_a_laptop_view_switch_undo_reload_scenario_switch_and_save(laptop, app_server, report, monkeypatch):
    """At 1366×768: the negotiation table shows what is negotiated without sideways scrolling; a
    view switch keeps the request; undo and redo; a reload brings the unsaved edits back; another
    scenario (chosen on another view, after a yes) is saved with its own request."""
    from playwright.sync_api import expect

    page = laptop
    total = _metric(page, "Totalt")
    expect(total).to_contain_text("1 474")
    grid = _grid(page)
    headers = grid.locator('th[role="columnheader"]')
    for header in ("Kommune", "Plan: totalt", "Endring", "Låst", "Maks totalt", "Min. totalt", "Småboliger",
                   "Familieboliger", "Plasser EM", "Plasser særskilte"):
        expect(headers.filter(has_text=re.compile(f"^{re.escape(header)}$"))).to_have_count(1)  # in view, unscrolled
    assert grid.locator(".dvn-scroller").first.evaluate("e => e.scrollLeft") == 0
    expect(total).not_to_contain_text("…")

    _switch_to(page, "Plan", "Totalt")
    _view(page, "Forhandling").click()
    _idle(page)
    _expect_value(page, "Enslige voksne", "700")
    _type(page, "Enslige voksne", "710")
    expect(total).to_contain_text("1 484")
    _expect_value(page, "Enslige voksne", "710")
    _type(page, "Personer i familier", "640")
    expect(total).to_contain_text("1 474")

    _idle(page)
    page.get_by_role("button", name="↶ Angre").click()
    _idle(page)
    expect(total).to_contain_text("1 484")
    _expect_value(page, "Personer i familier", "650")
    page.get_by_role("button", name="↷ Gjør om").click()
    _idle(page)
    _expect_value(page, "Personer i familier", "640")

    assert "utkast=" in page.url
    page.reload()  # F5: the same address
    expect(total).to_contain_text("1 474")
    _idle(page)
    page.get_by_role("button", name="Gjenopprett ulagrede endringer").click()
    expect(page.get_by_text("2 endringer fra forrige gang er gjenopprettet.")).to_be_visible()
    _idle(page)
    _expect_value(page, "Enslige voksne", "710")
    _expect_value(page, "Personer i familier", "640")

    _switch_to(page, "Plan", "Totalt")
    _idle(page)
    _choose(page, "Trøndelag 2026")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Du har ulagrede endringer")).to_be_visible()
    sidebar.get_by_role("button", name="Ja, bytt til «Trøndelag 2026»").click()
    expect(page.get_by_role("heading", name="Bosetting: Trøndelag 2026")).to_be_visible()
    _view(page, "Forhandling").click()
    _idle(page)
    adults = _input(page, "Enslige voksne")
    expect(adults).not_to_have_value("0")
    asked = adults.input_value()
    sidebar.get_by_text("Lagre scenario").click()
    sidebar.get_by_label("Navn").fill("Trøndelag etter møtet")
    sidebar.get_by_role("button", name="Lagre for alle brukere").click()
    expect(page.get_by_role("heading", name="Bosetting: Trøndelag etter møtet")).to_be_visible()

    from allocator.output import store

    monkeypatch.setenv("ALLOCATOR_SAVED_DIR", str(Path(app_server._tmp.name) / "saved"))  # the server's store
    saved = store.load_stored(store.find_saved("Trøndelag etter møtet"))
    assert saved.request["adults"] == int(asked.replace("\u00a0", "").replace(" ", "")) > 0


def test_national_controls_and_the_national_sweep(page, report):
    """Norge 2026: a per-county request refuses a national number in words; cross-border settlement
    and its cap are set on screen; «Hva om»'s 15-point national sweep is timed to the chart."""
    from playwright.sync_api import expect

    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Nytt scenario for fylke …").click()
    sidebar.get_by_role("combobox", name="Fylke").click()
    page.get_by_role("option", name="Norge", exact=True).click()
    sidebar.get_by_role("button", name="Lag scenario").click()
    expect(page.get_by_role("heading", name="Bosetting: Norge 2026")).to_be_visible()
    _idle(page)
    expect(sidebar.get_by_role("combobox", name="Velg scenario")).to_have_value("Norge 2026")
    expect(page.get_by_text("Anmodning per fylke", exact=True)).to_be_visible()
    _type(page, "Enslige voksne", "7000")
    expect(page.get_by_test_id("stAlert").filter(has_text="gitt per fylke")).to_be_visible()
    page.get_by_test_id("stMain").get_by_text("Bosetting på tvers av fylkesgrenser").click()
    share = _input(page, "Høyst andel av anmodningen bosatt i andre fylker (%)")
    expect(share).to_be_enabled()
    _type(page, "Høyst andel av anmodningen bosatt i andre fylker (%)", "20")
    _idle(page)  # the input with the new value replaces the one typed in: wait until only it is left
    expect(share).to_have_count(1)
    expect(share).to_have_value("20")

    _view(page, "Hva om").click()
    run = page.get_by_role("button", name=re.compile(r"^Planlegg for 15 totaler$"))
    page.wait_for_timeout(6000)  # the user reads the view while the workers start (once per server)
    started = time.monotonic()
    run.click()
    page.get_by_text("Hva går først tom").wait_for(timeout=60_000)
    tables = time.monotonic()
    expect(page.get_by_text("Bosatt og ikke bosatt for hver anmodning")).to_be_visible(timeout=60_000)
    report(f"«Hva om», 15-point national sweep, click to chart: {1000 * (time.monotonic() - started):.0f} ms "
           f"(to its tables {1000 * (tables - started):.0f} ms)")
