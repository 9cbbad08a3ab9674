"""Oracle reads and the aggregation rule."""

from gostaking.chain.numeric import PPM
from gostaking.chain.state import State
from gostaking.chain.types.oracle import OraclePrice


def compute_period(period_blocks: int, height: int) -> int:
    """Oracle period of a height; a period's last block is the one where height % period_blocks == 0."""
    return (height - 1) // period_blocks


def compute_median(prices: list[int]) -> int:
    """Lower median of a non-empty list (deterministic for even counts, never an average)."""
    ordered = sorted(prices)
    return ordered[(len(ordered) - 1) // 2]


def compute_aggregate(prices: list[int], feeders: int, min_feeders_ppm: int, band_ppm: int) -> tuple[int, int] | None:
    """The oracle rule: with enough quotes (≥ min_feeders_ppm of `feeders`), take the median, drop quotes
    outside ±band of it, and take the median of the rest if still enough remain.

    Returns (price, quotes used) or None when the quorum is not met.
    """

    def enough(count: int) -> bool:
        return count > 0 and count * PPM >= min_feeders_ppm * feeders

    if not enough(len(prices)):
        return None
    first = compute_median(prices)
    kept = [p for p in prices if abs(p - first) * PPM <= band_ppm * first]
    if not enough(len(kept)):
        return None
    return compute_median(kept), len(kept)


def get_oracle_price(state: State, denom: str) -> OraclePrice | None:
    """The last aggregated price of an asset, or None before the first aggregate."""
    return state.oracle_prices.get(denom)
