"""Parameters of the dex module."""

from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.numeric import PPM
from gostaking.chain.types.params import DexParams


def validate_dex_params(params: DexParams) -> None:
    """A swap fee below 100% and a non-negative oracle depth."""
    require(
        0 <= params.swap_fee_ppm < PPM and params.min_oracle_liquidity_ugos >= 0,
        InvalidGenesisError,
        "bad exchange parameters",
    )
