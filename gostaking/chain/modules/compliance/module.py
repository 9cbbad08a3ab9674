"""The compliance module's declaration: KYC levels attested by providers, and the council's freezes and
decisions (the lowest module: every service checks it)."""

from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.compliance import events, queries, tables
from gostaking.chain.modules.compliance.genesis import init_compliance_genesis
from gostaking.chain.modules.compliance.handlers import (
    process_approve_compliance_action,
    process_attest_kyc,
    process_revoke_kyc,
)
from gostaking.chain.modules.compliance.params import validate_compliance_params
from gostaking.chain.types.params import ComplianceParams
from gostaking.chain.types.tx import MsgApproveComplianceAction, MsgAttestKyc, MsgRevokeKyc

MODULE = Module(
    name="compliance",
    tables=(
        tables.KYC,
        tables.KYC_PROVIDERS,
        tables.FROZEN,
        tables.COMPLIANCE_ACTIONS,
        tables.COMPLIANCE_ACTION_COUNT,
        tables.COUNCIL_APPROVALS,
    ),
    params=(ParamsSection("compliance", ComplianceParams, validate_compliance_params),),
    genesis=init_compliance_genesis,
    handlers={
        MsgAttestKyc: process_attest_kyc,
        MsgRevokeKyc: process_revoke_kyc,
        MsgApproveComplianceAction: process_approve_compliance_action,
    },
    events=events.EVENTS,
    queries=(
        queries.get_compliance_action,
        queries.get_compliance_actions_page,
        queries.get_council_approvals,
        queries.get_frozen_accounts,
        queries.get_kyc_attestation,
        queries.get_kyc_level,
        queries.get_kyc_provider,
        queries.get_kyc_providers,
    ),
)
