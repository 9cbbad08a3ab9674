"""The nodes module's declaration: the node registry, the block reward split, downtime jailing and the epoch
election of the mining set."""

from gostaking.chain.constants import MODULE_CANDIDATE_REWARDS, MODULE_FEE_COLLECTOR
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.nodes import events, queries, tables
from gostaking.chain.modules.nodes.genesis import init_nodes_genesis
from gostaking.chain.modules.nodes.handlers import process_register_node, process_unjail_node
from gostaking.chain.modules.nodes.invariants import check_candidate_rewards
from gostaking.chain.modules.nodes.lifecycle import process_block_reward, process_election
from gostaking.chain.modules.nodes.params import validate_node_params, validate_reward_split
from gostaking.chain.types.params import NodeParams, RewardSplitParams
from gostaking.chain.types.tx import MsgRegisterNode, MsgUnjailNode

MODULE = Module(
    name="nodes",
    tables=(tables.NODES, tables.NODE_BY_CONSENSUS, tables.MINING_SET, tables.CANDIDATE_POOL, tables.NODE_COUNTERS),
    params=(
        ParamsSection("rewards", RewardSplitParams, validate_reward_split),
        ParamsSection("nodes", NodeParams, validate_node_params),
    ),
    genesis=init_nodes_genesis,
    handlers={MsgRegisterNode: process_register_node, MsgUnjailNode: process_unjail_node},
    end_block=(process_block_reward,),
    end_epoch=(process_election,),
    invariants=(check_candidate_rewards,),
    events=events.EVENTS,
    accounts=(MODULE_CANDIDATE_REWARDS, MODULE_FEE_COLLECTOR),
    queries=(
        queries.get_mining_set,
        queries.get_node,
        queries.get_node_backing_ugos,
        queries.get_node_status,
        queries.get_operators_by_registration,
        queries.get_pending_candidate_reward_shares,
        queries.is_node_operator,
        queries.require_node,
    ),
)
