"""Book-module writes: markets, orders with their escrow, the aggregated depth, auctions and their clearing-price
accumulators, and the funds they move through the bank (GOS as shares of the burn index, bases as base units)."""

from msgspec.structs import replace

from gostaking.chain.constants import BOOK_ACCOUNT, COMMUNITY_POOL_ACCOUNT
from gostaking.chain.env import Context
from gostaking.chain.modules.bank.mutations import add_units, move_units, sub_units
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.book.events import MarketHaltChangedEvent, MarketListedEvent, OrderClosedEvent
from gostaking.chain.modules.book.queries import get_clearing_accumulator
from gostaking.chain.modules.book.tables import (
    AUCTIONS,
    BOOK_OBSERVED_GOS_INDEX,
    BOOK_TOTALS,
    CLEARING_PRICES,
    DEPTH,
    EXPIRIES,
    MARKETS,
    ORDERS,
)
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State
from gostaking.chain.twap import observe_no_price, observe_price
from gostaking.chain.types.book import AuctionResult, BookTotals, LevelTotals, Market, Order


def list_market(state: State, ctx: Context, denom: str, market: Market) -> None:
    """Open the base/GOS market of `denom` (genesis or a passed listing proposal; the caller has checked it)."""
    state[MARKETS].put(denom, market)
    ctx.emit(MarketListedEvent(market=denom, tick_ugos=market.tick_ugos, lot=market.lot))


def set_market_halted(state: State, ctx: Context, denom: str, market: Market, halted: bool) -> None:
    """Halt or resume the listed `market` of `denom` (a passed MarketHaltProposal; the caller has checked that it
    changes the market). Resting orders are left as they are: they may be cancelled, and they expire as usual."""
    state[MARKETS].put(denom, replace(market, halted=halted))
    ctx.emit(MarketHaltChangedEvent(market=denom, halted=halted))


def open_order(state: State, order: Order) -> tuple[int, int]:
    """Take the order's escrow from its owner (`order.escrow`: GOS shares for a buy, base units for a sell; the
    caller has checked the owner holds it), store it under the next id, add it to its depth level and count it in
    its block. Returns (its id, the orders placed in its block so far)."""
    denom = GOS_DENOM if order.side == "buy" else order.market
    move_units(state, order.owner, BOOK_ACCOUNT, denom, order.escrow)
    totals = state[BOOK_TOTALS].get()
    order_id, height = totals.next_order_id, order.placed_height
    placed = totals.block_orders + 1 if totals.block_height == height else 1
    state[BOOK_TOTALS].set(BookTotals(order_id + 1, height, placed))
    state[ORDERS].put(order_id, order)
    if order.expiry_height:
        state[EXPIRIES].put((order.expiry_height, order_id), 0)
    change_depth(state, order.market, order.side, order.price, order.remaining, 1)
    return order_id, placed


def settle_fill(state: State, order: Order, quantity: int, paid: int, received: int, payouts: dict[str, int]) -> Order:
    """Pay out a fill of `quantity` base units: the order's escrow gives `paid` (GOS shares for a buy, its base
    units for a sell, which the module keeps for the counterparties) and its owner receives `received` (base units
    for a buy, GOS shares for a sell) from the module, through the auction's `payouts` (`pay_from_book`). Returns
    the order as it is now; the caller stores it (`store_order`) or closes it, and changes its depth level
    (`change_depth`), once per auction."""
    pay_from_book(state, order.owner, order.market if order.side == "buy" else GOS_DENOM, received, payouts)
    return replace(order, remaining=order.remaining - quantity, escrow=order.escrow - paid)


def store_order(state: State, order_id: int, order: Order) -> None:
    """Keep an open order as it is after a fill."""
    state[ORDERS].put(order_id, order)


def pay_fees(state: State, shares: int, payouts: dict[str, int]) -> None:
    """Move the auction's fees (GOS shares the buyers paid beyond what the sellers received) to the community
    pool, through the auction's `payouts`."""
    pay_from_book(state, COMMUNITY_POOL_ACCOUNT, GOS_DENOM, shares, payouts)


