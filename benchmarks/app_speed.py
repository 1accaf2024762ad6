"""The app's speed as a user meets it: `streamlit run app.py` driven by Chromium through Playwright.

    python -m benchmarks.run --only app

Each case starts its own server on a free port (its own ALLOCATOR_SAVED_DIR in a temporary folder,
`--server.fileWatcherType none`) and its own headless Chromium in a Norwegian locale. All times of a
page are taken in the page itself (performance.now()), never from the driver's polling:

  app first page      a new browser context (a new session, empty browser cache) per load: from
                      navigation start to the frame after the "Totalt" metric appeared. `wall`: the
                      median of the warm loads; `cold`: the first load after the server started (the
                      app's imports and the first plan); `table`: to the negotiation table's first
                      drawn cell.
  app edit county     Vestland: a new "Maks totalt" for Bergen typed into the negotiation table;
  app edit national   Norge 2026 (357 municipalities, chosen in "Velg scenario"): the same for Oslo.
                      Each edit sets the cap below the municipality's current total, so its total
                      becomes exactly the cap (the rest goes to the others): a value the server has
                      never been asked for (the plan cache shared between sessions cannot answer),
                      and a number known in advance to wait for. One warm-up edit, not counted.
                      `wall`: from the Enter keydown in the cell editor until the grid draws the new
                      number in the row's "Plan: totalt" cell. The grid is a canvas
                      (glide-data-grid), and its accessibility mirror (<td id="glide-cell-…">) is
                      debounced, 200-400 ms behind the canvas, so the page's fillText calls are
                      watched instead (see PAGE_SCRIPT). `wall` = `sent` (Enter → the edit leaves the
                      page; Streamlit's data editor debounces its edits by 150 ms) + `reply` (→ the
                      page has handled the server's last message before the number is drawn: the
                      server's work and the page's handling of the new elements) + `draw` (→ drawn).
                      `cpu`: the server process's CPU seconds (utime + stime of /proc/<pid>/stat, all
                      its threads; the solver runs in-process, single-threaded) from just before
                      Enter until the server has been quiet for 0.3 s; `browser`: the CPU seconds of
                      Chromium and the Playwright driver in the same window.
  app ten sessions    ten browser contexts (ten sessions) on Vestland, each with its cell editor open
                      on Bergen's cap with its own new value; the ten Enter keys are sent together
                      (asyncio.gather). `wall`: per session, from the moment the keys were sent to
                      that session's new number drawn (this process's clock against the page's
                      performance.timeOrigin + now(): one system clock); `max`: the slowest session
                      of each round; `page`: per session from its own Enter keydown; `cpu`: the
                      server's CPU seconds for the ten edits together; `busy`: from the keys sent to
                      the server's last CPU tick (20 ms samples); `browser`: the CPU seconds
                      Chromium and the Playwright driver used in the same window.

About ten sessions on this 2-core machine: the measurement is distorted. The ten Chromium renderers
that receive and draw the ten new tables run on the same two cores as the server; in a meeting they
run on ten laptops. A page needs several times the server's CPU to take in an edit (`browser`
against `cpu` of one edit: about 0.37 s against 0.06 s here, software rendering), so in the
ten-session rounds Chromium burns about 4-5 CPU seconds against the server's 0.6, and everyone
waits for the two cores. `cpu` (the ten edits together) is the server's side alone: with the GIL
the server answers the ten one after another, so on a server of its own the last would come about
`cpu` seconds after the keys, the median about half that, plus the 150 ms Streamlit waits and the
drawing. Read `wall` and `max` as an upper bound of what ten advisers would see.

The app is never changed by this module.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
VIEWPORT = {"width": 1920, "height": 1100}  # wide enough that "Maks totalt" and "Plan: totalt" are both in view
LOCALE = "nb-NO"
STARTUP_SECONDS = 60
TIMEOUT_MS = 60_000
POLL_MS = 50  # the driver asks the page this often whether a time has been taken (it is taken in the page)
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
Samples = dict[str, list[float]]

# Installed in every page before the app's own scripts (Playwright's add_init_script):
# - window.__planShownAt: the frame after the summary's "Totalt" metric appeared (ms since navigation
#   start); window.__tableDrawnAt: the first cell drawn in a table;
# - window.__awaitCell = {column, row, want}, armed before an edit: `start` is set at the Enter keydown,
#   `done` when the grid first *draws* `want` in that column and row. glide-data-grid draws on a
#   canvas; its accessibility mirror (<td id="glide-cell-…">) is updated 200-400 ms after the canvas
#   (it is debounced), so the canvas's own fillText calls are watched: headers are drawn in the top
#   35 px (their x gives each column's left edge, as last drawn: the grid keeps its sideways scroll
#   across edits), a cell of row r between 35 + 35 r and 35 + 35 (r+1).
# - window.__ws: [kind, ms] of every websocket message sent and received (for the phases of an edit).
PAGE_SCRIPT = """
(() => {
  const HEADER = 35, ROW = 35;  // Streamlit's grid header and row heights (CSS pixels)
  const shown = () => [...document.querySelectorAll('[data-testid="stMetric"]')].some(m => m.textContent.includes('Totalt'));
  new MutationObserver((_, observer) => {
    if (!shown()) return;
    observer.disconnect();
    requestAnimationFrame(() => { window.__planShownAt = performance.now(); });
  }).observe(document, {childList: true, subtree: true});

  window.__drawnTexts = new Set();  // every text drawn on a canvas (to check formats and blanks)
  const headers = new WeakMap();  // grid element (headers and cells have a canvas each) -> Map(header -> x)
  const fillText = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
    const result = fillText.call(this, text, x, y, ...rest);
    text = String(text);
    window.__drawnTexts.add(text);
    const grid = this.canvas.closest?.('[data-testid="stDataFrame"]') || this.canvas;
    if (window.__tableDrawnAt === undefined && y >= HEADER && grid !== this.canvas) window.__tableDrawnAt = performance.now();
    if (y < HEADER) {
      // headers are drawn left to right in each frame; one drawn left of the last starts a new
      // frame, whose positions replace the old (the grid may have scrolled sideways since)
      const seen = headers.get(grid);
      if (!seen || x <= seen.lastX) headers.set(grid, Object.assign(new Map(), {lastX: x}));
      headers.get(grid).set(text, x);
      headers.get(grid).lastX = x;
      return result;
    }
    const wait = window.__awaitCell;
    if (wait && wait.start !== undefined && wait.done === undefined && text === wait.want) {
      const top = HEADER + ROW * wait.row, columns = headers.get(grid);
      if (columns && y >= top && y < top + ROW) {
        let owner = null, left = -Infinity;
        for (const [name, at] of columns) if (at <= x && at > left) { owner = name; left = at; }
        if (owner === wait.column) { wait.done = performance.now(); wait.doneEpoch = performance.timeOrigin + wait.done; }
      }
    }
    return result;
  };
  window.addEventListener('keydown', e => {
    const wait = window.__awaitCell;
    if (e.key === 'Enter' && wait && wait.start === undefined) wait.start = performance.now();
  }, {capture: true});

  window.__ws = [];
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => window.__ws.push(['recv', performance.now()]));
    }
    send(data) { window.__ws.push(['send', performance.now()]); return super.send(data); }
  };
})();
"""

ARM_SCRIPT = "([column, row, want]) => { window.__ws = []; window.__awaitCell = {column, row, want}; }"

# [epoch ms on screen, ms from Enter, ms Enter -> first message sent, ms sent -> last message received
# before the draw, ms that message -> drawn]
DONE_SCRIPT = """() => {
  const w = window.__awaitCell;
  if (!w || w.done === undefined) return false;
  const sent = window.__ws.find(([kind, t]) => kind === 'send' && t >= w.start);
  const received = window.__ws.filter(([kind, t]) => kind === 'recv' && t <= w.done).pop();
  const s = sent ? sent[1] : NaN, r = received ? received[1] : NaN;
  return [w.doneEpoch, w.done - w.start, s - w.start, r - s, w.done - r];
}"""


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def descendants(root: int, exclude: int | None = None) -> list[int]:
    """Process ids below `root` (from /proc), leaving out `exclude` and everything below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        if pid == exclude:
            continue
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def browser_cpu_seconds(server_pid: int) -> float:
    """CPU seconds of every process this one started (Playwright's driver and Chromium), the server aside."""
    total = 0.0
    for pid in descendants(os.getpid(), exclude=server_pid):
        try:
            total += cpu_seconds(pid)
        except (OSError, IndexError, ValueError):
            pass  # gone meanwhile
    return total


