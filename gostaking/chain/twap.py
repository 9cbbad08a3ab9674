"""Time-weighted average prices (Uniswap v2's cumulative price, counted in blocks instead of seconds).

A market keeps one `PriceAccumulator`: the price in force and the running sum, over past heights, of the price in
force at each height. A price observed at the end of block h is in force from block h + 1 on, so a price pushed
away and back inside one block never counts, and one pushed away for a single block counts for one block: the
average over a window of W blocks moves by at most 1/W of the push. The average over (h0, h1] is
(cumulative_at(h1) - cumulative_at(h0)) // (h1 - h0); a reader keeps the cumulative at h0 (a checkpoint).

Prices are integers (ugos per whole unit of the asset, as the oracle's); 0 means "no price" (not yet, or no
longer: `observe_no_price`) and is never averaged in: an average starts at or after the observation that (re)gave
the market its price (`first_height`).
"""

import msgspec


class PriceAccumulator(msgspec.Struct, frozen=True, array_like=True):
    """A market's price in force and the sum of past prices, one term per block."""

    price: int = 0
    """The price in force for every block after `since_height` (0 before the first observation)."""
    since_height: int = 0
    """The block at whose end `price` was observed."""
    cumulative: int = 0
    """Sum of the price in force at each block up to and including `since_height`."""
    first_height: int = 0
    """The block at whose end the first price was observed (0 while there is none): averages start after it."""


def cumulative_at(acc: PriceAccumulator, height: int) -> int:
    """The sum of the prices in force at each block up to and including `height` (≥ acc.since_height)."""
    return acc.cumulative + acc.price * (height - acc.since_height)


def observe_price(acc: PriceAccumulator, height: int, price: int) -> PriceAccumulator:
    """The accumulator after a price observed at the end of block `height` (≥ acc.since_height; price > 0)."""
    first = acc.first_height if acc.price else height
    return PriceAccumulator(price, height, cumulative_at(acc, height), first)


def observe_no_price(acc: PriceAccumulator, height: int) -> PriceAccumulator:
    """The accumulator after the market stopped giving a price at the end of block `height` (≥ acc.since_height):
    a pool that became too shallow or was emptied. No price is in force after it, so no average is defined until a
    price is observed again, and averages then start at that observation (no window spans the gap)."""
    return PriceAccumulator(0, height, cumulative_at(acc, height), 0)


def time_weighted_average(acc: PriceAccumulator, height: int, checkpoint_height: int, checkpoint: int) -> int | None:
    """The average price over blocks (checkpoint_height, height], given the cumulative at checkpoint_height;
    None when the window is empty or starts before the first observed price (floor division: never rounds up)."""
    if acc.price == 0 or height <= checkpoint_height or checkpoint_height < acc.first_height:
        return None
    return (cumulative_at(acc, height) - checkpoint) // (height - checkpoint_height)
