"""GET /hashpower and /assets."""

from fastapi import APIRouter, Response

from gostaking.chain.modules.bank.queries import get_asset_supply
from gostaking.chain.modules.lock.queries import get_assets_page, get_locked_total
from gostaking.chain.modules.mining.queries import get_pool, get_pool_hash_power, get_pool_ids, get_total_hash_power
from gostaking.chain.numeric import format_units
from gostaking.chain.types.mining import LOCK_POOL_PREFIX

from ..deps import NodeDep
from ..pages import COUNTED_LIST, MAX_LIST, ListLimit, Offset, counted
from ..render import gos, hash_power, listed_asset_view, percent, weight
from ..schemas.hashpower import AssetView, HashPowerResponse, PoolView

router = APIRouter(tags=["hash power"])


@router.get("/hashpower", response_model=HashPowerResponse, summary="Network hash power per pool")
def get_hashpower(node: NodeDep) -> HashPowerResponse:
    """Total and per-pool hash power: votes (×1 per GOS), stakes (×3) and each asset's locks
    (amount × price × weight)."""
    with node.app.read_committed() as state:
        total = get_total_hash_power(state)
        pools = []
        for pool_id in get_pool_ids(state):
            pool = get_pool(state, pool_id)
            if pool is None:
                continue
            power = get_pool_hash_power(state, pool_id)
            view = PoolView(
                pool=pool_id,
                kind="lock" if pool_id.startswith(LOCK_POOL_PREFIX) else pool_id,
                hash_power=hash_power(power),
                share=percent(power, total),
                units=pool.units,
                multiplier=pool.gos_multiplier or None,
            )
            if pool_id.startswith(LOCK_POOL_PREFIX):
                view.denom = pool_id[len(LOCK_POOL_PREFIX) :]
                view.price = gos(pool.price_ugos)
                view.weight = weight(pool.weight_ppm)
                view.locked = format_units(pool.units, pool.decimals)
            pools.append(view)
        return HashPowerResponse(height=state.height.get(), total=hash_power(total), pools=pools)


@router.get("/assets", response_model=list[AssetView], responses=COUNTED_LIST, summary="Assets that can be locked")
def list_assets(node: NodeDep, response: Response, limit: ListLimit = MAX_LIST, offset: Offset = 0) -> list[AssetView]:
    """Registered external assets with decimals, price in GOS, weight, supply and amount locked, by denom (a page:
    `limit` from `offset`; the X-Total-Count header says how many there are)."""
    with node.app.read_committed() as state:
        total, rows = get_assets_page(state, offset, limit)
        shown = [
            listed_asset_view(
                AssetView,
                denom,
                asset,
                supply=format_units(get_asset_supply(state, denom), asset.decimals),
                locked=format_units(get_locked_total(state, denom), asset.decimals),
            )
            for denom, asset in rows
        ]
        return counted(response, total, shown)
