"""Reads of the book module: markets, orders, aggregated depth, the last auction, clearing-price TWAP
accumulators, escrow and quotes. Prices are ugos per whole unit of the base, quantities base units (docs/book.md)."""

from collections.abc import Callable, Iterator
from itertools import islice
from typing import NamedTuple

from gostaking.chain.errors import MAX_AMOUNT, InvalidMessageError, UnknownAssetError, require
from gostaking.chain.modules.bank.queries import get_bank_denoms, get_gos_index
from gostaking.chain.modules.book.errors import MarketHaltedError, UnknownMarketError
from gostaking.chain.modules.book.tables import (
    AUCTIONS,
    BOOK_OBSERVED_GOS_INDEX,
    BOOK_PARAMS,
    BOOK_TOTALS,
    CLEARING_PRICES,
    DEPTH,
    MARKETS,
    ORDERS,
)
from gostaking.chain.modules.dex.queries import SwapQuote, get_denom_unit, get_pair_decimals, quote_swap
from gostaking.chain.modules.lock.queries import get_asset
from gostaking.chain.numeric import GOS_DENOM, INDEX_ONE, PPM
from gostaking.chain.state import State
from gostaking.chain.twap import PriceAccumulator
from gostaking.chain.types.book import (
    AuctionResult,
    BookParams,
    BookTotals,
    Market,
    MsgPlaceOrder,
    MsgRoutedSwap,
    Order,
)

_NO_ACCUMULATOR = PriceAccumulator()
_PAGE = 64
"""Orders read from the book index at a time when walking a side of the book (`iter_side`)."""
ROUNDING_RESERVE_UGOS_PER_LOT = 3
"""ugos per lot a buy escrows beyond its notional and fee after the first burn, for the share rounding of its fills
(refunded)."""
MAX_FEE_PPM = 100_000
"""No market's maker or taker fee exceeds 10%."""


class DepthLevel(NamedTuple):
    """One price level of a side of the book: open quantity (base units) and how many orders make it."""

    price: int
    quantity: int
    orders: int


class BookDepth(NamedTuple):
    """The open orders of a market aggregated per price, best first on each side."""

    bids: list[DepthLevel]
    asks: list[DepthLevel]


class BookQuote(NamedTuple):
    """What the resting book would give a taker now: `amount_out` (base units when paying ugos, ugos when paying
    base units) for `quantity` base units traded, all at the one `worst_price` (the auction's uniform price for a
    lone taker is the deepest level it reaches), after `fee_ugos` of taker fee."""

    amount_out: int
    quantity: int
    worst_price: int
    fee_ugos: int


def get_book_params(state: State) -> BookParams:
    """The module's parameters."""
    return state[BOOK_PARAMS].get()


def get_book_totals(state: State) -> BookTotals:
    """The next order id and the current block's order count."""
    return state[BOOK_TOTALS].get()


def get_market(state: State, denom: str) -> Market | None:
    """The base/GOS market of `denom`, or None when none is listed."""
    return state[MARKETS].get(denom)


def get_markets(state: State) -> list[tuple[str, Market]]:
    """Every listed market, by base denom."""
    return state[MARKETS].items_sorted()


def compute_listed_market(
    state: State,
    denom: str,
    tick_ugos: int,
    lot: int,
    maker_fee_ppm: int | None,
    taker_fee_ppm: int | None,
    min_notional_ugos: int,
    height: int,
) -> Market:
    """The market a listing opens (fees None: the parameters' defaults), after checking it could be listed: a
    base that is a listed asset, a bank denom or a module-issued denom (sGOS, declared before its genesis step
    registers it), not GOS and not listed yet; tick and lot ≥ 1 with `lot * tick_ugos` a multiple of a whole unit
    (so every notional is exact); fees 0 ≤ maker ≤ taker ≤ 10%. InvalidMessageError / UnknownAssetError."""
    require(denom != GOS_DENOM, InvalidMessageError, "a market pairs a base with GOS: ugos cannot be the base")
    known = get_asset(state, denom) is not None or denom in state.registry.issued_denoms
    require(known or denom in get_bank_denoms(state), UnknownAssetError, f"no asset {denom!r} exists on this chain")
    require(denom not in state[MARKETS], InvalidMessageError, f"the {denom}/GOS market is listed already")
    params = get_book_params(state)
    maker = params.default_maker_fee_ppm if maker_fee_ppm is None else maker_fee_ppm
    taker = params.default_taker_fee_ppm if taker_fee_ppm is None else taker_fee_ppm
    whole = get_whole_unit(state, denom)
    require(
        1 <= tick_ugos <= MAX_AMOUNT and 1 <= lot <= MAX_AMOUNT and 0 <= min_notional_ugos <= MAX_AMOUNT,
        InvalidMessageError,
        "tick_ugos and lot must be within 1..2^256-1, min_notional_ugos within 0..2^256-1",
    )
    require(
        lot * tick_ugos % whole == 0,
        InvalidMessageError,
        f"lot × tick_ugos must be a multiple of {whole} (one whole {denom}) so every notional is exact",
    )
    require(
        0 <= maker <= taker <= MAX_FEE_PPM, InvalidMessageError, f"fees must satisfy 0 ≤ maker ≤ taker ≤ {MAX_FEE_PPM}"
    )
    return Market(tick_ugos, lot, maker, taker, min_notional_ugos, height)


