"""End-block work of the book: one batch auction per market that received orders this block, then expiries.

The block's new orders are the order ids it added (ids count up; `BookTotals` counts the block's orders), so
markets without new orders cost nothing. A market's auction takes its new orders and the resting orders that cross them,
walking the resting book from its best price only while it crosses: its cost grows with the block's orders and
the levels crossed, never with the resting book's size (docs/book.md).
"""

from gostaking.chain.env import Context
from gostaking.chain.modules.bank.queries import (
    compute_shares_to_ugos,
    compute_ugos_to_shares_ceil,
    compute_ugos_to_shares_floor,
    get_gos_index,
)
from gostaking.chain.modules.book.auction import Bid, Clearing, allocate, compute_clearing
from gostaking.chain.modules.book.events import AuctionClearedEvent, OrderFilledEvent
from gostaking.chain.modules.book.mutations import (
    change_depth,
    close_order,
    pay_fees,
    record_auction,
    release_payouts,
    reobserve_clearing_price,
    set_observed_gos_index,
    settle_fill,
    store_order,
)
from gostaking.chain.modules.book.queries import (
    compute_buy_escrow,
    compute_covered_quantity,
    compute_fee,
    compute_notional,
    compute_reindexed_price,
    get_book_params,
    get_book_totals,
    get_clearing_accumulators,
    get_last_auction,
    get_market,
    get_observed_gos_index,
    get_rounding_reserve,
    get_whole_unit,
    iter_side,
)
from gostaking.chain.modules.book.tables import EXPIRIES, ORDERS
from gostaking.chain.state import State
from gostaking.chain.types.book import AuctionResult, Market, Order


def observe_burned_clearing_prices(state: State, ctx: Context) -> None:
    """In a block whose burn moved the GOS index, re-observe every market's clearing price in force at the new index
    (`compute_reindexed_price`), in force from the next block: a market without a trade after a burn would
    otherwise keep its pre-burn ugos price (about 10% high) in the oracle's average, while the pools' prices moved
    with the burn (dex's `observe_pool_prices`). Runs before the block's auctions, whose new clearing prices, at
    the new index, replace it. O(markets), and only in a block whose index moved; otherwise O(1)."""
    index = get_gos_index(state)
    observed = get_observed_gos_index(state)
    if index == observed:
        return
    for denom, accumulator in get_clearing_accumulators(state):
        if accumulator.price:
            price = compute_reindexed_price(accumulator.price, observed, index)
            reobserve_clearing_price(state, denom, ctx.height, price)
    set_observed_gos_index(state, index)


def process_auctions(state: State, ctx: Context) -> None:
    """Run the auction of every market that received orders in this block, in market order."""
    totals = get_book_totals(state)
    if totals.block_height != ctx.height:
        return
    by_market: dict[str, list[tuple[int, Order]]] = {}
    # Order ids count up, so this block's orders are the last `block_orders` ids (those still open).
    block_ids = range(totals.next_order_id - totals.block_orders, totals.next_order_id)
    for order_id, order in state[ORDERS].rows(list(block_ids)):
        by_market.setdefault(order.market, []).append((order_id, order))
    for denom in sorted(by_market):
        _run_auction(state, ctx, denom, by_market[denom])


def process_expiries(state: State, ctx: Context) -> None:
    """Close the orders whose expiry height has come, oldest expiry first, at most `max_expiries_per_block`
    (the rest in the next blocks)."""
    limit = get_book_params(state).max_expiries_per_block
    _, due = state[EXPIRIES].page_index("in_order", (), 0, limit)
    for expiry_height, order_id in due:
        if expiry_height > ctx.height:
            break
        order = state[ORDERS].get(order_id)
        assert order is not None, "an expiry entry names an open order"
        close_order(state, ctx, order_id, order, "expired")


def _effective_bid(order_id: int, order: Order, market: Market, whole: int, index: int, reserve: int) -> Bid:
    """The order as the auction sees it: a buy trades at most what its escrow covers at its limit, rounding reserve
    (`reserve`, at `index`) included (after a burn its GOS shares are worth less than when it was placed)."""
    quantity = order.remaining
    if order.side == "buy":
        available = compute_shares_to_ugos(order.escrow, index)
        # An escrow that covers the whole remainder (every order until a burn shrinks it) needs no search for the
        # quantity it covers: the escrow grows with the quantity, so the remainder is the answer.
        if available < compute_buy_escrow(quantity, order.price, whole, market.lot, market.taker_fee_ppm, reserve):
            covered = compute_covered_quantity(available, order.price, whole, market.lot, market.taker_fee_ppm, reserve)
            quantity = min(quantity, covered)
    return Bid(order_id, order.side, order.price, quantity)


