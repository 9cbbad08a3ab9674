"""Liquid staking journeys that need time on the chain, in the browser against a devnet whose tickets come due in
a minute (its liquid module rebalances every 10 blocks, stake unbonds in 60, and one ticket is paid a block): a
user stakes GOS for sGOS, requests a ticket behind a burst of another user's tickets, adds and removes instant-pool
liquidity, swaps sGOS for GOS on the exchange's sGOS/GOS pool, and claims the ticket once due, ahead of the queue
the burst holds up (the claim's purpose, docs/liquid.md). Every transaction signed in the browser, accepted by the
chain."""

import json
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from app_harness import NewPage
from app_pages import act, assert_controls_named, go, grouped, screenshot
from explorer_harness import DevnetProcess, start_devnet
from playwright.sync_api import expect
from test_app_liquid import FEE_UGOS, funded_wallet, sgos_balance

from gostaking.chain.types.liquid import MsgLiquidStake, MsgLiquidUnstake
from gostaking.chain.types.tx import MsgAddLiquidity, TxMsg
from gostaking.node.runtime import init_devnet_home
from gostaking.wallet.keys import PrivateKey

REBALANCE_INTERVAL_BLOCKS = 10
STAKE_UNBONDING_BLOCKS = 60
BURST_TICKETS = 6 * 16
"""Another user's tickets just before the browser's: paid one a block, they hold the queue ~30 s past its due."""
SWAPPED_USGOS = 50_000
"""0.05 sGOS: 5 GOS buys about a tenth of an sGOS on a young devnet (its few stakers share every block's reward)."""
LP_REMOVED = 10**6


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnetProcess]:
    """A devnet (0.3 s blocks) whose genesis.json is edited before the first start, as an operator may."""
    home = tmp_path_factory.mktemp("liquid-tickets") / "devnet"
    init_devnet_home(home, None)
    genesis_path = home / "genesis.json"
    genesis = json.loads(genesis_path.read_text())
    genesis["params"]["staking"]["stake_unbonding_blocks"] = STAKE_UNBONDING_BLOCKS
    liquid = {"rebalance_interval_blocks": REBALANCE_INTERVAL_BLOCKS, "max_ticket_payouts_per_block": 1}
    genesis["modules"] = {"liquid": {"params": liquid}}
    genesis_path.write_text(json.dumps(genesis, indent=2) + "\n")
    process = start_devnet(home, 0.3)
    try:
        yield process
    finally:
        process.stop()
        shutil.rmtree(home, ignore_errors=True)


def free_ugos(devnet: DevnetProcess, address: str) -> int:
    return int(devnet.get(f"/accounts/{address}")["gos"]["ugos"])


def lp_units(devnet: DevnetProcess, address: str) -> int:
    return next(int(b["amount"]) for b in devnet.get(f"/accounts/{address}")["balances"] if b["denom"] == "usgoslp")


def included(devnet: DevnetProcess, key: PrivateKey, *msgs: TxMsg) -> None:
    # The harness types its messages as the launch modules' (Msg); the liquid module's encode the same way.
    tx = devnet.wait_for_tx(devnet.submit(key, *msgs))  # type: ignore[arg-type]
    assert tx["code"] == 0, tx["log"]


