"""The order book: GET /book/markets, /book/markets/{denom}, /book/markets/{denom}/depth, /book/orders/{order_id},
/accounts/{address}/orders, /book/route and /book/params from the chain's `book` module (its queries: the routes
convert units and never recompute its maths), and from the explorer index, which builds them from the book's
events: /book/markets/{denom}/trades, /book/markets/{denom}/candles and /accounts/{address}/fills.

Candles are cut by block time (the headers' `time_ms`), in periods aligned to the Unix epoch (UTC), as the indexer
builds them (gostaking/indexer/book.py): an hour is an hour whatever the block interval."""

from collections.abc import Iterable
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from gostaking.chain.errors import MAX_AMOUNT
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.book import queries as book
from gostaking.chain.modules.dex.queries import get_denom_unit
from gostaking.chain.numeric import GOS_DENOM, PPM
from gostaking.chain.state import State
from gostaking.chain.types.book import AuctionResult, Market, MsgRoutedSwap, Order
from gostaking.indexer import queries as q
from gostaking.indexer.book import CANDLE_PERIODS_MS

from ..deps import NodeDep, parse_address
from ..errors import NotFoundError, error_responses
from ..pages import MAX_INT, MAX_PAGE, Limit
from ..render import from_records, gos, iso_time, params_view, percent
from ..schemas.book import (
    AuctionView,
    BookParamsView,
    CandlesResponse,
    CandleView,
    DepthLevelView,
    DepthView,
    FillsPage,
    FillView,
    MarketsResponse,
    MarketView,
    OrdersPage,
    OrderView,
    RouteBookQuoteView,
    RouteOrderView,
    RoutePoolQuoteView,
    RouteQuoteView,
    TradesPage,
    TradeView,
)
from .accounts import asset_amount
from .dex import SwapAmountIn, require_swap_input
from .explorer import Before, IndexDep, keyset_page

router = APIRouter(tags=["order book"])

MAX_DEPTH_LEVELS = 100
"""Price levels per side one depth request shows (each is one step of the depth table's price index)."""
DEFAULT_DEPTH_LEVELS = 20
MAX_CANDLES = 500
"""Candles per request: 500 hours is three weeks, 500 days over a year."""
DenomPath = Annotated[str, Path(max_length=64, description="the market's base denom, e.g. btc, eth or usgos")]
Interval = Literal["1m", "1h", "1d"]
_UNKNOWN_MARKET = error_responses({400: "a malformed parameter", 404: "no market is listed for this denom"})
_BAD_ADDRESS = error_responses({400: "not a gos1… address, or a malformed parameter"})


def _require_market(state: State, denom: str) -> Market:
    market = book.get_market(state, denom)
    if market is None:
        raise NotFoundError(f"no {denom!r}/GOS market is listed (see GET /book/markets)")
    return market


def auction_view(state: State, denom: str, auction: AuctionResult | None) -> AuctionView | None:
    """A market's auction with its price in GOS and its volume in the base's units."""
    if auction is None:
        return None
    return AuctionView(
        height=auction.height,
        price=gos(auction.price),
        volume=asset_amount(state, denom, auction.volume),
        notional=gos(auction.notional_ugos),
    )


def market_view(state: State, denom: str, market: Market) -> MarketView:
    """A market's listing, its best bid and ask (one level of each side of the depth table) and last auction."""
    top = book.get_book_depth(state, denom, 1)
    return from_records(
        MarketView,
        market,
        denom=denom,
        decimals=get_denom_unit(state, denom).decimals,
        tick=gos(market.tick_ugos),
        lot=asset_amount(state, denom, market.lot),
        min_notional=gos(market.min_notional_ugos),
        maker_fee=percent(market.maker_fee_ppm, PPM),
        taker_fee=percent(market.taker_fee_ppm, PPM),
        rounding_reserve_ugos_per_lot=book.get_buy_rounding_reserve(state),
        best_bid=gos(top.bids[0].price) if top.bids else None,
        best_ask=gos(top.asks[0].price) if top.asks else None,
        last_auction=auction_view(state, denom, book.get_last_auction(state, denom)),
    )


@router.get("/book/markets", response_model=MarketsResponse, summary="Order-book markets")
def list_markets(node: NodeDep) -> MarketsResponse:
    """Every listed base/GOS market with its tick, lot, fees and minimum, the best bid and ask now and the last
    auction that traded."""
    with node.app.read_committed() as state:
        markets = [market_view(state, denom, market) for denom, market in book.get_markets(state)]
        return MarketsResponse(height=state.height.get(), markets=markets)


@router.get(
    "/book/markets/{denom}", response_model=MarketView, responses=_UNKNOWN_MARKET, summary="One order-book market"
)
def get_market(denom: DenomPath, node: NodeDep) -> MarketView:
    """A market's listing, best bid and ask, and last auction."""
    with node.app.read_committed() as state:
        return market_view(state, denom, _require_market(state, denom))


