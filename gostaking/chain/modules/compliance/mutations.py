"""Compliance writes: providers (by governance), freezes and other council decisions (m of n)."""

from gostaking.chain.env import Context
from gostaking.chain.errors import AlreadyAttestedError, require
from gostaking.chain.modules.compliance.events import (
    AccountFrozenEvent,
    AccountUnfrozenEvent,
    CouncilApprovalEvent,
    KycProviderEvent,
)
from gostaking.chain.modules.compliance.queries import require_council_member
from gostaking.chain.modules.compliance.tables import (
    COMPLIANCE_ACTION_COUNT,
    COMPLIANCE_ACTIONS,
    COUNCIL_APPROVALS,
    FROZEN,
    KYC,
    KYC_PROVIDERS,
)
from gostaking.chain.state import State
from gostaking.chain.types.compliance import (
    ComplianceAction,
    ComplianceActionRecord,
    CouncilApproval,
    FreezeAction,
    FreezeRecord,
    KycAttestation,
    KycProvider,
)


def set_kyc_provider(state: State, ctx: Context, provider: str, name: str, enabled: bool) -> None:
    """Admit or remove a KYC provider; a removed provider's attestations stop counting at once."""
    if enabled:
        state[KYC_PROVIDERS].put(provider, KycProvider(name, ctx.height))
    else:
        state[KYC_PROVIDERS].delete(provider)
    ctx.emit(KycProviderEvent(provider=provider, name=name, enabled=enabled))


def set_kyc_attestation(state: State, address: str, attestation: KycAttestation) -> None:
    """Record a provider's attestation of an address (replacing any earlier one)."""
    state[KYC].put(address, attestation)


def remove_kyc_attestation(state: State, address: str) -> None:
    """Forget an address's attestation."""
    state[KYC].delete(address)


def add_compliance_action(state: State, record: ComplianceActionRecord) -> int:
    """Save a newly proposed council action under the next id (ids count up from 0); returns the id."""
    return state[COMPLIANCE_ACTIONS].insert_next(state[COMPLIANCE_ACTION_COUNT], record)


def store_compliance_action(state: State, action_id: int, record: ComplianceActionRecord) -> None:
    """Save a council action's approvals and outcome (the audit trail keeps every action, executed or not)."""
    state[COMPLIANCE_ACTIONS].put(action_id, record)


def execute_compliance_action(state: State, ctx: Context, action_id: int, action: ComplianceAction) -> None:
    """Freeze or unfreeze an account (the council's threshold was reached)."""
    if isinstance(action, FreezeAction):
        state[FROZEN].put(action.address, FreezeRecord(action.reason, action.case_id, ctx.height, action_id))
        ctx.emit(AccountFrozenEvent(address=action.address, case=action.case_id, action=action_id))
    else:
        state[FROZEN].delete(action.address)
        ctx.emit(AccountUnfrozenEvent(address=action.address, case=action.case_id, action=action_id))


def approve_council_decision(state: State, ctx: Context, subject: str) -> bool:
    """Record the sender's approval of `subject`; True when it is the threshold-th, and the caller executes it.

    Used by modules above compliance (custody: sanctions changes, held transfers) so that every compliance
    decision needs m of n council members, as freezes do. Members approve by sending the same decision; the
    subject names it exactly (target and outcome), so approvals of different outcomes never add up.
    """
    require_council_member(state, ctx.sender)
    threshold = state.params.get().compliance.council_threshold
    pending = state[COUNCIL_APPROVALS].get(subject) or CouncilApproval((), ctx.height)
    require(ctx.sender not in pending.approvers, AlreadyAttestedError, f"{ctx.sender} already approved {subject}")
    approvers = (*pending.approvers, ctx.sender)
    ctx.emit(CouncilApprovalEvent(subject=subject, by=ctx.sender, approvals=f"{len(approvers)}/{threshold}"))
    if len(approvers) >= threshold:
        state[COUNCIL_APPROVALS].delete(subject)
        return True
    state[COUNCIL_APPROVALS].put(subject, CouncilApproval(approvers, pending.first_height))
    return False


def drop_council_decision(state: State, subject: str) -> None:
    """Forget the approvals of a decision that can no longer execute (its target was decided otherwise)."""
    state[COUNCIL_APPROVALS].delete(subject)
