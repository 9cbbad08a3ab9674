"""Browser-test fixtures of the app: one devnet subprocess (0.3 s blocks) and one headless Debian chromium per
module, fresh browser contexts (a context is a browser profile: its own localStorage), and the folder where the
run saves its screenshots (artifacts/app, git-ignored). The devnet harness is the explorer tests'."""

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from app_harness import ARTIFACTS, DESKTOP, NewPage, devnet_in
from explorer_harness import CHROMIUM, CHROMIUM_ARGS, DevnetProcess

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnetProcess]:
    yield from devnet_in(tmp_path_factory, "app", 0.3)


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    # Checked here, not at import: the vector and bundle tests of this folder need no browser.
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def new_page(browser: "Browser", devnet: DevnetProcess) -> Iterator[NewPage]:
    """Pages in fresh browser contexts (no stored wallet); fails the test on a JavaScript error or a 5xx answer.
    `expect_errors=True` for a test that makes the node unreachable on purpose; `base_url` another name of the
    devnet's origin (http://localhost:<port>, which WebAuthn needs)."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def make(
        viewport: "ViewportSize" = DESKTOP, locale: str = "en-US", expect_errors: bool = False, base_url: str = ""
    ) -> "Page":
        context = browser.new_context(base_url=base_url or devnet.url, viewport=viewport, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        if not expect_errors:
            page.on("pageerror", lambda error: errors.append(str(error)))
            # 4xx answers are part of the UI (the faucet's "try again", a refused transaction); uncaught errors and
            # 5xx never are.
            page.on(
                "console",
                lambda m: (
                    errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None
                ),
            )
            # The devnet faucet answers 503 until its operator has earned a grant: the page shows "try again".
            page.on(
                "response",
                lambda r: (
                    errors.append(f"{r.status} {r.url}") if r.status >= 500 and not r.url.endswith("/faucet") else None
                ),
            )
        return page

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
