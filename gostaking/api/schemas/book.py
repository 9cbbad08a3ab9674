"""The order book: markets with their last auction and best prices, depth, open orders, and from the explorer
index the auctions (trades), OHLCV candles and an account's fills (docs/book.md).

A price is GOS per *whole* unit of the base (`ugos` per 10^decimals base units, exact, with its decimal GOS
string); a quantity is an amount of the base in base units beside its whole-unit display."""

from typing import Literal

from pydantic import BaseModel, Field

from .common import AssetAmount, GosAmount
from .explorer import IndexCursor, PageInfo


class AuctionView(BaseModel):
    """A batch auction that traded: every fill of the market in that block was at its one price."""

    height: int
    price: GosAmount = Field(description="the uniform clearing price of one whole unit of the base")
    volume: AssetAmount = Field(description="base traded")
    notional: GosAmount = Field(description="GOS paid for it (before fees)")


class MarketView(BaseModel):
    """A base/GOS market and its book's best prices."""

    denom: str = Field(description="the base denom; the quote is always GOS (ugos)", examples=["btc"])
    decimals: int = Field(description="decimals of the base: a price is per 10^decimals base units")
    tick: GosAmount = Field(description="prices are multiples of this")
    lot: AssetAmount = Field(description="quantities are multiples of this")
    min_notional: GosAmount = Field(description="the least GOS an order may be worth at its limit")
    maker_fee_ppm: int
    maker_fee: str = Field(description="fee of an order that rested from an earlier block", examples=["0.1%"])
    taker_fee_ppm: int
    taker_fee: str = Field(description="fee of an order that trades in the block it is placed", examples=["0.2%"])
    rounding_reserve_ugos_per_lot: int = Field(
        description="ugos per lot a buy placed now escrows beyond its value and fee (0 before the first GOS burn), "
        "refunded when the order closes"
    )
    listed_height: int
    halted: bool = Field(description="a halted market takes no new orders")
    best_bid: GosAmount | None = Field(description="the highest open buy price; null when no bid rests")
    best_ask: GosAmount | None = Field(description="the lowest open sell price; null when no ask rests")
    last_auction: AuctionView | None = Field(description="the last auction that traded; null before the first")


class MarketsResponse(BaseModel):
    """Every listed market (governance lists them one by one)."""

    height: int
    markets: list[MarketView]


class DepthLevelView(BaseModel):
    """One price level of a side of the book."""

    price: GosAmount
    quantity: AssetAmount = Field(description="open base at this price")
    orders: int = Field(description="open orders at this price")
    cumulative: AssetAmount = Field(description="open base at this price and every better one (for depth charts)")


class DepthView(BaseModel):
    """The best `levels` price levels of each side, best first: bids highest first, asks lowest first."""

    height: int
    denom: str
    levels: int = Field(description="the most levels shown per side")
    bids: list[DepthLevelView]
    asks: list[DepthLevelView]
    last_auction: AuctionView | None


class OrderView(BaseModel):
    """An open order: placed, not yet filled, cancelled or expired."""

    id: int
    owner: str
    market: str
    side: str = Field(description="buy or sell", examples=["buy"])
    price: GosAmount = Field(description="the limit: the most a buy pays, the least a sell takes, per whole unit")
    quantity: AssetAmount = Field(description="base as placed")
    remaining: AssetAmount = Field(description="base not filled yet")
    filled: AssetAmount = Field(description="base filled so far")
    time_in_force: str = Field(description="gtc, ioc or post_only")
    expiry_height: int = Field(description="closed at the end of this block (0: never)")
    placed_height: int
    escrow: AssetAmount = Field(
        description="what the module holds for it: GOS for a buy (at the current GOS index), base for a sell"
    )


class OrdersPage(BaseModel):
    """A page of an address's open orders, by id."""

    height: int
    address: str
    limit: int
    orders: list[OrderView]
    next_after: int | None = Field(description="pass as `after` for the next page; null on the last page")


class TradeView(BaseModel):
    """An auction of the market that traded, as indexed."""

    id: IndexCursor
    height: int
    time_ms: int
    time: str
    price: GosAmount = Field(description="the uniform clearing price of one whole unit of the base")
    volume: AssetAmount
    notional: GosAmount
    fills: int = Field(description="orders filled in it")


