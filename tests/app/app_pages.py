"""What the browser tests do on the app's pages, the way a user does it: role selectors (the accessible names the
app gives its controls), then the outcome line each action reports into."""

import re
import time
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import Page, expect

PASSPHRASE = "correct horse battery staple"
OUTCOME_TIMEOUT_MS = 30_000


def restore(page: Page, mnemonic: str, passphrase: str = PASSPHRASE) -> str:
    """Restore `mnemonic` on a fresh page; returns the address the portfolio shows."""
    page.goto("/app")
    page.get_by_role("button", name="Restore from a recovery phrase").click()
    page.get_by_role("textbox", name="Recovery phrase", exact=True).fill(mnemonic)
    set_passphrase(page, passphrase)
    page.get_by_role("button", name="Restore", exact=True).click()
    return wait_portfolio(page)


def set_passphrase(page: Page, passphrase: str) -> None:
    page.get_by_role("textbox", name="Passphrase", exact=True).fill(passphrase)
    page.get_by_role("textbox", name="Passphrase again").fill(passphrase)


def wait_portfolio(page: Page) -> str:
    expect(page.locator(".portfolio[data-loaded]")).to_be_attached()
    return page.locator("[data-address]").inner_text().strip()


def go(page: Page, link: str) -> None:
    """Open a page from the navigation and wait for its data."""
    target = page.get_by_role("navigation", name="Pages").get_by_role("link", name=link, exact=True)
    target.click()
    # The route changes on the hashchange event, after the click: wait for the new page, not the old one.
    expect(target).to_have_attribute("aria-current", "page")
    expect(page.locator("main .page[data-loaded]")).to_be_attached()


def act(page: Page, button: str, part: str | None = None) -> str:
    """Click an action's button and wait until its transaction is in a block; returns the tx hash. `part` names
    the heading of the page's section holding the button and its outcome line, on pages with several."""
    section = page.locator("main .page")
    if part is not None:
        section = section.locator("section").filter(has=page.get_by_role("heading", name=part, exact=True))
    outcome = section.locator(".outcome").first
    section.get_by_role("button", name=button, exact=True).click()
    # The app reports "waiting" synchronously on the click, so the state seen next is this action's.
    expect(outcome).to_have_attribute("data-state", re.compile("ok|error"), timeout=OUTCOME_TIMEOUT_MS)
    assert outcome.get_attribute("data-state") == "ok", outcome.inner_text()
    expect(outcome).to_contain_text("Done: included in block")
    return outcome.get_attribute("data-tx") or ""


def shown(page: Page, stat: str) -> str:
    return page.locator(f'[data-stat="{stat}"] .value').inner_text().strip()


def shown_amount(page: Page, stat: str) -> Decimal:
    """A portfolio amount as shown in English ('1,234.5 GOS'), exactly."""
    return Decimal(re.sub(r"[^\d.]", "", shown(page, stat)))


def screenshot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


UNNAMED_CONTROLS = """() => [...document.querySelectorAll('button, input, select, textarea, a[href]')]
  .filter((el) => el.offsetParent !== null)
  .filter((el) => {
    const name = el.getAttribute('aria-label') || [...(el.labels || [])].map((l) => l.textContent).join('')
      || el.textContent;
    return !name.trim();
  })
  .map((el) => el.outerHTML.slice(0, 120))"""


def assert_controls_named(page: Page) -> None:
    """Every visible control has an accessible name (a label, aria-label or text)."""
    assert page.evaluate(UNNAMED_CONTROLS) == []


def assert_fits_width(page: Page) -> None:
    """Nothing overflows the viewport sideways (phone layouts)."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def get_test_funds(page: Page, devnet_wait_s: float = 90) -> None:
    """Ask the devnet faucet from the portfolio, again while it answers "try again" (its operator earns the grant
    block by block after a devnet starts), until the funds are in."""
    outcome = page.locator(".portfolio .outcome").nth(1)
    deadline = time.monotonic() + devnet_wait_s
    while True:
        page.get_by_role("button", name="Get test funds").click()
        expect(outcome).to_have_attribute("data-state", re.compile("ok|error"), timeout=OUTCOME_TIMEOUT_MS)
        if outcome.get_attribute("data-state") == "ok":
            break
        assert "try again" in outcome.inner_text() and time.monotonic() < deadline, outcome.inner_text()
        page.wait_for_timeout(1_000)
    expect(outcome).to_have_text("Test funds sent.")


def grouped(decimal: str) -> str:
    """An exact decimal string ('8875291.7804%') as the app writes it in English ('8,875,291.7804%')."""
    number, percent = decimal.removesuffix("%"), "%" if decimal.endswith("%") else ""
    whole, _, fraction = number.partition(".")
    return f"{int(whole):,}" + (f".{fraction}" if fraction else "") + percent
