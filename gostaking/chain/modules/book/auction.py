"""The uniform-price rule of the batch auction, as pure functions of the orders taking part (docs/book.md).

An order taking part is a `Bid`: its id, side, limit price and the quantity it can trade (its remainder, or for a
buy whose escrow no longer covers it, what the escrow covers). The clearing price is chosen among the limit
prices: the one that executes the most volume; ties go to the smallest imbalance |demand − supply|, then to the
price closest to the last clearing price, then to the lower. Allocation is price-time priority on each side:
better prices first, then lower order ids (resting orders were placed before the block's, and the block's are
numbered in arrival order), whole quantities until the volume is reached.
"""

from typing import NamedTuple


class Bid(NamedTuple):
    """An order as the auction sees it."""

    order_id: int
    side: str
    price: int
    quantity: int


class Clearing(NamedTuple):
    """The auction's price and the base units it trades (0: no trade)."""

    price: int
    volume: int
    demand: int
    supply: int


def compute_clearing(bids: list[Bid], last_price: int) -> Clearing | None:
    """The uniform price and volume for `bids`, or None when no price trades anything. O(k log k) for k bids."""
    buys = sorted((b.price, b.quantity) for b in bids if b.side == "buy")
    sells = sorted((b.price, b.quantity) for b in bids if b.side == "sell")
    if not buys or not sells or buys[-1][0] < sells[0][0]:
        return None
    candidates = sorted({price for price, _ in buys} | {price for price, _ in sells})
    # demand[c] = buys at or above c (walk down from the top), supply[c] = sells at or below c (walk up).
    demand_at: dict[int, int] = {}
    total, i = 0, len(buys) - 1
    for price in reversed(candidates):
        while i >= 0 and buys[i][0] >= price:
            total += buys[i][1]
            i -= 1
        demand_at[price] = total
    best: tuple[tuple[int, int, int, int], Clearing] | None = None
    total, j = 0, 0
    for price in candidates:
        while j < len(sells) and sells[j][0] <= price:
            total += sells[j][1]
            j += 1
        demand, supply = demand_at[price], total
        volume = min(demand, supply)
        if volume == 0:
            continue
        distance = abs(price - last_price) if last_price else 0
        rank = (-volume, abs(demand - supply), distance, price)
        if best is None or rank < best[0]:
            best = (rank, Clearing(price, volume, demand, supply))
    return None if best is None else best[1]


def allocate(bids: list[Bid], clearing: Clearing) -> list[tuple[Bid, int]]:
    """(bid, base units filled) for every bid that trades at `clearing`, buys then sells, each side in
    price-time priority (better price, then lower id)."""
    price = clearing.price
    buys = [b for b in bids if b.side == "buy" and b.quantity > 0 and b.price >= price]
    sells = [b for b in bids if b.side == "sell" and b.quantity > 0 and b.price <= price]
    buys.sort(key=lambda b: (-b.price, b.order_id))
    sells.sort(key=lambda b: (b.price, b.order_id))
    fills: list[tuple[Bid, int]] = []
    for taking in (buys, sells):
        left = clearing.volume
        for bid in taking:
            if left == 0:
                break
            quantity = min(bid.quantity, left)
            left -= quantity
            fills.append((bid, quantity))
    return fills
