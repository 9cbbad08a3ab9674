"""Custody of external assets: attested deposits, withdrawals, reclaimed deposits and sanctions holds."""

from typing import Literal

import msgspec

DepositStatus = Literal["pending", "credited", "held", "rejected", "reclaimed"]
WithdrawalStatus = Literal["pending", "held", "completed", "refunded"]
ReclaimStatus = Literal["pending", "applied"]


class Deposit(msgspec.Struct, frozen=True, array_like=True):
    """A transfer into custody on a hosted chain, keyed by (hosted chain, external tx id)."""

    from_address: str
    recipient: str
    denom: str
    amount: int
    attesters: tuple[str, ...]
    status: DepositStatus
    first_seen_height: int
    resolved_height: int = 0


class Withdrawal(msgspec.Struct, frozen=True, array_like=True):
    """A request to send wrapped units back out on the hosted chain, keyed by a sequential id."""

    owner: str
    denom: str
    amount: int
    external_address: str
    status: WithdrawalStatus
    requested_height: int
    external_tx_id: str = ""
    confirmers: tuple[str, ...] = ()
    resolved_height: int = 0
    escrow_shares: int = 0
    """For GOS (ugos) withdrawals: the escrowed GOS shares (external assets escrow exactly `amount`)."""


class SanctionEntry(msgspec.Struct, frozen=True, array_like=True):
    """An external address on a sanctions list (e.g. OFAC SDN): deposits from it and withdrawals to it are held."""

    source: str
    listed_height: int


class Reclaim(msgspec.Struct, frozen=True, array_like=True):
    """A deposit whose output went back to its depositor on the hosted chain (the lock's timelocked path), keyed
    like the deposit by (hosted chain, external tx id) and reported by custodians."""

    reclaim_tx_id: str
    reporters: tuple[str, ...]
    status: ReclaimStatus
    first_seen_height: int
    liability: int = 0
    """Units the deposit had credited when the reclaim applied (its amount if credited, else 0)."""
    debited: int = 0
    """Of `liability`, the units burned from the recipient (its balance first, then its locks)."""
    shortfall: int = 0
    """Of `liability`, the units the chain could not reach (moved away): wrapped units without backing."""
    resolved_height: int = 0


class CustodyBacking(msgspec.Struct, frozen=True):
    """The chain's account of one custodied asset (docs/chain.md, "Backing"): what custody owes on the hosted chain
    and where the asset's supply comes from. `supply = outside_custody + owed + shortfall`."""

    denom: str
    credited: int
    """Units ever credited by deposits (reclaimed ones included)."""
    paid_out: int
    """Units of completed withdrawals (burned: they left custody)."""
    reclaimed: int
    """Units credited by deposits their depositors took back."""
    debited: int
    """Of `reclaimed`, the units burned from the recipients."""
    shortfall: int
    """Of `reclaimed`, the units that stay on GoStaking without backing (on record in each reclaim)."""
    supply: int
    """Units of the asset on GoStaking."""

    @property
    def owed(self) -> int:
        """What the custodians must hold on the hosted chain: credited − paid out − reclaimed."""
        return self.credited - self.paid_out - self.reclaimed

    @property
    def outside_custody(self) -> int:
        """Units that never passed through custody (genesis allocations, e.g. a devnet faucet's): supply − owed −
        shortfall. Never negative; it changes only at genesis."""
        return self.supply - self.owed - self.shortfall
