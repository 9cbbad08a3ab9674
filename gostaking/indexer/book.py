"""The order book in the index: orders placed, auction trades, fills and OHLCV candles, built from the book
module's events (the chain keeps no trade history).

Every fill happens in a market's end-of-block batch auction, at its one clearing price, so a trade is an auction:
one `book_trades` row per `auction_cleared` event, one `book_fills` row per `order_filled` event, and the candles
aggregate the trades. Candles are cut by **block time** (the header's `time_ms`), in periods aligned to the Unix
epoch (UTC): a block interval changed by the operator, or a chain halted for a while, leaves the periods what they
say (an hour is an hour), and a period without an auction has no candle (a chart carries the last close forward).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update

from gostaking.chain.modules.book.events import AuctionClearedEvent, OrderFilledEvent, OrderPlacedEvent

from .schema import ROW_ID_SHIFT, book_candles

BookEvent = OrderPlacedEvent | AuctionClearedEvent | OrderFilledEvent
"""The book's events the index keeps rows of."""

CANDLE_PERIODS_MS = {"1m": 60_000, "1h": 3_600_000, "1d": 86_400_000}
"""The candle periods kept, by name: each trade updates one candle of each."""
TRADES_SCOPE = "trades"
"""`book_counts` scope counting a market's trades (keyed by market)."""
FILLS_SCOPE = "fills"
"""`book_counts` scope counting an owner's fills (keyed by address)."""
_CANDLE_VALUES = ("open", "high", "low", "close", "volume", "notional_ugos", "trades", "first_height", "last_height")


@dataclass
class BookRows:
    """What one block adds to the book's tables."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    trades: list[dict[str, Any]] = field(default_factory=list)
    fills: list[dict[str, Any]] = field(default_factory=list)

    def add(self, event: BookEvent, height: int, time_ms: int, tx_hash: str | None) -> None:
        """The row of a book event of block `height` (of transaction `tx_hash`, None for the block's own): trades
        and fills numbered in block order (`height << ROW_ID_SHIFT | n`, as every per-block row kind)."""
        match event:
            case OrderPlacedEvent():
                self.orders.append(order_row(event, height, time_ms, tx_hash))
            case AuctionClearedEvent():
                self.trades.append(trade_row(event, height << ROW_ID_SHIFT | len(self.trades), height, time_ms))
            case OrderFilledEvent():
                self.fills.append(fill_row(event, height << ROW_ID_SHIFT | len(self.fills), height, time_ms))


def order_row(event: OrderPlacedEvent, height: int, time_ms: int, tx_hash: str | None) -> dict[str, Any]:
    """The `book_orders` row of an order placed in block `height` by transaction `tx_hash`."""
    return {
        "order_id": event.order_id,
        "owner": event.owner,
        "market": event.market,
        "side": event.side,
        "price": str(event.price),
        "quantity": str(event.quantity),
        "time_in_force": event.time_in_force,
        "expiry_height": event.expiry_height,
        "height": height,
        "time_ms": time_ms,
        "tx_hash": tx_hash,
    }


def trade_row(event: AuctionClearedEvent, row_id: int, height: int, time_ms: int) -> dict[str, Any]:
    """The `book_trades` row of an auction that cleared."""
    return {
        "id": row_id,
        "market": event.market,
        "height": height,
        "time_ms": time_ms,
        "price": str(event.price),
        "volume": str(event.volume),
        "notional_ugos": event.notional_ugos,
        "fills": event.fills,
    }


def fill_row(event: OrderFilledEvent, row_id: int, height: int, time_ms: int) -> dict[str, Any]:
    """The `book_fills` row of an order's fill."""
    return {
        "id": row_id,
        "order_id": event.order_id,
        "owner": event.owner,
        "market": event.market,
        "side": event.side,
        "height": height,
        "time_ms": time_ms,
        "price": str(event.price),
        "quantity": str(event.quantity),
        "notional_ugos": event.notional_ugos,
        "fee_ugos": event.fee_ugos,
        "maker": event.maker,
        "remaining": str(event.remaining),
    }


def candle_start(time_ms: int, period_ms: int) -> int:
    """The start of the period holding `time_ms` (a multiple of the period since the epoch)."""
    return time_ms - time_ms % period_ms


def merge_trades(candle: dict[str, Any] | None, trades: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """`candle` (a `book_candles` row's values, or None for a new one) with `trades` of its period added, which
    come after every trade already in it and are in chain order: open stays the first price, close becomes the
    last, high and low widen, volume, notional and the count add up."""
    prices = [int(trade["price"]) for trade in trades]
    if candle is None:
        candle = {
            "open": str(prices[0]),
            "high": str(prices[0]),
            "low": str(prices[0]),
            "volume": "0",
            "notional_ugos": "0",
            "trades": 0,
            "first_height": trades[0]["height"],
        }
    return {
        **candle,
        "high": str(max(int(candle["high"]), *prices)),
        "low": str(min(int(candle["low"]), *prices)),
        "close": str(prices[-1]),
        "volume": str(int(candle["volume"]) + sum(int(trade["volume"]) for trade in trades)),
        "notional_ugos": str(int(candle["notional_ugos"]) + sum(trade["notional_ugos"] for trade in trades)),
        "trades": candle["trades"] + len(trades),
        "last_height": trades[-1]["height"],
    }


def write_candles(conn: Connection, trades: Sequence[dict[str, Any]]) -> None:
    """Add a batch's trades (in chain order) to the candles of every period: the touched candles are read by primary
    key, merged and written back (the indexer is the only writer)."""
    if not trades:
        return
    grouped: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for trade in trades:
        for period, period_ms in CANDLE_PERIODS_MS.items():
            grouped.setdefault((trade["market"], period, candle_start(trade["time_ms"], period_ms)), []).append(trade)
    keys = sorted(grouped)
    existing: dict[tuple[str, str, int], dict[str, Any]] = {}
    for start in range(0, len(keys), 300):
        chunk = keys[start : start + 300]
        match_any = or_(
            *(
                and_(book_candles.c.market == m, book_candles.c.period == p, book_candles.c.start_ms == s)
                for m, p, s in chunk
            )
        )
        for row in conn.execute(select(book_candles).where(match_any)):
            existing[(row.market, row.period, row.start_ms)] = dict(row._mapping)
    inserts, updates = [], []
    for key in keys:
        merged = merge_trades(existing.get(key), grouped[key])
        values = {name: merged[name] for name in _CANDLE_VALUES}
        market, period, start_ms = key
        if key in existing:
            updates.append({**values, "b_market": market, "b_period": period, "b_start_ms": start_ms})
        else:
            inserts.append({**values, "market": market, "period": period, "start_ms": start_ms})
    if inserts:
        conn.execute(insert(book_candles), inserts)
    if updates:
        conn.execute(
            update(book_candles)
            .where(
                book_candles.c.market == bindparam("b_market"),
                book_candles.c.period == bindparam("b_period"),
                book_candles.c.start_ms == bindparam("b_start_ms"),
            )
            .values({name: bindparam(name) for name in _CANDLE_VALUES}),
            updates,
        )
