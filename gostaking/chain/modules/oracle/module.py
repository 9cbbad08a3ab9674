"""The oracle module's declaration: the mining nodes' price quotes and the exchange's deep pools make the GOS
index, aggregated at the end of each period."""

from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.oracle import queries, tables
from gostaking.chain.modules.oracle.events import PricesSubmittedEvent, PriceStaleEvent, PriceUpdatedEvent
from gostaking.chain.modules.oracle.handlers import process_submit_prices
from gostaking.chain.modules.oracle.lifecycle import aggregate_prices_if_due
from gostaking.chain.modules.oracle.params import validate_oracle_params
from gostaking.chain.types.params import OracleParams
from gostaking.chain.types.tx import MsgSubmitPrices

MODULE = Module(
    name="oracle",
    tables=(tables.PRICE_VOTES, tables.ORACLE_PRICES),
    params=(ParamsSection("oracle", OracleParams, validate_oracle_params),),
    handlers={MsgSubmitPrices: process_submit_prices},
    end_block=(aggregate_prices_if_due,),
    events=(PricesSubmittedEvent, PriceUpdatedEvent, PriceStaleEvent),
    queries=(
        queries.compute_period,
        queries.get_oracle_price,
        queries.get_period_quotes,
    ),
)
