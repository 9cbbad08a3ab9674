"""Genesis step of the staking module: the vote and stake hash-power pools."""

from gostaking.chain.env import Context
from gostaking.chain.genesis import Genesis
from gostaking.chain.modules.mining.mutations import create_pool
from gostaking.chain.state import State
from gostaking.chain.types.mining import POOL_STAKE, POOL_VOTE, Pool


def init_staking_genesis(state: State, ctx: Context, genesis: Genesis) -> None:
    """Open the vote (×1) and stake (×3) pools with the genesis multipliers (fixed for the chain's life)."""
    staking = genesis.params.staking
    create_pool(state, POOL_VOTE, Pool(gos_multiplier=staking.vote_multiplier))
    create_pool(state, POOL_STAKE, Pool(gos_multiplier=staking.stake_multiplier))
