"""The app in Debian's chromium against a real devnet: a user creates a wallet, gets test funds, locks, votes,
stakes, redeems, waits, claims and sees the balance change, all signed in the browser and accepted by the chain;
the same phrase restores the same account in a fresh browser (and in the Python wallet); and the error paths."""

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from app_harness import PHONE, NewPage
from app_pages import (
    PASSPHRASE,
    act,
    assert_controls_named,
    assert_fits_width,
    get_test_funds,
    go,
    grouped,
    restore,
    screenshot,
    set_passphrase,
    shown,
    shown_amount,
    wait_portfolio,
)
from explorer_harness import DevnetProcess, wait_until
from playwright.sync_api import Page, expect

from gostaking.chain.types.tx import MsgAddLiquidity
from gostaking.wallet.hd import gos_key, seed_from_mnemonic
from gostaking.wallet.keys import PrivateKey

PAGES = ["Portfolio", "Lock", "Vote & stake", "Send", "Swap", "Governance", "Liquid staking", "Order book", "Settings"]


def create_wallet(page: Page, artifacts: Path | None = None) -> str:
    """Create a wallet as a user does: read the phrase once, tick, type two words back, set a passphrase (with
    screenshots of each step into `artifacts`)."""
    page.goto("/app")
    if artifacts:
        screenshot(page, artifacts, "welcome")
    page.get_by_role("button", name="Create a new wallet").click()
    words = page.get_by_role("list", name="Your recovery phrase").get_by_role("listitem").all_inner_texts()
    assert len(words) == 24
    next_button = page.get_by_role("button", name="Next")
    expect(next_button).to_be_disabled()
    page.get_by_role("checkbox", name="I have written the words down").check()
    if artifacts:
        screenshot(page, artifacts, "create-phrase")
    next_button.click()
    expect(page.get_by_role("list", name="Your recovery phrase")).to_have_count(0)  # shown once
    asked = page.get_by_role("textbox", name=re.compile(r"^Word number \d+$"))
    positions = [
        int(re.sub(r"\D", "", page.locator(f"label[for='{asked.nth(i).get_attribute('id')}']").inner_text()))
        for i in range(2)
    ]
    asked.nth(0).fill("zoo" if words[positions[0] - 1] != "zoo" else "abandon")
    asked.nth(1).fill(words[positions[1] - 1])
    set_passphrase(page, PASSPHRASE)
    page.get_by_role("button", name="Save wallet").click()
    expect(page.get_by_role("alert")).to_have_text(
        f"Word {positions[0]} is not the one shown. Look at your paper again."
    )
    if artifacts:
        screenshot(page, artifacts, "create-confirm-wrong-word")
    asked.nth(0).fill(words[positions[0] - 1].upper())
    page.get_by_role("button", name="Save wallet").click()
    wait_portfolio(page)
    return " ".join(words)


def account(devnet: DevnetProcess, address: str) -> dict[str, Any]:
    return dict(devnet.get(f"/accounts/{address}"))


