"""`gostaking dex order|cancel|book|trades|orders|markets` against a live devnet listing btc/GOS and eth/GOS: limit
orders in human units (the signed message in base units), post-only with an expiry, the depth ladder, a market
order whose worst price is the best ask plus the slippage (shown, and sent only after a yes), the auction in
`trades`, open orders, a cancel, and one-line errors for mistakes."""

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
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
from typer.testing import CliRunner

from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.cli.book import MarketPlan, plan_market_order
from gostaking.cli.main import app
from gostaking.indexer import IndexFollower

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))  # the book's markets, as the API tests list them
from api_book_harness import BOOK_MODULES, BTC, BTC_LOT, GOS, notional
from api_compliance_harness import FAUCET

SUMMARY = r"place_order: included in block (\d+), fee [0-9.]+ gos, tx [0-9a-f]{64}; order (\d+)"


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[OnDemandDevnet]:
    with open_on_demand_devnet(tmp_path, modules=BOOK_MODULES) as running:
        running.produce(30)
        running.send(
            OPERATOR, MsgSendCoins(ALICE.address, GOS_DENOM, 100 * GOS), MsgSendCoins(BOB.address, GOS_DENOM, 50 * GOS)
        )
        running.send(FAUCET, MsgSendCoins(ALICE.address, "btc", BTC))
        yield running


def signed_msg(devnet: OnDemandDevnet, tx_hash: str) -> dict[str, Any]:
    msg: dict[str, Any] = api(devnet, f"/txs/{tx_hash}")["body"]["msgs"][0]
    return msg


@dataclass(frozen=True)
class Placed:
    """What an order command printed and did."""

    output: str
    block: int
    order_id: int
    msg: dict[str, Any]
    """The signed message, as the API decodes it."""


def placed(devnet: OnDemandDevnet, command: str) -> Placed:
    """Run an order command, which must end with its one-line summary naming the order's id."""
    code, out = cli(devnet, command)
    assert code == 0, out
    found = re.fullmatch(SUMMARY, out.splitlines()[-1])
    assert found is not None, out
    tx_hash = re.findall(r"tx ([0-9a-f]{64})", out)[0]
    return Placed(out, int(found.group(1)), int(found.group(2)), signed_msg(devnet, tx_hash))


def btc_balance(devnet: OnDemandDevnet, address: str) -> int:
    balances = api(devnet, f"/accounts/{address}")["balances"]
    return next((int(b["amount"]) for b in balances if b["denom"] == "btc"), 0)


def sync_index(devnet: OnDemandDevnet) -> None:
    """Index the committed blocks now (the on-demand devnet does not run its index follower's thread)."""
    [follower] = [service for service in devnet.node.services if isinstance(service, IndexFollower)]
    follower.indexer.sync()


def test_orders_book_market_order_trades_and_cancel(devnet: OnDemandDevnet) -> None:
    code, out = cli(devnet, "dex markets")
    rows = [line.split() for line in out.splitlines()]
    assert code == 0 and rows[0][:3] == ["market", "tick", "(gos)"]
    assert [row[0] for row in rows[1:]] == ["btc", "eth"] and rows[1][1:5] == ["1", "0.001", "0.1%/0.2%", "-"]
    assert ok_json(devnet, "dex markets --json") == api(devnet, "/book/markets")

    ask = placed(devnet, "dex order SELL 0.01btc --price 1000gos --from alice")
    assert ask.output.splitlines()[0] == "sell 0.01btc at 1000 gos per btc (gtc): worth 10 gos at the limit"
    assert ask.msg == {
        "type": "place_order",
        "market": "btc",
        "side": "sell",
        "price": 1_000 * GOS,
        "quantity": 10 * BTC_LOT,
        "time_in_force": "gtc",
        "expiry_height": 0,
    }
    post = placed(devnet, "dex order sell 500000sat --price 1011 --post-only --expires-in 100 --from alice")
    assert (post.msg["price"], post.msg["quantity"], post.msg["time_in_force"]) == (
        1_011 * GOS,
        5 * BTC_LOT,
        "post_only",
    )
    assert post.block < post.msg["expiry_height"] <= post.block + 100
    second = placed(devnet, "dex order sell 0.01btc --price 1000 --from alice")

    code, out = cli(devnet, "dex book btc")
    lines = out.splitlines()
    assert code == 0 and lines[0] == f"btc/GOS at block {devnet.node.app.height}: no auction yet"
    ladder = [line.split() for line in lines[2:]]
    assert ladder == [
        ["ask", "1011", "0.005", "1", "0.025"],
        ["ask", "1000", "0.02", "2", "0.02"],
        ["no", "spread:", "one", "side", "is", "empty"],
    ]
    assert ok_json(devnet, "dex book btc --json --levels 1") == api(devnet, "/book/markets/btc/depth", levels=1)

    # A market buy: the worst price is the best ask + 1%, on the tick; it fills at 1000 in its block's auction.
    code, out = cli(devnet, "dex order buy 0.003btc --market --slippage 1% --yes --from bob")
    assert code == 0, out
    assert out.splitlines()[0] == (
        "market buy 0.003btc: about 0.003 btc fills at 1000 gos per btc (best ask 1000 gos, worst accepted "
        "1010 gos; about 3 gos before the fee; what does not fill is refunded)"
    )
    tx_hash = re.findall(r"tx ([0-9a-f]{64})", out)[0]
    assert signed_msg(devnet, tx_hash) == {
        "type": "place_order",
        "market": "btc",
        "side": "buy",
        "price": 1_010 * GOS,
        "quantity": 3 * BTC_LOT,
        "time_in_force": "ioc",
        "expiry_height": 0,
    }
    auction = api(devnet, "/book/markets/btc")["last_auction"]
    assert (auction["price"]["ugos"], auction["volume"]["amount"]) == (1_000 * GOS, 3 * BTC_LOT)
    sync_index(devnet)
    code, out = cli(devnet, "dex trades btc")
    [header, row] = [line.split() for line in out.splitlines()]
    assert code == 0 and header[:4] == ["block", "time", "price", "(gos)"]
    assert notional(3 * BTC_LOT, 1_000 * GOS) == 3 * GOS
    assert row[0] == str(auction["height"]) and row[2:] == ["1000", "0.003", "3", "2"]

    code, out = cli(devnet, "dex orders alice")
    rows = [line.split() for line in out.splitlines()[1:]]
    assert [row[:5] for row in rows] == [
        [str(ask.order_id), "sell", "btc", "1000", "0.007/0.01"],
        [str(post.order_id), "sell", "btc", "1011", "0.005/0.005"],
        [str(second.order_id), "sell", "btc", "1000", "0.01/0.01"],
    ]
    assert ok_json(devnet, "dex orders alice --json") == api(devnet, f"/accounts/{ALICE.address}/orders")
    before = btc_balance(devnet, ALICE.address)
    cancelled = included(devnet, f"dex cancel {ask.order_id} --from alice")
    assert signed_msg(devnet, cancelled["tx_hash"]) == {"type": "cancel_order", "order_id": ask.order_id}
    assert btc_balance(devnet, ALICE.address) - before == 7 * BTC_LOT  # exactly the remainder returns

    # A market order is sent only after a yes.
    env = {"GOSTAKING_HOME": str(devnet.home), "GOSTAKING_API": devnet.url, "GOSTAKING_PASSPHRASE": ""}
    refused = CliRunner().invoke(
        app, ["dex", "order", "buy", "0.001btc", "--market", "--from", "bob"], input="n\n", env=env
    )
    assert (
        refused.exit_code == 1 and "order not sent" in refused.output and "Place this market order?" in refused.output
    )


