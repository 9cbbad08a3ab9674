"""Events of the lock module."""

from gostaking.chain.events import ChainEvent


class LockChangeEvent(ChainEvent, frozen=True):
    """Units of an external asset moved into or out of an account's lock."""

    address: str
    denom: str
    amount: int


class LockEvent(LockChangeEvent, frozen=True, tag="lock"):
    """An external asset was locked for hash power."""


class UnlockEvent(LockChangeEvent, frozen=True, tag="unlock"):
    """Locked units returned to the balance (their hash power stopped)."""
