"""`gostaking gov propose-market` and `gov propose-market-halt` against a live devnet listing btc/GOS and eth/GOS:
a listing proposal in human units passes, is ratified and its market trades; a halt stops new orders on its market
until a resume reopens it; mistakes get one-line errors."""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_compliance_harness import (
    ALICE,
    BOB,
    OPERATOR,
    OnDemandDevnet,
    api,
    assert_one_line_errors,
    cli,
    included,
    ok_json,
    open_on_demand_devnet,
)

from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.tx import MsgSendCoins

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))  # the book's markets, as the API tests list them
from api_book_harness import BOOK_MODULES, GOS
from api_compliance_harness import FAUCET

ATOM = 10**6
"""uatom in one atom (6 decimals)."""


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[OnDemandDevnet]:
    with open_on_demand_devnet(tmp_path, modules=BOOK_MODULES) as running:
        running.produce(60)  # the operator's rewards pay alice's and bob's GOS
        running.send(
            OPERATOR, MsgSendCoins(ALICE.address, GOS_DENOM, 400 * GOS), MsgSendCoins(BOB.address, GOS_DENOM, 50 * GOS)
        )
        running.send(FAUCET, MsgSendCoins(ALICE.address, "atom", 10 * ATOM))
        yield running


def pass_proposals(devnet: OnDemandDevnet, *proposal_ids: int) -> None:
    """Vote the proposals through with alice's bonded GOS, end their votes and ratify them as the operator."""
    for proposal_id in proposal_ids:
        included(devnet, f"gov vote {proposal_id} yes --from alice")
    end = max(ok_json(devnet, f"gov show {p}")["voting_end_height"] for p in proposal_ids)
    devnet.produce(end - devnet.node.app.height)
    for proposal_id in proposal_ids:
        included(devnet, f"gov ratify {proposal_id} --from operator")
        assert ok_json(devnet, f"gov show {proposal_id}")["status"] == "executed"


def balance(devnet: OnDemandDevnet, address: str, denom: str) -> int:
    balances: list[dict[str, Any]] = api(devnet, f"/accounts/{address}")["balances"]
    return next((int(b["amount"]) for b in balances if b["denom"] == denom), 0)


def test_a_listing_passes_is_ratified_and_trades_and_a_halt_stops_orders_until_resumed(
    devnet: OnDemandDevnet,
) -> None:
    included(devnet, f"tx stake {OPERATOR.address} 350gos --from alice")  # bonded GOS: a quorum even 200 blocks on
    included(
        devnet,
        "gov propose-market ATOM --tick 0.001gos --lot 0.01atom --maker-fee 0.05% --taker-fee 1500ppm "
        "--min-notional 0.5gos --title 'List ATOM' --from alice",
    )
    included(devnet, "gov propose-market-halt btc --title 'Halt BTC' --from alice")
    assert ok_json(devnet, "gov show 0")["content"] == {
        "type": "market_listing",
        "denom": "atom",
        "tick_ugos": 1_000,
        "lot": 10_000,
        "maker_fee_ppm": 500,
        "taker_fee_ppm": 1_500,
        "min_notional_ugos": GOS // 2,
    }
    assert ok_json(devnet, "gov show 1")["content"] == {"type": "market_halt", "denom": "btc", "halted": True}
    pass_proposals(devnet, 0, 1)

    market = api(devnet, "/book/markets/atom")
    assert (market["tick"]["ugos"], market["lot"]["amount"]) == (1_000, 10_000)
    # The new market trades: a sell and a buy of 2 atom at 1.5 GOS clear in their block's auction.
    included(devnet, "dex order sell 2atom --price 1.5gos --from alice")
    bought_before = balance(devnet, BOB.address, "atom")
    included(devnet, "dex order buy 2atom --price 1.5gos --from bob")
    assert balance(devnet, BOB.address, "atom") == bought_before + 2 * ATOM
    assert api(devnet, "/book/markets/atom")["last_auction"]["price"]["gos"] == "1.5"

    # The halted market takes no order (refused by the node's simulation: nothing sent, no fee).
    assert api(devnet, "/book/markets/btc")["halted"] is True
    code, out = cli(devnet, "dex order buy 0.001btc --price 1000 --from bob")
    assert code == 1 and "halted" in out.splitlines()[-1] and "no fee paid" in out.splitlines()[-1]
    included(devnet, "gov propose-market-halt btc --resume --title 'Resume BTC' --from alice")
    pass_proposals(devnet, 2)
    assert api(devnet, "/book/markets/btc")["halted"] is False
    included(devnet, "dex order buy 0.001btc --price 1000 --from bob")


def test_market_proposal_mistakes_get_one_line_errors(devnet: OnDemandDevnet) -> None:
    lot = "--tick 0.001gos --lot 0.01atom --title t --from alice"
    cases = [
        ("gov propose-market doge --tick 1gos --lot 1atom --title t --from alice", "'doge' is not"),
        ("gov propose-market atom --tick 0.001gos --lot 0.001btc --title t --from alice", "not an amount of atom"),
        ("gov propose-market atom --tick 0.001gos --lot 1gos --title t --from alice", "--lot is an amount of"),
        (f"gov propose-market atom {lot} --maker-fee cheap", "cannot read fee 'cheap'"),
        (f"gov propose-market atom {lot} --taker-fee 0.00001%", "decimal places"),
        ("gov propose-market atom --tick 1btc --lot 0.01atom --title t --from alice", "must be a GOS amount"),
        ("gov propose-market btc --tick 0.001gos --lot 0.001btc --title t --from alice", "listed already"),
        ("gov propose-market atom --tick 0.001gos --lot 0.000001atom --title t --from alice", "multiple of"),
        ("gov propose-market-halt eth --resume --title t --from alice", "open already"),
        ("gov propose-market-halt dcr --title t --from alice", "no dcr/GOS market"),
    ]
    assert_one_line_errors(devnet, cases)
