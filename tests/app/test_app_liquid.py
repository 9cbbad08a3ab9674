"""Liquid staking in the app against a real devnet, the way a user does it: stake GOS for sGOS and see it with its
GOS value, provide the instant pool, unstake at once at the node's quote with a slippage bound, request a ticket and
see it with its time left; every transaction signed in the browser and accepted by the chain. (Claiming a due
ticket, removing pool liquidity and swapping sGOS: test_app_liquid_tickets.py, on a devnet whose tickets come due
in a minute.)"""

import re
from decimal import Decimal
from pathlib import Path

from app_harness import NewPage
from app_pages import act, assert_controls_named, get_test_funds, go, grouped, screenshot, shown_amount
from explorer_harness import DevnetProcess, wait_until
from playwright.sync_api import Page, expect
from test_app_journeys import create_wallet

USGOS_PER_SGOS = 10**6
FEE_UGOS = 1_000
REDEEMED_USGOS = 10_000
"""0.01 sGOS per redemption: the devnet's sGOS gains GOS fast (its few stakers share every block's rewards), and
the instant pool must hold more GOS than the sGOS is worth."""


def sgos_balance(devnet: DevnetProcess, address: str) -> int:
    balances = devnet.get(f"/accounts/{address}")["balances"]
    return next((int(b["amount"]) for b in balances if b["denom"] == "usgos"), 0)


def in_words(time_left: str) -> str:
    """The API's 'Xd Yh' as the app writes it in English: '2 days 1 hour', or the hours alone below a day."""
    match = re.fullmatch(r"(\d+)d (\d+)h", time_left)
    assert match, time_left
    days, hours = int(match[1]), int(match[2])
    hours_text = f"{hours} hour" + ("" if hours == 1 else "s")
    return f"{days} day{'' if days == 1 else 's'} {hours_text}" if days else hours_text


def bound_is_quote_less(page: Page, kept_basis_points: int) -> bool:
    quoted, bound = page.evaluate("['.quote', '.min-out'].map((s) => document.querySelector(s).textContent)")
    quoted_ugos = int(Decimal(re.sub(r"[^\d.]", "", quoted.split(" GOS")[0])) * 10**6)
    return bool(Decimal(re.sub(r"[^\d.]", "", bound)) * 10**6 == quoted_ugos * kept_basis_points // 10_000)


def funded_wallet(page: Page) -> tuple[str, str]:
    """A wallet created in the browser with the faucet's grant in: its phrase and address."""
    mnemonic = create_wallet(page)
    address = page.locator("[data-address]").inner_text().strip()
    get_test_funds(page)
    wait_until(lambda: shown_amount(page, "free") >= 20, "the faucet's GOS")
    return mnemonic, address


def test_stake_instant_unstake_and_ticket(new_page: NewPage, devnet: DevnetProcess, artifacts: Path) -> None:
    page = new_page()
    _, address = funded_wallet(page)

    go(page, "Liquid staking")
    assert_controls_named(page)
    expect(page.locator(".rate")).to_have_text(re.compile(r"^1 sGOS = [\d,.]+ GOS$"))

    page.get_by_role("textbox", name="GOS to stake").fill("10")
    expect(page.locator("main .fee").first).to_contain_text("Fee: 0.001 GOS")
    staked_tx = act(page, "Stake for sGOS", "Stake GOS for sGOS")
    assert devnet.get(f"/txs/{staked_tx}")["body"]["msgs"][0] == {"type": "liquid_stake", "amount": 10_000_000}
    held = sgos_balance(devnet, address)
    assert held > 0
    holding = page.locator(".holding")
    expect(holding).to_contain_text(f"Your sGOS: {grouped(str(Decimal(held) / USGOS_PER_SGOS))}, worth ")
    # The GOS value is the sGOS at the API's exact rate (shown beside it, read in the same refresh: the devnet's
    # rate grows every block), rounded down to the ugos.
    rate_text, holding_text = page.evaluate(
        "[document.querySelector('.rate').dataset.rate, document.querySelector('.holding').textContent]"
    )
    shown_value = Decimal(re.sub(r"[^\d.]", "", holding_text.split("worth")[1]))
    assert shown_value * 10**6 == int(held * Decimal(rate_text)), (rate_text, holding_text)

    page.get_by_role("textbox", name="GOS to add").fill("20")
    act(page, "Add liquidity", "Instant pool liquidity")
    expect(page.locator(".lp")).not_to_have_text("Your LP units: 0")

    page.get_by_role("textbox", name="sGOS to unstake").fill("0.01")
    quote = devnet.get(f"/liquid/quote?amount_in={REDEEMED_USGOS}")
    expect(page.locator(".quote")).to_contain_text(f"(fee {quote['fee']}, ")
    page.get_by_role("textbox", name="Slippage tolerance (%)").fill("0.5")
    expect(page.locator(".min-out")).to_have_text(re.compile(r"^You receive at least: [\d,.]+ GOS$"))
    # The bound shown becomes the quote shown less 0.5% (both read in one go: the page re-quotes as they change).
    wait_until(lambda: bound_is_quote_less(page, 9_950), "the bound to be the quote less 0.5%")
    screenshot(page, artifacts, "liquid-quote")
    gos_before = int(devnet.get(f"/accounts/{address}")["gos"]["ugos"])
    # The node's quote just before the click: the page re-quotes on it, at a later block whose rate is no lower (a
    # young devnet has no burn or slash, and nothing else changes the pool now).
    quoted_before = int(devnet.get(f"/liquid/quote?amount_in={REDEEMED_USGOS}")["amount_out"]["ugos"])
    instant_tx = act(page, "Unstake now", "Unstake at once")
    instant = devnet.get(f"/txs/{instant_tx}")["body"]["msgs"][0]
    assert instant["type"] == "liquid_instant_unstake" and instant["sgos"] == REDEEMED_USGOS
    # The chain paid at least the bound (the transaction's fee aside), and the bound is the page's fresh quote less
    # 0.5%: at least the node's quote before the click less 0.5%. (Not compared with what was paid: the devnet's
    # rate rises so fast that the block including the transaction may pay far more than any quote before it.)
    received = int(devnet.get(f"/accounts/{address}")["gos"]["ugos"]) - gos_before + FEE_UGOS
    assert 0 < instant["min_gos"] <= received
    assert instant["min_gos"] >= quoted_before * 9_950 // 10_000, (instant, quoted_before, received)

    page.get_by_role("textbox", name="sGOS for a ticket").fill("0.01")
    act(page, "Request ticket", "Unstake with a ticket")
    tickets = devnet.get(f"/liquid/tickets/{address}")["tickets"]
    assert [t["sgos"]["amount"] for t in tickets] == [REDEEMED_USGOS]
    row = page.locator(f'table.tickets tr[data-ticket="{tickets[0]["id"]}"]')
    expect(row).to_contain_text("0.01 sGOS")
    # The API's time left ("0d 1h" on the devnet's short unbonding period) in words.
    expect(row.locator('[data-col="left"]')).to_have_text(in_words(tickets[0]["time_left"]))
    expect(row.get_by_role("button", name="Claim")).to_have_count(0)  # not due
    screenshot(page, artifacts, "liquid")
