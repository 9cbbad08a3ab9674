"""Events of the emission module."""

from gostaking.chain.events import ChainEvent


class MintEvent(ChainEvent, frozen=True, tag="mint"):
    """The block reward was minted into the rewards module account."""

    amount: int
    shares: int


class BurnEvent(ChainEvent, frozen=True, tag="burn"):
    """Burn number `number` destroyed `amount` ugos (10% of all GOS) by a reverse split."""

    number: int
    amount: int