class TradesPage(PageInfo):
    """A page of a market's auctions, newest first."""

    denom: str
    items: list[TradeView]


class CandleView(BaseModel):
    """Open, high, low and close clearing prices and the volume of a market's auctions in one period."""

    start_ms: int = Field(description="start of the period (block time, ms since the epoch, UTC)")
    start: str = Field(description="start_ms as ISO 8601 UTC")
    open: GosAmount
    high: GosAmount
    low: GosAmount
    close: GosAmount
    volume: AssetAmount
    notional: GosAmount
    trades: int = Field(description="auctions that traded in the period")
    first_height: int
    last_height: int


class CandlesResponse(BaseModel):
    """A market's candles of one period, oldest first; periods without a trade have none."""

    denom: str
    interval: str = Field(examples=["1h"])
    interval_ms: int
    candles: list[CandleView]
    next_before: int | None = Field(
        description="pass as `before` for the older candles (the first one's start_ms); null when none is older"
    )


class FillView(BaseModel):
    """An order of an account filled (in part or whole) in an auction, as indexed."""

    id: IndexCursor
    order_id: int
    market: str
    side: str
    height: int
    time_ms: int
    time: str
    price: GosAmount = Field(description="the auction's clearing price of one whole unit (at or better than limit)")
    quantity: AssetAmount = Field(description="base traded now")
    notional: GosAmount
    fee: GosAmount = Field(description="paid to the community pool")
    maker: bool = Field(description="the order rested from an earlier block (maker fee), else taker")
    remaining: AssetAmount = Field(description="base of the order left open after this fill")
    limit_price: GosAmount | None = Field(description="the order's limit; null if the index missed its placing")
    time_in_force: str | None
    tx_hash: str | None = Field(description="the transaction that placed the order")


class FillsPage(PageInfo):
    """A page of an address's fills, newest first."""

    address: str
    items: list[FillView]


class BookParamsView(BaseModel):
    """The book module's parameters (governance changes them)."""

    max_open_orders_per_account: int
    max_orders_per_block: int
    max_expiries_per_block: int
    default_maker_fee_ppm: int
    default_maker_fee: str
    default_taker_fee_ppm: int
    default_taker_fee: str
    trade_min_kyc_level: int = Field(description="KYC level needed to place orders (0: none)")


class RoutePoolQuoteView(BaseModel):
    """What the pair's pool would give now for the whole amount (constant product after the swap fee)."""

    amount_out: AssetAmount


class RouteBookQuoteView(BaseModel):
    """What the open orders would give a lone taker now for the amount, after the taker fee, all at one price."""

    amount_out: AssetAmount
    quantity: AssetAmount = Field(description="base traded")
    worst_price: GosAmount = Field(
        description="the deepest level reached: the auction's uniform price for a lone taker, and the order's limit"
    )
    fee: GosAmount = Field(description="the taker fee at that price")


class RouteOrderView(BaseModel):
    """The immediate-or-cancel order the book route places."""

    side: str = Field(description="buy (paying GOS) or sell (paying the base)", examples=["buy"])
    price: GosAmount = Field(description="its limit: the quote's worst price; the auction fills at it or better")
    quantity: AssetAmount


class RouteQuoteView(BaseModel):
    """Where a routed swap (MsgRoutedSwap) sent now would be filled, and both routes' quotes (docs/book.md,
    "Routing"): the book when it gives strictly more than the pool and at least `min_out`, otherwise the pool."""

    height: int
    pair: str = Field(description="the base of the pool and the market", examples=["btc"])
    amount_in: AssetAmount
    min_out: AssetAmount
    route: Literal["pool", "book"] = Field(
        description="pool: filled by the pool inside the transaction; book: an immediate-or-cancel order filled in "
        "the market's auction at the end of the block, at the quoted price or better, its unfilled part refunded"
    )
    pool: RoutePoolQuoteView | None = Field(description="null when the pool is empty")
    book: RouteBookQuoteView | None = Field(description="null when nothing rests on the side the swap would take")
    order: RouteOrderView | None = Field(description="the book route's order; null when the route is the pool")
