"""The order book in the index: a chain with real orders and auctions (btc/GOS listed at genesis) gives one trade
row per auction, one fill row per order filled, the orders placed with their transactions, counts, and candles that
are the OHLCV of the trades in each period; indexing block by block gives the same rows as in one batch (candles
merge across batches), PostgreSQL the same as SQLite (when a server is at hand); the AML monitor reports an owner on
both sides of one auction. Candle merging across periods and batches is also checked on hand-made trades, whose
times the test chooses."""

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from indexer_harness import sqlite_url
from sqlalchemy import Engine, create_engine, select, text

from gostaking.aml.monitor import AmlMonitor
from gostaking.aml.rules import RuleConfig
from gostaking.chain.types.book import MsgPlaceOrder
from gostaking.chain.types.tx import Msg, MsgSendCoins
from gostaking.indexer import open_index
from gostaking.indexer import queries as q
from gostaking.indexer.book import CANDLE_PERIODS_MS, write_candles
from gostaking.indexer.schema import book_candles, book_counts, book_fills, book_orders, book_trades, metadata
from gostaking.node.runtime import Node
from gostaking.wallet.keys import PrivateKey, sign_tx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))  # the compliance genesis and the book's markets
from api_book_harness import BOOK_MODULES, BTC, BTC_LOT, GOS, notional
from api_compliance_harness import ALICE, BOB, FAUCET, open_compliance_devnet

BOOK_TABLES = (book_orders, book_trades, book_fills, book_candles, book_counts)
HOUR = CANDLE_PERIODS_MS["1h"]


@dataclass
class Trading:
    """A chain after some trading, and the ids of what the test did."""

    node: Node
    txs: dict[str, str]
    wash_height: int


def _submit(node: Node, key: PrivateKey, *msgs: Any) -> str:
    launch_typed: list[Msg] = list(msgs)
    raw = sign_tx(key, node.chain_id, node.app.next_sequence(key.address), launch_typed, 1_000)
    result = node.app.check_tx(raw)
    assert result.ok, result.log
    return result.tx_hash.hex()


def _produce(node: Node, count: int = 1) -> int:
    assert node.producer is not None
    for _ in range(count):
        node.producer.produce_block()
    return node.app.height


@pytest.fixture(scope="module")
def trading(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trading]:
    """Alice rests two asks, Bob's bid crosses the first, then Alice's bid crosses what is left of it: one owner on
    both sides of an auction."""
    with open_compliance_devnet(tmp_path_factory.mktemp("book"), modules=BOOK_MODULES) as devnet:
        node = devnet.node
        _produce(node, 12)
        _submit(node, devnet.operator, MsgSendCoins(ALICE.address, "ugos", 60 * GOS))
        _submit(node, devnet.operator, MsgSendCoins(BOB.address, "ugos", 30 * GOS))
        _submit(node, FAUCET, MsgSendCoins(ALICE.address, "btc", BTC))
        _produce(node)
        txs = {"ask": _submit(node, ALICE, MsgPlaceOrder("btc", "sell", 1_000 * GOS, 10 * BTC_LOT))}
        txs["high_ask"] = _submit(node, ALICE, MsgPlaceOrder("btc", "sell", 1_020 * GOS, 10 * BTC_LOT))
        _produce(node)
        txs["bid"] = _submit(node, BOB, MsgPlaceOrder("btc", "buy", 1_000 * GOS, 3 * BTC_LOT))
        _produce(node)
        txs["wash_buy"] = _submit(node, ALICE, MsgPlaceOrder("btc", "buy", 1_010 * GOS, 2 * BTC_LOT))
        wash_height = _produce(node)
        _produce(node, 3)
        yield Trading(node, txs, wash_height)


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
            for table in BOOK_TABLES
        }


def test_trades_fills_orders_and_candles_follow_the_events(trading: Trading, tmp_path: Path) -> None:
    index = open_index(sqlite_url(tmp_path / "index.sqlite"), trading.node.app)
    index.indexer.sync()
    engine = index.engine
    trades = q.list_book_trades(engine, "btc", 10)
    assert trades.total == len(trades.rows) == 2
    wash, first = trades.rows
    assert (first["price"], first["volume"], first["fills"]) == (str(1_000 * GOS), str(3 * BTC_LOT), 2)
    assert first["notional_ugos"] == notional(3 * BTC_LOT, 1_000 * GOS)
    assert wash["height"] == trading.wash_height and wash["volume"] == str(2 * BTC_LOT)

    bob = q.list_book_fills(engine, BOB.address, 10)
    assert bob.total == 1
    [fill] = bob.rows
    assert (fill["side"], fill["quantity"], fill["price"], fill["maker"]) == (
        "buy",
        str(3 * BTC_LOT),
        first["price"],
        False,
    )
    assert fill["tx_hash"] == trading.txs["bid"] and fill["limit_price"] == str(1_000 * GOS)
    alice = q.list_book_fills(engine, ALICE.address, 10)
    assert alice.total == 3  # the resting ask as maker for Bob, then both sides of her own auction
    assert sorted((r["side"], r["maker"], r["tx_hash"]) for r in alice.rows if r["height"] == trading.wash_height) == [
        ("buy", False, trading.txs["wash_buy"]),
        ("sell", True, trading.txs["ask"]),
    ]
    assert [r["id"] for r in q.list_book_fills(engine, ALICE.address, 1, alice.rows[0]["id"]).rows] == [
        alice.rows[1]["id"]
    ]
    with engine.connect() as conn:
        orders = {row.tx_hash: row for row in conn.execute(select(book_orders))}
    assert set(orders) == set(trading.txs.values())
    assert (orders[trading.txs["high_ask"]].price, orders[trading.txs["high_ask"]].side) == (str(1_020 * GOS), "sell")

    for period, period_ms in CANDLE_PERIODS_MS.items():
        candles = q.list_book_candles(engine, "btc", period, 10)
        by_start: dict[int, list[dict[str, Any]]] = {}
        for trade in reversed(trades.rows):
            by_start.setdefault(trade["time_ms"] - trade["time_ms"] % period_ms, []).append(trade)
        assert [c["start_ms"] for c in candles] == sorted(by_start)
        for candle in candles:
            group = by_start[candle["start_ms"]]
            prices = [int(t["price"]) for t in group]
            assert (candle["open"], candle["close"]) == (str(prices[0]), str(prices[-1]))
            assert (candle["high"], candle["low"]) == (str(max(prices)), str(min(prices)))
            assert candle["volume"] == str(sum(int(t["volume"]) for t in group)) and candle["trades"] == len(group)


