"""Proposal submission, votes and ratification."""

from msgspec.structs import replace

from gostaking.chain.constants import GOV_ACCOUNT
from gostaking.chain.env import Context
from gostaking.chain.errors import MAX_AMOUNT, InvalidMessageError, UnauthorizedError, require, require_amount
from gostaking.chain.modules.bank.mutations import move_gos
from gostaking.chain.modules.gov.events import ProposalRatifiedEvent, ProposalSubmittedEvent, ProposalVoteEvent
from gostaking.chain.modules.gov.lifecycle import execute_proposal
from gostaking.chain.modules.gov.mutations import add_deadline, add_proposal, store_proposal, store_vote
from gostaking.chain.modules.gov.queries import check_content, get_vote, is_ratified, require_proposal
from gostaking.chain.state import State
from gostaking.chain.types.gov import Proposal, ProposalVote
from gostaking.chain.types.tx import MsgRatifyProposal, MsgSubmitProposal, MsgVoteProposal

MAX_TITLE_BYTES = 140
MAX_DESCRIPTION_BYTES = 8_192


def check_submit_proposal(state: State, msg: MsgSubmitProposal) -> None:
    """A title of 1..140 bytes, a description of at most 8 KiB, a positive deposit."""
    require(0 < len(msg.title.encode()) <= MAX_TITLE_BYTES, InvalidMessageError, "title must be 1..140 bytes")
    require(len(msg.description.encode()) <= MAX_DESCRIPTION_BYTES, InvalidMessageError, "description too long")
    require_amount(msg.deposit)


def check_vote_proposal(state: State, msg: MsgVoteProposal) -> None:
    """An escrow of 0 or more ugos."""
    require(0 <= msg.escrow <= MAX_AMOUNT, InvalidMessageError, "escrow must be within 0..2^256-1")


def process_submit_proposal(state: State, ctx: Context, msg: MsgSubmitProposal) -> None:
    """Open a proposal: check its content can execute, escrow the deposit, start the voting period."""
    params = state.params.get().gov
    require(
        msg.deposit >= params.min_deposit_ugos and msg.deposit > 0,
        InvalidMessageError,
        f"deposit must be at least {params.min_deposit_ugos} ugos",
    )
    check_content(state, msg.content)
    shares = move_gos(state, ctx.sender, GOV_ACCOUNT, msg.deposit)
    end = ctx.height + params.voting_period_blocks
    proposal_id = add_proposal(
        state, Proposal(ctx.sender, msg.title, msg.description, msg.content, shares, ctx.height, end)
    )
    add_deadline(state, end, proposal_id)
    ctx.emit(
        ProposalSubmittedEvent(id=proposal_id, proposer=ctx.sender, type=type(msg.content).__name__, voting_end=end)
    )


def process_vote_proposal(state: State, ctx: Context, msg: MsgVoteProposal) -> None:
    """Record or change a vote; optional liquid GOS is escrowed until the vote ends (then returned)."""
    proposal = require_proposal(state, msg.proposal_id)
    require(proposal.status == "voting", InvalidMessageError, f"proposal {msg.proposal_id} is {proposal.status}")
    previous = get_vote(state, msg.proposal_id, ctx.sender)
    escrow = 0 if previous is None else previous.escrow_shares
    if msg.escrow:
        escrow += move_gos(state, ctx.sender, GOV_ACCOUNT, msg.escrow)
    store_vote(state, msg.proposal_id, ctx.sender, ProposalVote(msg.option, escrow))
    ctx.emit(ProposalVoteEvent(id=msg.proposal_id, voter=ctx.sender, option=msg.option, escrow_shares=escrow))


def process_ratify_proposal(state: State, ctx: Context, msg: MsgRatifyProposal) -> None:
    """A committee member ratifies a passed proposal; the ratification that reaches 2/3 executes it."""
    proposal = require_proposal(state, msg.proposal_id)
    require(proposal.status == "passed", InvalidMessageError, f"proposal {msg.proposal_id} is {proposal.status}")
    require(
        ctx.sender in proposal.committee,
        UnauthorizedError,
        f"{ctx.sender} was not a mining node operator when proposal {msg.proposal_id} passed",
    )
    require(ctx.sender not in proposal.ratifications, InvalidMessageError, "already ratified")
    proposal = replace(proposal, ratifications=(*proposal.ratifications, ctx.sender))
    store_proposal(state, msg.proposal_id, proposal)
    ctx.emit(ProposalRatifiedEvent(id=msg.proposal_id, by=ctx.sender, count=len(proposal.ratifications)))
    if is_ratified(state, proposal):
        execute_proposal(state, ctx, msg.proposal_id)
