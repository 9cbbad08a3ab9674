"""The custody module's declaration: deposits and withdrawals of external assets vouched for by m-of-n
custodians, and the sanctions holds the compliance council decides."""

from gostaking.chain.constants import MODULE_CUSTODY_ESCROW
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.custody import events, handlers, queries, tables
from gostaking.chain.modules.custody.invariants import check_escrow
from gostaking.chain.modules.custody.params import validate_custody_params
from gostaking.chain.types.params import CustodyParams

MODULE = Module(
    name="custody",
    tables=tables,
    # The custodian set changes with the custodians' own keys, not by a vote.
    params=(ParamsSection("custody", CustodyParams, validate_custody_params, governable=False),),
    handlers=handlers,
    invariants=(check_escrow,),
    events=events,
    accounts=(MODULE_CUSTODY_ESCROW,),
    queries=queries,
)
