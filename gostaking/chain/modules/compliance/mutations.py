"""Compliance writes: providers (by governance), freezes (by the council)."""

from gostaking.chain.env import Context
from gostaking.chain.state import State
from gostaking.chain.types.compliance import ComplianceAction, FreezeAction, FreezeRecord, KycProvider


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
