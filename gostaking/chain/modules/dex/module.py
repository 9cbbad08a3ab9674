"""The dex module's declaration: constant-product asset/GOS pools whose deep prices feed the GOS index."""

from gostaking.chain.constants import MODULE_DEX
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.dex import queries, tables
from gostaking.chain.modules.dex.events import LiquidityAddedEvent, LiquidityRemovedEvent, SwapEvent
from gostaking.chain.modules.dex.handlers import process_add_liquidity, process_remove_liquidity, process_swap
from gostaking.chain.modules.dex.invariants import check_pools
from gostaking.chain.modules.dex.params import validate_dex_params
from gostaking.chain.types.params import DexParams
from gostaking.chain.types.tx import MsgAddLiquidity, MsgRemoveLiquidity, MsgSwap

MODULE = Module(
    name="dex",
    tables=(tables.DEX_POOLS, tables.LP_POSITIONS),
    params=(ParamsSection("dex", DexParams, validate_dex_params, governable=False),),
    handlers={
        MsgAddLiquidity: process_add_liquidity,
        MsgRemoveLiquidity: process_remove_liquidity,
        MsgSwap: process_swap,
    },
    invariants=(check_pools,),
    events=(LiquidityAddedEvent, LiquidityRemovedEvent, SwapEvent),
    accounts=(MODULE_DEX,),
    queries=(
        queries.compute_liquidity_claim,
        queries.get_liquidity_providers,
        queries.get_oracle_market_price,
        queries.get_pool,
        queries.get_pool_price_ugos,
        queries.get_pool_reserves,
        queries.quote_swap,
    ),
)