def test_create_fund_lock_vote_stake_claim_and_restore(
    new_page: NewPage, devnet: DevnetProcess, artifacts: Path
) -> None:
    page = new_page()
    mnemonic = create_wallet(page, artifacts)
    address = page.locator("[data-address]").inner_text()
    assert address == gos_key(seed_from_mnemonic(mnemonic)).address  # the CLI wallet derives the same account
    screenshot(page, artifacts, "portfolio-new")

    get_test_funds(page)
    wait_until(lambda: shown_amount(page, "free") > 0, "the faucet's GOS on the portfolio")
    free_gos = Decimal(account(devnet, address)["gos"]["gos"])

    go(page, "Lock")
    assert_controls_named(page)
    page.get_by_role("combobox", name="Asset").select_option("btc")
    page.get_by_role("textbox", name="Amount").fill("0.1")
    expect(page.locator("main .fee")).to_have_text("Fee: 0.001 GOS")
    lock_hash = act(page, "Lock")
    tx = devnet.get(f"/txs/{lock_hash}")
    assert tx["code"] == 0 and tx["sender"] == address  # signed in the browser, accepted by the chain
    assert [lock["asset"]["display"] for lock in account(devnet, address)["locked"]] == ["0.1"]
    screenshot(page, artifacts, "lock")

    go(page, "Vote & stake")
    assert_controls_named(page)
    page.get_by_role("radio", name=re.compile("^devnet-node")).check()
    amount = page.get_by_role("textbox", name="Amount")
    for value, button in (("5", "Vote"), ("3", "Stake"), ("1.25", "Redeem vote")):
        amount.fill(value)
        act(page, button)
    expect(page.locator("[data-col=mine]").first).to_have_text("3.75 / 3")
    # The embedded producer signs every block: the explorer index's uptime, as the picker shows it.
    assert devnet.get("/explorer/nodes")["nodes"][0]["uptime"] == "100%"
    expect(page.locator("[data-col=uptime]").first).to_have_text("100%")
    screenshot(page, artifacts, "stake")

    go(page, "Portfolio")
    assert shown(page, "voted") == "3.75 GOS" and shown(page, "staked") == "3 GOS"
    assert shown(page, "unbonding") == "1.25 GOS"
    row = page.locator("table.unbondings tbody tr").first
    completion = int(row.get_attribute("data-completion") or 0)
    expect(row.locator(".countdown")).to_have_text(re.compile(r"^\d+ (seconds?|minutes?)$"))
    expect(row).to_contain_text(f"block {completion:,}")
    # Earnings are the chain's figures (GET /accounts/{address}/estimate), shown as they are.
    wait_until(lambda: shown_amount(page, "rewards") > 0, "rewards to accrue")
    estimate = devnet.get(f"/accounts/{address}/estimate")
    assert shown(page, "share") == grouped(estimate["share_of_network"])
    assert shown(page, "apr") == grouped(estimate["apr"])
    assert Decimal(estimate["gos_per_day"]["gos"]) > 0
    screenshot(page, artifacts, "portfolio")

    before = account(devnet, address)
    claim_hash = page.locator(".outcome").first
    page.get_by_role("button", name="Claim rewards").click()
    expect(claim_hash).to_have_attribute("data-state", "ok", timeout=30_000)
    after = account(devnet, address)
    claimed = Decimal(after["gos"]["gos"]) - Decimal(before["gos"]["gos"]) + Decimal("0.001")
    assert claimed >= Decimal(before["pending_rewards"]["gos"]) > 0
    wait_until(lambda: shown_amount(page, "free") == Decimal(account(devnet, address)["gos"]["gos"]), "the new balance")
    assert shown_amount(page, "free") > free_gos - Decimal("9.25") - Decimal("0.005")

    go(page, "Send")
    friend = PrivateKey.generate().address
    page.get_by_role("textbox", name="Recipient (gos1…)").fill(friend)
    page.get_by_role("combobox", name="Asset").select_option("ugos")
    page.get_by_role("textbox", name="Amount").fill("1.000001")
    expect(page.locator("main .fee")).to_contain_text("Fee: 0.001 GOS (plus 0.01 GOS if the recipient never held")
    act(page, "Send")
    assert account(devnet, friend)["gos"]["gos"] == "1.000001"

    for name in PAGES:
        go(page, name)
        assert_controls_named(page)
        screenshot(page, artifacts, "page-" + re.sub(r"\W+", "-", name.lower()))

    # Chinese: every label translated, numbers and durations in the locale; remembered across a reload.
    go(page, "Portfolio")
    page.get_by_role("banner").get_by_role("combobox", name="Language").select_option("zh-CN")
    expect(page.get_by_role("navigation", name="页面").get_by_role("link", name="资产")).to_be_visible()
    expect(page.get_by_role("heading", name="资产", exact=True, level=1)).to_be_visible()
    expect(page.locator("table.unbondings .countdown").first).to_have_text(re.compile(r"^\d+\s?(秒钟|分钟)$"))
    screenshot(page, artifacts, "portfolio-zh")
    page.reload()
    expect(page.get_by_role("heading", name="解锁钱包")).to_be_visible()
    page.get_by_role("textbox", name="密码").fill(PASSPHRASE)
    page.get_by_role("button", name="解锁", exact=True).click()
    wait_portfolio(page)
    page.get_by_role("banner").get_by_role("combobox", name="语言").select_option("en")

    # The same phrase in a fresh browser (no storage shared) is the same account, with its positions.
    fresh = new_page(viewport=PHONE)
    assert restore(fresh, mnemonic.upper()) == address
    wait_until(lambda: shown(fresh, "voted") == "3.75 GOS", "the restored account's votes")
    assert_fits_width(fresh)
    screenshot(fresh, artifacts, "portfolio-phone")
    for name in PAGES[1:]:
        go(fresh, name)
        assert_fits_width(fresh)


