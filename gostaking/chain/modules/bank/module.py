"""The bank module's declaration: accounts, balances, GOS in shares of the burn index, and transfers."""

from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.bank import queries, tables
from gostaking.chain.modules.bank.events import TransferEvent
from gostaking.chain.modules.bank.handlers import process_send_coins
from gostaking.chain.modules.bank.invariants import check_supplies
from gostaking.chain.modules.bank.params import validate_tx_params
from gostaking.chain.types.params import TxParams
from gostaking.chain.types.tx import MsgSendCoins

MODULE = Module(
    name="bank",
    tables=(tables.ACCOUNTS, tables.BALANCES, tables.GOS_SUPPLY, tables.ASSET_SUPPLY),
    # The bank keeps the accounts whose sequences and fees every transaction's checks use.
    params=(ParamsSection("tx", TxParams, validate_tx_params),),
    handlers={MsgSendCoins: process_send_coins},
    invariants=(check_supplies,),
    events=(TransferEvent,),
    queries=(
        queries.compute_index_after_burn,
        queries.compute_shares_to_ugos,
        queries.get_account,
        queries.get_asset_supply,
        queries.get_balance,
        queries.get_gos_index,
        queries.get_gos_supply,
        queries.get_gos_supply_ugos,
    ),
)
