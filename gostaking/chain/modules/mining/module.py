"""The mining module's declaration: hash-power pools, positions in them and the users' lazy rewards."""

from gostaking.chain.constants import MODULE_COMMUNITY_POOL, MODULE_REWARDS
from gostaking.chain.module import Module
from gostaking.chain.modules.mining import queries, tables
from gostaking.chain.modules.mining.events import RewardPaidEvent, UserRewardsEvent
from gostaking.chain.modules.mining.invariants import check_pools_and_rewards

MODULE = Module(
    name="mining",
    tables=(tables.POOLS, tables.POSITIONS, tables.REWARD_TOTALS),
    invariants=(check_pools_and_rewards,),
    events=(RewardPaidEvent, UserRewardsEvent),
    accounts=(MODULE_REWARDS, MODULE_COMMUNITY_POOL),
    queries=(
        queries.get_account_hash_power,
        queries.get_pending_reward_ugos,
        queries.get_pending_rewards_by_pool,
        queries.get_pool,
        queries.get_pool_hash_power,
        queries.get_pool_ids,
        queries.get_total_hash_power,
    ),
)
