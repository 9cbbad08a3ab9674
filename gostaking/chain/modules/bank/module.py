"""The bank module's declaration: accounts, balances, GOS in shares of the burn index, and transfers."""

from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.bank.invariants import check_supplies
from gostaking.chain.modules.bank.params import validate_tx_params
from gostaking.chain.types.params import TxParams

MODULE = Module(
    name="bank",
    package=__package__,
    # The bank keeps the accounts whose sequences and fees every transaction's checks use.
    params=(ParamsSection("tx", TxParams, validate_tx_params),),
    invariants=(check_supplies,),
)
