"""Reward claims of hash-power holders."""

from gostaking.chain.env import Context
from gostaking.chain.modules.mining.mutations import settle_position
from gostaking.chain.modules.mining.tables import POOLS
from gostaking.chain.state import State


def settle_all_positions(state: State, ctx: Context, address: str) -> int:
    """Settle every pool position of the account (O(pools)); returns the shares paid."""
    return sum(settle_position(state, ctx, address, pool_id) for pool_id in state[POOLS].keys_sorted())
