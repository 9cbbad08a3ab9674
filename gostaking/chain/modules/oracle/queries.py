"""Oracle reads, the aggregation rule and the exchange's time-weighted average prices."""

from typing import NamedTuple

from gostaking.chain.modules.book.queries import get_clearing_accumulator
from gostaking.chain.modules.dex.queries import get_pool_price_accumulator
from gostaking.chain.modules.oracle.tables import ORACLE_PRICES, PRICE_VOTES, TWAP_CHECKPOINTS
from gostaking.chain.numeric import PPM
from gostaking.chain.state import State
from gostaking.chain.twap import PriceAccumulator, cumulative_at, time_weighted_average
from gostaking.chain.types.oracle import OraclePrice, TwapCheckpoint


def compute_period(period_blocks: int, height: int) -> int:
    """Oracle period of a height; a period's last block is the one where height % period_blocks == 0."""
    return (height - 1) // period_blocks


def compute_median(prices: list[int]) -> int:
    """Lower median of a non-empty list (deterministic for even counts, never an average)."""
    ordered = sorted(prices)
    return ordered[(len(ordered) - 1) // 2]


def compute_aggregate(
    prices: list[int], feeders: int, min_feeders_ppm: int, band_ppm: int, market_prices: tuple[int, ...] = ()
) -> tuple[int, int] | None:
    """The oracle rule: with enough feeder quotes (≥ min_feeders_ppm of `feeders`), take the median of them and
    of the exchange's pool prices (`market_prices`), drop quotes outside ±band of it, and take the median of the
    rest if enough feeder quotes remain. Pool prices join the median but never make the quorum: a pool alone
    cannot set a price.

    Returns (price, quotes used) or None when the quorum is not met.
    """

    def enough(count: int) -> bool:
        return count > 0 and count * PPM >= min_feeders_ppm * feeders

    if not enough(len(prices)):
        return None
    first = compute_median([*prices, *market_prices])

    def near(price: int) -> bool:
        return abs(price - first) * PPM <= band_ppm * first

    kept = [p for p in prices if near(p)]
    if not enough(len(kept)):
        return None
    kept_market = [p for p in market_prices if near(p)]
    return compute_median(kept + kept_market), len(kept) + len(kept_market)


def get_period_quotes(state: State, denom: str, period: int, feeders: tuple[str, ...]) -> list[int]:
    """Prices quoted for `denom` in `period` by the given feeders (older quotes do not count)."""
    prices = []
    for feeder in feeders:
        vote = state[PRICE_VOTES].get((denom, feeder))
        if vote is not None and vote.period == period:
            prices.append(vote.price_ugos)
    return prices


def get_oracle_price(state: State, denom: str) -> OraclePrice | None:
    """The last aggregated price of an asset, or None before the first aggregate."""
    return state[ORACLE_PRICES].get(denom)


class MarketTwaps(NamedTuple):
    """The exchange's time-weighted average prices of an asset (ugos per whole asset) over the blocks
    (since_height, height]; a source without an average over the whole window is None."""

    height: int
    since_height: int | None
    """The checkpoint the window starts after: the newest period end at least `twap_window_blocks` before
    `height` (None while no checkpoint is that old)."""
    pool_ugos: int | None
    """The asset/GOS pool's price while deep enough (`get_oracle_market_price`), averaged."""
    book_ugos: int | None
    """The order book's clearing price, averaged (None without a market or an auction before the window)."""

    def prices(self) -> tuple[int, ...]:
        """The averages that exist, pool first: what joins the oracle median."""
        return tuple(price for price in (self.pool_ugos, self.book_ugos) if price is not None)


def get_market_accumulators(state: State, denom: str) -> tuple[PriceAccumulator, PriceAccumulator]:
    """(pool, book) price accumulators of an asset: the exchange's sources of the GOS index (the book's is empty
    without a market or before its first auction that traded)."""
    return get_pool_price_accumulator(state, denom), get_clearing_accumulator(state, denom)


def get_twap_checkpoints(state: State, denom: str) -> tuple[TwapCheckpoint, ...]:
    """The asset's TWAP checkpoints, oldest first (empty before its first period end)."""
    return state[TWAP_CHECKPOINTS].get_or(denom, ())


def find_window_start(checkpoints: tuple[TwapCheckpoint, ...], height: int, window_blocks: int) -> int | None:
    """Position of the newest checkpoint at least `window_blocks` before `height`, or None when there is none.
    O(checkpoints), which the window bounds."""
    start = None
    for position, checkpoint in enumerate(checkpoints):
        if checkpoint.height > height - window_blocks:
            break
        start = position
    return start


def compute_market_twaps(
    state: State, denom: str, height: int, checkpoints: tuple[TwapCheckpoint, ...], window_blocks: int
) -> MarketTwaps:
    """Each exchange source's average price over (the window's start checkpoint, `height`]."""
    start = find_window_start(checkpoints, height, window_blocks)
    if start is None:
        return MarketTwaps(height, None, None, None)
    checkpoint = checkpoints[start]
    pool, book = get_market_accumulators(state, denom)
    return MarketTwaps(
        height,
        checkpoint.height,
        time_weighted_average(pool, height, checkpoint.height, checkpoint.pool_cumulative),
        time_weighted_average(book, height, checkpoint.height, checkpoint.book_cumulative),
    )


def compute_checkpoint(state: State, denom: str, height: int) -> TwapCheckpoint:
    """The asset's exchange sources' cumulative prices at the end of block `height` (the current block)."""
    pool, book = get_market_accumulators(state, denom)
    return TwapCheckpoint(height, cumulative_at(pool, height), cumulative_at(book, height))


def compute_kept_checkpoints(
    checkpoints: tuple[TwapCheckpoint, ...], new: TwapCheckpoint, window_blocks: int
) -> tuple[TwapCheckpoint, ...]:
    """The checkpoints to keep once `new` is taken: from the current window's start on (every later window starts
    there or after it), then `new`. Bounded: about window / period + 2 entries."""
    start = find_window_start(checkpoints, new.height, window_blocks) or 0
    return (*checkpoints[start:], new)


def get_market_twaps(state: State, denom: str) -> MarketTwaps:
    """The exchange's average prices of an asset over the oracle's window ending at the current height (what the
    next aggregate would take if it came now; `since_height` says where the window starts)."""
    window = state.params.get().oracle.twap_window_blocks
    return compute_market_twaps(state, denom, state.height.get(), get_twap_checkpoints(state, denom), window)
