"""Events of the bank module."""

from gostaking.chain.events import ChainEvent


class TransferEvent(ChainEvent, frozen=True, tag="transfer"):
    """Coins moved from one account to another."""

    sender: str
    recipient: str
    denom: str
    amount: int