def test_swap_with_quote_and_slippage(new_page: NewPage, devnet: DevnetProcess, artifacts: Path) -> None:
    provider = PrivateKey.generate()
    for tx_hash in devnet.faucet(provider.address):
        devnet.wait_for_tx(tx_hash)
    added = devnet.wait_for_tx(devnet.submit(provider, MsgAddLiquidity("btc", 20_000_000, 20 * 10**6)))
    assert added["code"] == 0, added["log"]

    page = new_page()
    address = create_wallet(page) and page.locator("[data-address]").inner_text()
    get_test_funds(page)
    wait_until(lambda: shown_amount(page, "free") > 0, "the faucet's GOS")
    btc_before = next(b for b in account(devnet, address)["balances"] if b["denom"] == "btc")["amount"]

    go(page, "Swap")
    assert_controls_named(page)
    page.get_by_role("combobox", name="Pool").select_option("btc")
    page.get_by_role("textbox", name="You pay").fill("1")
    quote = devnet.get("/dex/quote?pair=btc&denom_in=ugos&amount_in=1000000")
    expect(page.locator(".quote")).to_have_text(
        f"Quote: {quote['amount_out']['display']} BTC (pool fee {quote['fee']['display']} GOS)"
    )
    page.get_by_role("textbox", name="Slippage tolerance (%)").fill("0.5")
    min_out = quote["amount_out"]["amount"] * 9_950 // 10_000
    expect(page.locator(".min-out")).to_have_text(
        f"You receive at least: {Decimal(min_out) / 10**8:f} BTC".replace(".00000000", "")
    )
    screenshot(page, artifacts, "swap")
    tx_hash = act(page, "Swap")
    body = devnet.get(f"/txs/{tx_hash}")["body"]
    assert body["msgs"][0]["min_out"] == min_out
    btc_after = next(b for b in account(devnet, address)["balances"] if b["denom"] == "btc")["amount"]
    assert btc_after - btc_before >= min_out


def test_wrong_passphrase_over_balance_and_node_down(new_page: NewPage, devnet: DevnetProcess, artifacts: Path) -> None:
    page = new_page(expect_errors=True)
    mnemonic = "legal winner thank year wave sausage worth useful legal winner thank yellow"
    address = restore(page, mnemonic)
    # Nothing bonded or locked: the chain's estimate is zero, and so is what the page shows.
    assert devnet.get(f"/accounts/{address}/estimate")["apr_ppm"] == 0
    assert (shown(page, "per-day"), shown(page, "apr"), shown(page, "share")) == ("0 GOS", "0%", "0%")

    # A wrong word or checksum never gets as far as storing anything.
    other = new_page()
    other.goto("/app")
    other.get_by_role("button", name="Restore from a recovery phrase").click()
    other.get_by_role("textbox", name="Recovery phrase", exact=True).fill(mnemonic.replace("yellow", "yelow"))
    set_passphrase(other, PASSPHRASE)
    other.get_by_role("button", name="Restore", exact=True).click()
    expect(other.get_by_role("alert")).to_have_text("'yelow' is not a word of the BIP-39 English list")
    assert other.evaluate("localStorage.length") == 0

    page.reload()
    page.get_by_role("textbox", name="Passphrase").fill("not the passphrase")
    page.get_by_role("button", name="Unlock", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Wrong passphrase.")
    screenshot(page, artifacts, "unlock-wrong-passphrase")
    page.get_by_role("textbox", name="Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock", exact=True).click()
    assert wait_portfolio(page) == address

    go(page, "Send")
    page.get_by_role("textbox", name="Recipient (gos1…)").fill(address)
    page.get_by_role("textbox", name="Amount").fill("1000000")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("That is more than your Free (0).")
    page.get_by_role("textbox", name="Recipient (gos1…)").fill("gos1notanaddress")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Not a gos1… address.")
    screenshot(page, artifacts, "send-refused")
    assert account(devnet, address)["next_sequence"] == 0  # nothing was signed or sent

    # The node stops answering: the page says so, keeps its data, and recovers when the node is back.
    go(page, "Portfolio")
    page.route(re.compile(r"/(status|accounts|params|assets)"), lambda route: route.abort("connectionrefused"))
    expect(page.locator("#banner")).to_have_text(re.compile(r"^Cannot reach the node: "), timeout=10_000)
    page.get_by_role("button", name="Claim rewards").click()
    expect(page.locator("main .outcome").first).to_have_text(re.compile(r"^Cannot reach the node: "))
    screenshot(page, artifacts, "node-down")
    page.unroute(re.compile(r"/(status|accounts|params|assets)"))
    expect(page.locator("#banner")).to_be_hidden(timeout=10_000)


def test_page_loads_fast_without_layout_jumps(new_page: NewPage, artifacts: Path) -> None:
    page = new_page()
    page.add_init_script(
        """window.__shift = 0; new PerformanceObserver((list) => { for (const e of list.getEntries())
           if (!e.hadRecentInput) window.__shift += e.value; }).observe({type: 'layout-shift', buffered: true});"""
    )
    restore(page, "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about")
    page.reload()
    expect(page.get_by_role("heading", name="Unlock your wallet")).to_be_visible()
    timing = page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
    assert timing["loadEventEnd"] < 1_000, timing
    page.get_by_role("textbox", name="Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock", exact=True).click()
    wait_portfolio(page)
    page.wait_for_timeout(2_500)  # a refresh or two
    assert page.evaluate("window.__shift") < 0.1
    dark = new_page(viewport=PHONE)
    dark.emulate_media(color_scheme="dark")
    restore(dark, "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about")
    background = dark.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 17, 21)"
    screenshot(dark, artifacts, "portfolio-dark-phone")
