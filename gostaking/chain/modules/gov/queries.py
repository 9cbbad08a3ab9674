"""Governance reads: proposal content checks, voting power, tallies and the committee report."""

from typing import NamedTuple, get_args

from gostaking.chain.crypto import require_address
from gostaking.chain.errors import InvalidMessageError, require
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.bank.tables import GOS_SUPPLY
from gostaking.chain.modules.book.queries import compute_listed_market, require_halt_change
from gostaking.chain.modules.gov.tables import PROPOSAL_COUNT, PROPOSAL_VOTES, PROPOSALS
from gostaking.chain.modules.lock.queries import require_asset
from gostaking.chain.modules.lock.tables import ASSETS
from gostaking.chain.modules.mining.queries import get_position
from gostaking.chain.modules.nodes.tables import MINING_SET
from gostaking.chain.numeric import PPM, ceil_div
from gostaking.chain.params import compute_changed_params
from gostaking.chain.state import State
from gostaking.chain.tables import numbered_page
from gostaking.chain.types.book import Market
from gostaking.chain.types.gov import (
    AssetListingProposal,
    AssetWeightProposal,
    KycProviderProposal,
    MarketHaltProposal,
    MarketListingProposal,
    NodeCountProposal,
    ParamChange,
    ParamChangeProposal,
    Proposal,
    ProposalContent,
    ProposalStatus,
    ProposalVote,
    Tally,
)
from gostaking.chain.types.mining import POOL_STAKE, POOL_VOTE


def get_proposal(state: State, proposal_id: int) -> Proposal | None:
    """A proposal by id, or None."""
    return state[PROPOSALS].get(proposal_id)


def get_proposal_count(state: State) -> int:
    """Proposals ever submitted (their ids are 0 .. count - 1)."""
    return state[PROPOSAL_COUNT].get()


def get_proposals_page(
    state: State, status: ProposalStatus | None, offset: int, limit: int
) -> tuple[int, list[tuple[int, Proposal]]]:
    """(matching proposals, a page of (id, proposal)), newest first, optionally of one status."""
    count = get_proposal_count(state)
    total, ids = state[PROPOSALS].page_numbered(count, {"status": status}, offset, limit, newest_first=True)
    return total, state[PROPOSALS].rows(ids)


class TallyVerdict(NamedTuple):
    """A proposal's tally and what it means."""

    tally: Tally
    final: bool
    """False while the vote runs (then the tally is live, at today's bonds and supply)."""
    quorum_reached: bool
    passing: bool


_PASSED = ("passed", "executed", "execution_failed", "expired")


def compute_tally_verdict(state: State, proposal_id: int, proposal: Proposal) -> TallyVerdict:
    """While voting: the live tally judged by the chain's quorum and pass rules now. Afterwards: the tally recorded
    when the vote ended and the verdict the chain recorded then (not re-judged against today's supply)."""
    if proposal.status == "voting":
        tally = compute_tally(state, proposal_id)
        return TallyVerdict(tally, False, is_quorum_reached(state, tally), is_passing(state, tally))
    return TallyVerdict(proposal.tally, True, proposal.status != "no_quorum", proposal.status in _PASSED)


def require_proposal(state: State, proposal_id: int) -> Proposal:
    """The proposal, or InvalidMessageError."""
    proposal = state[PROPOSALS].get(proposal_id)
    if proposal is None:
        raise InvalidMessageError(f"no proposal {proposal_id}")
    return proposal


def get_vote(state: State, proposal_id: int, voter: str) -> ProposalVote | None:
    """The holder's vote on a proposal, or None."""
    return state[PROPOSAL_VOTES].get((proposal_id, voter))


def get_bonded_shares(state: State, address: str) -> int:
    """GOS shares the account has voted and staked (each GOS once, whatever its hash-power multiplier)."""
    return get_position(state, address, POOL_VOTE).units + get_position(state, address, POOL_STAKE).units


def compute_tally(state: State, proposal_id: int) -> Tally:
    """Voting power per option now: each voter's bonded shares plus the shares it escrowed for this proposal.

    Measured at the end of the vote, so GOS that moved between accounts during the vote counts once, where
    it is at the end (bonded or escrowed GOS cannot be in two places). Cost: O(voters of the proposal).
    """
    yes = no = abstain = 0
    for key in state[PROPOSAL_VOTES].scan_index("by_proposal", (proposal_id,)):
        vote = state[PROPOSAL_VOTES].get(key)
        if vote is None:
            continue
        power = get_bonded_shares(state, key[1]) + vote.escrow_shares
        if vote.option == "yes":
            yes += power
        elif vote.option == "no":
            no += power
        else:
            abstain += power
    return Tally(yes, no, abstain)


def is_quorum_reached(state: State, tally: Tally) -> bool:
    """Votes cast reach `quorum_ppm` of all GOS."""
    cast = tally.yes + tally.no + tally.abstain
    return cast * PPM >= state.params.get().gov.quorum_ppm * state[GOS_SUPPLY].get().total_shares


def is_passing(state: State, tally: Tally) -> bool:
    """Yes exceeds `pass_threshold_ppm` of yes + no."""
    decisive = tally.yes + tally.no
    return decisive > 0 and tally.yes * PPM > state.params.get().gov.pass_threshold_ppm * decisive


