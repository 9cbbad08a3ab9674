"""Exchange reads: pool prices and swap quotes (constant product, fee kept in the pool)."""

from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.dex.tables import DEX_POOLS, LP_POSITIONS
from gostaking.chain.numeric import PPM
from gostaking.chain.state import State
from gostaking.chain.types.dex import DexPool

_EMPTY = DexPool()


def get_pool(state: State, denom: str) -> DexPool:
    """The denom/GOS pool (empty before its first liquidity)."""
    return state[DEX_POOLS].get_or(denom, _EMPTY)


def get_liquidity_units(state: State, denom: str, provider: str) -> int:
    """Liquidity units the provider holds in the denom/GOS pool."""
    return state[LP_POSITIONS].get_or((denom, provider), 0)


def get_pool_reserves(state: State, denom: str) -> tuple[int, int]:
    """(asset units, GOS ugos) in the pool now."""
    pool = get_pool(state, denom)
    return pool.asset_units, compute_shares_to_ugos(pool.gos_shares, get_gos_index(state))


def compute_swap_out(reserve_in: int, reserve_out: int, amount_in: int, fee_ppm: int) -> int:
    """Output of a constant-product swap after the fee, rounded down (in favour of the pool)."""
    if reserve_in <= 0 or reserve_out <= 0 or amount_in <= 0:
        return 0
    effective = amount_in * (PPM - fee_ppm)
    return reserve_out * effective // (reserve_in * PPM + effective)


def get_pool_price_ugos(state: State, denom: str, decimals: int) -> int | None:
    """Price of one whole asset in ugos implied by the pool's reserves, or None for an empty pool."""
    asset_units, gos_ugos = get_pool_reserves(state, denom)
    if asset_units == 0 or gos_ugos == 0:
        return None
    whole: int = 10**decimals
    return gos_ugos * whole // asset_units


def get_oracle_market_price(state: State, denom: str, decimals: int) -> int | None:
    """The pool's price when the pool is deep enough (≥ min_oracle_liquidity_ugos of GOS) to be costly to move,
    which is when the oracle takes it into its median; otherwise None."""
    _, reserve_gos = get_pool_reserves(state, denom)
    if reserve_gos < state.params.get().dex.min_oracle_liquidity_ugos:
        return None
    return get_pool_price_ugos(state, denom, decimals)
