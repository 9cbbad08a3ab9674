"""The dex module's declaration: constant-product asset/GOS pools whose deep prices, averaged over time, feed the
GOS index."""

from gostaking.chain.constants import MODULE_DEX
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.dex.invariants import check_pool_price_accumulators, check_pools
from gostaking.chain.modules.dex.lifecycle import observe_pool_prices
from gostaking.chain.modules.dex.params import validate_dex_params
from gostaking.chain.types.params import DexParams

MODULE = Module(
    name="dex",
    package=__package__,
    params=(ParamsSection("dex", DexParams, validate_dex_params, governable=False),),
    end_block=(observe_pool_prices,),
    invariants=(check_pools, check_pool_price_accumulators),
    accounts=(MODULE_DEX,),
)
