"""The app in a real browser: `streamlit run` as a user starts it, driven with Playwright.

Covers what AppTest cannot: typing into a cell of the negotiation table (Streamlit's
glide-data-grid, drawn on a canvas) and uploading a file through the page. Uses Debian's
Chromium at /usr/bin/chromium; Playwright never downloads a browser.
"""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (CI installs the Debian chromium package)"
)

REPO = Path(__file__).resolve().parent.parent
VESTLAND = REPO / "scenarios" / "vestland-2026"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
STARTUP_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """`streamlit run app.py` on a free port with its own saved-scenario folder; stopped afterwards."""
    tmp = tmp_path_factory.mktemp("browser")
    port = _free_port()
    env = {**os.environ, "ALLOCATOR_SAVED_DIR": str(tmp / "saved")}
    log_path = tmp / "streamlit.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],  # the page must not change under the test if a file does
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://localhost:{port}"
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an HTTP proxy
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if server.poll() is not None:
                pytest.fail(f"streamlit exited with {server.returncode}:\n{log_path.read_text(errors='replace')}")
            try:
                with direct.open(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer within {STARTUP_SECONDS} s:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture
def page(app_url):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # a solve on a busy CI machine can take a while
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1100})
            page.set_default_timeout(30_000)
            page.goto(app_url)
            yield page
        finally:
            browser.close()


def _cell(grid, column: str, row: int):
    """The accessibility mirror of a grid cell (glide-data-grid draws the grid on a canvas)."""
    headers = grid.locator('th[role="columnheader"]')
    headers.first.wait_for(state="attached")
    names = headers.all_text_contents()
    assert column in names, f"column {column!r} not among the rendered columns {names}"
    return grid.get_by_test_id(f"glide-cell-{names.index(column)}-{row}")


def _type_into_cell(page, grid, column: str, row: int, text: str) -> None:
    """Select the row's first cell with the mouse, walk to the column with the arrow keys, Enter opens
    the cell editor, type, Enter. The grid may still be settling (e.g. just after a tab switch) and
    ignore the first click, so the selection is retried until the cell editor opens."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    names = grid.locator('th[role="columnheader"]')
    names.first.wait_for(state="attached")
    steps = names.all_text_contents().index(column)
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
        try:  # the arrow keys must go to the grid, not to whatever had focus before (e.g. the tabs)
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
    editor.press("Enter")


def _grid_in(page, tab: str):
    """The first data grid (st.dataframe or st.data_editor) on a tab of the page."""
    return page.get_by_role("tabpanel", name=tab).get_by_test_id("stDataFrame").first


def test_a_cell_typed_in_the_browser_changes_the_plan_and_a_bad_upload_keeps_it(page):
    from playwright.sync_api import expect

    # The page shows the scenario and its plan.
    expect(page.get_by_role("heading", name="Bosetting: Vestland 2026")).to_be_visible()
    total = page.get_by_test_id("stMetric").filter(has_text="Totalt")  # persons placed of the request
    expect(total).to_contain_text("1 474")
    expect(total).to_contain_text("hele anmodningen")
    negotiation, plan = _grid_in(page, "Forhandling"), _grid_in(page, "Plan")
    expect(_cell(negotiation, "Kommune", 0)).to_have_text("Bergen")
    expect(_cell(negotiation, "Maks totalt", 0)).to_have_text("1000")
    page.get_by_role("tab", name="Plan").click()
    expect(_cell(plan, "Kommune", 0)).to_have_text("Bergen")
    bergen_before = int(_cell(plan, "Totalt", 0).text_content())
    assert bergen_before > 50
    expect(_cell(plan, "Endring", 0)).to_have_text("0")

    # A real edit: Bergen's cap to 50, typed into the table.
    page.get_by_role("tab", name="Forhandling").click()
    expect(_cell(negotiation, "Kommune", 0)).to_have_text("Bergen")
    _type_into_cell(page, negotiation, "Maks totalt", 0, "50")

    page.get_by_role("tab", name="Plan").click()
    expect(_cell(plan, "Totalt", 0)).to_have_text("50")
    expect(_cell(plan, "Endring", 0)).to_have_text(str(50 - bergen_before))
    expect(total).to_contain_text("1 474")
    expect(total).to_contain_text("hele anmodningen")  # the others took the rest

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
    expect(page.get_by_role("tab", name="Plan")).to_have_attribute("aria-selected", "true")  # still where the user was
    expect(_cell(plan, "Totalt", 0)).to_have_text("50")
