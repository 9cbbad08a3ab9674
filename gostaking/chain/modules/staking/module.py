"""The staking module's declaration: votes (×1) and stakes (×3) for nodes, their unbonding queue, reward claims
and the punishment of validator faults."""

from gostaking.chain.constants import MODULE_BONDED, MODULE_UNBONDING
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.staking import events, queries, tables
from gostaking.chain.modules.staking.genesis import init_staking_genesis
from gostaking.chain.modules.staking.handlers import (
    process_claim_rewards,
    process_stake_node,
    process_unstake_node,
    process_unvote_node,
    process_vote_node,
)
from gostaking.chain.modules.staking.invariants import check_bonds
from gostaking.chain.modules.staking.lifecycle import process_unbonding_queue, process_validator_faults
from gostaking.chain.modules.staking.params import validate_staking_params
from gostaking.chain.types.params import StakingParams
from gostaking.chain.types.tx import MsgClaimRewards, MsgStakeNode, MsgUnstakeNode, MsgUnvoteNode, MsgVoteNode

MODULE = Module(
    name="staking",
    tables=(tables.DELEGATIONS, tables.UNBONDINGS, tables.UNBONDING_COUNTS, tables.UNBONDING_CURSOR),
    params=(
        # The hash-power multipliers are fixed in the vote and stake pools at genesis.
        ParamsSection(
            "staking", StakingParams, validate_staking_params, fixed_fields=("vote_multiplier", "stake_multiplier")
        ),
    ),
    genesis=init_staking_genesis,
    handlers={
        MsgVoteNode: process_vote_node,
        MsgUnvoteNode: process_unvote_node,
        MsgStakeNode: process_stake_node,
        MsgUnstakeNode: process_unstake_node,
        MsgClaimRewards: process_claim_rewards,
    },
    begin_block=(process_validator_faults, process_unbonding_queue),
    invariants=(check_bonds,),
    events=events.EVENTS,
    accounts=(MODULE_BONDED, MODULE_UNBONDING),
    queries=(
        queries.compute_bond_hash_power,
        queries.count_node_backers,
        queries.get_delegations,
        queries.get_largest_delegations,
        queries.get_largest_node_delegations,
        queries.get_node_delegators,
        queries.get_unbondings,
    ),
)