def _run_auction(state: State, ctx: Context, denom: str, new_orders: list[tuple[int, Order]]) -> None:
    orders = state[ORDERS]
    market = get_market(state, denom)
    assert market is not None, "orders exist only on listed markets"
    whole = get_whole_unit(state, denom)
    index = get_gos_index(state)
    reserve = get_rounding_reserve(index)
    height = ctx.height
    takers: list[tuple[int, Order]] = []
    post_only: list[tuple[int, Order]] = []
    for order_id, order in new_orders:
        (post_only if order.time_in_force == "post_only" else takers).append((order_id, order))
    highest_buy = max((o.price for _, o in takers if o.side == "buy"), default=None)
    lowest_sell = min((o.price for _, o in takers if o.side == "sell"), default=None)
    resting: list[tuple[int, Order]] = []
    if highest_buy is not None:
        resting += iter_side(state, denom, "sell", height, lambda price: price <= highest_buy)
    if lowest_sell is not None:
        resting += iter_side(state, denom, "buy", height, lambda price: price >= lowest_sell)
    taking = dict(takers + resting)
    bids = [_effective_bid(i, o, market, whole, index, reserve) for i, o in taking.items()]
    underfunded = {b.order_id for b in bids if b.quantity < taking[b.order_id].remaining}
    last = get_last_auction(state, denom)
    clearing = compute_clearing(bids, last.price if last else 0)
    depth: dict[tuple[str, int], list[int]] = {}
    payouts: dict[str, int] = {}
    if clearing is not None:
        fills = allocate(bids, clearing)
        taking.update(_settle(state, ctx, denom, market, whole, index, clearing, fills, taking, payouts))
        for bid, quantity in fills:
            _add_depth(depth, bid.side, bid.price, -quantity, 0)
    for order_id in sorted(taking):
        order = taking[order_id]
        reason = (
            "filled"
            if order.remaining == 0
            else "underfunded"
            if order_id in underfunded
            else "ioc_remainder"
            if order.time_in_force == "ioc"
            else None
        )
        if reason is not None:
            close_order(state, ctx, order_id, order, reason, depth=False, payouts=payouts)
            _add_depth(depth, order.side, order.price, -order.remaining, -1)
        elif order != orders.get(order_id):
            store_order(state, order_id, order)
    release_payouts(state, payouts)
    for (side, price), (quantity, count) in sorted(depth.items()):
        change_depth(state, denom, side, price, quantity, count)
    for order_id, order in post_only:
        if _crosses_book(state, denom, order_id, order, height):
            close_order(state, ctx, order_id, order, "post_only_crossed")


def _add_depth(depth: dict[tuple[str, int], list[int]], side: str, price: int, quantity: int, orders: int) -> None:
    level = depth.setdefault((side, price), [0, 0])
    level[0] += quantity
    level[1] += orders


def _crosses_book(state: State, denom: str, order_id: int, order: Order, height: int) -> bool:
    """Whether the post-only order would trade against an open opposite order after the auction (this block's
    later post-only orders excepted: of two crossing post-only orders the earlier rests, the later is closed)."""
    opposite = "sell" if order.side == "buy" else "buy"
    crossing = (lambda price: price <= order.price) if order.side == "buy" else (lambda price: price >= order.price)
    return any(
        not (other.placed_height == height and other.time_in_force == "post_only" and other_id > order_id)
        for other_id, other in iter_side(state, denom, opposite, 0, crossing)
    )


def _settle(
    state: State,
    ctx: Context,
    denom: str,
    market: Market,
    whole: int,
    index: int,
    clearing: Clearing,
    fills: list[tuple[Bid, int]],
    taking: dict[int, Order],
    payouts: dict[str, int],
) -> dict[int, Order]:
    """Move the funds of the fills (the module's side through `payouts`) and return the filled orders as they are
    now. Each buyer's escrow pays its notional at the clearing price plus its fee (GOS shares rounded up) and
    receives its base units; each seller's escrowed base units go to the buyers and it receives its notional less
    its fee (GOS shares rounded down); what the buyers paid beyond what the sellers received — the fees and the
    share rounding — goes to the community pool."""
    price = clearing.price
    height = ctx.height
    maker_fee_ppm, taker_fee_ppm = market.maker_fee_ppm, market.taker_fee_ppm
    collected = paid_out = 0
    filled: dict[int, Order] = {}
    for bid, quantity in sorted(fills, key=lambda fill: fill[0].order_id):
        order_id = bid.order_id
        order = taking[order_id]
        maker = order.placed_height < height
        notional = compute_notional(quantity, price, whole)
        fee = compute_fee(notional, maker_fee_ppm if maker else taker_fee_ppm)
        if order.side == "buy":
            shares = min(compute_ugos_to_shares_ceil(notional + fee, index), order.escrow)
            collected += shares
            order = settle_fill(state, order, quantity, shares, quantity, payouts)
        else:
            shares = compute_ugos_to_shares_floor(notional - fee, index)
            paid_out += shares
            order = settle_fill(state, order, quantity, quantity, shares, payouts)
        filled[order_id] = order
        ctx.emit(
            OrderFilledEvent(
                order_id=order_id,
                owner=order.owner,
                market=denom,
                side=order.side,
                price=price,
                quantity=quantity,
                notional_ugos=notional,
                fee_ugos=fee,
                maker=maker,
                remaining=order.remaining,
            )
        )
    pay_fees(state, collected - paid_out, payouts)
    notional_total = compute_notional(clearing.volume, price, whole)
    record_auction(state, denom, AuctionResult(ctx.height, price, clearing.volume, notional_total))
    ctx.emit(
        AuctionClearedEvent(
            market=denom, price=price, volume=clearing.volume, notional_ugos=notional_total, fills=len(fills)
        )
    )
    return filled
