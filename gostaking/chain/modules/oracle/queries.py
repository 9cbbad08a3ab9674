"""Oracle reads and the aggregation rule."""

from gostaking.chain.modules.oracle.tables import ORACLE_PRICES, PRICE_VOTES
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
