"""GET /custody/…: deposits, their reclaims, withdrawals (the bridge attesters poll pending ones), sanctions,
parameters."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from gostaking.chain.errors import UnknownAssetError
from gostaking.chain.modules.custody import queries as custody
from gostaking.chain.state import State
from gostaking.chain.types.custody import Deposit, DepositStatus, Reclaim, Withdrawal, WithdrawalStatus

from ..deps import NodeDep, parse_address
from ..errors import NotFoundError, error_responses
from ..pages import MAX_INT, Limit, Offset, offset_page
from ..render import from_records, params_view
from ..schemas.custody import (
    CustodyParamsView,
    DepositList,
    DepositView,
    ReclaimList,
    ReclaimView,
    SanctionList,
    SanctionView,
    WithdrawalList,
    WithdrawalView,
)
from .accounts import asset_amount

router = APIRouter(prefix="/custody", tags=["custody"])

MAX_SANCTIONS_PAGE = 1_000
"""Small rows (a few ms for a full page), and gateways read the whole list page by page."""
Order = Annotated[Literal["desc", "asc"], Query(description="desc: newest first; asc: oldest first (process in order)")]


def deposit_view(state: State, key: tuple[str, str], deposit: Deposit) -> DepositView:
    """A deposit with its amount in the asset's units and attestation progress."""
    return from_records(
        DepositView,
        deposit,
        key=custody.compute_deposit_key(*key),
        hosted_chain=key[0],
        external_tx_id=key[1],
        amount=asset_amount(state, deposit.denom, deposit.amount),
        attestations=f"{len(deposit.attesters)}/{state.params.get().custody.threshold}",
        resolved_height=deposit.resolved_height or None,
    )


def reclaim_view(state: State, key: tuple[str, str], reclaim: Reclaim) -> ReclaimView:
    """A reclaim with its deposit's recipient, amounts in the deposit's asset and reporting progress."""
    deposit = custody.get_deposit(state, *key)
    if deposit is None:  # the chain records a reclaim only of an attested deposit, and deposits are never deleted
        raise RuntimeError(f"reclaim of {custody.compute_deposit_key(*key)} has no deposit")
    return from_records(
        ReclaimView,
        reclaim,
        deposit=custody.compute_deposit_key(*key),
        hosted_chain=key[0],
        external_tx_id=key[1],
        recipient=deposit.recipient,
        reports=f"{len(reclaim.reporters)}/{state.params.get().custody.threshold}",
        liability=asset_amount(state, deposit.denom, reclaim.liability),
        debited=asset_amount(state, deposit.denom, reclaim.debited),
        shortfall=asset_amount(state, deposit.denom, reclaim.shortfall),
        resolved_height=reclaim.resolved_height or None,
    )


def withdrawal_view(state: State, withdrawal_id: int, withdrawal: Withdrawal) -> WithdrawalView:
    """A withdrawal with its destination chain and confirmation progress."""
    return from_records(
        WithdrawalView,
        withdrawal,
        id=withdrawal_id,
        amount=asset_amount(state, withdrawal.denom, withdrawal.amount),
        hosted_chain=_hosted_chain(state, withdrawal.denom),
        confirmations=f"{len(withdrawal.confirmers)}/{state.params.get().custody.threshold}",
        resolved_height=withdrawal.resolved_height or None,
    )


def _hosted_chain(state: State, denom: str) -> str:
    try:
        return custody.get_hosted_chain(state, denom)
    except UnknownAssetError:  # an asset delisted since: the withdrawal stays, its chain is no longer known
        return ""


