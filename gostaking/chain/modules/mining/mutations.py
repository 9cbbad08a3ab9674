"""Hash-power positions and user reward distribution (O(pools) per block, O(1) per position change)."""

from msgspec.structs import replace

from gostaking.chain.constants import (
    COMMUNITY_POOL_ACCOUNT,
    REWARDS_ACCOUNT,
)
from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidAmountError, require
from gostaking.chain.modules.bank.mutations import move_units
from gostaking.chain.modules.bank.queries import get_gos_index
from gostaking.chain.modules.mining.events import RewardPaidEvent, UserRewardsEvent
from gostaking.chain.modules.mining.queries import (
    compute_pending_shares,
    compute_units_hash_power,
    get_position,
    require_pool,
)
from gostaking.chain.modules.mining.tables import POOLS, POSITIONS, REWARD_TOTALS
from gostaking.chain.numeric import ACC_ONE, GOS_DENOM, mul_div, mul_div_ceil
from gostaking.chain.state import State
from gostaking.chain.types.mining import Pool, Position


def create_pool(state: State, pool_id: str, pool: Pool) -> None:
    """Register a hash-power pool (genesis, asset listing)."""
    require(pool_id not in state[POOLS], InvalidAmountError, f"pool {pool_id} exists")
    state[POOLS].put(pool_id, pool)


def set_pool_valuation(state: State, pool_id: str, price_ugos: int, weight_ppm: int) -> None:
    """Change a lock pool's price or weight. Only the pool's weight in future blocks changes: rewards already
    accumulated are unaffected and no position needs touching."""
    pool = require_pool(state, pool_id)
    state[POOLS].put(pool_id, replace(pool, price_ugos=price_ugos, weight_ppm=weight_ppm))


def settle_position(state: State, ctx: Context, address: str, pool_id: str) -> int:
    """Pay the position's pending rewards into the account's balance; returns the shares paid."""
    pool = state[POOLS].get(pool_id)
    position = state[POSITIONS].get((address, pool_id))
    if pool is None or position is None or position.acc_settled == pool.acc_reward_per_unit:
        return 0
    pending = compute_pending_shares(pool, position)
    state[POSITIONS].put((address, pool_id), replace(position, acc_settled=pool.acc_reward_per_unit))
    if pending:
        move_units(state, REWARDS_ACCOUNT, address, GOS_DENOM, pending)
        totals = state[REWARD_TOTALS].get()
        state[REWARD_TOTALS].set(replace(totals, paid_shares=totals.paid_shares + pending))
        ctx.emit(RewardPaidEvent(address=address, pool=pool_id, shares=pending))
    return pending


def change_position(state: State, ctx: Context, address: str, pool_id: str, delta_units: int) -> None:
    """Add (or, negative, remove) units of a position, settling its rewards first."""
    settle_position(state, ctx, address, pool_id)
    pool = require_pool(state, pool_id)
    position = get_position(state, address, pool_id)
    units = position.units + delta_units
    require(units >= 0, InvalidAmountError, f"position in {pool_id} would become negative")
    if units == 0:
        state[POSITIONS].delete((address, pool_id))
    else:
        state[POSITIONS].put((address, pool_id), Position(units=units, acc_settled=pool.acc_reward_per_unit))
    state[POOLS].put(pool_id, replace(pool, units=pool.units + delta_units))


def distribute_user_rewards(state: State, ctx: Context, reward_shares: int) -> None:
    """Share `reward_shares` (already held by the rewards module) among pools by hash power.

    Each pool's part raises its accumulator; what cannot be credited (no hash power at all, or the rounding
    remainder of each pool) moves to the community pool, so the rewards module never owes more than it holds.
    """
    if reward_shares == 0:
        return
    index = get_gos_index(state)
    pools = state[POOLS].items_sorted()
    powers = [compute_units_hash_power(pool, pool.units, index) for _, pool in pools]
    total_power = sum(powers)
    credited = 0
    if total_power:
        for (pool_id, pool), power in zip(pools, powers, strict=True):
            if power == 0 or pool.units == 0:
                continue
            pool_reward = mul_div(reward_shares, power, total_power)
            delta = pool_reward * ACC_ONE // pool.units
            if delta == 0:
                continue
            state[POOLS].put(pool_id, replace(pool, acc_reward_per_unit=pool.acc_reward_per_unit + delta))
            # Holders can claim at most delta × units / ACC_ONE in total; keep the ceiling of it.
            credited += mul_div_ceil(delta, pool.units, ACC_ONE)
    dust = reward_shares - credited
    if dust:
        move_units(state, REWARDS_ACCOUNT, COMMUNITY_POOL_ACCOUNT, GOS_DENOM, dust)
    totals = state[REWARD_TOTALS].get()
    state[REWARD_TOTALS].set(
        replace(
            totals,
            distributed_shares=totals.distributed_shares + credited,
            dust_shares=totals.dust_shares + dust,
        )
    )
    ctx.emit(UserRewardsEvent(shares=reward_shares, credited=credited, to_community_pool=dust))
