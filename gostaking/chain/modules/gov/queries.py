"""Governance reads: voting power, tallies and the committee report."""

from gostaking.chain.errors import InvalidMessageError
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.mining.queries import get_position
from gostaking.chain.numeric import PPM, ceil_div
from gostaking.chain.state import State
from gostaking.chain.types.gov import Proposal, Tally
from gostaking.chain.types.mining import POOL_STAKE, POOL_VOTE


def require_proposal(state: State, proposal_id: int) -> Proposal:
    """The proposal, or InvalidMessageError."""
    proposal = state.proposals.get(proposal_id)
    if proposal is None:
        raise InvalidMessageError(f"no proposal {proposal_id}")
    return proposal


def get_bonded_shares(state: State, address: str) -> int:
    """GOS shares the account has voted and staked (each GOS once, whatever its hash-power multiplier)."""
    return get_position(state, address, POOL_VOTE).units + get_position(state, address, POOL_STAKE).units


def compute_tally(state: State, proposal_id: int) -> Tally:
    """Voting power per option now: each voter's bonded shares plus the shares it escrowed for this proposal.

    Measured at the end of the vote, so GOS that moved between accounts during the vote counts once, where
    it is at the end (bonded or escrowed GOS cannot be in two places). Cost: O(voters of the proposal).
    """
    yes = no = abstain = 0
    for key in state.proposal_votes.scan_index("by_proposal", (proposal_id,)):
        vote = state.proposal_votes.get(key)
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
    return cast * PPM >= state.params.get().gov.quorum_ppm * state.gos_supply.get().total_shares


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
    mining_set = state.mining_set.get()
    proposals = []
    for proposal_id, proposal in state.proposals.items_sorted():
        proposals.append(
            {
                "id": proposal_id,
                "title": proposal.title,
                "type": type(proposal.content).__name__,
                "status": proposal.status,
                "submitted": proposal.submit_height,
                "voting_end": proposal.voting_end_height,
                "tally_ugos": {
                    option: compute_shares_to_ugos(getattr(proposal.tally, option), index)
                    for option in ("yes", "no", "abstain")
                },
                "ratifications": f"{len(proposal.ratifications)}/{len(proposal.committee)}",
                "log": proposal.log,
            }
        )
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
