"""Tables of the dex module: the asset/GOS pools and the providers' liquidity units."""

from gostaking.chain.tables import TableSpec
from gostaking.chain.types.dex import DexPool

DEX_POOLS = TableSpec("dex_pools", str, DexPool, doc="denom → the denom/GOS pool.")
LP_POSITIONS = TableSpec(
    "lp_positions",
    tuple[str, str],
    int,
    indexes={"by_pool_size": lambda key, units: (key[0], -units)},
    doc="(denom, provider) → liquidity units; indexed by pool, largest first (a pool's providers page).",
)
