"""Compliance: KYC levels and providers, frozen accounts, the council's audit trail, the parameters."""

from pydantic import BaseModel, Field

from .common import OffsetPage


class KycAttestationView(BaseModel):
    """A provider's attestation as stored on chain (no personal data: only a hash of the evidence)."""

    provider: str
    provider_name: str = Field(description="empty when the provider has been removed")
    provider_admitted: bool = Field(description="false once governance removed the provider: the level is void")
    level: int = Field(description="attested level (1..3)")
    expires_height: int
    expired: bool
    evidence_hash: str = Field(description="sha256 of the provider's off-chain evidence, hex")
    attested_height: int


class KycStatus(BaseModel):
    """The KYC level an address holds and the attestation behind it."""

    address: str
    level: int = Field(description="level a transaction in the next block sees: 0 without a current attestation")
    as_of_height: int = Field(description="the height `level` is evaluated at (the next block)")
    attestation: KycAttestationView | None


class KycProviderView(BaseModel):
    """A KYC provider admitted at genesis or by governance."""

    address: str
    name: str
    admitted_height: int


class FrozenAccountView(BaseModel):
    """A frozen account: its transactions are rejected (it can still receive)."""

    address: str
    reason: str
    case_id: str
    frozen_height: int
    action_id: int = Field(description="the council action that froze it (see /compliance/actions)")


class ComplianceActionView(BaseModel):
    """One council action and who approved it: an audit trail entry."""

    id: int
    kind: str = Field(description="freeze or unfreeze")
    address: str
    reason: str
    case_id: str
    status: str = Field(description="pending (awaiting approvals) or executed")
    approvers: list[str]
    approvals: str = Field(description="approvals / council threshold", examples=["1/2"])
    proposed_height: int
    executed_height: int | None


class ComplianceActionList(OffsetPage):
    """A page of the audit trail, newest first."""

    actions: list[ComplianceActionView]


class ComplianceParamsView(BaseModel):
    """KYC levels the services require, and the compliance council."""

    lock_min_kyc_level: int
    withdraw_min_kyc_level: int
    trade_min_kyc_level: int
    council: list[str]
    council_threshold: int = Field(
        description="approvals that execute a freeze, an unfreeze, a sanctions list change or a hold resolution"
    )


class CouncilApprovalView(BaseModel):
    """A council decision on custody screening that has some approvals but not the threshold yet."""

    subject: str = Field(
        description="the exact decision: sanctions:<sha256 of the batch> or hold:<deposit:…|withdrawal:…>:<outcome>",
        examples=["hold:withdrawal:1:reject"],
    )
    approvers: list[str]
    approvals: str = Field(description="approvals / council threshold", examples=["1/2"])
    first_height: int


class CouncilApprovalList(BaseModel):
    """Pending council decisions, by subject: a page (`limit` and `offset` parameters) of the `total`."""

    total: int = Field(description="pending decisions in all")
    approvals: list[CouncilApprovalView]