@router.get("/deposits", response_model=DepositList, summary="Deposits into custody")
def list_deposits(
    node: NodeDep,
    status: Annotated[DepositStatus | None, Query(description="only deposits with this status")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
    order: Order = "desc",
) -> DepositList:
    """Attested deposits by first attestation height (newest first unless `order=asc`)."""
    with node.app.read_committed() as state:
        total, rows = custody.get_deposits_page(state, status, order == "desc", offset, limit)
        shown = [deposit_view(state, k, d) for k, d in rows]
        return offset_page(DepositList, state, total, limit, offset, deposits=shown)


@router.get(
    "/deposits/{hosted_chain}/{external_tx_id:path}",
    response_model=DepositView,
    responses=error_responses({404: "no such deposit"}),
    summary="One deposit",
)
def get_deposit(hosted_chain: str, external_tx_id: str, node: NodeDep) -> DepositView:
    """A deposit by hosted chain and the transaction id on that chain."""
    with node.app.read_committed() as state:
        deposit = custody.get_deposit(state, hosted_chain, external_tx_id)
        if deposit is None:
            raise NotFoundError(
                f"no deposit {custody.compute_deposit_key(hosted_chain, external_tx_id)} has been attested"
            )
        return deposit_view(state, (hosted_chain, external_tx_id), deposit)


@router.get("/reclaims", response_model=ReclaimList, summary="Deposits their depositors took back")
def list_reclaims(node: NodeDep, limit: Limit = 20, offset: Offset = 0, order: Order = "desc") -> ReclaimList:
    """Reported reclaims by first report height (newest first unless `order=asc`), with what each debited from its
    recipient and any shortfall: wrapped units whose backing left custody."""
    with node.app.read_committed() as state:
        total, rows = custody.get_reclaims_page(state, order == "desc", offset, limit)
        shown = [reclaim_view(state, k, r) for k, r in rows]
        return offset_page(ReclaimList, state, total, limit, offset, reclaims=shown)


@router.get(
    "/reclaims/{hosted_chain}/{external_tx_id:path}",
    response_model=ReclaimView,
    responses=error_responses({404: "no reclaim of that deposit"}),
    summary="The reclaim of one deposit",
)
def get_reclaim(hosted_chain: str, external_tx_id: str, node: NodeDep) -> ReclaimView:
    """The reclaim of a deposit, named like the deposit (hosted chain and its transaction id there)."""
    with node.app.read_committed() as state:
        reclaim = custody.get_reclaim(state, hosted_chain, external_tx_id)
        if reclaim is None:
            raise NotFoundError(
                f"no reclaim of deposit {custody.compute_deposit_key(hosted_chain, external_tx_id)} has been reported"
            )
        return reclaim_view(state, (hosted_chain, external_tx_id), reclaim)


@router.get("/withdrawals", response_model=WithdrawalList, summary="Withdrawals from custody")
def list_withdrawals(
    node: NodeDep,
    status: Annotated[WithdrawalStatus | None, Query(description="e.g. pending: what custodians must pay out")] = None,
    owner: Annotated[str | None, Query(description="only this account's (gos1…)")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
    order: Order = "desc",
) -> WithdrawalList:
    """Withdrawals by id (newest first unless `order=asc`). Custodians poll `?status=pending&order=asc`."""
    if owner is not None:
        parse_address(owner, "owner")
    with node.app.read_committed() as state:
        total, rows = custody.get_withdrawals_page(state, status, owner, order == "desc", offset, limit)
        shown = [withdrawal_view(state, i, w) for i, w in rows]
        return offset_page(WithdrawalList, state, total, limit, offset, withdrawals=shown)


@router.get(
    "/withdrawals/{withdrawal_id}",
    response_model=WithdrawalView,
    responses=error_responses({404: "no such withdrawal"}),
    summary="One withdrawal",
)
def get_withdrawal(
    withdrawal_id: Annotated[int, Path(ge=0, le=MAX_INT, description="withdrawal id")], node: NodeDep
) -> WithdrawalView:
    """A withdrawal by id with its status, payout transaction and confirmations."""
    with node.app.read_committed() as state:
        withdrawal = custody.get_withdrawal(state, withdrawal_id)
        if withdrawal is None:
            raise NotFoundError(f"no withdrawal {withdrawal_id} (there are {custody.get_withdrawal_count(state)})")
        return withdrawal_view(state, withdrawal_id, withdrawal)


@router.get("/sanctions", response_model=SanctionList, summary="The sanctions list")
def list_sanctions(
    node: NodeDep,
    hosted_chain: Annotated[str | None, Query(max_length=32, description="only this hosted chain's")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SANCTIONS_PAGE, description="rows per page")] = 100,
    offset: Offset = 0,
) -> SanctionList:
    """External addresses whose deposits and withdrawals are held, with their source list."""
    with node.app.read_committed() as state:
        total, rows = custody.get_sanctions_page(state, hosted_chain, offset, limit)
        shown = [
            SanctionView(hosted_chain=chain, address=address, source=entry.source, listed_height=entry.listed_height)
            for (chain, address), entry in rows
        ]
        return SanctionList(total=total, limit=limit, offset=offset, sanctions=shown)


@router.get("/params", response_model=CustodyParamsView, summary="Custody parameters")
def get_custody_params(node: NodeDep) -> CustodyParamsView:
    """The custodian set, its threshold, the compliance council that screens transfers and the KYC level
    withdrawals need."""
    with node.app.read_committed() as state:
        params = state.params.get()
        return params_view(
            CustodyParamsView, params.custody, params.compliance, enabled=bool(params.custody.custodians)
        )
