"""Parameters of the staking module."""

from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.types.params import StakingParams


def validate_staking_params(params: StakingParams) -> None:
    """Unbonding takes at least a block, the per-block work bound is at least one, multipliers are not negative."""
    require(
        params.vote_unbonding_blocks >= 1 and params.stake_unbonding_blocks >= 1,
        InvalidGenesisError,
        "unbonding ≥ 1 block",
    )
    require(params.max_unbonding_completions_per_block >= 1, InvalidGenesisError, "unbonding work bound must be ≥ 1")
    require(params.vote_multiplier >= 0 and params.stake_multiplier >= 0, InvalidGenesisError, "multipliers ≥ 0")
