"""Custody writes: deposits, withdrawals, reclaims and the sanctions list."""

from gostaking.chain.modules.custody.tables import DEPOSITS, RECLAIMS, SANCTIONED, WITHDRAWAL_COUNT, WITHDRAWALS
from gostaking.chain.state import State
from gostaking.chain.types.custody import Deposit, Reclaim, SanctionEntry, Withdrawal
from gostaking.chain.types.tx import SanctionUpdate


def store_deposit(state: State, key: tuple[str, str], deposit: Deposit) -> None:
    """Save a deposit under (hosted chain, external tx id)."""
    state[DEPOSITS].put(key, deposit)


def store_reclaim(state: State, key: tuple[str, str], reclaim: Reclaim) -> None:
    """Save the reclaim of the deposit named (hosted chain, external tx id)."""
    state[RECLAIMS].put(key, reclaim)


def add_withdrawal(state: State, withdrawal: Withdrawal) -> int:
    """Save a new withdrawal under the next id (ids count up from 0; the custodians' vault nonces); returns it."""
    return state[WITHDRAWALS].insert_next(state[WITHDRAWAL_COUNT], withdrawal)


def store_withdrawal(state: State, withdrawal_id: int, withdrawal: Withdrawal) -> None:
    """Save a changed withdrawal under its id."""
    state[WITHDRAWALS].put(withdrawal_id, withdrawal)


def apply_sanctions_updates(state: State, updates: list[SanctionUpdate], height: int) -> None:
    """List or delist each external address (compared lower-cased), as the council decided."""
    for update in updates:
        key = (update.hosted_chain, update.address.lower())
        if update.listed:
            state[SANCTIONED].put(key, SanctionEntry(update.source, height))
        else:
            state[SANCTIONED].delete(key)
