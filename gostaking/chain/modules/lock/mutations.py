"""Writes of the asset registry."""

from gostaking.chain.errors import InvalidGenesisError, InvalidMessageError, require
from gostaking.chain.modules.bank.mutations import register_denom
from gostaking.chain.modules.bank.queries import require_denom
from gostaking.chain.modules.lock.queries import compute_lock_pool_id, require_asset
from gostaking.chain.modules.lock.tables import ASSETS
from gostaking.chain.modules.mining.mutations import create_pool, set_pool_valuation
from gostaking.chain.numeric import GOS_DENOM, PPM
from gostaking.chain.state import State
from gostaking.chain.types.lock import Asset
from gostaking.chain.types.mining import Pool


def register_asset(state: State, asset: Asset) -> None:
    """List an external asset for locking and open its hash-power pool."""
    require(asset.denom != GOS_DENOM, InvalidGenesisError, "GOS is voted or staked, not locked")
    require_denom(asset.denom)
    require(asset.denom not in state[ASSETS], InvalidGenesisError, f"asset {asset.denom} already registered")
    require(0 <= asset.decimals <= 30, InvalidMessageError, "decimals must be within 0..30")
    require(0 <= asset.weight_ppm <= PPM, InvalidMessageError, "weight must be within 0..1,000,000 ppm")
    require(asset.price_ugos >= 0, InvalidMessageError, "price must not be negative")
    state[ASSETS].put(asset.denom, asset)
    register_denom(state, asset.denom)
    create_pool(
        state,
        compute_lock_pool_id(asset.denom),
        Pool(price_ugos=asset.price_ugos, weight_ppm=asset.weight_ppm, decimals=asset.decimals),
    )


def set_asset_valuation(state: State, denom: str, price_ugos: int, weight_ppm: int) -> None:
    """Set an asset's GOS price and value weight (oracle and governance). O(1): only the pool weight moves."""
    asset = require_asset(state, denom)
    require(price_ugos >= 0, InvalidMessageError, "price must not be negative")
    require(0 <= weight_ppm <= PPM, InvalidMessageError, "weight must be within 0..1,000,000 ppm")
    state[ASSETS].put(denom, Asset(asset.denom, asset.decimals, asset.hosted_chain, weight_ppm, price_ugos))
    set_pool_valuation(state, compute_lock_pool_id(denom), price_ugos, weight_ppm)
