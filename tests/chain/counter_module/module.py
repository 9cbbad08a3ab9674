"""The counter module's declaration."""

from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.genesis import Genesis, decode_module_genesis
from gostaking.chain.invariants import check
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.params import init_module_params
from gostaking.chain.state import State

from . import types
from .mutations import take_block_bumps
from .tables import COUNTS, PARAMS, TOTAL
from .types import BlockBumpsEvent, CounterGenesis, CounterParams


def validate_counter_params(params: CounterParams) -> None:
    """Notes of 1..64 bytes."""
    require(1 <= params.max_note_bytes <= 64, InvalidGenesisError, "max_note_bytes must be within 1..64")


SECTION = ParamsSection("counter", CounterParams, validate_counter_params, table=PARAMS)


def init_counter_genesis(state: State, ctx: Context, genesis: Genesis) -> None:
    """Store the section's parameters (the defaults without a section)."""
    section = decode_module_genesis(genesis, "counter", CounterGenesis)
    init_module_params(state, SECTION, section.params if isinstance(section, CounterGenesis) else CounterParams())


def report_block_bumps(state: State, ctx: Context) -> None:
    """End of block: say how many bumps the block had."""
    ctx.emit(BlockBumpsEvent(bumps=take_block_bumps(state)))


def check_counts(state: State) -> None:
    """The total is the sum of every account's count."""
    check(state[TOTAL].get() == sum(state[COUNTS].values()), "counter total differs from the counts")


MODULE = Module(
    name="counter",
    package=__package__,
    events=types,  # its events live with its other types
    params=(SECTION,),
    genesis=init_counter_genesis,
    end_block=(report_block_bumps,),
    invariants=(check_counts,),
)
