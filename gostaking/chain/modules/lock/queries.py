"""Reads of the asset registry and locked amounts."""

from gostaking.chain.errors import UnknownAssetError
from gostaking.chain.modules.lock.tables import ASSETS
from gostaking.chain.modules.mining.queries import get_pool, get_position
from gostaking.chain.state import State
from gostaking.chain.types.lock import Asset
from gostaking.chain.types.mining import LOCK_POOL_PREFIX


def compute_lock_pool_id(denom: str) -> str:
    """Hash-power pool of locks of `denom`."""
    return LOCK_POOL_PREFIX + denom


def get_asset(state: State, denom: str) -> Asset | None:
    """The listed asset, or None."""
    return state[ASSETS].get(denom)


def get_assets(state: State) -> list[tuple[str, Asset]]:
    """Every listed asset by denom (governance lists them one by one: a short table)."""
    return state[ASSETS].items_sorted()


def get_locked_total(state: State, denom: str) -> int:
    """Base units of `denom` locked by everyone (its lock pool's units)."""
    pool = get_pool(state, compute_lock_pool_id(denom))
    return pool.units if pool is not None else 0


def compute_locked_value_ugos(state: State, denom: str) -> int:
    """What everything locked of `denom` is worth in ugos at the asset's current price (rounded down)."""
    asset = require_asset(state, denom)
    whole: int = 10**asset.decimals
    return get_locked_total(state, denom) * asset.price_ugos // whole


def require_asset(state: State, denom: str) -> Asset:
    """The registered asset, or UnknownAssetError."""
    asset = state[ASSETS].get(denom)
    if asset is None:
        raise UnknownAssetError(f"asset {denom!r} is not registered for locking")
    return asset


def get_locked_amount(state: State, address: str, denom: str) -> int:
    """Base units of `denom` the account has locked."""
    return get_position(state, address, compute_lock_pool_id(denom)).units


def get_locked_amounts(state: State, address: str) -> dict[str, int]:
    """Every asset the account has locked, by denom."""
    out = {}
    for denom in state[ASSETS].keys_sorted():
        amount = get_locked_amount(state, address, denom)
        if amount:
            out[denom] = amount
    return out


def get_assets_page(state: State, offset: int, limit: int) -> tuple[int, list[tuple[str, Asset]]]:
    """(listed assets, a page of (denom, asset)) by denom."""
    denoms = state[ASSETS].keys_sorted()
    return len(denoms), state[ASSETS].rows(denoms[offset : offset + limit])
