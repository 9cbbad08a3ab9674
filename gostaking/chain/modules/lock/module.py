"""The lock module's declaration: the registry of external assets and locking them for hash power."""

from gostaking.chain.constants import MODULE_LOCKED
from gostaking.chain.module import Module
from gostaking.chain.modules.lock.genesis import init_lock_genesis
from gostaking.chain.modules.lock.invariants import check_locked_assets

MODULE = Module(
    name="lock",
    package=__package__,
    genesis=init_lock_genesis,
    invariants=(check_locked_assets,),
    accounts=(MODULE_LOCKED,),
)
