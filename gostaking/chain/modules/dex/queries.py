"""Exchange reads: pool prices, providers and swap quotes (constant product, fee kept in the pool)."""

from typing import NamedTuple

from gostaking.chain.errors import UnknownAssetError, require
from gostaking.chain.modules.bank.queries import (
    compute_shares_to_ugos,
    get_bank_denoms,
    get_gos_index,
    require_known_denom,
)
from gostaking.chain.modules.dex.tables import (
    DEX_POOLS,
    LP_POSITIONS,
    OBSERVED_GOS_INDEX,
    POOL_PRICE_ACCUMULATORS,
    TOUCHED_POOLS,
)
from gostaking.chain.modules.lock.queries import get_asset, get_assets
from gostaking.chain.numeric import GOS_DECIMALS, GOS_DENOM, PPM
from gostaking.chain.state import State
from gostaking.chain.twap import PriceAccumulator
from gostaking.chain.types.dex import DexPool

_EMPTY = DexPool()
_NO_PRICE = PriceAccumulator()


def require_pair_denom(state: State, denom: str) -> None:
    """Raise unless `denom` can be paired with GOS: a listed asset (as before), or any other denom the bank knows
    (sGOS and other module-issued tokens). UnknownAssetError for GOS itself and for unknown denoms."""
    require(denom != GOS_DENOM, UnknownAssetError, "a pool pairs an asset with GOS: ugos cannot be the asset")
    if get_asset(state, denom) is None:
        require_known_denom(state, denom)


class DenomUnits(NamedTuple):
    """How amounts of a bank denom are written: base units of `denom`, whole units of `whole_unit` (10^decimals)."""

    denom: str
    decimals: int
    whole_unit: str
    """'gos' for ugos, 'sgos' for usgos; a listed asset's denom is its whole unit ('btc')."""


def get_denom_unit(state: State, denom: str) -> DenomUnits:
    """How amounts of `denom` are written: GOS's 6 decimals, a listed asset's own, a module-issued denom's as its
    module declares it (`Module.denoms`); 0 decimals for any other. O(1)."""
    if denom == GOS_DENOM:
        return DenomUnits(denom, GOS_DECIMALS, "gos")
    asset = get_asset(state, denom)
    if asset is not None:
        return DenomUnits(denom, asset.decimals, denom)
    issued = state.registry.issued_denoms.get(denom)
    if issued is not None:
        return DenomUnits(denom, issued.decimals, issued.display)
    return DenomUnits(denom, 0, denom)


def get_denom_units(state: State) -> list[DenomUnits]:
    """Every denom the bank knows (GOS first, then sorted) with how its amounts are written (`get_denom_unit`)."""
    return [get_denom_unit(state, denom) for denom in get_bank_denoms(state)]


def get_pair_decimals(state: State, denom: str) -> int:
    """Decimals of a pool's asset (listed or module-issued; `require_pair_denom` has checked it)."""
    return get_denom_unit(state, denom).decimals


def get_pool(state: State, denom: str) -> DexPool:
    """The denom/GOS pool (empty before its first liquidity)."""
    return state[DEX_POOLS].get_or(denom, _EMPTY)


def get_pool_denoms(state: State) -> list[str]:
    """The denoms with a pool: every listed asset (its pool may still be empty) and every other denom a pool was
    opened for (sGOS…), sorted."""
    return sorted({denom for denom, _ in get_assets(state)} | set(state[DEX_POOLS].keys_sorted()))


def get_liquidity_units(state: State, denom: str, provider: str) -> int:
    """Liquidity units the provider holds in the denom/GOS pool."""
    return state[LP_POSITIONS].get_or((denom, provider), 0)


def compute_liquidity_claim(pool: DexPool, units: int) -> tuple[int, int]:
    """(asset units, GOS shares) that removing `units` of liquidity takes out of `pool`, rounded down (in favour
    of the pool): what MsgRemoveLiquidity pays."""
    return pool.asset_units * units // pool.lp_units, pool.gos_shares * units // pool.lp_units


