"""GET /compliance/…: KYC status, providers, frozen accounts, the council's audit trail and the parameters."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from gostaking.chain.modules.compliance import queries as compliance
from gostaking.chain.state import State
from gostaking.chain.types.compliance import ActionStatus, ComplianceActionRecord, FreezeAction

from ..deps import NodeDep, parse_address
from ..errors import NotFoundError, error_responses
from ..pages import COUNTED_LIST, MAX_INT, MAX_LIST, Limit, ListLimit, Offset, counted, offset_page
from ..render import from_records, params_view
from ..schemas.compliance import (
    ComplianceActionList,
    ComplianceActionView,
    ComplianceParamsView,
    CouncilApprovalList,
    CouncilApprovalView,
    FrozenAccountView,
    KycAttestationView,
    KycProviderView,
    KycStatus,
)

router = APIRouter(prefix="/compliance", tags=["compliance"])


def action_view(state: State, action_id: int, record: ComplianceActionRecord) -> ComplianceActionView:
    """An audit-trail entry."""
    return from_records(
        ComplianceActionView,
        record,
        record.action,
        id=action_id,
        kind="freeze" if isinstance(record.action, FreezeAction) else "unfreeze",
        approvals=f"{len(record.approvers)}/{state.params.get().compliance.council_threshold}",
        executed_height=record.executed_height or None,
    )


@router.get(
    "/kyc/{address}",
    response_model=KycStatus,
    responses=error_responses({400: "not a gos1… address"}),
    summary="KYC level of an address",
)
def get_kyc(address: str, node: NodeDep) -> KycStatus:
    """The level services see now (0 without a current attestation from an admitted provider), and the stored
    attestation: provider, level, expiry and the hash of the evidence."""
    parse_address(address)
    with node.app.read_committed() as state:
        next_height = state.height.get() + 1
        attestation = compliance.get_kyc_attestation(state, address)
        view = None
        if attestation is not None:
            provider = compliance.get_kyc_provider(state, attestation.provider)
            view = KycAttestationView(
                provider=attestation.provider,
                provider_name=provider.name if provider is not None else "",
                provider_admitted=provider is not None,
                level=attestation.level,
                expires_height=attestation.expires_height,
                expired=next_height >= attestation.expires_height,
                evidence_hash=attestation.evidence_hash.hex(),
                attested_height=attestation.attested_height,
            )
        return KycStatus(
            address=address,
            level=compliance.get_kyc_level(state, address, next_height),
            as_of_height=next_height,
            attestation=view,
        )


@router.get(
    "/providers", response_model=list[KycProviderView], responses=COUNTED_LIST, summary="Admitted KYC providers"
)
def list_providers(
    node: NodeDep, response: Response, limit: ListLimit = MAX_LIST, offset: Offset = 0
) -> list[KycProviderView]:
    """KYC providers admitted at genesis or by governance, by address (a page: `limit` from `offset`; the
    X-Total-Count header says how many there are)."""
    with node.app.read_committed() as state:
        total, rows = compliance.get_kyc_providers_page(state, offset, limit)
        shown = [
            KycProviderView(address=address, name=provider.name, admitted_height=provider.admitted_height)
            for address, provider in rows
        ]
        return counted(response, total, shown)


@router.get("/frozen", response_model=list[FrozenAccountView], responses=COUNTED_LIST, summary="Frozen accounts")
def list_frozen(
    node: NodeDep, response: Response, limit: ListLimit = MAX_LIST, offset: Offset = 0
) -> list[FrozenAccountView]:
    """Accounts the compliance council froze, with reason, case id and the action that froze them, by address (a
    page: `limit` from `offset`; the X-Total-Count header says how many there are)."""
    with node.app.read_committed() as state:
        total, rows = compliance.get_frozen_accounts_page(state, offset, limit)
        return counted(response, total, [from_records(FrozenAccountView, r, address=address) for address, r in rows])


@router.get("/actions", response_model=ComplianceActionList, summary="The council's audit trail")
def list_actions(
    node: NodeDep,
    status: Annotated[ActionStatus | None, Query(description="only pending or only executed actions")] = None,
    address: Annotated[str | None, Query(description="only actions on this account (gos1…)")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> ComplianceActionList:
    """Every freeze and unfreeze the council proposed, with approvers and heights, newest first."""
    if address is not None:
        parse_address(address)
    with node.app.read_committed() as state:
        total, rows = compliance.get_compliance_actions_page(state, status, address, offset, limit)
        shown = [action_view(state, i, r) for i, r in rows]
        return offset_page(ComplianceActionList, state, total, limit, offset, actions=shown)


@router.get(
    "/actions/{action_id}",
    response_model=ComplianceActionView,
    responses=error_responses({404: "no such action"}),
    summary="One council action",
)
def get_action(
    action_id: Annotated[int, Path(ge=0, le=MAX_INT, description="action id")], node: NodeDep
) -> ComplianceActionView:
    """A freeze or unfreeze with its approvers."""
    with node.app.read_committed() as state:
        record = compliance.get_compliance_action(state, action_id)
        if record is None:
            raise NotFoundError(f"no compliance action {action_id}")
        return action_view(state, action_id, record)


@router.get("/council-approvals", response_model=CouncilApprovalList, summary="Pending council decisions")
def list_council_approvals(node: NodeDep, limit: ListLimit = MAX_LIST, offset: Offset = 0) -> CouncilApprovalList:
    """Sanctions changes and hold resolutions that some council members approved and that wait for the threshold,
    by subject: `limit` of the `total` from `offset`. (Freezes and unfreezes are council actions with ids: see
    /compliance/actions.)"""
    with node.app.read_committed() as state:
        threshold = state.params.get().compliance.council_threshold
        total, page = compliance.get_council_approvals_page(state, offset, limit)
        rows = [
            CouncilApprovalView(
                subject=subject,
                approvers=list(pending.approvers),
                approvals=f"{len(pending.approvers)}/{threshold}",
                first_height=pending.first_height,
            )
            for subject, pending in page
        ]
        return CouncilApprovalList(total=total, approvals=rows)


@router.get("/params", response_model=ComplianceParamsView, summary="Compliance parameters")
def get_compliance_params(node: NodeDep) -> ComplianceParamsView:
    """KYC levels required to lock, withdraw and trade, and the council with its threshold."""
    with node.app.read_committed() as state:
        return params_view(ComplianceParamsView, state.params.get().compliance)
