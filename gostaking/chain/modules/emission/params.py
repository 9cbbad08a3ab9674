"""Parameters of the emission module (fixed at genesis: the whitepaper's schedule)."""

from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.types.params import EmissionParams


def validate_emission_params(params: EmissionParams) -> None:
    """Positive halving interval and burn spacing, a burn fraction below 100%, no negative reward."""
    require(params.halving_interval_blocks > 0 and params.reward_eras >= 0, InvalidGenesisError, "bad halving schedule")
    require(params.initial_reward_ugos >= 0, InvalidGenesisError, "initial reward must not be negative")
    require(
        params.burn_interval_blocks > 0
        and params.burn_start_height > 0
        and 0 <= params.burn_numerator < params.burn_denominator,
        InvalidGenesisError,
        "bad burn schedule",
    )
