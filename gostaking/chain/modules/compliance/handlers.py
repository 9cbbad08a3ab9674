"""KYC attestations by admitted providers; freezes by the compliance council (m of n approvals)."""

from msgspec.structs import replace

from gostaking.chain.crypto import require_address
from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidMessageError, UnauthorizedError, require
from gostaking.chain.modules.compliance.events import (
    ComplianceActionApprovedEvent,
    ComplianceActionProposedEvent,
    KycAttestedEvent,
    KycRevokedEvent,
)
from gostaking.chain.modules.compliance.mutations import (
    add_compliance_action,
    execute_compliance_action,
    remove_kyc_attestation,
    set_kyc_attestation,
    store_compliance_action,
)
from gostaking.chain.modules.compliance.queries import require_council_member
from gostaking.chain.modules.compliance.tables import COMPLIANCE_ACTIONS, KYC, KYC_PROVIDERS
from gostaking.chain.state import State
from gostaking.chain.types.compliance import ComplianceActionRecord, KycAttestation
from gostaking.chain.types.tx import MsgApproveComplianceAction, MsgAttestKyc, MsgRevokeKyc

MAX_KYC_LEVEL = 3
MAX_REASON_BYTES = 256


def _require_provider(state: State, sender: str) -> None:
    require(sender in state[KYC_PROVIDERS], UnauthorizedError, f"{sender} is not an admitted KYC provider")


def check_attest_kyc(state: State, msg: MsgAttestKyc) -> None:
    """A gos1 address, a level within 1..3 and the sha256 of the evidence."""
    require_address(msg.address)
    require(1 <= msg.level <= MAX_KYC_LEVEL, InvalidMessageError, f"KYC level must be within 1..{MAX_KYC_LEVEL}")
    require(len(msg.evidence_hash) == 32, InvalidMessageError, "evidence hash must be 32 bytes (sha256)")


def check_revoke_kyc(state: State, msg: MsgRevokeKyc) -> None:
    """A gos1 address."""
    require_address(msg.address)


def check_approve_compliance_action(state: State, msg: MsgApproveComplianceAction) -> None:
    """Either a new action (no id) with a gos1 address, a reason of 1..256 bytes and a case id of 1..64 characters,
    or the id of an existing one alone."""
    if msg.action_id >= 0:
        require(msg.action is None, InvalidMessageError, "approve an existing action by id only")
        return
    action = msg.action
    if action is None:
        raise InvalidMessageError("a new compliance action needs its content")
    require_address(action.address)
    require(
        0 < len(action.reason.encode()) <= MAX_REASON_BYTES and 0 < len(action.case_id) <= 64,
        InvalidMessageError,
        "a compliance action needs a reason (≤ 256 bytes) and a case id (≤ 64 characters)",
    )


def process_attest_kyc(state: State, ctx: Context, msg: MsgAttestKyc) -> None:
    """Record a provider's KYC attestation (replacing any earlier one for the address)."""
    _require_provider(state, ctx.sender)
    require(msg.expires_height > ctx.height, InvalidMessageError, "the attestation must expire in the future")
    set_kyc_attestation(
        state, msg.address, KycAttestation(ctx.sender, msg.level, msg.expires_height, msg.evidence_hash, ctx.height)
    )
    ctx.emit(KycAttestedEvent(address=msg.address, provider=ctx.sender, level=msg.level, expires=msg.expires_height))


def process_revoke_kyc(state: State, ctx: Context, msg: MsgRevokeKyc) -> None:
    """A provider withdraws its own attestation."""
    _require_provider(state, ctx.sender)
    attestation = state[KYC].get(msg.address)
    require(
        attestation is not None and attestation.provider == ctx.sender,
        InvalidMessageError,
        f"{ctx.sender} has no attestation of {msg.address} to revoke",
    )
    remove_kyc_attestation(state, msg.address)
    ctx.emit(KycRevokedEvent(address=msg.address, provider=ctx.sender))


def process_approve_compliance_action(state: State, ctx: Context, msg: MsgApproveComplianceAction) -> None:
    """Propose (with an action) or approve (by id) a freeze/unfreeze; the threshold-th approval executes it."""
    params = state.params.get().compliance
    require_council_member(state, ctx.sender)
    if msg.action is not None:  # a new action (check_approve_compliance_action: then it has no id)
        action = msg.action
        record = ComplianceActionRecord(action, (), ctx.height)
        action_id = add_compliance_action(state, record)
        ctx.emit(ComplianceActionProposedEvent(id=action_id, kind=type(action).__name__, address=action.address))
    else:
        existing = state[COMPLIANCE_ACTIONS].get(msg.action_id)
        if existing is None:
            raise InvalidMessageError(f"no compliance action {msg.action_id}")
        require(existing.status == "pending", InvalidMessageError, f"compliance action {msg.action_id} is executed")
        require(ctx.sender not in existing.approvers, InvalidMessageError, "already approved")
        action_id, record = msg.action_id, existing
    record = replace(record, approvers=(*record.approvers, ctx.sender))
    if len(record.approvers) >= params.council_threshold:
        execute_compliance_action(state, ctx, action_id, record.action)
        record = replace(record, status="executed", executed_height=ctx.height)
    store_compliance_action(state, action_id, record)
    ctx.emit(ComplianceActionApprovedEvent(id=action_id, by=ctx.sender, approvals=len(record.approvers)))
