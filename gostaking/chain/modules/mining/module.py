"""The mining module's declaration: hash-power pools, positions in them and the users' lazy rewards."""

from gostaking.chain.constants import MODULE_COMMUNITY_POOL, MODULE_REWARDS
from gostaking.chain.module import Module
from gostaking.chain.modules.mining.invariants import check_pools_and_rewards

MODULE = Module(
    name="mining",
    package=__package__,
    invariants=(check_pools_and_rewards,),
    accounts=(MODULE_REWARDS, MODULE_COMMUNITY_POOL),
)
