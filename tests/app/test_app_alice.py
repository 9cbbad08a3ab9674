"""The whitepaper's Alice on a devnet, seen in the app: she locks 1 BTC, 20 ETH and 100 DCR, votes 500 GOS and
stakes 500 GOS while Bob locks 796 BTC; the portfolio shows 4,000 H/s, 0.5% of the network's 800,000 H/s, and
1,224 GOS a day (288,000 GOS a day × 0.5% × 85%), as GET /accounts/{address}/estimate computes them in the chain's
mining query. Her positions are worth 18,000 GOS (devnet prices are the whitepaper's), so the APR is
1,224 × 365 / 18,000 = 2,482% (the example's network is small and its emission young)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from app_harness import NewPage, devnet_in
from app_pages import go, grouped, restore, screenshot, shown
from explorer_harness import FEE, GOS, DevnetProcess, wait_until
from playwright.sync_api import expect

from gostaking.chain.types.gov import TextProposal
from gostaking.chain.types.tx import MsgLockAsset, MsgSendCoins, MsgStakeNode, MsgSubmitProposal, MsgVoteNode
from gostaking.wallet.hd import generate_mnemonic, gos_key, seed_from_mnemonic
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey

BTC, ETH, DCR = 10**8, 10**18, 10**8


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnetProcess]:
    """This module's own devnet (the other tests' hash power would change the shares; the pages open on it), with
    fast blocks: the operator must mine Alice's 1,000 GOS first."""
    yield from devnet_in(tmp_path_factory, "alice", 0.1)


def gos_of(devnet: DevnetProcess, address: str) -> int:
    return int(devnet.get(f"/accounts/{address}")["gos"]["ugos"])


MOVES = (("Vote", "vote"), ("Stake", "stake"))


def estimate_text(devnet: DevnetProcess, address: str, label: str, query: str) -> str:
    """The app's line for a prospective move, from the API's own answer."""
    answer = devnet.get(f"/accounts/{address}/estimate?{query}")
    alone, whole = answer["additions_alone"], answer["with_additions"]
    per_day, apr, total = (
        grouped(alone["gos_per_day"]["gos"]),
        grouped(alone["apr"]),
        grouped(whole["gos_per_day"]["gos"]),
    )
    return f"{label}: +{per_day} GOS a day (APR {apr}), {total} GOS a day in all"


def test_alice_sees_the_whitepaper_numbers(devnet: DevnetProcess, new_page: NewPage, artifacts: Path) -> None:
    keyring = Keyring(devnet.home / "keys")
    operator, faucet = keyring.load("operator", None), keyring.load("faucet", None)
    mnemonic = generate_mnemonic(12)
    alice, bob = gos_key(seed_from_mnemonic(mnemonic)), PrivateKey.generate()
    # No premine: the operator earns 10 GOS a block; Alice needs 1,000 and two fees (setup, her proposal vote).
    wait_until(lambda: gos_of(devnet, operator.address) >= 1_001 * GOS, "the operator to mine 1,000 GOS", 90)
    for tx_hash in (
        devnet.submit(
            operator, MsgSendCoins(alice.address, "ugos", 1_000 * GOS + 2 * FEE), MsgSendCoins(bob.address, "ugos", FEE)
        ),
        devnet.submit(
            faucet,
            MsgSendCoins(bob.address, "btc", 796 * BTC),
            MsgSendCoins(alice.address, "btc", 1 * BTC),
            MsgSendCoins(alice.address, "eth", 20 * ETH),
            MsgSendCoins(alice.address, "dcr", 100 * DCR),
        ),
    ):
        assert devnet.wait_for_tx(tx_hash)["code"] == 0
    node = operator.address
    for tx_hash in (
        devnet.submit(bob, MsgLockAsset("btc", 796 * BTC)),
        devnet.submit(
            alice,
            MsgLockAsset("btc", 1 * BTC),
            MsgLockAsset("eth", 20 * ETH),
            MsgLockAsset("dcr", 100 * DCR),
            MsgVoteNode(node, 500 * GOS),
            MsgStakeNode(node, 500 * GOS),
        ),
    ):
        result = devnet.wait_for_tx(tx_hash)
        assert result["code"] == 0, result["log"]

    estimate = devnet.get(f"/accounts/{alice.address}/estimate")
    assert estimate["hash_power"]["hs"] == "4000" and estimate["network_hash_power"]["hs"] == "800000"
    assert estimate["share_of_network"] == "0.5%"
    assert estimate["gos_per_day"]["gos"] == "1224"
    assert estimate["position_value"]["gos"] == "18000"
    assert estimate["apr"] == "2482%" and estimate["apr_ppm"] == 24_820_000

    page = new_page()
    assert restore(page, mnemonic) == alice.address
    assert shown(page, "hash-power") == "4,000 H/s"
    assert shown(page, "share") == "0.5%"
    assert shown(page, "per-day") == "1,224 GOS"
    assert shown(page, "apr") == "2,482%"
    assert shown(page, "value") == "18,000 GOS"
    assert shown(page, "voted") == "500 GOS" and shown(page, "staked") == "500 GOS"
    assert page.locator("tr[data-denom=eth] [data-col=locked]").inner_text() == "20"
    assert page.locator("tr[data-denom=btc] [data-col=hash-power]").inner_text() == "1,000 H/s"
    screenshot(page, artifacts, "portfolio-alice")

    # Typing an amount on the vote & stake and lock forms shows what it would earn: the chain's estimate as is.
    go(page, "Vote & stake")
    page.locator("main .page").get_by_label("Amount", exact=True).fill("500")
    expect(page.locator("main [data-estimate]")).to_have_text(
        " · ".join(estimate_text(devnet, alice.address, label, f"{query}={500 * GOS}") for label, query in MOVES)
    )
    go(page, "Lock")
    page.locator("main .page").get_by_label("Asset", exact=True).select_option("btc")
    page.locator("main .page").get_by_label("Amount", exact=True).fill("0.5")
    expect(page.locator("main [data-estimate]")).to_have_text(
        estimate_text(devnet, alice.address, "Lock", f"lock=btc:{BTC // 2}")
    )
    screenshot(page, artifacts, "lock-estimate")

    # Governance: the operator mines a proposal's deposit and opens one; Alice votes yes with her bonded GOS.
    wait_until(lambda: gos_of(devnet, operator.address) >= 1_001 * GOS, "the operator to mine a deposit", 90)
    proposal = MsgSubmitProposal("A wallet in every browser", "Signal", TextProposal(), 1_000 * GOS)
    assert devnet.wait_for_tx(devnet.submit(operator, proposal))["code"] == 0
    proposal_id = devnet.get("/governance/proposals")["proposals"][0]["id"]
    go(page, "Governance")
    card = page.locator(f"[data-proposal='{proposal_id}']")
    expect(card.get_by_role("heading")).to_have_text(f"Proposal #{proposal_id}: A wallet in every browser")
    card.get_by_role("group", name=f"Proposal #{proposal_id}: A wallet in every browser").get_by_role(
        "button", name="Yes"
    ).click()
    expect(page.locator("main .outcome")).to_contain_text("Done: included in block", timeout=30_000)
    votes = devnet.get(f"/governance/proposals/{proposal_id}/votes")["votes"]
    assert [(v["voter"], v["option"]) for v in votes] == [(alice.address, "yes")]
    screenshot(page, artifacts, "governance-vote")
