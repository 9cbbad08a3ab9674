"""Exchange writes: pool reserves, providers' liquidity units and the pools' price accumulators."""

from gostaking.chain.modules.dex.tables import (
    DEX_POOLS,
    LP_POSITIONS,
    OBSERVED_GOS_INDEX,
    POOL_PRICE_ACCUMULATORS,
    TOUCHED_POOLS,
)
from gostaking.chain.state import State
from gostaking.chain.twap import PriceAccumulator, observe_no_price, observe_price
from gostaking.chain.types.dex import DexPool

_NO_PRICE = PriceAccumulator()


def set_pool(state: State, denom: str, pool: DexPool) -> None:
    """Store the denom/GOS pool; a pool without liquidity units is removed. Either way the pool is marked as
    changed in this block, so its price is observed at the block's end."""
    if pool.lp_units == 0:
        state[DEX_POOLS].delete(denom)
    else:
        state[DEX_POOLS].put(denom, pool)
    state[TOUCHED_POOLS].put(denom, state.height.get())


def record_pool_price(state: State, denom: str, height: int, price: int | None) -> None:
    """Record the price the denom/GOS pool ends block `height` with (None: too shallow for the oracle, or empty);
    it is in force from the next block on. A price that rounds to 0 ugos counts as none; an unchanged price writes
    nothing."""
    accumulator = state[POOL_PRICE_ACCUMULATORS].get_or(denom, _NO_PRICE)
    new_price = price or 0
    if new_price == accumulator.price:
        return
    observed = observe_price(accumulator, height, new_price) if new_price else observe_no_price(accumulator, height)
    state[POOL_PRICE_ACCUMULATORS].put(denom, observed)


def clear_touched_pools(state: State, denoms: list[str]) -> None:
    """Forget the block's changed pools once their prices are observed."""
    for denom in denoms:
        state[TOUCHED_POOLS].delete(denom)


def set_observed_gos_index(state: State, index: int) -> None:
    """Remember the GOS index the pools' prices were last observed at (written only when a burn moved it)."""
    if state[OBSERVED_GOS_INDEX].get() != index:
        state[OBSERVED_GOS_INDEX].set(index)


def change_liquidity_units(state: State, denom: str, provider: str, delta: int) -> None:
    """Add (negative: remove) a provider's liquidity units of the denom/GOS pool; a position at 0 is removed.
    The caller has checked that a removal does not exceed the units held."""
    key = (denom, provider)
    units = state[LP_POSITIONS].get_or(key, 0) + delta
    if units == 0:
        state[LP_POSITIONS].delete(key)
    else:
        state[LP_POSITIONS].put(key, units)
