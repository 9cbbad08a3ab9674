"""End of a block: observe the prices of the pools the block changed, for the oracle's time-weighted averages."""

from gostaking.chain.env import Context
from gostaking.chain.modules.bank.queries import get_gos_index
from gostaking.chain.modules.dex.mutations import clear_touched_pools, record_pool_price, set_observed_gos_index
from gostaking.chain.modules.dex.queries import (
    get_oracle_market_price,
    get_pair_decimals,
    get_pools_to_observe,
    get_touched_pools,
)
from gostaking.chain.state import State


def observe_pool_prices(state: State, ctx: Context) -> None:
    """Record in each changed pool's accumulator the oracle price it ends the block with (`get_oracle_market_price`:
    none while too shallow), in force from the next block. Prices inside a block never count, so a swap pushed and
    reverted within one block moves no average. Untouched pools cost nothing: work is O(changed pools), and
    O(pools) only in a block whose burn moved the GOS index (every pool's ugos price moved with it)."""
    for denom in get_pools_to_observe(state):
        price = get_oracle_market_price(state, denom, get_pair_decimals(state, denom))
        record_pool_price(state, denom, ctx.height, price)
    clear_touched_pools(state, get_touched_pools(state))
    set_observed_gos_index(state, get_gos_index(state))
