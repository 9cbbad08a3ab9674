"""The app in Simplified Chinese, light and dark, on a desktop and a phone: every page (and the onboarding pages
and the error lines a user meets) shows no English words beyond an allow-list of names, denoms and units; Chinese
glyphs are drawn with Noto Sans CJK SC (Debian's fonts-noto-cjk) and not with a fallback; text keeps a readable
contrast in both colour schemes at 1400 and 390 px. Screenshots of every page in each combination go to
artifacts/app."""

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from app_harness import PHONE, NewPage
from app_pages import assert_fits_width, restore, screenshot
from explorer_harness import DevnetProcess
from playwright.sync_api import Page, expect
from untranslated import drawn_with, untranslated

from gostaking.chain.types.gov import TextProposal
from gostaking.chain.types.tx import MsgAddLiquidity, MsgLockAsset, MsgSubmitProposal, MsgUnvoteNode, MsgVoteNode
from gostaking.wallet.hd import gos_key, seed_from_mnemonic
from gostaking.wallet.keyring import Keyring

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

GOS = 10**6
WIDE: "ViewportSize" = {"width": 1400, "height": 900}
CJK_FONT = "Noto Sans CJK SC"
MNEMONIC = "legal winner thank year wave sausage worth useful legal winner thank yellow"  # BIP-39's 2nd vector

# WCAG's contrast ratio of every visible text against the background it is drawn on (the nearest ancestor with an
# opaque background colour): the elements under 4.5:1 (3:1 for large text), with their colours.
LOW_CONTRAST_JS = """() => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (el) => {
    for (let at = el; at; at = at.parentElement) {
      const color = rgb(getComputedStyle(at).backgroundColor);
      if (color.length === 3 || color[3] === 1) return color.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    if (el.closest('.sr-only, button:disabled')) continue;  // unseen; WCAG exempts inactive controls
    const style = getComputedStyle(el);
    const [a, b] = [luminance(rgb(style.color)), luminance(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const what = `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}"`;
    if (ratio < (large ? 3 : 4.5)) low.push(`${what} ${ratio.toFixed(2)}: ${style.color} on rgb(${background(el)})`);
  }
  return low;
}"""


@pytest.fixture(scope="module")
def history(devnet: DevnetProcess) -> str:
    """An account with something on every page: test funds, a lock, a vote and a redeemed part of it (an
    unbonding), the ATOM/GOS pool's liquidity, and a proposal in its vote. Returns the address."""
    key = gos_key(seed_from_mnemonic(MNEMONIC))
    for tx_hash in devnet.faucet(key.address):
        devnet.wait_for_tx(tx_hash)
    operator = Keyring(devnet.home / "keys").load("operator", None).address
    devnet.wait_for_tx(devnet.submit(key, MsgLockAsset("btc", 10**7), MsgVoteNode(operator, 5 * GOS)))
    devnet.wait_for_tx(devnet.submit(key, MsgUnvoteNode(operator, 1 * GOS), MsgAddLiquidity("atom", 10**7, 10 * GOS)))
    proposal = MsgSubmitProposal("Lower the fee", "A signal to lower the minimum fee.", TextProposal(), 10 * GOS)
    devnet.wait_for_tx(devnet.submit(key, proposal))
    return key.address


def monikers(devnet: DevnetProcess) -> set[str]:
    """Words of the node names users chose (data, shown as written)."""
    names = " ".join(node["moniker"] for node in devnet.get("/explorer/nodes?limit=100")["nodes"])
    return set(re.findall(r"[A-Za-z]{2,}", names))


