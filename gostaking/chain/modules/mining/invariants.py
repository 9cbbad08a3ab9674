"""Invariants of the mining module."""

from gostaking.chain.constants import REWARDS_ACCOUNT
from gostaking.chain.invariants import check
from gostaking.chain.modules.bank.queries import get_shares
from gostaking.chain.modules.mining.queries import compute_pending_shares
from gostaking.chain.modules.mining.tables import POOLS, POSITIONS
from gostaking.chain.state import State


def check_pools_and_rewards(state: State) -> None:
    """Each pool's units are its positions' units; every position refers to a pool; the rewards module holds at
    least what holders could claim."""
    positions = state[POSITIONS].items_sorted()
    for pool_id, pool in state[POOLS].items_sorted():
        units = sum(p.units for (_, pid), p in positions if pid == pool_id)
        check(units == pool.units, f"pool {pool_id}: positions {units} != pool {pool.units}")
    pending = 0
    for (_, pool_id), position in positions:
        position_pool = state[POOLS].get(pool_id)
        check(position_pool is not None, f"a position refers to missing pool {pool_id}")
        if position_pool is not None:
            pending += compute_pending_shares(position_pool, position)
    rewards_held = get_shares(state, REWARDS_ACCOUNT)
    check(rewards_held >= pending, f"rewards module {rewards_held} < pending user rewards {pending}")