def _depth_side(state: State, denom: str, levels: Iterable[tuple[int, int, int]]) -> list[DepthLevelView]:
    """A side's levels (price, quantity, orders), best first, with the running total of quantity."""
    shown, cumulative = [], 0
    for price, quantity, orders in levels:
        cumulative += quantity
        shown.append(
            DepthLevelView(
                price=gos(price),
                quantity=asset_amount(state, denom, quantity),
                orders=orders,
                cumulative=asset_amount(state, denom, cumulative),
            )
        )
    return shown


@router.get(
    "/book/markets/{denom}/depth", response_model=DepthView, responses=_UNKNOWN_MARKET, summary="Order-book depth"
)
def get_depth(
    denom: DenomPath,
    node: NodeDep,
    levels: Annotated[
        int, Query(ge=1, le=MAX_DEPTH_LEVELS, description=f"price levels per side (at most {MAX_DEPTH_LEVELS})")
    ] = DEFAULT_DEPTH_LEVELS,
) -> DepthView:
    """The open orders aggregated per price, best first on each side (bids highest first, asks lowest first), with
    the running total for a depth chart. Read from the book's per-level table: the cost is the levels shown."""
    with node.app.read_committed() as state:
        _require_market(state, denom)
        depth = book.get_book_depth(state, denom, levels)
        return DepthView(
            height=state.height.get(),
            denom=denom,
            levels=levels,
            bids=_depth_side(state, denom, depth.bids),
            asks=_depth_side(state, denom, depth.asks),
            last_auction=auction_view(state, denom, book.get_last_auction(state, denom)),
        )


def order_view(state: State, order_id: int, order: Order, gos_index: int) -> OrderView:
    """An open order with its amounts in units; a buy's escrow (GOS shares) at the GOS index `gos_index`."""
    escrow = (
        asset_amount(state, GOS_DENOM, compute_shares_to_ugos(order.escrow, gos_index))
        if order.side == "buy"
        else asset_amount(state, order.market, order.escrow)
    )
    return from_records(
        OrderView,
        order,
        id=order_id,
        price=gos(order.price),
        quantity=asset_amount(state, order.market, order.quantity),
        remaining=asset_amount(state, order.market, order.remaining),
        filled=asset_amount(state, order.market, order.quantity - order.remaining),
        escrow=escrow,
    )


@router.get(
    "/book/orders/{order_id}",
    response_model=OrderView,
    responses=error_responses({400: "a malformed id", 404: "no open order has this id (never placed, or closed)"}),
    summary="One open order",
)
def get_order(order_id: Annotated[int, Path(ge=0, le=MAX_INT)], node: NodeDep) -> OrderView:
    """An open order by id. Closed orders (filled, cancelled, expired) are gone from the chain: their fills are in
    GET /accounts/{address}/fills and their `order_closed` events in the explorer."""
    with node.app.read_committed() as state:
        order = book.get_order(state, order_id)
        if order is None:
            raise NotFoundError(f"no open order {order_id} (never placed, or filled, cancelled or expired)")
        return order_view(state, order_id, order, get_gos_index(state))


@router.get(
    "/accounts/{address}/orders",
    response_model=OrdersPage,
    responses=_BAD_ADDRESS,
    summary="An address's open orders",
)
def list_orders(
    address: str,
    node: NodeDep,
    limit: Limit = MAX_PAGE,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_INT, description="cursor: `next_after` of the previous page")
    ] = None,
) -> OrdersPage:
    """The address's open orders by id (`limit` with ids above `after`). An account has at most
    `max_open_orders_per_account` open orders."""
    parse_address(address)
    with node.app.read_committed() as state:
        rows = book.get_orders_of(state, address, after, limit + 1)
        index = get_gos_index(state)
        orders = [order_view(state, order_id, order, index) for order_id, order in rows[:limit]]
        return OrdersPage(
            height=state.height.get(),
            address=address,
            limit=limit,
            orders=orders,
            next_after=orders[-1].id if len(rows) > limit else None,
        )


@router.get(
    "/book/route",
    response_model=RouteQuoteView,
    responses=error_responses({400: "not a pair denom, or paid in neither ugos nor the pair's base"}),
    summary="Where a routed swap would be filled",
)
def quote_route(
    node: NodeDep,
    pair: Annotated[str, Query(max_length=64, description="the base of the pool and the market, e.g. btc")],
    denom_in: Annotated[str, Query(max_length=64, description="what is paid in: ugos (buys the base) or the base")],
    amount_in: SwapAmountIn,
    min_out: Annotated[int, Query(ge=0, le=MAX_AMOUNT, description="the least output accepted (base units)")] = 0,
) -> RouteQuoteView:
    """Which route a MsgRoutedSwap of `amount_in` would take if it were the next transaction (the chain's
    `quote_route`): the pool, filled at once, or the order book, an immediate-or-cancel order filled in the
    market's auction at the end of the block; with both routes' quotes."""
    with node.app.read_committed() as state:
        require_swap_input(state, pair, denom_in, "pair")
        denom_out = pair if denom_in == GOS_DENOM else GOS_DENOM
        quote = book.quote_route(state, MsgRoutedSwap(pair, denom_in, amount_in, min_out))
        pool = quote.pool
        fill = quote.book
        order = quote.book_order
        return RouteQuoteView(
            height=state.height.get(),
            pair=pair,
            amount_in=asset_amount(state, denom_in, amount_in),
            min_out=asset_amount(state, denom_out, min_out),
            route="pool" if order is None else "book",
            pool=RoutePoolQuoteView(amount_out=asset_amount(state, denom_out, pool.amount_out)) if pool else None,
            book=RouteBookQuoteView(
                amount_out=asset_amount(state, denom_out, fill.amount_out),
                quantity=asset_amount(state, pair, fill.quantity),
                worst_price=gos(fill.worst_price),
                fee=gos(fill.fee_ugos),
            )
            if fill
            else None,
            order=RouteOrderView(
                side=order.side, price=gos(order.price), quantity=asset_amount(state, pair, order.quantity)
            )
            if order
            else None,
        )


