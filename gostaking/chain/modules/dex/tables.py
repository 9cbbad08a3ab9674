"""Tables of the dex module: the asset/GOS pools, the providers' liquidity units and the pools' price
accumulators (the oracle's time-weighted averages)."""

from gostaking.chain.numeric import INDEX_ONE
from gostaking.chain.tables import SingletonSpec, TableSpec
from gostaking.chain.twap import PriceAccumulator
from gostaking.chain.types.dex import DexPool

DEX_POOLS = TableSpec("dex_pools", str, DexPool, doc="denom → the denom/GOS pool.", resident=True)
LP_POSITIONS = TableSpec(
    "lp_positions",
    tuple[str, str],
    int,
    indexes={"by_pool_size": lambda key, units: (key[0], -units)},
    doc="(denom, provider) → liquidity units; indexed by pool, largest first (a pool's providers page).",
)
POOL_PRICE_ACCUMULATORS = TableSpec(
    "dex_price_accumulators",
    str,
    PriceAccumulator,
    doc="denom → the pool's price accumulator (ugos per whole asset while the pool is deep enough for the oracle), "
    "observed at the end of each block that changed the pool: the oracle's time-weighted average reads it.",
)
TOUCHED_POOLS = TableSpec(
    "dex_touched_pools",
    str,
    int,
    doc="denom → height: the pools the current block changed, observed and emptied at its end (written and "
    "deleted in the same block, so it never reaches storage or the app hash).",
    resident=True,  # visited whole at the end of every block
)
OBSERVED_GOS_INDEX = SingletonSpec(
    "dex_observed_gos_index",
    int,
    lambda: INDEX_ONE,
    doc="The GOS index at the pools' last observation: a burn changes every pool's GOS reserve in ugos, so the "
    "block in which the index moved observes every pool.",
)