def require_open_market(state: State, denom: str) -> Market:
    """The market of `denom`; UnknownMarketError when none is listed, MarketHaltedError when it is halted."""
    market = get_market(state, denom)
    if market is None:
        raise UnknownMarketError(f"no {denom}/GOS market is listed")
    require(not market.halted, MarketHaltedError, f"the {denom}/GOS market is halted")
    return market


def require_halt_change(state: State, denom: str, halted: bool) -> Market:
    """The listed market of `denom` that a MarketHaltProposal would halt (`halted`) or resume: UnknownMarketError
    when none is listed, InvalidMessageError when it is halted (or open) already."""
    market = get_market(state, denom)
    if market is None:
        raise UnknownMarketError(f"no {denom}/GOS market is listed")
    require(
        market.halted != halted,
        InvalidMessageError,
        f"the {denom}/GOS market is {'halted' if market.halted else 'open'} already",
    )
    return market


def get_order(state: State, order_id: int) -> Order | None:
    """An open order, or None (never placed, or closed: filled, cancelled, expired)."""
    return state[ORDERS].get(order_id)


def get_orders_of(state: State, owner: str, after_id: int | None, limit: int) -> list[tuple[int, Order]]:
    """Up to `limit` open orders of `owner` with ids above `after_id` (all when None), by id. An account has at
    most `max_open_orders_per_account` open orders, so this is O(log n + that bound)."""
    orders = state[ORDERS]
    keys = orders.scan_index("by_owner", (owner,))
    start = 0 if after_id is None else next((i for i, key in enumerate(keys) if key > after_id), len(keys))
    return orders.rows(keys[start : start + max(limit, 0)])


def count_open_orders(state: State, owner: str) -> int:
    """How many open orders `owner` has. O(log n)."""
    return state[ORDERS].count_index("by_owner", (owner,))


def get_book_depth(state: State, denom: str, levels: int) -> BookDepth:
    """Up to `levels` price levels of each side of the market, best first, from the aggregated depth table:
    O(levels × log n)."""
    return BookDepth(
        list(islice(_iter_levels(state, denom, "buy"), max(levels, 0))),
        list(islice(_iter_levels(state, denom, "sell"), max(levels, 0))),
    )


def _iter_levels(state: State, denom: str, side: str) -> Iterator[DepthLevel]:
    """The price levels of one side of the market, best first. The order index is in (price best first, id)
    order, so a level's first order gives its price and the depth table its totals, and the next level starts
    that many orders further: O(log n) a level. (The depth table itself keeps no ordered index: a placement,
    which changes its level's totals, then writes no index entry.)"""
    orders, depth = state[ORDERS], state[DEPTH]
    position = 0
    while True:
        _, first = orders.page_index("by_level", (denom, side), position, 1)
        if not first:
            return
        price = orders.rows(first)[0][1].price
        level = depth.get((denom, side, price))
        assert level is not None and level.orders > 0, "every open order's level is in the depth table"
        yield DepthLevel(price, level.quantity, level.orders)
        position += level.orders


def get_best_price(state: State, denom: str, side: str) -> int | None:
    """The best open price on `side` ("buy": the highest bid, "sell": the lowest ask), or None. O(log n)."""
    best = next(_iter_levels(state, denom, side), None)
    return None if best is None else best.price


def iter_side(
    state: State, denom: str, side: str, skip_height: int, accepts: Callable[[int], bool]
) -> Iterator[tuple[int, Order]]:
    """Open orders of one side of the market in priority order (best price, then id) while `accepts(price)`,
    leaving out those placed at `skip_height` (0: none). Reads the book index a page at a time, so the cost is
    the orders visited (and skipped), not the book's size."""
    orders = state[ORDERS]
    offset = 0
    while True:
        _, keys = orders.page_index("by_level", (denom, side), offset, _PAGE)
        if not keys:
            return
        offset += len(keys)
        for order_id, order in orders.rows(keys):
            if not accepts(order.price):
                return
            if order.placed_height != skip_height:
                yield order_id, order


def get_last_auction(state: State, denom: str) -> AuctionResult | None:
    """The market's last auction that traded, or None before its first trade."""
    return state[AUCTIONS].get(denom)