def pay_from_book(state: State, recipient: str, denom: str, units: int, payouts: dict[str, int] | None) -> None:
    """Pay `units` of `denom` from the module account to `recipient`: at once, or with an auction's `payouts`
    (denom → units owed) credit the recipient now and count the units, which `release_payouts` debits from the
    module account in one write per denom. An auction pays every order it touches: one debit per denom instead
    of one per payment, with the same balances after the auction (nothing reads the module's balance during it)."""
    if payouts is None:
        move_units(state, BOOK_ACCOUNT, recipient, denom, units)
    else:
        add_units(state, recipient, denom, units)
        payouts[denom] = payouts.get(denom, 0) + units


def release_payouts(state: State, payouts: dict[str, int]) -> None:
    """Debit the module account for what an auction paid out through `payouts` (`pay_from_book`), and clear them."""
    for denom in sorted(payouts):
        sub_units(state, BOOK_ACCOUNT, denom, payouts[denom])
    payouts.clear()


def close_order(
    state: State,
    ctx: Context,
    order_id: int,
    order: Order,
    reason: str,
    *,
    depth: bool = True,
    payouts: dict[str, int] | None = None,
) -> int:
    """Remove an open order and return its remaining escrow to its owner (through an auction's `payouts`, if
    given: `pay_from_book`); returns the refund (ugos for a buy, base units for a sell) as the closing event
    reports it. `depth=False`: the caller takes the order out of its depth level itself (an auction changes each
    level once)."""
    state[ORDERS].delete(order_id)
    if order.expiry_height:
        state[EXPIRIES].delete((order.expiry_height, order_id))
    if depth:
        change_depth(state, order.market, order.side, order.price, -order.remaining, -1)
    if order.side == "buy":
        pay_from_book(state, order.owner, GOS_DENOM, order.escrow, payouts)
        refund = compute_shares_to_ugos(order.escrow, get_gos_index(state))
    else:
        pay_from_book(state, order.owner, order.market, order.escrow, payouts)
        refund = order.escrow
    ctx.emit(
        OrderClosedEvent(
            order_id=order_id,
            owner=order.owner,
            market=order.market,
            remaining=order.remaining,
            refund=refund,
            reason=reason,
        )
    )
    return refund


def record_auction(state: State, denom: str, result: AuctionResult) -> None:
    """Keep an auction that traded as the market's last, and observe its clearing price for the TWAP."""
    state[AUCTIONS].put(denom, result)
    accumulator = get_clearing_accumulator(state, denom)
    state[CLEARING_PRICES].put(denom, observe_price(accumulator, result.height, result.price))


def reobserve_clearing_price(state: State, denom: str, height: int, price: int) -> None:
    """Observe `price` (0: none) at the end of block `height` as the market's clearing price in force from the next
    block, without an auction (a burn moved the GOS index, and every ugos price with it)."""
    accumulator = get_clearing_accumulator(state, denom)
    observed = observe_price(accumulator, height, price) if price else observe_no_price(accumulator, height)
    state[CLEARING_PRICES].put(denom, observed)


def set_observed_gos_index(state: State, index: int) -> None:
    """Remember the GOS index the clearing prices in force were observed at (written only when a burn moved it)."""
    if state[BOOK_OBSERVED_GOS_INDEX].get() != index:
        state[BOOK_OBSERVED_GOS_INDEX].set(index)


def change_depth(state: State, market: str, side: str, price: int, quantity: int, orders: int) -> None:
    """Add `quantity` base units and `orders` orders to a (market, side, price) level; an emptied level is
    removed."""
    key = (market, side, price)
    depth = state[DEPTH]
    level = depth.get(key)
    if level is None:
        depth.put(key, LevelTotals(quantity, orders))
    elif level.orders + orders == 0:
        depth.delete(key)
    elif quantity or orders:
        depth.put(key, LevelTotals(level.quantity + quantity, level.orders + orders))
