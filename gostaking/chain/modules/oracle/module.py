"""The oracle module's declaration: the mining nodes' price quotes and the exchange's deep pools make the GOS
index, aggregated at the end of each period."""

from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.oracle.lifecycle import aggregate_prices_if_due
from gostaking.chain.modules.oracle.params import validate_oracle_params
from gostaking.chain.types.params import OracleParams

MODULE = Module(
    name="oracle",
    package=__package__,
    params=(ParamsSection("oracle", OracleParams, validate_oracle_params),),
    end_block=(aggregate_prices_if_due,),
)