def test_block_by_block_gives_the_same_rows(trading: Trading, tmp_path: Path) -> None:
    whole = open_index(sqlite_url(tmp_path / "whole.sqlite"), trading.node.app)
    whole.indexer.sync()
    stepwise = open_index(sqlite_url(tmp_path / "steps.sqlite"), trading.node.app, batch_blocks=1)
    stepwise.indexer.sync()
    assert _dump(whole.engine)["book_trades"] and _dump(stepwise.engine) == _dump(whole.engine)


def test_postgres_gives_the_same_rows(trading: Trading, postgres_url: str, tmp_path: Path) -> None:
    reference = open_index(sqlite_url(tmp_path / "reference.sqlite"), trading.node.app)
    reference.indexer.sync()
    remote = open_index(postgres_url, trading.node.app, batch_blocks=7)
    try:
        remote.indexer.rebuild()
        remote.indexer.sync()
        assert _dump(remote.engine) == _dump(reference.engine)
        assert q.list_book_trades(remote.engine, "btc", 1).total == 2
        assert q.list_book_fills(remote.engine, ALICE.address, 5).total == 3
    finally:
        with remote.engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
        remote.engine.dispose()


def test_the_aml_monitor_reports_one_owner_on_both_sides_of_an_auction(trading: Trading, tmp_path: Path) -> None:
    index = open_index(sqlite_url(tmp_path / "aml.sqlite"), trading.node.app)
    index.indexer.sync()
    monitor = AmlMonitor(index.engine, RuleConfig())
    monitor.scan()
    [alert] = [a for a in monitor.alerts() if a["rule"] == "wash_trade"]
    assert (alert["address"], alert["last_height"]) == (ALICE.address, trading.wash_height)
    assert set(str(alert["tx_hashes"]).split(",")) == {trading.txs["wash_buy"], trading.txs["ask"]}
    assert not [a for a in monitor.alerts() if a["address"] == BOB.address]


def _trade(row_id: int, time_ms: int, price: int, volume: int, height: int) -> dict[str, Any]:
    return {
        "id": row_id,
        "market": "btc",
        "height": height,
        "time_ms": time_ms,
        "price": str(price),
        "volume": str(volume),
        "notional_ugos": price * volume,
        "fills": 2,
    }


def test_candles_merge_across_batches_and_split_at_period_edges() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    day = CANDLE_PERIODS_MS["1d"]
    start = 19_675 * day + 5 * HOUR  # an hour's start, inside one day with the next hour
    first_batch = [_trade(1, start + 10, 50, 2, 1), _trade(2, start + 20, 70, 1, 2)]
    second_batch = [_trade(3, start + HOUR - 1, 40, 3, 3), _trade(4, start + HOUR, 60, 5, 4)]
    with engine.begin() as conn:
        write_candles(conn, first_batch)
    with engine.begin() as conn:
        write_candles(conn, second_batch)
    hours = q.list_book_candles(engine, "btc", "1h", 10)
    values = [(c["start_ms"], c["open"], c["high"], c["low"], c["close"], c["volume"], c["trades"]) for c in hours]
    assert values == [(start, "50", "70", "40", "40", "6", 3), (start + HOUR, "60", "60", "60", "60", "5", 1)]
    assert (hours[0]["first_height"], hours[0]["last_height"], hours[0]["notional_ugos"]) == (1, 3, str(100 + 70 + 120))
    [whole_day] = q.list_book_candles(engine, "btc", "1d", 10)
    assert whole_day["start_ms"] == 19_675 * day
    assert [whole_day[k] for k in ("open", "high", "low", "close", "volume", "trades")] == [
        "50",
        "70",
        "40",
        "60",
        "11",
        4,
    ]
    assert [c["start_ms"] for c in q.list_book_candles(engine, "btc", "1h", 1)] == [start + HOUR]
    assert [c["start_ms"] for c in q.list_book_candles(engine, "btc", "1h", 5, before_ms=start + HOUR)] == [start]
