"""Placing and cancelling orders. Orders join the end-of-block auction of their market (lifecycle.py); trading
requires the KYC level `trade_min_kyc_level`, as on the pools."""

from gostaking.chain.env import Context
from gostaking.chain.errors import InsufficientFundsError, require, require_amount
from gostaking.chain.modules.bank.queries import compute_ugos_to_shares_ceil, get_balance, get_gos_index, get_shares
from gostaking.chain.modules.book.errors import (
    NotOrderOwnerError,
    OrderLimitError,
    OrderShapeError,
    PostOnlyCrossError,
    UnknownOrderError,
)
from gostaking.chain.modules.book.events import OrderPlacedEvent
from gostaking.chain.modules.book.mutations import close_order, open_order
from gostaking.chain.modules.book.queries import (
    compute_book_route,
    compute_notional,
    compute_order_escrow,
    count_open_orders,
    get_book_params,
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
    market = require_open_market(state, msg.market)
    require(msg.side in SIDES, OrderShapeError, f"side must be buy or sell, not {msg.side!r}")
    require(
        msg.time_in_force in TIMES_IN_FORCE,
        OrderShapeError,
        f"time_in_force must be gtc, ioc or post_only, not {msg.time_in_force!r}",
    )
    require_amount(msg.price)
    require_amount(msg.quantity)
    require(msg.price % market.tick_ugos == 0, OrderShapeError, f"price must be a multiple of {market.tick_ugos} ugos")
    require(msg.quantity % market.lot == 0, OrderShapeError, f"quantity must be a multiple of the lot {market.lot}")
    notional = compute_notional(msg.quantity, msg.price, get_whole_unit(state, msg.market))
    require(
        notional >= market.min_notional_ugos,
        OrderShapeError,
        f"notional {notional} ugos is below the market's minimum {market.min_notional_ugos}",
    )
    height = state.height.get()
    require(
        msg.expiry_height == 0 or msg.expiry_height > height,
        OrderShapeError,
        f"expiry_height must be 0 (none) or after the current height {height}",
    )


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
    require_kyc_level(
        state, owner, ctx.height, state.params.get().compliance.trade_min_kyc_level, "trading on the exchange"
    )
    params = get_book_params(state)
    open_orders = count_open_orders(state, owner)
    require(
        open_orders < params.max_open_orders_per_account,
        OrderLimitError,
        f"{owner} has {open_orders} open orders, the most an account may have",
    )
    if msg.time_in_force == "post_only":
        require(
            not _crosses_resting(state, msg, ctx.height),
            PostOnlyCrossError,
            f"a post-only {msg.side} at {msg.price} would trade against the resting book",
        )
    escrow = compute_order_escrow(state, msg.market, msg.side, msg.price, msg.quantity)
    if msg.side == "buy":
        escrow = compute_ugos_to_shares_ceil(escrow, get_gos_index(state))
        held = get_shares(state, owner)
        require(held >= escrow, InsufficientFundsError, f"{owner} has too little GOS for the order's escrow")
    else:
        held = get_balance(state, owner, msg.market)
        require(held >= escrow, InsufficientFundsError, f"{owner} has {held} {msg.market}, the order needs {escrow}")
    order = Order(
        owner,
        msg.market,
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
    require(
        placed <= params.max_orders_per_block,
        OrderLimitError,
        f"the block has its {params.max_orders_per_block} orders already",
    )
    ctx.emit(
        OrderPlacedEvent(
            order_id=order_id,
            owner=owner,
            market=msg.market,
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
