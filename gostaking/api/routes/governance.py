"""GET /governance/…: proposals, votes, the committee report and the governance parameters."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.gov import queries as gov
from gostaking.chain.state import State
from gostaking.chain.types.gov import Proposal, ProposalStatus

from ..deps import NodeDep
from ..errors import NotFoundError, error_responses
from ..pages import MAX_INT, MAX_PAGE, Limit, Offset, offset_page
from ..render import gos, params_view, to_plain
from ..schemas.governance import (
    CommitteeReport,
    GovParamsView,
    ProposalDetail,
    ProposalList,
    ProposalSummary,
    TallyView,
    VoteList,
    VoteView,
)

router = APIRouter(prefix="/governance", tags=["governance"])

ProposalId = Annotated[int, Path(ge=0, le=MAX_INT, description="proposal id (0, 1, 2… in submission order)")]
_NOT_FOUND = error_responses({404: "no such proposal"})


def _content_type(proposal: Proposal) -> str:
    tag = type(proposal.content).__struct_config__.tag
    return tag if isinstance(tag, str) else type(proposal.content).__name__


def proposal_summary(state: State, proposal_id: int, proposal: Proposal) -> ProposalSummary:
    """The list view of a proposal (deposit shown at the current GOS index)."""
    return ProposalSummary(
        id=proposal_id,
        title=proposal.title,
        type=_content_type(proposal),
        status=proposal.status,
        proposer=proposal.proposer,
        deposit=gos(compute_shares_to_ugos(proposal.deposit_shares, get_gos_index(state))),
        submit_height=proposal.submit_height,
        voting_end_height=proposal.voting_end_height,
        ratification_end_height=proposal.ratification_end_height or None,
        ratifications=f"{len(proposal.ratifications)}/{len(proposal.committee)}",
    )


def tally_view(state: State, proposal_id: int, proposal: Proposal) -> TallyView:
    """The tally in GOS and the chain's verdict on it (live while voting, as recorded afterwards)."""
    index = get_gos_index(state)
    tally, final, quorum_reached, passing = gov.compute_tally_verdict(state, proposal_id, proposal)
    return TallyView(
        yes=gos(compute_shares_to_ugos(tally.yes, index)),
        no=gos(compute_shares_to_ugos(tally.no, index)),
        abstain=gos(compute_shares_to_ugos(tally.abstain, index)),
        total=gos(compute_shares_to_ugos(tally.yes + tally.no + tally.abstain, index)),
        final=final,
        quorum_reached=quorum_reached,
        passing=passing,
    )


def _require(state: State, proposal_id: int) -> Proposal:
    proposal = gov.get_proposal(state, proposal_id)
    if proposal is None:
        raise NotFoundError(f"no proposal {proposal_id} (there are {gov.get_proposal_count(state)})")
    return proposal


@router.get("/proposals", response_model=ProposalList, summary="Proposals, newest first")
def list_proposals(
    node: NodeDep,
    status: Annotated[ProposalStatus | None, Query(description="only proposals with this status")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> ProposalList:
    """A page of proposals with status, deadlines and ratification progress. Filter with `status`."""
    with node.app.read_committed() as state:
        total, rows = gov.get_proposals_page(state, status, offset, limit)
        shown = [proposal_summary(state, i, p) for i, p in rows]
        return offset_page(ProposalList, state, total, limit, offset, proposals=shown)


@router.get(
    "/proposals/{proposal_id}", response_model=ProposalDetail, responses=_NOT_FOUND, summary="One proposal in full"
)
def get_proposal(proposal_id: ProposalId, node: NodeDep) -> ProposalDetail:
    """Decoded content, tally (live while voting, final afterwards), committee, ratifications, deadlines, log."""
    with node.app.read_committed() as state:
        proposal = _require(state, proposal_id)
        committee = len(proposal.committee)
        needed = gov.compute_ratifications_needed(state, committee) if committee else 0
        height = state.height.get()
        deadline = {"voting": proposal.voting_end_height, "passed": proposal.ratification_end_height}.get(
            proposal.status
        )
        return ProposalDetail(
            **proposal_summary(state, proposal_id, proposal).model_dump(),
            description=proposal.description,
            content=to_plain(proposal.content),
            tally=tally_view(state, proposal_id, proposal),
            committee=list(proposal.committee),
            ratified_by=list(proposal.ratifications),
            ratifications_needed=needed,
            blocks_left=max(deadline - height, 0) if deadline is not None else None,
            log=proposal.log,
        )


@router.get(
    "/proposals/{proposal_id}/votes", response_model=VoteList, responses=_NOT_FOUND, summary="Votes on a proposal"
)
def list_votes(proposal_id: ProposalId, node: NodeDep, limit: Limit = MAX_PAGE, offset: Offset = 0) -> VoteList:
    """The votes with their option, escrow and current power, by voter, while the vote runs (the chain prunes
    votes when it ends and keeps the tally): `limit` of the `total` from `offset`."""
    with node.app.read_committed() as state:
        proposal = _require(state, proposal_id)
        index = get_gos_index(state)
        total, rows = gov.get_votes_page(state, proposal_id, offset, limit)
        votes = [
            VoteView(
                voter=voter,
                option=vote.option,
                escrow=gos(compute_shares_to_ugos(vote.escrow_shares, index)),
                bonded=gos(compute_shares_to_ugos(bonded, index)),
                power=gos(compute_shares_to_ugos(bonded + vote.escrow_shares, index)),
            )
            for voter, vote, bonded in rows
        ]
        note = "" if proposal.status == "voting" else "the vote has ended: votes are pruned, see the proposal's tally"
        return VoteList(
            proposal_id=proposal_id,
            status=proposal.status,
            votes=votes,
            note=note,
            total=total,
            limit=limit,
            offset=offset,
        )


@router.get("/report", response_model=CommitteeReport, summary="The committee report")
def get_report(node: NodeDep, limit: Limit = MAX_PAGE, offset: Offset = 0) -> CommitteeReport:
    """The GoStaking Committee's report from chain data: members, proposals by status, tallies, ratifications.
    Proposals by id, oldest first: `limit` of the `total` from `offset` (the counts by status cover them all)."""
    with node.app.read_committed() as state:
        report = gov.compute_committee_report_page(state, offset, limit)
        return CommitteeReport.model_validate({**report, "limit": limit, "offset": offset})


@router.get("/params", response_model=GovParamsView, summary="Governance parameters")
def get_gov_params(node: NodeDep) -> GovParamsView:
    """Deposit, voting and ratification periods, quorum, pass and ratification thresholds."""
    with node.app.read_committed() as state:
        return params_view(GovParamsView, state.params.get().gov)
