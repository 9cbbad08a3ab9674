"""Custody of external assets: attested deposits, withdrawals and sanctions holds."""

from typing import Literal

import msgspec

DepositStatus = Literal["pending", "credited", "held", "rejected"]
WithdrawalStatus = Literal["pending", "held", "completed", "refunded"]


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
