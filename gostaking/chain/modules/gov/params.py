"""Parameters of the gov module."""

from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.numeric import PPM
from gostaking.chain.types.params import GovParams


def validate_gov_params(params: GovParams) -> None:
    """A non-negative deposit, periods of at least a block, ratios within 0..100%."""
    require(
        params.min_deposit_ugos >= 0 and params.voting_period_blocks >= 1 and params.ratification_period_blocks >= 1,
        InvalidGenesisError,
        "bad governance periods or deposit",
    )
    require(
        all(0 <= x <= PPM for x in (params.quorum_ppm, params.pass_threshold_ppm, params.ratify_ppm)),
        InvalidGenesisError,
        "governance ratios must be within 0..1,000,000 ppm",
    )