def get_clearing_accumulator(state: State, denom: str) -> PriceAccumulator:
    """The market's clearing-price accumulator (observed at the end of each block whose auction traded)."""
    return state[CLEARING_PRICES].get_or(denom, _NO_ACCUMULATOR)


def get_clearing_accumulators(state: State) -> list[tuple[str, PriceAccumulator]]:
    """Every market's clearing-price accumulator (markets whose auctions have traded), by base denom. O(markets)."""
    return state[CLEARING_PRICES].items_sorted()


def get_observed_gos_index(state: State) -> int:
    """The GOS index the clearing prices in force were observed at (INDEX_ONE before any burn)."""
    return state[BOOK_OBSERVED_GOS_INDEX].get()


def compute_reindexed_price(price: int, observed_index: int, index: int) -> int:
    """A ugos price observed at `observed_index`, at the GOS index `index`: a burn shrinks every ugos amount by
    index / observed_index, and with it every ugos price (rounded down, as the pools' prices)."""
    return price * index // observed_index


def get_whole_unit(state: State, denom: str) -> int:
    """Base units in one whole unit of `denom` (10^decimals): the unit prices are quoted per."""
    whole: int = 10 ** get_denom_unit(state, denom).decimals
    return whole


def compute_notional(quantity: int, price: int, whole: int) -> int:
    """ugos that `quantity` base units cost at `price` ugos per whole unit (exact for listed tick and lot sizes)."""
    return quantity * price // whole


def compute_fee(notional: int, fee_ppm: int) -> int:
    """A fee on `notional` ugos, rounded down."""
    return notional * fee_ppm // PPM


def compute_order_escrow(state: State, denom: str, side: str, price: int, quantity: int) -> int:
    """What an order escrows when placed: for a buy, ugos for its notional at its limit plus the worst-case
    (taker) fee, rounded up — and after the first burn a rounding reserve per lot (`compute_buy_escrow`); for a
    sell, its base units. The market must be listed."""
    if side != "buy":
        return quantity
    market = state[MARKETS].get(denom)
    require(market is not None, UnknownMarketError, f"no {denom}/GOS market is listed")
    assert market is not None
    return compute_market_buy_escrow(market, get_whole_unit(state, denom), get_gos_index(state), price, quantity)


def compute_market_buy_escrow(market: Market, whole: int, index: int, price: int, quantity: int) -> int:
    """ugos a buy of `quantity` at `price` escrows on `market` (`compute_order_escrow`), given its base's whole unit
    and the GOS index: for callers that have read them already."""
    reserve = get_rounding_reserve(index)
    return compute_buy_escrow(quantity, price, whole, market.lot, market.taker_fee_ppm, reserve)


def get_buy_rounding_reserve(state: State) -> int:
    """ugos per lot a buy placed now escrows for rounding (`get_rounding_reserve` at the current GOS index): what
    a wallet adds to an order's value and fee to know its escrow."""
    return get_rounding_reserve(get_gos_index(state))


def get_rounding_reserve(index: int) -> int:
    """ugos per lot a buy escrows for the share rounding of its fills: none while a share is worth exactly 1 ugos
    (before any burn), ROUNDING_RESERVE_UGOS_PER_LOT after."""
    return 0 if index == INDEX_ONE else ROUNDING_RESERVE_UGOS_PER_LOT