def test_order_mistakes_get_one_line_errors(devnet: OnDemandDevnet) -> None:
    ask = placed(devnet, "dex order sell 0.001btc --price 1000 --from alice").order_id
    assert_one_line_errors(
        devnet,
        [
            ("dex order hold 0.001btc --price 1000 --from bob", "side must be buy or sell"),
            ("dex order buy 0.001btc --from bob", "give --price P for a limit order or --market"),
            ("dex order buy 0.001btc --price 1000 --market --from bob", "give --price P for a limit order or --market"),
            ("dex order buy 0.001btc --market --post-only --from bob", "cannot go with --market"),
            ("dex order buy 0.001btc --price 1000 --ioc --post-only --from bob", "exclude each other"),
            ("dex order buy 0.001btc --price 1000 --slippage 1% --from bob", "--slippage goes with --market"),
            ("dex order buy 10gos --price 1000 --from bob", "is GOS"),
            ("dex order buy 0.0015btc --price 1000 --from bob", "not a multiple of the btc market's lot (0.001 btc)"),
            ("dex order buy 1atom --price 1000 --from bob", "no 'atom'/GOS market is listed"),
            ("dex order sell 0.001btc --market --yes --from alice", "no bids rest on the book"),
            (
                "dex order buy 0.001btc --price 0.5gos --from bob",
                "not a multiple of the btc market's tick (1 gos per btc)",
            ),
            ("dex order buy 0.001btc --price 1 --from bob", "OrderShapeError"),
            ("dex order buy 1btc --price 1000 --from bob", "InsufficientFundsError"),
            (f"dex cancel {ask} --from bob", "NotOrderOwnerError"),
            ("dex cancel x --from bob", "order id must be a non-negative integer"),
            ("dex book doge", "'doge' is not"),
            ("dex orders nobody", "nobody"),
        ],
    )


def test_a_market_orders_limit_stays_within_the_slippage_on_the_tick() -> None:
    asks = [(1_000 * GOS, 2 * BTC_LOT), (1_005 * GOS, 3 * BTC_LOT), (1_020 * GOS, 9 * BTC_LOT)]
    plan = plan_market_order("buy", 4 * BTC_LOT, asks, 7_000, 5 * GOS)  # best + 0.7% = 1007, down to the tick: 1005
    assert plan == MarketPlan(1_000 * GOS, 1_005 * GOS, 4 * BTC_LOT, 1_005 * GOS)
    short = plan_market_order("buy", 9 * BTC_LOT, asks, 7_000, 5 * GOS)  # 1020 is beyond the limit: 5 lots fill
    assert short is not None and (short.quantity, short.clearing_price) == (5 * BTC_LOT, 1_005 * GOS)
    bids = [(1_000 * GOS, 2 * BTC_LOT), (996 * GOS, 4 * BTC_LOT), (980 * GOS, 9 * BTC_LOT)]
    sell = plan_market_order("sell", 7 * BTC_LOT, bids, 10_000, 4 * GOS)  # best − 1% = 990, up to the tick: 992
    assert sell == MarketPlan(1_000 * GOS, 992 * GOS, 6 * BTC_LOT, 996 * GOS)
    assert plan_market_order("sell", BTC_LOT, [], 10_000, GOS) is None
