"""GET /book/* and an account's orders and fills, through real signed orders on a compliance devnet that lists
btc/GOS and eth/GOS at genesis. Expected values come from the orders the test placed and the documented formulas
(notional = quantity × price / 10^decimals, a buy's escrow adds the taker fee rounded up, fees round down, the
auction's one price for every fill); the index's trades, fills and candles are checked against the chain's last
auction and against each other (a candle is the OHLCV of the trades in its period). Then the refusals (400/404)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_book_harness import (
    BOOK_MODULES,
    BTC,
    BTC_LOT,
    GOS,
    MAKER_FEE_PPM,
    TAKER_FEE_PPM,
    buy_escrow,
    notional,
)
from api_compliance_harness import ALICE, BOB, fund_actors, get, open_compliance_devnet, run
from api_harness import Devnet

from gostaking.chain.numeric import PPM
from gostaking.chain.types.book import MsgCancelOrder, MsgPlaceOrder, MsgRoutedSwap
from gostaking.chain.types.tx import MsgAddLiquidity, TxMsg
from gostaking.wallet.keys import PrivateKey

PERIODS_MS = {"1m": 60_000, "1h": 3_600_000, "1d": 86_400_000}


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Devnet]:
    with open_compliance_devnet(tmp_path, modules=BOOK_MODULES) as devnet:
        fund_actors(devnet)
        yield devnet


def book_tx(chain: Devnet, key: PrivateKey, msg: TxMsg) -> dict[str, Any]:
    """One book message in its own block; its GET /txs document, which must show success. (The harness's helpers
    are annotated with the launch messages; any registered TxMsg signs and encodes the same way.)"""
    launch_typed: Any = msg
    result = run(chain, key, launch_typed)
    assert result["code"] == 0, result["log"]
    return result


def place(chain: Devnet, key: PrivateKey, side: str, quantity: int, price_gos: int, **options: Any) -> int:
    """Place an order on btc/GOS; returns its id (from its `order_placed` event)."""
    result = book_tx(chain, key, MsgPlaceOrder("btc", side, price_gos * GOS, quantity, **options))
    [placed] = [e["attributes"] for e in result["events"] if e["kind"] == "order_placed"]
    return int(placed["order_id"])


def sync_index(chain: Devnet) -> None:
    chain.client.app.state.explorer_index.indexer.sync()


def test_markets_depth_and_open_orders(chain: Devnet) -> None:
    markets = get(chain, "/book/markets")["markets"]
    assert [m["denom"] for m in markets] == ["btc", "eth"]
    btc = get(chain, "/book/markets/btc")
    assert btc == markets[0]
    assert btc["tick"] == {"ugos": GOS, "gos": "1"} and btc["decimals"] == 8
    assert btc["lot"] == {"denom": "btc", "amount": BTC_LOT, "display": "0.001", "display_denom": "btc"}
    assert (btc["maker_fee"], btc["taker_fee"]) == ("0.1%", "0.2%") and btc["halted"] is False
    assert btc["best_bid"] is None and btc["best_ask"] is None and btc["last_auction"] is None

    asks = [place(chain, ALICE, "sell", 10 * BTC_LOT, 1_010), place(chain, ALICE, "sell", 5 * BTC_LOT, 1_000)]
    asks.append(place(chain, ALICE, "sell", 3 * BTC_LOT, 1_000, expiry_height=chain.node.app.height + 50))
    bid = place(chain, BOB, "buy", 2 * BTC_LOT, 990)
    depth = get(chain, "/book/markets/btc/depth")
    assert depth["levels"] == 20 and depth["last_auction"] is None
    shown = [
        (lv["price"]["gos"], lv["quantity"]["display"], lv["orders"], lv["cumulative"]["display"])
        for lv in depth["asks"]
    ]
    assert shown == [("1000", "0.008", 2, "0.008"), ("1010", "0.01", 1, "0.018")]
    assert [(lv["price"]["ugos"], lv["quantity"]["amount"]) for lv in depth["bids"]] == [(990 * GOS, 2 * BTC_LOT)]
    assert len(get(chain, "/book/markets/btc/depth", levels=1)["asks"]) == 1
    market = get(chain, "/book/markets/btc")
    assert (market["best_bid"]["gos"], market["best_ask"]["gos"]) == ("990", "1000")

    order = get(chain, f"/book/orders/{bid}")
    assert (order["owner"], order["market"], order["side"], order["time_in_force"]) == (
        BOB.address,
        "btc",
        "buy",
        "gtc",
    )
    assert order["price"] == {"ugos": 990 * GOS, "gos": "990"} and order["filled"]["amount"] == 0
    assert (
        order["remaining"]
        == order["quantity"]
        == {
            "denom": "btc",
            "amount": 2 * BTC_LOT,
            "display": "0.002",
            "display_denom": "btc",
        }
    )
    assert order["escrow"]["denom"] == "ugos" and order["escrow"]["amount"] == buy_escrow(2 * BTC_LOT, 990 * GOS)
    sell = get(chain, f"/book/orders/{asks[0]}")
    assert sell["escrow"] == {"denom": "btc", "amount": 10 * BTC_LOT, "display": "0.01", "display_denom": "btc"}

    page = get(chain, f"/accounts/{ALICE.address}/orders", limit=2)
    assert [o["id"] for o in page["orders"]] == sorted(asks)[:2] and page["next_after"] == sorted(asks)[1]
    rest = get(chain, f"/accounts/{ALICE.address}/orders", limit=2, after=page["next_after"])
    assert [o["id"] for o in rest["orders"]] == sorted(asks)[2:] and rest["next_after"] is None
    assert rest["orders"][0]["expiry_height"] > 0

    book_tx(chain, ALICE, MsgCancelOrder(asks[0]))
    get(chain, f"/book/orders/{asks[0]}", expect=404)
    assert [lv["price"]["gos"] for lv in get(chain, "/book/markets/btc/depth")["asks"]] == ["1000"]
    params = get(chain, "/book/params")
    assert params["trade_min_kyc_level"] == 0 and params["default_taker_fee"].endswith("%")


def test_trades_fills_and_candles_from_the_index(chain: Devnet) -> None:
    first_ask = place(chain, ALICE, "sell", 10 * BTC_LOT, 1_000)
    place(chain, ALICE, "sell", 10 * BTC_LOT, 1_010)
    crossing = place(chain, BOB, "buy", 3 * BTC_LOT, 1_005)
    auction = get(chain, "/book/markets/btc")["last_auction"]
    assert auction["volume"]["amount"] == 3 * BTC_LOT and auction["price"]["ugos"] in (1_000 * GOS, 1_005 * GOS)
    first_price = auction["price"]["ugos"]
    assert auction["notional"]["ugos"] == notional(3 * BTC_LOT, first_price)
    second = place(chain, BOB, "buy", BTC_LOT, 1_010)
    sync_index(chain)

    trades = get(chain, "/book/markets/btc/trades")
    assert trades["total"] == 2 and trades["next_before"] is None
    newest, oldest = trades["items"]
    assert newest["height"] == get(chain, "/book/markets/btc")["last_auction"]["height"] > oldest["height"]
    assert (oldest["price"]["ugos"], oldest["volume"]["amount"], oldest["fills"]) == (first_price, 3 * BTC_LOT, 2)
    assert newest["volume"] == {"denom": "btc", "amount": BTC_LOT, "display": "0.001", "display_denom": "btc"}
    for trade in trades["items"]:
        assert trade["notional"]["ugos"] == notional(trade["volume"]["amount"], trade["price"]["ugos"])
    paged = get(chain, "/book/markets/btc/trades", limit=1)
    assert paged["items"] == [newest] and paged["next_before"] == newest["id"]
    assert get(chain, "/book/markets/btc/trades", limit=1, before=newest["id"])["items"] == [oldest]
    assert get(chain, "/book/markets/eth/trades")["items"] == []

    # Bob's fills: takers (placed in the block of their auction), at the auction's one price, fee 0.2% down.
    fills = get(chain, f"/accounts/{BOB.address}/fills")
    assert fills["total"] == 2
    latest, earliest = fills["items"]
    assert (earliest["order_id"], latest["order_id"]) == (crossing, second)
    for fill, trade, limit in ((earliest, oldest, 1_005), (latest, newest, 1_010)):
        assert fill["price"] == trade["price"] and fill["price"]["ugos"] <= limit * GOS
        assert fill["limit_price"]["ugos"] == limit * GOS and fill["maker"] is False and fill["side"] == "buy"
        value = notional(fill["quantity"]["amount"], fill["price"]["ugos"])
        assert fill["notional"]["ugos"] == value and fill["fee"]["ugos"] == value * TAKER_FEE_PPM // PPM
        assert fill["remaining"]["amount"] == 0 and fill["time_in_force"] == "gtc"
        assert get(chain, f"/txs/{fill['tx_hash']}")["body"]["msgs"][0]["type"] == "place_order"
    # Alice's first ask rested: a maker at the same price, with what is left of it.
    alice_fills = get(chain, f"/accounts/{ALICE.address}/fills")["items"]
    maker = next(f for f in alice_fills if f["height"] == earliest["height"])
    assert (maker["order_id"], maker["maker"], maker["side"]) == (first_ask, True, "sell")
    assert maker["fee"]["ugos"] == maker["notional"]["ugos"] * MAKER_FEE_PPM // PPM
    assert maker["remaining"]["amount"] == 7 * BTC_LOT
    assert get(chain, f"/accounts/{BOB.address}/fills", limit=1, before=latest["id"])["items"] == [earliest]
    history = get(chain, f"/explorer/accounts/{BOB.address}/history", kind="order_filled")
    assert history["total"] == 2 and history["items"][0]["denom"] == "btc"

    # Candles: per period of block time, the OHLCV of the trades in it.
    for interval, period_ms in PERIODS_MS.items():
        candles = get(chain, "/book/markets/btc/candles", interval=interval)
        assert candles["interval_ms"] == period_ms and candles["next_before"] is None
        expected: dict[int, list[dict[str, Any]]] = {}
        for trade in reversed(trades["items"]):
            expected.setdefault(trade["time_ms"] - trade["time_ms"] % period_ms, []).append(trade)
        assert [c["start_ms"] for c in candles["candles"]] == sorted(expected)
        for candle in candles["candles"]:
            group = expected[candle["start_ms"]]
            prices = [t["price"]["ugos"] for t in group]
            assert candle["open"]["ugos"] == prices[0] and candle["close"]["ugos"] == prices[-1]
            assert (candle["high"]["ugos"], candle["low"]["ugos"]) == (max(prices), min(prices))
            assert candle["volume"]["amount"] == sum(t["volume"]["amount"] for t in group)
            assert candle["notional"]["ugos"] == sum(t["notional"]["ugos"] for t in group)
            assert (candle["trades"], candle["first_height"], candle["last_height"]) == (
                len(group),
                group[0]["height"],
                group[-1]["height"],
            )
    last = get(chain, "/book/markets/btc/candles", interval="1m", limit=1)
    assert len(last["candles"]) == 1 and last["candles"][0]["last_height"] == newest["height"]


def kinds(result: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in result["events"]]


def test_the_route_quote_names_the_route_a_routed_swap_then_takes(chain: Devnet) -> None:
    place(chain, ALICE, "sell", 10 * BTC_LOT, 1_000)
    five_lots = notional(5 * BTC_LOT, 1_000 * GOS) * (PPM + TAKER_FEE_PPM) // PPM  # their value and the taker fee
    quote = get(chain, "/book/route", pair="btc", denom_in="ugos", amount_in=five_lots)
    assert (quote["route"], quote["pool"]) == ("book", None)  # no pool yet: the open orders give more
    assert quote["amount_in"] == {"denom": "ugos", "amount": five_lots, "display": "5.01", "display_denom": "gos"}
    assert quote["book"]["amount_out"]["amount"] == 5 * BTC_LOT and quote["book"]["quantity"]["display"] == "0.005"
    assert quote["book"]["worst_price"] == {"ugos": 1_000 * GOS, "gos": "1000"}
    assert quote["book"]["fee"]["ugos"] == notional(5 * BTC_LOT, 1_000 * GOS) * TAKER_FEE_PPM // PPM
    assert quote["order"] == {
        "side": "buy",
        "price": {"ugos": 1_000 * GOS, "gos": "1000"},
        "quantity": {"denom": "btc", "amount": 5 * BTC_LOT, "display": "0.005", "display_denom": "btc"},
    }
    # a min_out above the book's quote leaves the pool as the route (which then fails on its empty pool)
    assert (
        get(chain, "/book/route", pair="btc", denom_in="ugos", amount_in=five_lots, min_out=6 * BTC_LOT)["route"]
        == "pool"
    )
    routed = book_tx(chain, BOB, MsgRoutedSwap("btc", "ugos", five_lots, 5 * BTC_LOT))
    assert "order_placed" in kinds(routed) and "swap" not in kinds(routed)  # on the book, as quoted
    assert get(chain, "/book/markets/btc")["last_auction"]["volume"]["amount"] == 5 * BTC_LOT

    # A pool far below the book's price now gives more: the quote and the swap go to the pool.
    book_tx(chain, ALICE, MsgAddLiquidity("btc", BTC // 10, 20 * GOS))
    two_lots = notional(2 * BTC_LOT, 1_000 * GOS) * (PPM + TAKER_FEE_PPM) // PPM
    quote = get(chain, "/book/route", pair="btc", denom_in="ugos", amount_in=two_lots)
    pool_out = get(chain, "/dex/quote", pair="btc", denom_in="ugos", amount_in=two_lots)["amount_out"]
    assert quote["route"] == "pool" and quote["order"] is None and quote["pool"]["amount_out"] == pool_out
    assert pool_out["amount"] > quote["book"]["amount_out"]["amount"] == 2 * BTC_LOT
    routed = book_tx(chain, BOB, MsgRoutedSwap("btc", "ugos", two_lots, 0))
    assert "swap" in kinds(routed) and "order_placed" not in kinds(routed)


def test_bad_requests_answer_400_and_unknown_things_404(chain: Devnet) -> None:
    for path in ("/book/markets/doge", "/book/markets/doge/depth", "/book/markets/doge/trades"):
        assert get(chain, path, expect=404)["error"] == "NotFound"
    get(chain, "/book/markets/doge/candles", expect=404)
    get(chain, "/book/orders/12345", expect=404)
    for path, params in (
        ("/book/markets/btc/depth", {"levels": 0}),
        ("/book/markets/btc/depth", {"levels": 101}),
        ("/book/markets/btc/candles", {"interval": "5m"}),
        ("/book/markets/btc/candles", {"limit": 501}),
        ("/book/markets/btc/trades", {"before": 0}),
        ("/book/orders/-1", {}),
        ("/accounts/gos1nope/orders", {}),
        ("/accounts/gos1nope/fills", {}),
        (f"/accounts/{ALICE.address}/orders", {"after": -1}),
        ("/book/route", {"pair": "doge", "denom_in": "ugos", "amount_in": 1}),
        ("/book/route", {"pair": "btc", "denom_in": "eth", "amount_in": 1}),
        ("/book/route", {"pair": "btc", "denom_in": "ugos", "amount_in": 0}),
        ("/book/route", {"pair": "btc", "denom_in": "ugos", "amount_in": 1, "min_out": -1}),
    ):
        body = get(chain, path, expect=400, **params)
        assert body["message"], (path, params)
    assert get(chain, f"/accounts/{ALICE.address}/orders")["orders"] == []
    assert get(chain, f"/accounts/{ALICE.address}/fills")["items"] == []
