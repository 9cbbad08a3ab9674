"""Events of the lock module."""

from gostaking.chain.events import ChainEvent


class LockEvent(ChainEvent, frozen=True, tag="lock"):
    """An external asset was locked for hash power."""

    address: str
    denom: str
    amount: int


class UnlockEvent(LockEvent, frozen=True, tag="unlock"):
    """Locked units returned to the balance (their hash power stopped)."""
