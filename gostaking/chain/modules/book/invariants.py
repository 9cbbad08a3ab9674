"""Invariants of the book module: escrow, depth and an uncrossed book."""

from collections import Counter

from gostaking.chain.constants import BOOK_ACCOUNT
from gostaking.chain.invariants import check
from gostaking.chain.modules.bank.queries import get_balance, get_shares
from gostaking.chain.modules.book.queries import get_best_price, get_markets
from gostaking.chain.modules.book.tables import DEPTH, ORDERS
from gostaking.chain.state import State


def check_escrow(state: State) -> None:
    """The module account holds exactly the escrow of the open orders: GOS shares for the buys and, per base
    denom, base units for the sells (a sell escrows exactly its remainder)."""
    gos = 0
    bases: Counter[str] = Counter()
    for order in state[ORDERS].values():
        check(0 < order.remaining <= order.quantity, f"an open order has {order.remaining} of {order.quantity} left")
        if order.side == "buy":
            gos += order.escrow
        else:
            check(order.escrow == order.remaining, f"a sell escrows {order.escrow}, not its remainder")
            bases[order.market] += order.escrow
    held = get_shares(state, BOOK_ACCOUNT)
    check(held == gos, f"the book holds {held} GOS shares, its buy orders escrow {gos}")
    for denom, _ in get_markets(state):
        held = get_balance(state, BOOK_ACCOUNT, denom)
        check(held == bases[denom], f"the book holds {held} {denom}, its sell orders escrow {bases[denom]}")


def check_depth(state: State) -> None:
    """The depth table is the open orders aggregated per (market, side, price)."""
    levels: Counter[tuple[str, str, int]] = Counter()
    counts: Counter[tuple[str, str, int]] = Counter()
    for order in state[ORDERS].values():
        levels[(order.market, order.side, order.price)] += order.remaining
        counts[(order.market, order.side, order.price)] += 1
    stored = state[DEPTH].items_sorted()
    check(len(stored) == len(counts), f"{len(stored)} depth levels for {len(counts)} levels of open orders")
    for key, level in stored:
        check(
            level.quantity == levels[key] and level.orders == counts[key],
            f"depth level {key} says {level.quantity} in {level.orders} orders, the orders {levels[key]} in "
            f"{counts[key]}",
        )


def check_uncrossed(state: State) -> None:
    """After the auctions no market's book crosses: its best bid is below its best ask. (Between a block's
    transactions its new orders may cross; invariants run on committed states.)"""
    for denom, _ in get_markets(state):
        bid, ask = get_best_price(state, denom, "buy"), get_best_price(state, denom, "sell")
        check(bid is None or ask is None or bid < ask, f"the {denom}/GOS book is crossed: bid {bid} ≥ ask {ask}")
