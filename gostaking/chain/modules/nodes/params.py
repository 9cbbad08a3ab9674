"""Parameters of the nodes module: the registry and election (`nodes`) and the block reward split (`rewards`)."""

from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.numeric import PPM
from gostaking.chain.types.params import NodeParams, RewardSplitParams


def validate_reward_split(params: RewardSplitParams) -> None:
    """The users', mining nodes' and candidates' parts are non-negative and sum to 100%."""
    require(
        min(params.users_ppm, params.mining_nodes_ppm, params.candidate_nodes_ppm) >= 0
        and params.users_ppm + params.mining_nodes_ppm + params.candidate_nodes_ppm == PPM,
        InvalidGenesisError,
        "reward split must be non-negative and sum to 1,000,000 ppm",
    )


def validate_node_params(params: NodeParams) -> None:
    """Epochs of at least a block, non-negative set sizes and thresholds, sane downtime and slashing ratios."""
    require(params.epoch_blocks >= 1, InvalidGenesisError, "epoch must be ≥ 1 block")
    require(params.mining_by_stake >= 0 and params.mining_by_votes >= 0, InvalidGenesisError, "mining set sizes ≥ 0")
    require(params.min_votes_ugos >= 0 and params.min_stake_ugos >= 0, InvalidGenesisError, "thresholds ≥ 0")
    require(
        params.downtime_window_blocks >= 1
        and 0 <= params.min_signed_per_window_ppm <= PPM
        and params.downtime_jail_blocks >= 0,
        InvalidGenesisError,
        "bad downtime parameters",
    )
    require(0 <= params.double_sign_slash_ppm <= PPM, InvalidGenesisError, "slash fraction must be within 0..100%")
