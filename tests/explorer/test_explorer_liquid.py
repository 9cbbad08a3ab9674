"""The liquid-staking page in Debian's chromium (Playwright) against a real devnet: Alice stakes through the module,
opens the instant pool and requests a ticket with signed transactions; the page shows the rate, the pool's depth and
fee, the totals, the module's stake per node and Alice's ticket as the API gives them, and her account page lists
her sGOS like any denom."""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from explorer_harness import GOS, DevnetProcess, devnet_in
from playwright.sync_api import Page, expect

from gostaking.chain.types.liquid import (
    SGOS_DENOM,
    MsgLiquidAddLiquidity,
    MsgLiquidStake,
    MsgLiquidUnstake,
)
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey


@dataclass
class LiquidSeed:
    alice: PrivateKey
    operator: str
    ticket_id: int


def group(text: str) -> str:
    """Thousands separators as the explorer prints them."""
    whole, _, frac = text.partition(".")
    return f"{int(whole):,}" + (f".{frac}" if frac else "")


def submit_and_wait(devnet: DevnetProcess, key: PrivateKey, msg: Any) -> dict[str, Any]:
    # `msg` is a liquid message: the harness's submit is annotated with the launch messages, any TxMsg signs alike.
    found = devnet.wait_for_tx(devnet.submit(key, msg))
    assert found["code"] == 0, found
    return found


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnetProcess]:
    """This module's own devnet, not the folder's shared one: its liquid stake stays off the chain the other modules
    read."""
    yield from devnet_in(tmp_path_factory, "explorer-liquid")


@pytest.fixture(scope="module")
def liquid(devnet: DevnetProcess) -> LiquidSeed:
    """Alice (funded by the faucet) stakes 40 GOS for sGOS, deposits 20 GOS in the instant pool and requests a
    ticket for 1 sGOS."""
    alice = PrivateKey.generate()
    for tx_hash in devnet.faucet(alice.address):
        devnet.wait_for_tx(tx_hash)
    submit_and_wait(devnet, alice, MsgLiquidStake(40 * GOS))
    submit_and_wait(devnet, alice, MsgLiquidAddLiquidity(20 * GOS))
    submit_and_wait(devnet, alice, MsgLiquidUnstake(GOS))
    [ticket] = devnet.get(f"/liquid/tickets/{alice.address}")["tickets"]
    operator = Keyring(devnet.home / "keys").load("operator", None).address
    return LiquidSeed(alice, operator, int(ticket["id"]))


def read_cards(page: Page) -> dict[str, Any]:
    """The page's cards and its height, read in one go (it re-renders on every block)."""
    shown: dict[str, Any] = page.evaluate(
        """() => {
          const root = document.querySelector('.liquid');
          const value = (n) => root.querySelector(`[data-stat=${n}] .card-value`).textContent.trim();
          return {height: Number(root.dataset.height), rate: value('rate'), supply: value('supply'),
                  depth: value('pool-depth'), fee: value('fee'), tickets: value('tickets'),
                  controlled: root.querySelector('[data-field=controlled]').textContent.trim()};
        }"""
    )
    return shown


def test_the_liquid_page_shows_what_the_api_gives(page: Page, devnet: DevnetProcess, liquid: LiquidSeed) -> None:
    rate_before = Decimal(devnet.get("/liquid/rate")["gos_per_sgos"])
    page.goto("/#/liquid")
    expect(page.locator(".liquid[data-height]")).to_be_attached()
    expect(page.locator("nav.main-nav a[data-nav=liquid]")).to_have_attribute("aria-current", "page")
    shown = read_cards(page)
    rate_after = devnet.get("/liquid/rate")
    pool, holdings = devnet.get("/liquid/pool"), devnet.get("/liquid/holdings")
    # The rate rises every block (pending rewards count): the page's lies between the API's before and after.
    assert shown["rate"].endswith(" GOS")
    assert rate_before <= Decimal(shown["rate"].removesuffix(" GOS")) <= Decimal(rate_after["gos_per_sgos"])
    # Nothing else moves without a transaction.
    assert shown["supply"] == f"{group(rate_after['sgos_supply']['display'])} sGOS"
    assert shown["depth"] == f"{group(pool['gos']['gos'])} GOS" == "20 GOS"
    assert shown["fee"] == pool["fee_now"]
    assert shown["tickets"] == str(holdings["open_tickets"]) == "1"
    assert shown["controlled"].endswith(" GOS")
    expect(page.get_by_role("heading", name="Rate history")).to_be_visible()
    expect(page.locator("svg[aria-label*='GOS per sGOS']")).to_be_attached()
    # One genesis node, so the per-node cap (25%) keeps most of the GOS unstaked: the table shows its stake.
    stake_row = page.locator("tr", has=page.locator(f"a[href='#/node/{liquid.operator}']"))
    expect(stake_row).to_contain_text("yes")
    [node_stake] = holdings["node_stakes"]
    expect(stake_row).to_contain_text(f"{group(node_stake['target']['gos'])} GOS")


def test_an_address_s_tickets_and_its_sgos_balance(page: Page, devnet: DevnetProcess, liquid: LiquidSeed) -> None:
    page.goto("/#/liquid")
    page.get_by_label("Address whose tickets to show").fill(liquid.alice.address)
    page.get_by_role("button", name="Show tickets").click()
    expect(page).to_have_url(f"{devnet.url}/#/liquid?address={liquid.alice.address}")
    [ticket] = devnet.get(f"/liquid/tickets/{liquid.alice.address}")["tickets"]
    row = page.locator("[data-section=tickets] tbody tr")
    expect(row).to_have_count(1)
    cells = row.locator("td")
    expect(cells.nth(0)).to_have_text(str(liquid.ticket_id))
    expect(cells.nth(1)).to_have_text("1 sGOS")
    expect(cells.nth(4)).to_have_text(group(str(ticket["due_height"])))
    expect(cells.nth(5)).to_have_text(ticket["time_left"])
    # A mistyped address: the page says so (the API's 400 for a bad checksum, its own check for the rest).
    page.goto("/#/liquid?address=gos1nothere")
    expect(page.locator("[data-section=tickets] [role=alert]")).to_contain_text("is not a valid gos1… address")
    page.goto("/#/liquid?address=alice")
    expect(page.locator("[data-section=tickets] [role=alert]")).to_contain_text("alice is not a gos1… address")

    page.goto(f"/#/account/{liquid.alice.address}")
    balances = devnet.get(f"/accounts/{liquid.alice.address}")["balances"]
    sgos = next(b for b in balances if b["denom"] == SGOS_DENOM)
    expect(page.locator(f"[data-denom={SGOS_DENOM}]")).to_have_text(f"{group(sgos['display'])} sgos")
