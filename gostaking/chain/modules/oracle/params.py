"""Parameters of the oracle module."""

from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.numeric import PPM
from gostaking.chain.types.params import OracleParams

MAX_TWAP_WINDOW_PERIODS = 64
"""The most oracle periods a TWAP window may span: it bounds the checkpoints kept per asset (one per period)."""


def validate_oracle_params(params: OracleParams) -> None:
    """Periods of at least a block, a feeder quorum within (0, 100%], a non-negative band, staleness ≥ 1 period, and
    a TWAP window of at least one block and at most MAX_TWAP_WINDOW_PERIODS periods."""
    require(
        params.period_blocks >= 1
        and 0 < params.min_feeders_ppm <= PPM
        and params.outlier_band_ppm >= 0
        and params.max_stale_periods >= 1,
        InvalidGenesisError,
        "bad oracle parameters",
    )
    require(
        1 <= params.twap_window_blocks <= MAX_TWAP_WINDOW_PERIODS * params.period_blocks,
        InvalidGenesisError,
        f"oracle twap_window_blocks must be within 1..{MAX_TWAP_WINDOW_PERIODS} periods "
        f"({MAX_TWAP_WINDOW_PERIODS * params.period_blocks} blocks)",
    )