class SwapQuote(NamedTuple):
    """A swap priced on the pool now, as the chain would execute it."""

    amount_out: int
    fee: int
    """Part of amount_in the pool keeps (swap_fee_ppm)."""
    price_ugos: int
    """The pool's price of one whole asset before the swap."""
    effective_price_ugos: int | None
    """ugos paid or received per whole asset in this swap (None when nothing would come out)."""
    price_impact_ppm: int
    """How much less this swap gets than amount_in at the pool's price, fee included (`compute_price_impact_ppm`)."""


def quote_swap(state: State, pair: str, denom_in: str, amount_in: int, decimals: int) -> SwapQuote | None:
    """The swap of `amount_in` of `denom_in` (ugos or the pair's asset) on the pair's pool now, or None for an empty
    pool. The caller has checked the pair and denom."""
    price = get_pool_price_ugos(state, pair, decimals)
    if price is None:
        return None
    asset_units, gos_ugos = get_pool_reserves(state, pair)
    fee_ppm = state.params.get().dex.swap_fee_ppm
    whole: int = 10**decimals
    reserve_in, reserve_out = (gos_ugos, asset_units) if denom_in == GOS_DENOM else (asset_units, gos_ugos)
    amount_out = compute_swap_out(reserve_in, reserve_out, amount_in, fee_ppm)
    if denom_in == GOS_DENOM:
        effective = amount_in * whole // amount_out if amount_out else None
    else:
        effective = amount_out * whole // amount_in if amount_out else None
    impact = compute_price_impact_ppm(reserve_in, reserve_out, amount_in, amount_out)
    return SwapQuote(amount_out, amount_in * fee_ppm // PPM, price, effective, impact)


def compute_price_impact_ppm(reserve_in: int, reserve_out: int, amount_in: int, amount_out: int) -> int:
    """The share (ppm) of what `amount_in` is worth at the pool's price (reserve_out / reserve_in) that the swap
    does not return, fee included; rounded up, so a swap is never shown cheaper than it is. 0 for no input."""
    at_pool_price = amount_in * reserve_out  # the output at the pool's price, times reserve_in
    if at_pool_price <= 0:
        return 0
    shortfall = at_pool_price - amount_out * reserve_in
    return -(-shortfall * PPM // at_pool_price)


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


def get_pool_price_accumulator(state: State, denom: str) -> PriceAccumulator:
    """The denom/GOS pool's price accumulator: the oracle market price (`get_oracle_market_price`) it ended each
    changed block with, in force from the next block; no price while the pool is too shallow or empty. O(1)."""
    return state[POOL_PRICE_ACCUMULATORS].get_or(denom, _NO_PRICE)


def get_pools_to_observe(state: State) -> list[str]:
    """The pools whose price the current block's end must observe, sorted: those the block changed, and every
    pool when the GOS index moved since the last observation (a burn changes every GOS reserve in ugos)."""
    touched = state[TOUCHED_POOLS].keys_sorted()
    if get_gos_index(state) == state[OBSERVED_GOS_INDEX].get():
        return touched
    return sorted(set(touched) | set(state[DEX_POOLS].keys_sorted()))


def get_touched_pools(state: State) -> list[str]:
    """The pools the current block changed so far, sorted."""
    return state[TOUCHED_POOLS].keys_sorted()


def get_liquidity_providers_page(
    state: State, denom: str, offset: int, limit: int
) -> tuple[int, list[tuple[str, int]]]:
    """(providers of the denom/GOS pool, a page of (provider, liquidity units)), largest first (equal units by
    address). O(log n + limit)."""
    total, keys = state[LP_POSITIONS].page_index("by_pool_size", (denom,), offset, limit)
    return total, [(key[1], units) for key, units in state[LP_POSITIONS].rows(keys)]