def compute_buy_escrow(quantity: int, price: int, whole: int, lot: int, taker_fee_ppm: int, reserve: int) -> int:
    """ugos a buy of `quantity` at limit `price` must have in escrow: its notional, the taker fee rounded up and
    `reserve` ugos per lot. After a burn each fill pays its GOS in whole shares rounded up, up to about 2 ugos more
    than its exact price; the reserve (refunded when the order closes) absorbs that for every fill the order can
    have (at least one lot each), so an order keeps covering its remainder until a burn after its placement
    shrinks its escrow (docs/book.md, "Orders")."""
    notional = compute_notional(quantity, price, whole)
    return notional + -(-notional * taker_fee_ppm // PPM) + reserve * (quantity // lot)


def compute_covered_quantity(ugos: int, price: int, whole: int, lot: int, taker_fee_ppm: int, reserve: int) -> int:
    """The most base units, in whole lots, whose buy escrow at `price` (`compute_buy_escrow`) `ugos` covers: what a
    buy whose escrow is worth `ugos` may still trade."""
    unit = compute_buy_escrow(lot, price, whole, lot, taker_fee_ppm, reserve)
    # n lots escrow between n × (unit - 1) and n × unit (the fee's rounding up happens once): bisect between.
    low, high = ugos // unit, ugos // max(unit - 1, 1) + 1  # escrow(low) ≤ ugos < escrow(high)
    while high - low > 1:
        middle = (low + high) // 2
        if compute_buy_escrow(middle * lot, price, whole, lot, taker_fee_ppm, reserve) <= ugos:
            low = middle
        else:
            high = middle
    return low * lot


def compute_buy_cost(quantity: int, price: int, whole: int, fee_ppm: int) -> int:
    """ugos a buy of `quantity` at `price` pays with its fee (notional + fee rounded down)."""
    notional = compute_notional(quantity, price, whole)
    return notional + compute_fee(notional, fee_ppm)


def compute_affordable_quantity(ugos: int, price: int, whole: int, lot: int, fee_ppm: int) -> int:
    """The most base units, in whole lots, that `ugos` buys at `price` with a fee of `fee_ppm` (0 if not a lot)."""
    if price <= 0 or lot <= 0:
        return 0
    lots = ugos * PPM * whole // (price * lot * (PPM + fee_ppm))  # a lower bound: the fee rounds down
    while compute_buy_cost((lots + 1) * lot, price, whole, fee_ppm) <= ugos:
        lots += 1
    while lots > 0 and compute_buy_cost(lots * lot, price, whole, fee_ppm) > ugos:
        lots -= 1
    return lots * lot


def quote_book_fill(state: State, denom: str, denom_in: str, amount_in: int) -> BookQuote | None:
    """What the open orders would give a lone taker for `amount_in` of `denom_in` (ugos buys the base, the base
    sells for ugos), after the taker fee: walking the opposite side best first, the depth that gives the most out
    at its one (worst) price. None when nothing rests on that side or no market is listed. O(levels crossed)."""
    market = get_market(state, denom)
    if market is None:
        return None
    whole = get_whole_unit(state, denom)
    buying = denom_in == GOS_DENOM
    best: BookQuote | None = None
    reachable = 0
    for level in _iter_levels(state, denom, "sell" if buying else "buy"):
        reachable += level.quantity
        if buying:
            quantity = min(
                reachable,
                compute_affordable_quantity(amount_in, level.price, whole, market.lot, market.taker_fee_ppm),
            )
            fee = compute_fee(compute_notional(quantity, level.price, whole), market.taker_fee_ppm)
            out = quantity
        else:
            quantity = min(reachable, amount_in // market.lot * market.lot)
            notional = compute_notional(quantity, level.price, whole)
            fee = compute_fee(notional, market.taker_fee_ppm)
            out = notional - fee
        if best is None or out > best.amount_out:
            best = BookQuote(out, quantity, level.price, fee)
        if quantity < reachable:  # deeper levels only worsen the one price without adding quantity
            return best
    return best


# --- Routed swaps: the pool or the book, whichever gives more (docs/book.md, "Routing") ---


class RouteQuote(NamedTuple):
    """Where a routed swap would be filled now, and what each route quotes for it."""

    pool: SwapQuote | None
    """The pool's quote (None: an empty pool)."""
    book: BookQuote | None
    """The open orders' quote (None: nothing rests on the side it would take)."""
    book_order: MsgPlaceOrder | None
    """The immediate-or-cancel order the book route places; None: the pool is the route."""


def quote_route(state: State, msg: MsgRoutedSwap) -> RouteQuote:
    """Both routes' quotes for `msg` (checked by check_routed_swap) and the one the chain takes now: the book when
    its quote for the whole amount (`quote_book_fill`, after the taker fee) gives strictly more than the pool
    (a tie goes to the pool, which settles at once) and at least `min_out`, and its order is a valid order of an
    open market (at least its minimum notional). The order buys or sells the quote's quantity at the quote's worst
    price, so the block's auction fills it at that price or better."""
    book = quote_book_fill(state, msg.pair, msg.denom_in, msg.amount_in)
    pool = quote_swap(state, msg.pair, msg.denom_in, msg.amount_in, get_pair_decimals(state, msg.pair))
    pool_out = 0 if pool is None else pool.amount_out
    if book is None or book.amount_out <= pool_out or book.amount_out < msg.min_out:
        return RouteQuote(pool, book, None)
    return RouteQuote(pool, book, _book_order(state, msg, book))


def compute_book_route(state: State, msg: MsgRoutedSwap) -> MsgPlaceOrder | None:
    """The immediate-or-cancel order that fills `msg` on the book when the book is the better route
    (`quote_route`); None: the pool is the route."""
    return quote_route(state, msg).book_order


def _book_order(state: State, msg: MsgRoutedSwap, quote: BookQuote) -> MsgPlaceOrder | None:
    market = get_market(state, msg.pair)
    if market is None or market.halted or quote.quantity == 0:
        return None
    side = "buy" if msg.denom_in == GOS_DENOM else "sell"
    order = MsgPlaceOrder(msg.pair, side, quote.worst_price, quote.quantity, "ioc", 0)
    notional = compute_notional(order.quantity, order.price, get_whole_unit(state, msg.pair))
    return order if notional >= market.min_notional_ugos else None
