"""Invariants of the custody module."""

from gostaking.chain.constants import CUSTODY_ESCROW_ACCOUNT
from gostaking.chain.invariants import check
from gostaking.chain.modules.bank.tables import BALANCES
from gostaking.chain.modules.custody.tables import WITHDRAWALS
from gostaking.chain.modules.lock.tables import ASSETS
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State


def check_escrow(state: State) -> None:
    """The escrow account holds exactly the units of the open (pending or held) withdrawals, per denom."""
    escrow = CUSTODY_ESCROW_ACCOUNT
    balances = state[BALANCES]
    open_withdrawals = [w for w in state[WITHDRAWALS].values() if w.status in ("pending", "held")]
    gos_escrowed = sum(w.escrow_shares for w in open_withdrawals if w.denom == GOS_DENOM)
    check(
        balances.get_or((escrow, GOS_DENOM), 0) == gos_escrowed,
        f"GOS in custody escrow differs from open GOS withdrawals {gos_escrowed}",
    )
    for denom in state[ASSETS].keys_sorted():
        owed = sum(w.amount for w in open_withdrawals if w.denom == denom)
        held_in_escrow = balances.get_or((escrow, denom), 0)
        check(held_in_escrow == owed, f"{denom}: escrow {held_in_escrow} != open withdrawals {owed}")
