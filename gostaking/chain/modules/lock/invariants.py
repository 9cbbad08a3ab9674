"""Invariants of the lock module."""

from gostaking.chain.constants import LOCKED_ACCOUNT
from gostaking.chain.invariants import check
from gostaking.chain.modules.bank.tables import BALANCES
from gostaking.chain.modules.mining.tables import POOLS
from gostaking.chain.state import State
from gostaking.chain.types.mining import LOCK_POOL_PREFIX


def check_locked_assets(state: State) -> None:
    """Each lock pool's units are exactly what the locked module account holds of its asset."""
    locked_account = LOCKED_ACCOUNT
    for pool_id, pool in state[POOLS].items_sorted():
        if pool_id.startswith(LOCK_POOL_PREFIX):
            denom = pool_id[len(LOCK_POOL_PREFIX) :]
            locked = state[BALANCES].get_or((locked_account, denom), 0)
            check(locked == pool.units, f"{denom}: locked module {locked} != pool {pool.units}")
