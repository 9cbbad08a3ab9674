"""The nodes module's declaration: the node registry, the block reward split, downtime jailing and the epoch
election of the mining set."""

from gostaking.chain.constants import MODULE_CANDIDATE_REWARDS, MODULE_FEE_COLLECTOR
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.nodes.genesis import init_nodes_genesis
from gostaking.chain.modules.nodes.invariants import check_candidate_rewards
from gostaking.chain.modules.nodes.lifecycle import process_block_reward, process_election
from gostaking.chain.modules.nodes.params import validate_node_params, validate_reward_split
from gostaking.chain.types.params import NodeParams, RewardSplitParams

MODULE = Module(
    name="nodes",
    package=__package__,
    params=(
        ParamsSection("rewards", RewardSplitParams, validate_reward_split),
        ParamsSection("nodes", NodeParams, validate_node_params),
    ),
    genesis=init_nodes_genesis,
    end_block=(process_block_reward,),
    end_epoch=(process_election,),
    invariants=(check_candidate_rewards,),
    accounts=(MODULE_CANDIDATE_REWARDS, MODULE_FEE_COLLECTOR),
)
