"""Browser-test fixtures: one seeded devnet subprocess and one headless chromium for the explorer tests.

Module scope, not session: playwright's sync API keeps an asyncio loop running while it is open, and tests that run
after these ones call asyncio.run()."""

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from explorer_harness import CHROMIUM, CHROMIUM_ARGS, DevnetProcess, Seeded, seed, start_devnet

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnetProcess]:
    home = tmp_path_factory.mktemp("explorer") / "devnet"
    process = start_devnet(home)
    try:
        yield process
    finally:
        process.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def seeded(devnet: DevnetProcess) -> Seeded:
    return seed(devnet)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


PageAt = Callable[[int], Page]


@pytest.fixture
def page_at(browser: Browser, devnet: DevnetProcess) -> Iterator[PageAt]:
    """Fresh pages on the explorer at a viewport width; fails the test on a JavaScript error or a server error."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def open_page(width: int) -> Page:
        context = browser.new_context(
            base_url=devnet.url, viewport={"width": width, "height": 900}, accept_downloads=True
        )
        contexts.append(context)
        tab = context.new_page()
        tab.on("pageerror", lambda error: errors.append(str(error)))
        # 4xx answers are part of the UI (a search that finds nothing); uncaught errors and 5xx never are.
        tab.on(
            "console",
            lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None,
        )
        tab.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
        tab.set_default_timeout(15_000)
        return tab

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(page_at: PageAt) -> Page:
    """A fresh page on the explorer at 1280 px."""
    return page_at(1280)
