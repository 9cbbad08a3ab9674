"""Browser-test fixtures: one seeded devnet subprocess shared by the modules that only read it, and one headless
chromium per module for the explorer tests.

The browser has module scope, not session: playwright's sync API keeps an asyncio loop running while it is open, and
tests that run after these ones call asyncio.run(). The seeded devnet (a subprocess) is started once for this folder
and stopped when its last test is done (not at the end of the whole run: it makes blocks until stopped). Modules that
add activity of their own (the book's trades, liquid staking) override `devnet` with a devnet of their own, so that
the shared chain holds only the seeded activity the others read."""

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from explorer_harness import CHROMIUM, CHROMIUM_ARGS, DevnetProcess, Seeded, seed, start_devnet

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

HERE = Path(__file__).resolve().parent


@dataclass
class SharedDevnet:
    """The devnet the read-only modules share: started on first use, seeded on first use of `seeded`."""

    process: DevnetProcess | None = None
    seeded: Seeded | None = None

    def start(self, tmp_path_factory: pytest.TempPathFactory) -> DevnetProcess:
        if self.process is None:
            self.process = start_devnet(tmp_path_factory.mktemp("explorer") / "devnet")
        return self.process

    def seed(self, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
        if self.seeded is None:
            self.seeded = seed(self.start(tmp_path_factory))
        return self.seeded

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            shutil.rmtree(self.process.home, ignore_errors=True)
        self.process, self.seeded = None, None


SHARED = SharedDevnet()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    # After the fixtures' own teardown: stop the shared devnet once no explorer test follows.
    if nextitem is None or HERE not in nextitem.path.parents:
        SHARED.stop()


def pytest_sessionfinish() -> None:
    SHARED.stop()  # an interrupted run


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> DevnetProcess:
    return SHARED.start(tmp_path_factory)


@pytest.fixture(scope="module")
def seeded(devnet: DevnetProcess, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    assert devnet is SHARED.process, "the seeded activity is on the shared devnet"
    return SHARED.seed(tmp_path_factory)


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
