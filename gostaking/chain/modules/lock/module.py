"""The lock module's declaration: the registry of external assets and locking them for hash power."""

from gostaking.chain.constants import MODULE_LOCKED
from gostaking.chain.module import Module
from gostaking.chain.modules.lock import events, handlers, queries, tables
from gostaking.chain.modules.lock.genesis import init_lock_genesis
from gostaking.chain.modules.lock.invariants import check_locked_assets

MODULE = Module(
    name="lock",
    tables=tables,
    genesis=init_lock_genesis,
    handlers=handlers,
    invariants=(check_locked_assets,),
    events=events,
    accounts=(MODULE_LOCKED,),
    queries=queries,
)
