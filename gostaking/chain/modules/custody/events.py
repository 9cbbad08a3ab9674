"""Events of the custody module: the trail the gateways follow."""

from gostaking.chain.events import ChainEvent


class DepositEvent(ChainEvent, frozen=True):
    """Something that happened to a deposit, named 'hosted_chain:external_tx_id'."""

    deposit: str


class DepositAttestedEvent(DepositEvent, frozen=True, tag="deposit_attested"):
    """A custodian attested a deposit; `attestations` so far."""

    custodian: str
    attestations: int


class DepositCreditedEvent(DepositEvent, frozen=True, tag="deposit_credited"):
    """The threshold of attestations credited a deposit's units."""

    recipient: str
    denom: str
    amount: int


class DepositHeldEvent(DepositEvent, frozen=True, tag="deposit_held"):
    """A deposit was held for the council instead of credited."""

    reason: str


class ReclaimReportedEvent(DepositEvent, frozen=True, tag="reclaim_reported"):
    """A custodian reported that a deposit's output went back to its depositor in `reclaim_tx`; `reports` so far."""

    custodian: str
    reclaim_tx: str
    reports: int


class DepositReclaimedEvent(DepositEvent, frozen=True, tag="deposit_reclaimed"):
    """The threshold of reports closed a deposit its depositor took back: of the `amount` it had credited (0 if it
    was never credited), `debited` units were burned from the recipient (`from_locks` of them out of its locks) and
    `shortfall` units could not be reached (they stay on GoStaking without backing, on record)."""

    recipient: str
    denom: str
    amount: int
    debited: int
    from_locks: int
    shortfall: int
    reclaim_tx: str


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
