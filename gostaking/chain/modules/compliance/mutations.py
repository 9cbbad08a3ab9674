"""Compliance writes: providers (by governance), freezes and other council decisions (m of n)."""

from gostaking.chain.env import Context
from gostaking.chain.errors import AlreadyAttestedError, require
from gostaking.chain.modules.compliance.queries import require_council_member
from gostaking.chain.state import State
from gostaking.chain.types.compliance import (
    ComplianceAction,
    CouncilApproval,
    FreezeAction,
    FreezeRecord,
    KycProvider,
)


def set_kyc_provider(state: State, ctx: Context, provider: str, name: str, enabled: bool) -> None:
    """Admit or remove a KYC provider; a removed provider's attestations stop counting at once."""
    if enabled:
        state.kyc_providers.put(provider, KycProvider(name, ctx.height))
    else:
        state.kyc_providers.delete(provider)
    ctx.emit("kyc_provider", provider=provider, name=name, enabled=enabled)


def execute_compliance_action(state: State, ctx: Context, action_id: int, action: ComplianceAction) -> None:
    """Freeze or unfreeze an account (the council's threshold was reached)."""
    if isinstance(action, FreezeAction):
        state.frozen.put(action.address, FreezeRecord(action.reason, action.case_id, ctx.height, action_id))
        ctx.emit("account_frozen", address=action.address, case=action.case_id, action=action_id)
    else:
        state.frozen.delete(action.address)
        ctx.emit("account_unfrozen", address=action.address, case=action.case_id, action=action_id)


def approve_council_decision(state: State, ctx: Context, subject: str) -> bool:
    """Record the sender's approval of `subject`; True when it is the threshold-th, and the caller executes it.

    Used by modules above compliance (custody: sanctions changes, held transfers) so that every compliance
    decision needs m of n council members, as freezes do. Members approve by sending the same decision; the
    subject names it exactly (target and outcome), so approvals of different outcomes never add up.
    """
    require_council_member(state, ctx.sender)
    threshold = state.params.get().compliance.council_threshold
    pending = state.council_approvals.get(subject) or CouncilApproval((), ctx.height)
    require(ctx.sender not in pending.approvers, AlreadyAttestedError, f"{ctx.sender} already approved {subject}")
    approvers = (*pending.approvers, ctx.sender)
    ctx.emit("council_approval", subject=subject, by=ctx.sender, approvals=f"{len(approvers)}/{threshold}")
    if len(approvers) >= threshold:
        state.council_approvals.delete(subject)
        return True
    state.council_approvals.put(subject, CouncilApproval(approvers, pending.first_height))
    return False


def drop_council_decision(state: State, subject: str) -> None:
    """Forget the approvals of a decision that can no longer execute (its target was decided otherwise)."""
    state.council_approvals.delete(subject)
