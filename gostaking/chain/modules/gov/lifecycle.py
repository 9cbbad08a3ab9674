"""End of voting and ratification periods, and execution."""

from msgspec.structs import replace

from gostaking.chain.constants import (
    COMMUNITY_POOL_ACCOUNT,
    GOV_ACCOUNT,
)
from gostaking.chain.env import Context
from gostaking.chain.errors import ChainError
from gostaking.chain.modules.bank.mutations import move_units
from gostaking.chain.modules.gov.events import (
    ProposalExecutedEvent,
    ProposalExecutionFailedEvent,
    ProposalExpiredEvent,
    ProposalVoteEndedEvent,
)
from gostaking.chain.modules.gov.mutations import (
    add_deadline,
    execute_content,
    remove_vote,
    store_proposal,
    take_deadlines,
)
from gostaking.chain.modules.gov.queries import compute_tally, is_passing, is_quorum_reached, require_proposal
from gostaking.chain.modules.gov.tables import PROPOSAL_VOTES
from gostaking.chain.modules.nodes.tables import MINING_SET
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State


def execute_proposal(state: State, ctx: Context, proposal_id: int) -> None:
    """Execute a ratified proposal atomically; a failure is recorded, not raised (the ratification stands)."""
    proposal = require_proposal(state, proposal_id)
    try:
        with state.atomic():
            execute_content(state, ctx, proposal.content)
    except ChainError as error:
        store_proposal(
            state, proposal_id, replace(proposal, status="execution_failed", log=f"{type(error).__name__}: {error}")
        )
        ctx.emit(ProposalExecutionFailedEvent(id=proposal_id, reason=str(error)))
        return
    store_proposal(state, proposal_id, replace(proposal, status="executed"))
    ctx.emit(ProposalExecutedEvent(id=proposal_id))


def _end_voting(state: State, ctx: Context, proposal_id: int) -> None:
    proposal = require_proposal(state, proposal_id)
    tally = compute_tally(state, proposal_id)
    for key in state[PROPOSAL_VOTES].scan_index("by_proposal", (proposal_id,)):
        vote = state[PROPOSAL_VOTES].get(key)
        if vote is not None and vote.escrow_shares:
            move_units(state, GOV_ACCOUNT, key[1], GOS_DENOM, vote.escrow_shares)
        remove_vote(state, proposal_id, key[1])
    quorum = is_quorum_reached(state, tally)
    # The deposit comes back once the holders cared enough to reach quorum; otherwise it funds the community.
    move_units(
        state, GOV_ACCOUNT, proposal.proposer if quorum else COMMUNITY_POOL_ACCOUNT, GOS_DENOM, proposal.deposit_shares
    )
    if not quorum:
        status = "no_quorum"
    elif is_passing(state, tally):
        status = "passed"
    else:
        status = "rejected"
    proposal = replace(proposal, status=status, tally=tally)
    if status == "passed":
        end = ctx.height + state.params.get().gov.ratification_period_blocks
        proposal = replace(proposal, committee=state[MINING_SET].get().operators, ratification_end_height=end)
        add_deadline(state, end, proposal_id)
    store_proposal(state, proposal_id, proposal)
    ctx.emit(ProposalVoteEndedEvent(id=proposal_id, status=status, yes=tally.yes, no=tally.no, abstain=tally.abstain))


def process_gov_deadlines(state: State, ctx: Context) -> None:
    """Close the votes ending at this height and expire passed proposals not ratified in time."""
    due = take_deadlines(state, ctx.height)
    for proposal_id in sorted(set(due)):
        proposal = require_proposal(state, proposal_id)
        if proposal.status == "voting" and proposal.voting_end_height == ctx.height:
            _end_voting(state, ctx, proposal_id)
        elif proposal.status == "passed" and proposal.ratification_end_height == ctx.height:
            store_proposal(state, proposal_id, replace(proposal, status="expired"))
            ctx.emit(ProposalExpiredEvent(id=proposal_id))