@router.get("/book/params", response_model=BookParamsView, summary="Order-book parameters")
def get_book_params(node: NodeDep) -> BookParamsView:
    """Open orders per account, orders per block, expiries per block, the fees new listings default to and the KYC
    level trading needs."""
    with node.app.read_committed() as state:
        return params_view(BookParamsView, book.get_book_params(state), state.params.get().compliance)


@router.get(
    "/book/markets/{denom}/trades",
    response_model=TradesPage,
    responses=_UNKNOWN_MARKET,
    summary="A market's auctions, newest first",
)
def list_trades(
    denom: DenomPath, node: NodeDep, index: IndexDep, limit: Limit = 25, before: Before = None
) -> TradesPage:
    """The market's batch auctions that traded, newest first (`limit`, then `next_before` as `before`): the uniform
    price, the base traded, its GOS and how many orders filled. Each order's part is in its owner's fills."""
    page = q.list_book_trades(index.engine, denom, limit, before)
    with node.app.read_committed() as state:
        _require_market(state, denom)
        items = [
            from_records(
                TradeView,
                row,
                time=iso_time(row["time_ms"]),
                price=gos(int(row["price"])),
                volume=asset_amount(state, denom, int(row["volume"])),
                notional=gos(row["notional_ugos"]),
            )
            for row in page.rows
        ]
    return keyset_page(TradesPage, page, limit, denom=denom, items=items)


@router.get(
    "/book/markets/{denom}/candles",
    response_model=CandlesResponse,
    responses=_UNKNOWN_MARKET,
    summary="A market's OHLCV candles",
)
def list_candles(
    denom: DenomPath,
    node: NodeDep,
    index: IndexDep,
    interval: Annotated[Interval, Query(description="period of a candle: 1m, 1h or 1d (of block time, UTC)")] = "1h",
    limit: Annotated[int, Query(ge=1, le=MAX_CANDLES, description=f"candles (at most {MAX_CANDLES})")] = 100,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_INT, description="only candles starting before this time (ms since the epoch)")
    ] = None,
) -> CandlesResponse:
    """Open, high, low and close of the market's clearing prices and the volume traded, per period of block time
    aligned to the epoch (UTC), oldest first: the last `limit` candles starting before `before` (default: now).
    A period without an auction has no candle; a chart carries the previous close across it."""
    rows = q.list_book_candles(index.engine, denom, interval, limit + 1, before)
    more = len(rows) > limit
    rows = rows[-limit:]
    with node.app.read_committed() as state:
        _require_market(state, denom)
        candles = [
            from_records(
                CandleView,
                row,
                start=iso_time(row["start_ms"]),
                open=gos(int(row["open"])),
                high=gos(int(row["high"])),
                low=gos(int(row["low"])),
                close=gos(int(row["close"])),
                volume=asset_amount(state, denom, int(row["volume"])),
                notional=gos(int(row["notional_ugos"])),
            )
            for row in rows
        ]
    return CandlesResponse(
        denom=denom,
        interval=interval,
        interval_ms=CANDLE_PERIODS_MS[interval],
        candles=candles,
        next_before=candles[0].start_ms if more and candles else None,
    )


@router.get("/accounts/{address}/fills", response_model=FillsPage, responses=_BAD_ADDRESS, summary="An address's fills")
def list_fills(address: str, node: NodeDep, index: IndexDep, limit: Limit = 25, before: Before = None) -> FillsPage:
    """The address's orders filled in auctions, newest first (`limit`, then `next_before` as `before`): the clearing
    price, the base traded, its GOS, the fee, maker or taker, what was left open, and the order's limit and placing
    transaction."""
    parse_address(address)
    page = q.list_book_fills(index.engine, address, limit, before)
    with node.app.read_committed() as state:
        items = [
            from_records(
                FillView,
                row,
                time=iso_time(row["time_ms"]),
                price=gos(int(row["price"])),
                quantity=asset_amount(state, row["market"], int(row["quantity"])),
                notional=gos(row["notional_ugos"]),
                fee=gos(row["fee_ugos"]),
                remaining=asset_amount(state, row["market"], int(row["remaining"])),
                limit_price=gos(int(row["limit_price"])) if row["limit_price"] is not None else None,
            )
            for row in page.rows
        ]
    return keyset_page(FillsPage, page, limit, address=address, items=items)