def compute_ratifications_needed(state: State, committee_size: int) -> int:
    """Ratifications that execute a proposal: the least count reaching `ratify_ppm` of the committee (≥ 1)."""
    return max(ceil_div(state.params.get().gov.ratify_ppm * committee_size, PPM), 1)


def is_ratified(state: State, proposal: Proposal) -> bool:
    """Enough of the committee ratified (see compute_ratifications_needed)."""
    committee = len(proposal.committee)
    return committee > 0 and len(proposal.ratifications) >= compute_ratifications_needed(state, committee)


def compute_committee_report(state: State) -> dict[str, object]:
    """The GoStaking Committee's report from chain data: members, proposals by status with tallies (ugos) and
    ratifications. Scans the proposals: for reports, not for blocks."""
    index = get_gos_index(state)
    mining_set = state[MINING_SET].get()
    proposals = [_report_entry(state, i, proposal, index) for i, proposal in state[PROPOSALS].items_sorted()]
    counts: dict[str, int] = {}
    for entry in proposals:
        counts[str(entry["status"])] = counts.get(str(entry["status"]), 0) + 1
    return {
        "height": state.height.get(),
        "committee": list(mining_set.operators),
        "epoch": mining_set.epoch,
        "proposals_by_status": counts,
        "proposals": proposals,
    }


def _report_entry(state: State, proposal_id: int, proposal: Proposal, index: int) -> dict[str, object]:
    # While the vote runs the recorded tally is still empty: report the live one (as a proposal's page does).
    verdict = compute_tally_verdict(state, proposal_id, proposal)
    return {
        "id": proposal_id,
        "title": proposal.title,
        "type": type(proposal.content).__name__,
        "status": proposal.status,
        "submitted": proposal.submit_height,
        "voting_end": proposal.voting_end_height,
        "tally_ugos": {
            option: compute_shares_to_ugos(getattr(verdict.tally, option), index) for option in ("yes", "no", "abstain")
        },
        "tally_final": verdict.final,
        "ratifications": f"{len(proposal.ratifications)}/{len(proposal.committee)}",
        "log": proposal.log,
    }


def compute_committee_report_page(state: State, offset: int, limit: int) -> dict[str, object]:
    """The committee report with `limit` of its proposals from `offset` (by id, oldest first) and their `total`;
    the counts by status still cover every proposal. O(log n + limit + the voters of the page's proposals still
    being voted on, whose tallies are live), where compute_committee_report scans."""
    index = get_gos_index(state)
    mining_set = state[MINING_SET].get()
    count = get_proposal_count(state)
    table = state[PROPOSALS]
    page = table.rows(list(numbered_page(count, offset, limit, newest_first=False)))
    counts = {status: n for status in get_args(ProposalStatus) if (n := table.count_index("by_status", (status,)))}
    return {
        "height": state.height.get(),
        "committee": list(mining_set.operators),
        "epoch": mining_set.epoch,
        "proposals_by_status": counts,
        "proposals": [_report_entry(state, i, proposal, index) for i, proposal in page],
        "total": count,
    }


def get_votes_page(
    state: State, proposal_id: int, offset: int, limit: int
) -> tuple[int, list[tuple[str, ProposalVote, int]]]:
    """(votes on a proposal still voting, a page of (voter, vote, bonded GOS shares now)) by voter. Votes are pruned
    when the vote ends. O(log n + limit)."""
    total, keys = state[PROPOSAL_VOTES].page_index("by_proposal", (proposal_id,), offset, limit)
    return total, [
        (voter, vote, get_bonded_shares(state, voter)) for (_, voter), vote in state[PROPOSAL_VOTES].rows(keys)
    ]


def check_content(state: State, content: ProposalContent) -> None:
    """Reject content that could never execute (checked at submission; execution checks again)."""
    if isinstance(content, ParamChangeProposal):
        compute_changed_params(state, content.changes)
    elif isinstance(content, NodeCountProposal):
        compute_changed_params(state, compute_node_count_changes(content))
    elif isinstance(content, AssetListingProposal):
        require(content.asset.denom not in state[ASSETS], InvalidMessageError, f"{content.asset.denom} is listed")
    elif isinstance(content, AssetWeightProposal):
        require_asset(state, content.denom)
    elif isinstance(content, KycProviderProposal):
        require_address(content.provider, "KYC provider")
        require(0 < len(content.name.encode()) <= 64, InvalidMessageError, "provider name must be 1..64 bytes")
    elif isinstance(content, MarketListingProposal):
        compute_proposed_market(state, content)
    elif isinstance(content, MarketHaltProposal):
        require_halt_change(state, content.denom, content.halted)


def compute_proposed_market(state: State, content: MarketListingProposal) -> Market:
    """The market a listing proposal opens, at the current height (checked as any listing: compute_listed_market)."""
    return compute_listed_market(
        state,
        content.denom,
        content.tick_ugos,
        content.lot,
        content.maker_fee_ppm,
        content.taker_fee_ppm,
        content.min_notional_ugos,
        state.height.get(),
    )


def compute_node_count_changes(content: NodeCountProposal) -> list[ParamChange]:
    """A mining set resize as the parameter changes it makes."""
    return [
        ParamChange("nodes", "mining_by_stake", content.mining_by_stake),
        ParamChange("nodes", "mining_by_votes", content.mining_by_votes),
    ]