def routes(page: Page) -> list[str]:
    """Every page the navigation offers (a page added to main.js's ROUTES is checked without a change here)."""
    hrefs: list[str] = page.locator("nav a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    assert len(hrefs) >= 9, hrefs
    return [href.removeprefix("#/") for href in hrefs]


def open_route(page: Page, route: str) -> None:
    link = page.locator(f'nav a[href="#/{route}"]')
    link.click()
    expect(link).to_have_attribute("aria-current", "page")
    expect(page.locator("main .page[data-loaded]")).to_be_attached()


def to_chinese(page: Page) -> None:
    page.locator("#lang select").select_option("zh-CN")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_every_page_in_chinese(new_page: NewPage, devnet: DevnetProcess, history: str, artifacts: Path) -> None:
    page = new_page(WIDE)
    assert restore(page, MNEMONIC) == history
    to_chinese(page)
    allowed = monikers(devnet) | {"Lower", "the", "fee"}  # the proposal's title, as its author wrote it
    found = {}
    for route in routes(page):
        open_route(page, route)
        if route == "governance":
            expect(page.locator("[data-proposal]").first).to_be_visible()
        if route == "portfolio":
            expect(page.locator("table.unbondings [data-completion]").first).to_be_visible()
        if words := untranslated(page, allowed):
            found[route] = words
        screenshot(page, artifacts, f"zh-CN-{route}")
    assert not found, f"English left on pages shown in Chinese: {found}"


def test_error_lines_in_chinese(new_page: NewPage, history: str) -> None:
    page = new_page(WIDE)
    restore(page, MNEMONIC)
    to_chinese(page)
    outcome = page.locator("main .outcome").first
    open_route(page, "lock")
    amount = page.locator("main input[inputmode=decimal]").first
    lock = page.locator("main button.primary").first
    lines = []
    for typed in [
        "1.2.3",
        "0",
        "0.000000001",
        "999999",
    ]:  # not a number, zero, 9 decimals of ATOM's 6, over the balance
        amount.fill(typed)
        lock.click()
        expect(outcome).to_have_attribute("data-state", "error")
        lines.append(outcome.inner_text())
    open_route(page, "send")
    page.locator("main input.mono").fill("gos1notanaddress")
    page.locator("main button.primary").click()
    expect(outcome).to_have_attribute("data-state", "error")
    lines.append(outcome.inner_text())
    open_route(page, "swap")
    page.locator("main input[inputmode=decimal]").nth(1).fill("101")
    page.locator("main input[inputmode=decimal]").first.fill("1")
    page.locator("main button.primary").click()
    expect(outcome).to_have_attribute("data-state", "error")
    lines.append(outcome.inner_text())
    assert len(set(lines)) == len(lines), lines  # each says what is wrong with it
    assert all(re.search(r"[\u4e00-\u9fff]", line) for line in lines), lines
    assert not untranslated(page), lines


def test_onboarding_in_chinese(new_page: NewPage, artifacts: Path) -> None:
    page = new_page(WIDE, locale="zh-CN")  # a Chinese browser gets Chinese on its first visit
    page.goto("/app")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    found = {"welcome": untranslated(page)}
    page.get_by_role("button", name="创建新钱包").click()
    found["create"] = untranslated(page)
    page.goto("/app")
    page.get_by_role("button", name="用助记词恢复").click()
    page.get_by_role("textbox", name="助记词", exact=True).fill("abandon " * 11 + "zebra")
    page.get_by_role("textbox", name="密码", exact=True).fill("correct horse battery")
    page.get_by_role("textbox", name="再次输入密码").fill("correct horse battery")
    page.get_by_role("button", name="恢复", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    found["restore"] = untranslated(page)
    screenshot(page, artifacts, "zh-CN-restore-error")
    assert not any(found.values()), found


def test_chinese_is_drawn_with_noto_sans_cjk(new_page: NewPage, history: str) -> None:
    page = new_page(WIDE, locale="zh-CN")
    restore_in_chinese(page)
    assert CJK_FONT in page.evaluate("getComputedStyle(document.body).fontFamily")
    assert page.evaluate(f"document.fonts.check('16px \"{CJK_FONT}\"', '质押')")
    assert drawn_with(page, "main h1") == [CJK_FONT]  # the heading 资产 is all CJK glyphs


def restore_in_chinese(page: Page) -> None:
    page.goto("/app")
    page.get_by_role("button", name="用助记词恢复").click()
    page.get_by_role("textbox", name="助记词", exact=True).fill(MNEMONIC)
    page.get_by_role("textbox", name="密码", exact=True).fill("correct horse battery staple")
    page.get_by_role("textbox", name="再次输入密码").fill("correct horse battery staple")
    page.get_by_role("button", name="恢复", exact=True).click()
    expect(page.locator(".portfolio[data-loaded]")).to_be_attached()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_light_and_dark_wide_and_phone(
    new_page: NewPage, devnet: DevnetProcess, history: str, artifacts: Path, scheme: str
) -> None:
    page = new_page(WIDE)
    page.emulate_media(color_scheme=scheme)
    restore(page, MNEMONIC)
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    low = {}
    for viewport, size in (("wide", WIDE), ("phone", PHONE)):
        page.set_viewport_size(size)
        for route in routes(page):
            open_route(page, route)
            if viewport == "phone":
                assert_fits_width(page)
            if problems := page.evaluate(LOW_CONTRAST_JS):
                low[f"{route} {viewport}"] = problems
            screenshot(page, artifacts, f"{scheme}-{viewport}-{route}")
    assert not low, f"text under WCAG AA contrast: {low}"
