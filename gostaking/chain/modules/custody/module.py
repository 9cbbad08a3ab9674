"""The custody module's declaration: deposits, withdrawals and reclaimed deposits of external assets vouched for
by m-of-n custodians, and the sanctions holds the compliance council decides."""

from gostaking.chain.constants import MODULE_CUSTODY_ESCROW
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.custody.invariants import check_backing, check_escrow
from gostaking.chain.modules.custody.params import validate_custody_params
from gostaking.chain.types.params import CustodyParams

MODULE = Module(
    name="custody",
    package=__package__,
    # The custodian set changes with the custodians' own keys, not by a vote.
    params=(ParamsSection("custody", CustodyParams, validate_custody_params, governable=False),),
    invariants=(check_escrow, check_backing),
    accounts=(MODULE_CUSTODY_ESCROW,),
)
