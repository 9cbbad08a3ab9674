"""Bank message handlers."""

from gostaking.chain.constants import FEE_COLLECTOR_ACCOUNT
from gostaking.chain.crypto import require_address
from gostaking.chain.env import Context
from gostaking.chain.errors import (
    ModuleAccountError,
    require,
    require_amount,
)
from gostaking.chain.modules.bank.events import NewBalanceFeeEvent, TransferEvent
from gostaking.chain.modules.bank.mutations import move_asset, move_gos
from gostaking.chain.modules.bank.queries import has_balance_entry, is_module_address, require_known_denom
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State
from gostaking.chain.types.tx import MsgSendCoins


def check_send_coins(state: State, msg: MsgSendCoins) -> None:
    """A gos1 recipient that is not a module account, a denom that exists here, an amount within 1..2^256-1."""
    require_address(msg.to, "recipient")
    require(not is_module_address(state, msg.to), ModuleAccountError, "module accounts cannot receive transfers")
    require_known_denom(state, msg.denom)
    require_amount(msg.amount)


def process_send_coins(state: State, ctx: Context, msg: MsgSendCoins) -> None:
    """Transfer coins from the sender to another account; creating the recipient's balance of this denom costs
    the sender `new_balance_fee_ugos` more, paid to the fee collector (the whole message fails if unaffordable)."""
    new_balance = not has_balance_entry(state, msg.to, msg.denom)
    if msg.denom == GOS_DENOM:
        move_gos(state, ctx.sender, msg.to, msg.amount)
    else:
        move_asset(state, ctx.sender, msg.to, msg.denom, msg.amount)
    ctx.emit(TransferEvent(sender=ctx.sender, recipient=msg.to, denom=msg.denom, amount=msg.amount))
    if new_balance and (new_balance_fee := state.params.get().tx.new_balance_fee_ugos):
        move_gos(state, ctx.sender, FEE_COLLECTOR_ACCOUNT, new_balance_fee)
        ctx.emit(NewBalanceFeeEvent(payer=ctx.sender, recipient=msg.to, denom=msg.denom, fee_ugos=new_balance_fee))