class AppServer:
    """`streamlit run app.py` on a free port with its own saved-scenario folder; stopped on exit.
    `env` and `args` add to the server's environment and command line (the sign-in test gives it
    its secrets file and access file); `port` fixes the port (a redirect URI must name it)."""

    def __init__(self, env: dict[str, str] | None = None, args: tuple[str, ...] = (), port: int | None = None):
        self._env, self._args, self._port = dict(env or {}), tuple(args), port

    def __enter__(self) -> "AppServer":
        self._tmp = tempfile.TemporaryDirectory(prefix="app-speed-")
        tmp = Path(self._tmp.name)
        self.port = self._port or free_port()
        self.url = f"http://localhost:{self.port}"
        self.log_path = tmp / "streamlit.log"
        env = {**os.environ, "ALLOCATOR_SAVED_DIR": str(tmp / "saved"), **self._env}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                 "--server.port", str(self.port), "--browser.gatherUsageStats", "false",
                 "--server.fileWatcherType", "none", *self._args],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        try:
            self._wait_healthy()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_healthy(self) -> None:
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an HTTP proxy
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n{self.log()}")
            try:
                with direct.open(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer within {STARTUP_SECONDS} s:\n{self.log()}")
            time.sleep(0.2)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def wait_quiet(self, quiet: float = 0.3, limit: float = 30.0) -> float:
        """Wait until the server has used no CPU for `quiet` seconds; its CPU seconds then."""
        deadline = time.monotonic() + limit
        last, since = self.cpu(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.cpu()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
        return last

    def __exit__(self, *exc) -> None:
        process = getattr(self, "process", None)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._tmp.cleanup()


class CpuSampler(threading.Thread):
    """The server's CPU seconds every 20 ms, to find when it went quiet after a burst of edits."""

    def __init__(self, server: AppServer):
        super().__init__(daemon=True)
        self.server, self.samples, self._halt = server, [(time.time(), server.cpu())], threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.02):
            self.samples.append((time.time(), self.server.cpu()))

    def last_busy(self) -> float:
        """Wall-clock time (epoch seconds) of the last sample at which the server's CPU time grew."""
        busy = [t for (t, c), (_, before) in zip(self.samples[1:], self.samples) if c > before]
        return busy[-1] if busy else self.samples[0][0]

    def stop(self) -> None:
        self._halt.set()
        self.join()


# --------------------------------------------------------------------------- the page


async def launch(playwright):
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


async def open_app(browser, url: str):
    """A new session (browser context) on the app; returns (context, page, ms from navigation to the plan)."""
    context = await browser.new_context(locale=LOCALE, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    await context.add_init_script(PAGE_SCRIPT)
    page = await context.new_page()
    await page.goto(url, wait_until="commit")
    shown = await page.wait_for_function("() => window.__planShownAt", timeout=TIMEOUT_MS, polling=POLL_MS)
    return context, page, await shown.json_value()


async def table_drawn_ms(page) -> float:
    """ms from navigation start to the first cell drawn in a table."""
    drawn = await page.wait_for_function("() => window.__tableDrawnAt", timeout=TIMEOUT_MS, polling=POLL_MS)
    return await drawn.json_value()


async def choose_scenario(page, name: str) -> None:
    await page.get_by_test_id("stSidebar").get_by_label("Velg scenario").click()
    await page.get_by_role("option", name=name).click()
    await page.get_by_role("heading", name=f"Bosetting: {name}").wait_for()


def first_grid(page):
    return page.get_by_test_id("stMain").get_by_test_id("stDataFrame").first


async def column_index(page, column: str) -> int:
    """The column's aria-colindex in the first grid (1 = the first data column); columns out of view
    are not in the accessibility mirror, which follows the grid a few hundred ms late, so the grid is
    scrolled sideways a step at a time until the column is there."""
    grid = first_grid(page)
    headers = grid.locator('th[role="columnheader"]')
    scroller = grid.locator(".dvn-scroller").first
    await scroller.evaluate("e => { e.scrollLeft = 0; }")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        await headers.first.wait_for(state="attached")
        index = await headers.evaluate_all(
            "(hs, name) => { const h = hs.find(h => h.textContent === name); return h ? Number(h.getAttribute('aria-colindex')) : -1; }",
            column)
        if index >= 0:
            return index
        at_end = await scroller.evaluate(
            "e => { const end = e.scrollLeft + e.clientWidth >= e.scrollWidth - 1; e.scrollBy(e.clientWidth / 2, 0); return end; }")
        if at_end:  # perhaps the grid was still being drawn: once more from the left
            await scroller.evaluate("e => { e.scrollLeft = 0; }")
        await page.wait_for_timeout(500)
    raise RuntimeError(f"column {column!r} not found in the grid: {await headers.all_text_contents()}")


async def cell_text(page, column: str, row: int) -> str:
    index = await column_index(page, column)
    return await first_grid(page).locator(f'tr[aria-rowindex="{row + 2}"] > td[aria-colindex="{index}"]').text_content()


async def open_cell_editor(page, column: str, row: int, text: str):
    """Select the row's first cell with the mouse, walk to the column with the arrow keys, Enter opens
    the cell editor, type `text`; returns the editor, not yet committed (Enter commits). Retried until
    the editor opens: the grid may still be settling and ignore the first click."""
    steps = await column_index(page, column) - 1  # from the first column
    await first_grid(page).locator(".dvn-scroller").first.evaluate("e => { e.scrollLeft = 0; }")
    header = row_height = 35  # Streamlit's default header and row heights
    editor = page.locator("input.gdg-input, textarea.gdg-input").first
    grid = first_grid(page)
    for _attempt in range(6):
        box = await grid.locator("canvas").first.bounding_box()
        if box is None:  # the grid is being drawn again
            await page.wait_for_timeout(300)
            continue
        x, y = box["x"] + 10, box["y"] + header + row_height * row + row_height / 2
        await page.mouse.move(x + 100, y + 100)
        await page.mouse.move(x, y)
        await page.wait_for_timeout(200)
        await page.mouse.click(x, y)
        try:
            await page.wait_for_function("grid => grid.contains(document.activeElement)",
                                         arg=await grid.element_handle(), timeout=3_000)
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError: try again
            continue
        for _ in range(steps):
            await page.keyboard.press("ArrowRight")
        await page.keyboard.press("Enter")
        try:
            await editor.wait_for(state="visible", timeout=5_000)
            break
        except Exception:  # noqa: BLE001
            await page.keyboard.press("Escape")
    else:
        raise RuntimeError(f"the cell editor for {column!r}, row {row} did not open")
    await editor.fill(text)
    return editor


async def arm(page, row: int, want: int, column: str = "Plan: totalt") -> None:
    await page.evaluate(ARM_SCRIPT, [column, row, str(want)])


async def edit_done(page) -> dict[str, float]:
    """The armed edit's times once its number is drawn: `epoch` (seconds, the machine's clock) and,
    in seconds, `wall` from the Enter keydown, split into `sent` (Enter → the edit leaves the page:
    Streamlit's data editor waits 150 ms before it sends), `reply` (→ the last message from the
    server before the number is drawn) and `draw` (→ the number drawn)."""
    handle = await page.wait_for_function(DONE_SCRIPT, timeout=TIMEOUT_MS, polling=POLL_MS)
    epoch_ms, *phases = await handle.json_value()
    return {"epoch": epoch_ms / 1000, **{k: ms / 1000 for k, ms in zip(("wall", "sent", "reply", "draw"), phases)}}


async def timed_edit(page, server: AppServer, row: int, value: int) -> dict[str, float]:
    """Type `value` into the row's "Maks totalt", Enter; edit_done's times, `cpu`, the server's CPU
    seconds for the edit, and `browser`, Chromium's (and the driver's) in the same window."""
    editor = await open_cell_editor(page, "Maks totalt", row, str(value))
    await arm(page, row, value)
    server.wait_quiet(quiet=0.2)
    before, browser_before = server.cpu(), browser_cpu_seconds(server.pid)
    await editor.press("Enter")
    times = await edit_done(page)
    cpu = server.wait_quiet() - before
    return {**times, "cpu": cpu, "browser": browser_cpu_seconds(server.pid) - browser_before}


# --------------------------------------------------------------------------- cases


def first_page(repeat: int) -> Samples:
    async def run() -> Samples:
        from playwright.async_api import async_playwright

        with AppServer() as server:
            async with async_playwright() as playwright:
                browser = await launch(playwright)
                loads, tables = [], []
                for _ in range(repeat + 1):
                    context, page, ms = await open_app(browser, server.url)
                    loads.append(ms / 1000)
                    tables.append(await table_drawn_ms(page) / 1000)
                    await context.close()
                await browser.close()
        return {"wall": loads[1:], "cold": loads[:1], "table": tables[1:]}

    return report("app first page", asyncio.run(run()))


def edit_case(scenario: str | None, expect_first: str) -> Callable[[int], Samples]:
    """Edits of the first row's cap, on the default scenario or on `scenario` chosen in the sidebar."""

    def case(repeat: int) -> Samples:
        async def run() -> Samples:
            from playwright.async_api import async_playwright

            with AppServer() as server:
                async with async_playwright() as playwright:
                    browser = await launch(playwright)
                    _context, page, _ = await open_app(browser, server.url)
                    if scenario:
                        await choose_scenario(page, scenario)
                    first = await cell_text(page, "Kommune", 0)
                    assert first == expect_first, f"row 0 is {first!r}, not {expect_first!r}"
                    total = int(await cell_text(page, "Plan: totalt", 0))
                    out: Samples = {}
                    for k in range(repeat + 1):  # the first one warms up
                        total -= 3 + k % 3  # a new value each time, below the current total: the new total
                        times = await timed_edit(page, server, 0, total)
                        for metric in ("wall", "cpu", "sent", "reply", "draw", "browser") if k else ():
                            out.setdefault(metric, []).append(times[metric])
                    await browser.close()
            return out

        return report(f"app edit {'national' if scenario else 'county'}", asyncio.run(run()))

    return case


def ten_sessions(repeat: int, sessions: int = 10) -> Samples:
    """`repeat` rounds of `sessions` sessions committing an edit at the same moment."""

    async def run() -> Samples:
        from playwright.async_api import async_playwright

        out: Samples = {"wall": [], "max": [], "page": [], "cpu": [], "busy": [], "browser": []}
        with AppServer() as server:
            async with async_playwright() as playwright:
                browser = await launch(playwright)
                pages = []
                for _ in range(sessions):
                    _context, page, _ = await open_app(browser, server.url)
                    pages.append(page)
                totals = [int(await cell_text(page, "Plan: totalt", 0)) for page in pages]
                totals[0] -= 1
                await timed_edit(pages[0], server, 0, totals[0])  # warm-up, one session alone
                for _round in range(repeat):
                    # new values below every current total, different for each session and round
                    floor = min(totals) - 1
                    totals = [floor - i for i in range(sessions)]
                    editors = []
                    for page, value in zip(pages, totals):
                        editors.append(await open_cell_editor(page, "Maks totalt", 0, str(value)))
                        await arm(page, 0, value)
                    server.wait_quiet()
                    cpu_before, browser_before = server.cpu(), browser_cpu_seconds(server.pid)
                    sampler = CpuSampler(server)
                    sampler.start()
                    sent = time.time()
                    await asyncio.gather(*(editor.press("Enter") for editor in editors))
                    done = await asyncio.gather(*(edit_done(page) for page in pages))
                    cpu_after = server.wait_quiet()
                    sampler.stop()
                    walls = [times["epoch"] - sent for times in done]
                    out["wall"] += walls
                    out["max"].append(max(walls))
                    out["page"] += [times["wall"] for times in done]
                    out["cpu"].append(cpu_after - cpu_before)
                    out["busy"].append(sampler.last_busy() - sent)
                    out["browser"].append(browser_cpu_seconds(server.pid) - browser_before)
                await browser.close()
        return out

    return report("app ten sessions", asyncio.run(run()))


# --------------------------------------------------------------------------- a small table after the benchmark's own

_REPORTED: dict[str, dict[str, float]] = {}
_LOAD: dict[str, float] = {}
_COLUMNS = ("wall", "cold", "table", "sent", "reply", "draw", "max", "page", "cpu", "busy", "browser")


def report(name: str, samples: Samples) -> Samples:
    """Keep the medians for the table printed when the benchmark ends (its own table has no room for them)."""
    if not _REPORTED:
        atexit.register(_print_table)
    _REPORTED[name] = {k: 1000 * statistics.median(v) for k, v in samples.items() if v}
    _LOAD[name] = os.getloadavg()[0]  # other work on the machine inflates every figure
    return samples


def _print_table() -> None:
    print(f"\n{'app, as users meet it':<20}" + "".join(f"{c:>8}" for c in _COLUMNS) + f"{'load':>7}   (ms, medians)")
    for name, medians in _REPORTED.items():
        print(f"{name:<20}" + "".join(f"{'-':>8}" if medians.get(c) is None else f"{medians[c]:>8.0f}" for c in _COLUMNS)
              + f"{_LOAD[name]:>7.1f}")
    print("  wall: to the plan / the new number on screen · cold: first load after start · table: first page, table drawn\n"
          "  sent + reply + draw = wall of an edit: Enter → sent (Streamlit waits 150 ms) → last server message handled → drawn\n"
          "  max: slowest of ten, per round · page: from the page's own Enter · cpu: server CPU (per edit; ten sessions:\n"
          "  the ten edits together) · busy: keys sent → server's last CPU tick · browser: Chromium's CPU in that window\n"
          "  load: the machine's 1-minute load average after the case (2 cores)")


CASES = [
    ("app first page", first_page, 5),
    ("app edit county", edit_case(None, "Bergen"), 7),
    ("app edit national", edit_case("Norge 2026", "Oslo"), 7),
    ("app ten sessions", ten_sessions, 3),
]

# (label, case, metric, limit in ms): the targets, medians on a 2-core machine.
TARGETS = [
    ("app: first page with the plan <= 3 s", "app first page", "wall", 3000.0),
    ("app: edit to screen, county <= 0.5 s", "app edit county", "wall", 500.0),
    ("app: edit to screen, national <= 1 s", "app edit national", "wall", 1000.0),
    ("app: server CPU per edit, county <= 0.3 s", "app edit county", "cpu", 300.0),
    ("app: server CPU per edit, national <= 0.6 s", "app edit national", "cpu", 600.0),
    ("app: ten sessions editing at once, median <= 2 s", "app ten sessions", "wall", 2000.0),
]
