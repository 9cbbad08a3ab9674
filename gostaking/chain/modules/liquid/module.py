"""The liquid module's declaration: sGOS liquid staking over stake spread across nodes, redemption tickets and
an instant-redemption pool (docs/liquid.md)."""

from gostaking.chain.constants import MODULE_LIQUID, MODULE_LIQUID_POOL
from gostaking.chain.env import Context
from gostaking.chain.genesis import Genesis, decode_module_genesis
from gostaking.chain.module import IssuedDenom, Module, ParamsSection
from gostaking.chain.modules.liquid.invariants import check_backing, check_pool, check_tickets
from gostaking.chain.modules.liquid.lifecycle import process_due_tickets, process_rebalance
from gostaking.chain.modules.liquid.mutations import register_liquid_denoms
from gostaking.chain.modules.liquid.params import validate_liquid_params
from gostaking.chain.modules.liquid.tables import PARAMS
from gostaking.chain.params import init_module_params
from gostaking.chain.state import State
from gostaking.chain.types.liquid import LP_DENOM, SGOS_DENOM, LiquidGenesis, LiquidParams

# The rate history is a ring of `rate_history_points` slots: resizing it would scramble the ring.
SECTION = ParamsSection(
    "liquid", LiquidParams, validate_liquid_params, fixed_fields=("rate_history_points",), table=PARAMS
)


def init_liquid_genesis(state: State, ctx: Context, genesis: Genesis) -> None:
    """Store the parameters (defaults without a section) and register the sGOS and LP denoms."""
    section = decode_module_genesis(genesis, "liquid", LiquidGenesis)
    init_module_params(state, SECTION, section.params if isinstance(section, LiquidGenesis) else LiquidParams())
    register_liquid_denoms(state)


MODULE = Module(
    name="liquid",
    package=__package__,
    params=(SECTION,),
    genesis=init_liquid_genesis,
    begin_block=(process_due_tickets,),
    end_block=(process_rebalance,),
    invariants=(check_backing, check_tickets, check_pool),
    accounts=(MODULE_LIQUID, MODULE_LIQUID_POOL),
    # 6 decimals like GOS, whose value they track: 1 sgos is 10^6 usgos.
    denoms=(IssuedDenom(SGOS_DENOM, 6, "sgos"), IssuedDenom(LP_DENOM, 6, "sgoslp")),
)
