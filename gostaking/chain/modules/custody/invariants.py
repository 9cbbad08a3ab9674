"""Invariants of the custody module."""

from gostaking.chain.constants import CUSTODY_ESCROW_ACCOUNT
from gostaking.chain.invariants import InvariantError, check
from gostaking.chain.modules.bank.tables import BALANCES
from gostaking.chain.modules.custody.queries import compute_custody_backing
from gostaking.chain.modules.custody.tables import DEPOSITS, RECLAIMS, WITHDRAWALS
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


def check_backing(state: State) -> None:
    """Every reclaim is settled exactly (debited + shortfall = what its deposit had credited; an applied one closed
    its deposit, a pending one did not), and each custodied asset's supply is explained by custody's ledger:
    supply = outside custody (genesis allocations, ≥ 0) + owed on the hosted chain + reclaim shortfall."""
    for key, reclaim in state[RECLAIMS].items_sorted():
        deposit = state[DEPOSITS].get(key)
        if deposit is None:
            raise InvariantError(f"reclaim of {key} without a deposit")
        check(
            (deposit.status == "reclaimed") == (reclaim.status == "applied"),
            f"deposit {key} is {deposit.status} but its reclaim is {reclaim.status}",
        )
        check(
            reclaim.debited >= 0
            and reclaim.shortfall >= 0
            and reclaim.debited + reclaim.shortfall == reclaim.liability,
            f"reclaim of {key}: debited {reclaim.debited} + shortfall {reclaim.shortfall} != {reclaim.liability}",
        )
        check(reclaim.liability in (0, deposit.amount), f"reclaim of {key}: liability {reclaim.liability}")
    for denom in state[ASSETS].keys_sorted():
        backing = compute_custody_backing(state, denom)
        check(
            backing.outside_custody >= 0,
            f"{denom}: supply {backing.supply} < owed {backing.owed} + shortfall {backing.shortfall}",
        )
