"""Events of the bank module."""

from gostaking.chain.events import ChainEvent


class TransferEvent(ChainEvent, frozen=True, tag="transfer"):
    """Coins moved from one account to another."""

    sender: str
    recipient: str
    denom: str
    amount: int


class NewBalanceFeeEvent(ChainEvent, frozen=True, tag="new_balance_fee"):
    """A transfer created a balance entry and its sender paid the fee for storing it (`tx.new_balance_fee_ugos`)."""

    payer: str
    recipient: str
    denom: str
    fee_ugos: int
