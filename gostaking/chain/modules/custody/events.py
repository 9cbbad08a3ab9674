"""Events of the custody module: the trail the gateways follow."""

from gostaking.chain.events import ChainEvent


class DepositAttestedEvent(ChainEvent, frozen=True, tag="deposit_attested"):
    """A custodian attested a deposit ('hosted_chain:external_tx_id'); `attestations` so far."""

    deposit: str
    custodian: str
    attestations: int


class DepositCreditedEvent(ChainEvent, frozen=True, tag="deposit_credited"):
    """The threshold of attestations credited a deposit's units."""

    deposit: str
    recipient: str
    denom: str
    amount: int


class DepositHeldEvent(ChainEvent, frozen=True, tag="deposit_held"):
    """A deposit was held for the council instead of credited."""

    deposit: str
    reason: str


class WithdrawalRequestedEvent(ChainEvent, frozen=True, tag="withdrawal_requested"):
    """Units were escrowed for a payout to `to` on the hosted chain (status 'pending' or 'held')."""

    id: int
    owner: str
    denom: str
    amount: int
    to: str
    status: str


class WithdrawalCompletedEvent(ChainEvent, frozen=True, tag="withdrawal_completed"):
    """The threshold of custodians confirmed the payout."""

    id: int
    external_tx_id: str


class SanctionsUpdatedEvent(ChainEvent, frozen=True, tag="sanctions_updated"):
    """The council applied a batch of sanctions list changes."""

    changes: int


class HoldResolvedEvent(ChainEvent, frozen=True, kw_only=True, tag="hold_resolved"):
    """The council released or rejected a held deposit (named) or withdrawal (by id)."""

    deposit: str | None = None
    withdrawal: int | None = None
    outcome: str
    by: str


EVENTS = (
    DepositAttestedEvent,
    DepositCreditedEvent,
    DepositHeldEvent,
    WithdrawalRequestedEvent,
    WithdrawalCompletedEvent,
    SanctionsUpdatedEvent,
    HoldResolvedEvent,
)
