"""Tables of the compliance module: KYC attestations and providers, freezes, council decisions."""

from gostaking.chain.tables import SingletonSpec, TableSpec
from gostaking.chain.types.compliance import (
    ComplianceActionRecord,
    CouncilApproval,
    FreezeRecord,
    KycAttestation,
    KycProvider,
)

KYC = TableSpec("kyc", str, KycAttestation, doc="address → its current attestation.")
KYC_PROVIDERS = TableSpec("kyc_providers", str, KycProvider, resident=True)  # listed by the council
FROZEN = TableSpec("frozen", str, FreezeRecord)
COMPLIANCE_ACTIONS = TableSpec(
    "compliance_actions",
    int,
    ComplianceActionRecord,
    indexes={
        "by_status": lambda _, record: (record.status,),
        "by_address": lambda _, record: (record.action.address,),
        "by_address_status": lambda _, record: (record.action.address, record.status),
    },
    doc="Every freeze/unfreeze proposed by the council, with its approvers: the audit trail (paged by id, "
    "optionally by status and account).",
)
COMPLIANCE_ACTION_COUNT = SingletonSpec("compliance_action_count", int, lambda: 0)
COUNCIL_APPROVALS = TableSpec(
    "council_approvals",
    str,
    CouncilApproval,
    doc="Decision subject (e.g. 'hold:deposit:bitcoin:<txid>:release') → approvals gathered so far; removed when "
    "the decision executes (its events are the audit trail) or becomes moot.",
)
