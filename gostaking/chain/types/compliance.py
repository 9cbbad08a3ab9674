"""KYC attestations (no personal data on chain) and account freezes with their audit trail."""

from typing import Literal

import msgspec


class KycAttestation(msgspec.Struct, frozen=True, array_like=True):
    """A provider's statement that an address passed KYC at `level` until `expires_height`."""

    provider: str
    level: int
    expires_height: int
    evidence_hash: bytes
    """sha256 of the provider's off-chain evidence file: proves what was checked without revealing it."""
    attested_height: int


class KycProvider(msgspec.Struct, frozen=True, array_like=True):
    """A KYC provider admitted by governance."""

    name: str
    admitted_height: int


class FreezeAction(msgspec.Struct, frozen=True, tag="freeze", forbid_unknown_fields=True):
    """Stop an account from moving funds."""

    address: str
    reason: str
    case_id: str


class UnfreezeAction(msgspec.Struct, frozen=True, tag="unfreeze", forbid_unknown_fields=True):
    """Let a frozen account move funds again."""

    address: str
    reason: str
    case_id: str


ComplianceAction = FreezeAction | UnfreezeAction
ActionStatus = Literal["pending", "executed"]


class ComplianceActionRecord(msgspec.Struct, frozen=True):
    """One council action and who approved it: the audit trail."""

    action: ComplianceAction
    approvers: tuple[str, ...]
    proposed_height: int
    status: ActionStatus = "pending"
    executed_height: int = 0


class CouncilApproval(msgspec.Struct, frozen=True, array_like=True):
    """Council members who approved a decision that has not reached the threshold yet."""

    approvers: tuple[str, ...]
    first_height: int


class FreezeRecord(msgspec.Struct, frozen=True, array_like=True):
    """Why and since when an account is frozen."""

    reason: str
    case_id: str
    frozen_height: int
    action_id: int
