"""Events of the compliance module: the audit trail of KYC, freezes and council decisions."""

from gostaking.chain.events import ChainEvent


class KycEvent(ChainEvent, frozen=True):
    """A provider's statement about an address."""

    address: str
    provider: str


class KycAttestedEvent(KycEvent, frozen=True, tag="kyc_attested"):
    """A provider attested an address's KYC level until a height."""

    level: int
    expires: int


class KycRevokedEvent(KycEvent, frozen=True, tag="kyc_revoked"):
    """A provider withdrew its attestation."""


class KycProviderEvent(ChainEvent, frozen=True, tag="kyc_provider"):
    """A KYC provider was admitted (enabled) or removed."""

    provider: str
    name: str
    enabled: bool


class ComplianceActionProposedEvent(ChainEvent, frozen=True, tag="compliance_action_proposed"):
    """A council member proposed a freeze or an unfreeze (kind: FreezeAction or UnfreezeAction)."""

    id: int
    kind: str
    address: str


class ComplianceActionApprovedEvent(ChainEvent, frozen=True, tag="compliance_action_approved"):
    """A council member approved a freeze/unfreeze; `approvals` so far."""

    id: int
    by: str
    approvals: int


class FreezeEvent(ChainEvent, frozen=True):
    """A council action (`action`) on an account, for a case."""

    address: str
    case: str
    action: int


class AccountFrozenEvent(FreezeEvent, frozen=True, tag="account_frozen"):
    """The council froze an account."""


class AccountUnfrozenEvent(FreezeEvent, frozen=True, tag="account_unfrozen"):
    """The council unfroze an account."""


class CouncilApprovalEvent(ChainEvent, frozen=True, tag="council_approval"):
    """A council member approved a decision (subject); `approvals` is 'k/m'."""

    subject: str
    by: str
    approvals: str
