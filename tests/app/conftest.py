"""The browser the app's browser tests drive: Debian's Chromium through Playwright, headless."""

from __future__ import annotations

import pytest
from helpers import CHROMIUM


@pytest.fixture
def browser():
    from playwright.sync_api import expect, sync_playwright

    from benchmarks.app_speed import CHROMIUM_ARGS

    expect.set_options(timeout=30_000)  # a solve on a busy CI machine can take a while
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
