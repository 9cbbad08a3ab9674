"""Parameters of the oracle module."""

from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.numeric import PPM
from gostaking.chain.types.params import OracleParams


def validate_oracle_params(params: OracleParams) -> None:
    """Periods of at least a block, a feeder quorum within (0, 100%], a non-negative band, staleness ≥ 1 period."""
    require(
        params.period_blocks >= 1
        and 0 < params.min_feeders_ppm <= PPM
        and params.outlier_band_ppm >= 0
        and params.max_stale_periods >= 1,
        InvalidGenesisError,
        "bad oracle parameters",
    )