def another_user(devnet: DevnetProcess) -> PrivateKey:
    """Another user with sGOS, who opens the exchange's sGOS/GOS pool (it exists once someone provides both)."""
    provider = PrivateKey.generate()
    for tx_hash in devnet.faucet(provider.address):
        devnet.wait_for_tx(tx_hash)
    included(devnet, provider, MsgLiquidStake(30 * 10**6))
    included(devnet, provider, MsgAddLiquidity("usgos", sgos_balance(devnet, provider.address) // 2, 15 * 10**6))
    return provider


def test_claim_a_due_ticket_remove_liquidity_and_swap_sgos(
    new_page: NewPage, devnet: DevnetProcess, artifacts: Path
) -> None:
    provider = another_user(devnet)
    page = new_page()
    _, address = funded_wallet(page)

    go(page, "Liquid staking")
    page.get_by_role("textbox", name="GOS to stake").fill("5")
    act(page, "Stake for sGOS", "Stake GOS for sGOS")
    # The burst, then the browser's ticket: due a minute later at most, behind the burst in the queue.
    for _ in range(BURST_TICKETS // 16):
        included(devnet, provider, *[MsgLiquidUnstake(100)] * 16)
    page.get_by_role("textbox", name="sGOS for a ticket").fill("0.01")
    act(page, "Request ticket", "Unstake with a ticket")
    (ticket,) = devnet.get(f"/liquid/tickets/{address}")["tickets"]

    # Pool liquidity: add, then take one LP unit out again (back as GOS).
    page.get_by_role("textbox", name="GOS to add").fill("4")
    act(page, "Add liquidity", "Instant pool liquidity")
    held_lp = lp_units(devnet, address)
    page.get_by_role("textbox", name="LP units to remove").fill("1")
    removed_tx = act(page, "Remove liquidity", "Instant pool liquidity")
    assert devnet.get(f"/txs/{removed_tx}")["body"]["msgs"][0] == {"type": "liquid_remove_liquidity", "lp": LP_REMOVED}
    assert lp_units(devnet, address) == held_lp - LP_REMOVED
    expect(page.locator(".lp")).to_have_text(f"Your LP units: {grouped(str(Decimal(held_lp - LP_REMOVED) / 10**6))}")

    # sGOS → GOS on the exchange's sGOS/GOS pool, at the node's quote less the slippage tolerance.
    go(page, "Swap")
    assert_controls_named(page)
    page.get_by_role("combobox", name="Pool").select_option("usgos")
    direction = page.get_by_role("combobox", name="Direction")
    direction.select_option("usgos")
    expect(direction.locator("option:checked")).to_have_text("sGOS → GOS")
    page.get_by_role("textbox", name="You pay").fill("0.05")
    page.get_by_role("textbox", name="Slippage tolerance (%)").fill("1")
    expect(page.locator(".quote")).to_have_text(re.compile(r"^Quote: [\d,.]+ GOS \(pool fee [\d,.]+ sGOS\)$"))
    screenshot(page, artifacts, "swap-sgos")
    sgos_before = sgos_balance(devnet, address)
    quoted = devnet.get(f"/dex/quote?pair=usgos&denom_in=usgos&amount_in={SWAPPED_USGOS}")["amount_out"]["amount"]
    swap = devnet.get(f"/txs/{act(page, 'Swap')}")["body"]["msgs"][0]
    assert (swap["pair"], swap["denom_in"], swap["amount_in"]) == ("usgos", "usgos", SWAPPED_USGOS)
    assert swap["min_out"] == int(quoted) * 9_900 // 10_000  # nobody else trades on this pool meanwhile
    assert sgos_balance(devnet, address) == sgos_before - SWAPPED_USGOS

    # The ticket, due while the burst still holds the queue, claimed from its row: its GOS arrives, it is gone.
    go(page, "Liquid staking")
    row = page.locator(f'table.tickets tr[data-ticket="{ticket["id"]}"]')
    expect(row.locator('[data-col="left"]')).to_have_text("due", timeout=60_000)
    screenshot(page, artifacts, "liquid-ticket-due")
    gos_before = free_ugos(devnet, address)
    pays = int(devnet.get(f"/liquid/tickets/{address}")["tickets"][0]["payout_now"]["ugos"])  # its cap, by now
    section = page.locator("main .page section").filter(has=page.get_by_role("heading", name="Unstake with a ticket"))
    outcome = section.locator(".outcome").last
    row.get_by_role("button", name="Claim").click()
    expect(outcome).to_have_attribute("data-state", re.compile("ok|error"), timeout=30_000)
    assert outcome.get_attribute("data-state") == "ok", outcome.inner_text()
    claim = devnet.get(f"/txs/{outcome.get_attribute('data-tx')}")
    assert claim["body"]["msgs"][0] == {"type": "liquid_claim_ticket", "ticket": ticket["id"]}
    assert free_ugos(devnet, address) - gos_before == pays - FEE_UGOS
    # Paid by the claim, not by the queue (which pays the burst first: the ticket was due and still open).
    assert devnet.get(f"/liquid/tickets/{address}")["tickets"] == []
    expect(page.locator("table.tickets tbody tr")).to_have_count(0)
