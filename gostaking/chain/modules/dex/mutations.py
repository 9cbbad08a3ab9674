"""Exchange writes: pool reserves and providers' liquidity units."""

from gostaking.chain.modules.dex.tables import DEX_POOLS, LP_POSITIONS
from gostaking.chain.state import State
from gostaking.chain.types.dex import DexPool


def set_pool(state: State, denom: str, pool: DexPool) -> None:
    """Store the denom/GOS pool; a pool without liquidity units is removed."""
    if pool.lp_units == 0:
        state[DEX_POOLS].delete(denom)
    else:
        state[DEX_POOLS].put(denom, pool)


def change_liquidity_units(state: State, denom: str, provider: str, delta: int) -> None:
    """Add (negative: remove) a provider's liquidity units of the denom/GOS pool; a position at 0 is removed.
    The caller has checked that a removal does not exceed the units held."""
    key = (denom, provider)
    units = state[LP_POSITIONS].get_or(key, 0) + delta
    if units == 0:
        state[LP_POSITIONS].delete(key)
    else:
        state[LP_POSITIONS].put(key, units)
