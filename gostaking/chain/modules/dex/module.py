"""The dex module's declaration: constant-product asset/GOS pools whose deep prices feed the GOS index."""

from gostaking.chain.constants import MODULE_DEX
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.dex.invariants import check_pools
from gostaking.chain.modules.dex.params import validate_dex_params
from gostaking.chain.types.params import DexParams

MODULE = Module(
    name="dex",
    package=__package__,
    params=(ParamsSection("dex", DexParams, validate_dex_params, governable=False),),
    invariants=(check_pools,),
    accounts=(MODULE_DEX,),
)
