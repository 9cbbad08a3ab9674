"""Price feeds of the GOS index: the price of each listed asset in GOS."""

import msgspec


class PriceVote(msgspec.Struct, frozen=True, array_like=True):
    """A feeder's latest quote for one asset."""

    price_ugos: int
    period: int
    """Oracle period (height // period_blocks) the quote was made in; only current-period quotes count."""


class OraclePrice(msgspec.Struct, frozen=True, array_like=True):
    """The chain's aggregated price of an asset."""

    price_ugos: int
    updated_height: int
    feeders: int
    """How many quotes the last aggregate used (after removing outliers)."""
    missed_periods: int = 0
    """Consecutive periods without a valid aggregate."""
    stale: bool = False
    """True once missed_periods reaches max_stale_periods: the price is old and shown as such."""


class TwapCheckpoint(msgspec.Struct, frozen=True, array_like=True):
    """The cumulative prices of an asset's exchange sources at the end of one oracle period: the start of the
    windows that average them (see gostaking/chain/twap.py)."""

    height: int
    """The period's last block."""
    pool_cumulative: int
    """`cumulative_at(height)` of the asset/GOS pool's accumulator."""
    book_cumulative: int
    """`cumulative_at(height)` of the order book's clearing-price accumulator (0 without a market)."""
