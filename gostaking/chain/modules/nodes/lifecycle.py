"""Block work of the nodes module: the block reward at the end of every block, the election at the end of an
epoch."""

from gostaking.chain.constants import (
    FEE_COLLECTOR_ACCOUNT,
    REWARDS_ACCOUNT,
)
from gostaking.chain.env import Context
from gostaking.chain.modules.bank.mutations import move_units
from gostaking.chain.modules.bank.queries import get_shares
from gostaking.chain.modules.emission.mutations import mint_block_reward
from gostaking.chain.modules.mining.mutations import distribute_user_rewards
from gostaking.chain.modules.nodes.mutations import distribute_candidate_rewards, pay_mining_nodes, run_election
from gostaking.chain.numeric import GOS_DENOM, PPM
from gostaking.chain.state import State
from gostaking.chain.types.block import ValidatorUpdate


def process_block_reward(state: State, ctx: Context) -> None:
    """Mint this height's reward and share it: 85% to hash-power holders by share, 10% (with the block's fees) to
    the mining nodes that signed the previous block, 5% to the candidate nodes by weight.

    Lives here, above emission and mining, because the split pays nodes too. Rounding: the users' and mining
    nodes' parts round down and the candidates get the rest, so the three parts always add up to what was minted.
    """
    split = state.params.get().rewards
    minted = mint_block_reward(state, ctx)
    users = minted * split.users_ppm // PPM
    mining_nodes = minted * split.mining_nodes_ppm // PPM
    candidates = minted - users - mining_nodes
    distribute_user_rewards(state, ctx, users)
    move_units(state, REWARDS_ACCOUNT, FEE_COLLECTOR_ACCOUNT, GOS_DENOM, mining_nodes)
    pay_mining_nodes(state, ctx, FEE_COLLECTOR_ACCOUNT, get_shares(state, FEE_COLLECTOR_ACCOUNT))
    distribute_candidate_rewards(state, ctx, REWARDS_ACCOUNT, candidates)


def process_election(state: State, ctx: Context) -> tuple[ValidatorUpdate, ...]:
    """Elect the next epoch's mining set (runs at an epoch's last block); returns consensus power changes."""
    return run_election(state, ctx, ctx.height // state.params.get().nodes.epoch_blocks)
