"""Placing and cancelling orders. Orders join the end-of-block auction of their market (lifecycle.py); trading
requires the KYC level `trade_min_kyc_level`, as on the pools."""

from gostaking.chain.env import Context
from gostaking.chain.errors import MAX_AMOUNT, InsufficientFundsError, require, require_amount
from gostaking.chain.modules.bank.queries import compute_ugos_to_shares_ceil, get_balance, get_gos_index, get_shares
from gostaking.chain.modules.book.errors import (
    NotOrderOwnerError,
    OrderLimitError,
    OrderShapeError,
    PostOnlyCrossError,
    UnknownMarketError,
    UnknownOrderError,
)
from gostaking.chain.modules.book.events import OrderPlacedEvent
from gostaking.chain.modules.book.mutations import close_order, open_order
from gostaking.chain.modules.book.queries import (
    compute_book_route,
    compute_market_buy_escrow,
    compute_notional,
    count_open_orders,
    get_book_params,
    get_market,
    get_order,
    get_whole_unit,
    iter_side,
    require_open_market,
)
from gostaking.chain.modules.compliance.queries import require_kyc_level
from gostaking.chain.modules.dex.handlers import check_swap, process_swap
from gostaking.chain.state import State
from gostaking.chain.types.book import SIDES, TIMES_IN_FORCE, MsgCancelOrder, MsgPlaceOrder, MsgRoutedSwap, Order
from gostaking.chain.types.tx import MsgSwap


def check_place_order(state: State, msg: MsgPlaceOrder) -> None:
    """A known, unhalted market; side buy|sell; time in force gtc|ioc|post_only; a price within 1..2^256-1 on
    the market's tick; a quantity within 1..2^256-1 in whole lots; a notional of at least the market's minimum;
    an expiry of 0 (none) or a height after the current one."""
    # Runs for every order of every transaction: each refusal's message is formatted only when it is raised.
    market = require_open_market(state, msg.market)
    price, quantity = msg.price, msg.quantity
    if msg.side not in SIDES:
        raise OrderShapeError(f"side must be buy or sell, not {msg.side!r}")
    if msg.time_in_force not in TIMES_IN_FORCE:
        raise OrderShapeError(f"time_in_force must be gtc, ioc or post_only, not {msg.time_in_force!r}")
    if not 0 < price <= MAX_AMOUNT:
        require_amount(price)
    if not 0 < quantity <= MAX_AMOUNT:
        require_amount(quantity)
    if price % market.tick_ugos:
        raise OrderShapeError(f"price must be a multiple of {market.tick_ugos} ugos")
    if quantity % market.lot:
        raise OrderShapeError(f"quantity must be a multiple of the lot {market.lot}")
    notional = compute_notional(quantity, price, get_whole_unit(state, msg.market))
    if notional < market.min_notional_ugos:
        raise OrderShapeError(f"notional {notional} ugos is below the market's minimum {market.min_notional_ugos}")
    if msg.expiry_height:
        height = state.height.get()
        if msg.expiry_height <= height:
            raise OrderShapeError(f"expiry_height must be 0 (none) or after the current height {height}")


def check_cancel_order(state: State, msg: MsgCancelOrder) -> None:
    """An order id ≥ 1 (the first order is 1)."""
    require(msg.order_id >= 1, UnknownOrderError, f"no order {msg.order_id}: order ids start at 1")


def process_place_order(state: State, ctx: Context, msg: MsgPlaceOrder) -> None:
    """Take the order's escrow and enter it in this block's auction of its market."""
    submit_order(state, ctx, ctx.sender, msg)


