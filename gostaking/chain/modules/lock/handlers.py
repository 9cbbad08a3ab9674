"""Lock and unlock of external assets for hash power."""

from gostaking.chain.constants import LOCKED_ACCOUNT
from gostaking.chain.env import Context
from gostaking.chain.errors import InsufficientFundsError, require, require_amount
from gostaking.chain.modules.bank.mutations import move_asset
from gostaking.chain.modules.compliance.queries import require_kyc_level
from gostaking.chain.modules.lock.events import LockEvent, UnlockEvent
from gostaking.chain.modules.lock.queries import compute_lock_pool_id, get_locked_amount, require_asset
from gostaking.chain.modules.mining.mutations import change_position
from gostaking.chain.state import State
from gostaking.chain.types.tx import AssetAmountMsg, MsgLockAsset, MsgUnlockAsset


def check_asset_amount(state: State, msg: AssetAmountMsg) -> None:
    """A listed asset and an amount within 1..2^256-1 (locks and unlocks)."""
    require_asset(state, msg.denom)
    require_amount(msg.amount)


def process_lock_asset(state: State, ctx: Context, msg: MsgLockAsset) -> None:
    """Move an external asset from the sender's balance into a lock; it earns hash power from now on."""
    level = state.params.get().compliance.lock_min_kyc_level
    require_kyc_level(state, ctx.sender, ctx.height, level, "locking external assets")
    move_asset(state, ctx.sender, LOCKED_ACCOUNT, msg.denom, msg.amount)
    change_position(state, ctx, ctx.sender, compute_lock_pool_id(msg.denom), msg.amount)
    ctx.emit(LockEvent(address=ctx.sender, denom=msg.denom, amount=msg.amount))


def process_unlock_asset(state: State, ctx: Context, msg: MsgUnlockAsset) -> None:
    """Return locked units to the sender's balance; their hash power (and rewards) stop at once."""
    locked = get_locked_amount(state, ctx.sender, msg.denom)
    require(locked >= msg.amount, InsufficientFundsError, f"only {locked} {msg.denom} locked")
    change_position(state, ctx, ctx.sender, compute_lock_pool_id(msg.denom), -msg.amount)
    move_asset(state, LOCKED_ACCOUNT, ctx.sender, msg.denom, msg.amount)
    ctx.emit(UnlockEvent(address=ctx.sender, denom=msg.denom, amount=msg.amount))
