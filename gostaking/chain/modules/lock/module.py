"""The lock module's declaration: the registry of external assets and locking them for hash power."""

from gostaking.chain.constants import MODULE_LOCKED
from gostaking.chain.module import Module
from gostaking.chain.modules.lock import queries, tables
from gostaking.chain.modules.lock.events import LockEvent, UnlockEvent
from gostaking.chain.modules.lock.genesis import init_lock_genesis
from gostaking.chain.modules.lock.handlers import process_lock_asset, process_unlock_asset
from gostaking.chain.modules.lock.invariants import check_locked_assets
from gostaking.chain.types.tx import MsgLockAsset, MsgUnlockAsset

MODULE = Module(
    name="lock",
    tables=(tables.ASSETS,),
    genesis=init_lock_genesis,
    handlers={MsgLockAsset: process_lock_asset, MsgUnlockAsset: process_unlock_asset},
    invariants=(check_locked_assets,),
    events=(LockEvent, UnlockEvent),
    accounts=(MODULE_LOCKED,),
    queries=(
        queries.compute_lock_pool_id,
        queries.compute_locked_value_ugos,
        queries.get_asset,
        queries.get_assets,
        queries.get_locked_amounts,
        queries.get_locked_total,
    ),
)