def submit_order(state: State, ctx: Context, owner: str, msg: MsgPlaceOrder) -> int:
    """Place `msg` (checked by check_place_order) for `owner`: KYC, the account's and the block's order limits,
    post-only against the resting book, then the escrow (a buy: GOS shares for its notional at its limit plus the
    worst-case taker fee, rounded up; a sell: its base units). Returns the order id."""
    # Runs for every order: as in check_place_order, a refusal's message is formatted only when it is raised.
    require_kyc_level(
        state, owner, ctx.height, state.params.get().compliance.trade_min_kyc_level, "trading on the exchange"
    )
    params = get_book_params(state)
    open_orders = count_open_orders(state, owner)
    if open_orders >= params.max_open_orders_per_account:
        raise OrderLimitError(f"{owner} has {open_orders} open orders, the most an account may have")
    if msg.time_in_force == "post_only" and _crosses_resting(state, msg, ctx.height):
        raise PostOnlyCrossError(f"a post-only {msg.side} at {msg.price} would trade against the resting book")
    denom = msg.market
    if msg.side == "buy":
        market = get_market(state, denom)
        if market is None:
            raise UnknownMarketError(f"no {denom}/GOS market is listed")
        index = get_gos_index(state)
        escrow = compute_ugos_to_shares_ceil(
            compute_market_buy_escrow(market, get_whole_unit(state, denom), index, msg.price, msg.quantity), index
        )
        if get_shares(state, owner) < escrow:
            raise InsufficientFundsError(f"{owner} has too little GOS for the order's escrow")
    else:
        escrow = msg.quantity
        held = get_balance(state, owner, denom)
        if held < escrow:
            raise InsufficientFundsError(f"{owner} has {held} {denom}, the order needs {escrow}")
    order = Order(
        owner,
        denom,
        msg.side,
        msg.price,
        msg.quantity,
        msg.quantity,
        msg.time_in_force,
        msg.expiry_height,
        ctx.height,
        escrow,
    )
    order_id, placed = open_order(state, order)
    if placed > params.max_orders_per_block:
        raise OrderLimitError(f"the block has its {params.max_orders_per_block} orders already")
    ctx.emit(
        OrderPlacedEvent(
            order_id=order_id,
            owner=owner,
            market=denom,
            side=msg.side,
            price=msg.price,
            quantity=msg.quantity,
            time_in_force=msg.time_in_force,
            expiry_height=msg.expiry_height,
        )
    )
    return order_id


def _crosses_resting(state: State, msg: MsgPlaceOrder, height: int) -> bool:
    """Whether a resting opposite order (placed before this block) trades with `msg`'s price."""
    opposite = "sell" if msg.side == "buy" else "buy"
    crossing = (lambda price: price <= msg.price) if msg.side == "buy" else (lambda price: price >= msg.price)
    return next(iter_side(state, msg.market, opposite, height, crossing), None) is not None


def process_cancel_order(state: State, ctx: Context, msg: MsgCancelOrder) -> None:
    """Close one of the sender's open orders and return exactly its remaining escrow."""
    order = get_order(state, msg.order_id)
    if order is None:
        raise UnknownOrderError(f"no open order {msg.order_id}")
    require(order.owner == ctx.sender, NotOrderOwnerError, f"order {msg.order_id} belongs to {order.owner}")
    close_order(state, ctx, msg.order_id, order, "cancelled")


# --- Routed swaps: the pool or the book, whichever gives more (docs/book.md, "Routing") ---


def _as_pool_swap(msg: MsgRoutedSwap) -> MsgSwap:
    return MsgSwap(msg.pair, msg.denom_in, msg.amount_in, msg.min_out)


def check_routed_swap(state: State, msg: MsgRoutedSwap) -> None:
    """What a swap on the pair's pool needs (`check_swap`): a pair denom, paid in ugos or the pair's asset, an amount
    within 1..2^256-1 and a min_out of 0 or more. Either route may then fill it."""
    check_swap(state, _as_pool_swap(msg))


def process_routed_swap(state: State, ctx: Context, msg: MsgRoutedSwap) -> None:
    """Fill the swap where it gives more (`compute_book_route`): on the book, an immediate-or-cancel order that
    trades in this block's auction at the quoted price or better, its unfilled part refunded at the end of the
    block; otherwise on the pool now, failing below `min_out` as MsgSwap does."""
    order = compute_book_route(state, msg)
    if order is None:
        process_swap(state, ctx, _as_pool_swap(msg))
        return
    check_place_order(state, order)
    submit_order(state, ctx, ctx.sender, order)
