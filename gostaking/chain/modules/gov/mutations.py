"""Governance writes: proposals, votes, the deadline queue, and carrying out a ratified proposal."""

from gostaking.chain.env import Context
from gostaking.chain.modules.book.mutations import list_market, set_market_halted
from gostaking.chain.modules.book.queries import require_halt_change
from gostaking.chain.modules.compliance.mutations import set_kyc_provider
from gostaking.chain.modules.gov.queries import compute_node_count_changes, compute_proposed_market
from gostaking.chain.modules.gov.tables import GOV_DEADLINES, PROPOSAL_COUNT, PROPOSAL_VOTES, PROPOSALS
from gostaking.chain.modules.lock.mutations import register_asset, set_asset_valuation
from gostaking.chain.modules.lock.queries import require_asset
from gostaking.chain.params import compute_changed_params, store_params
from gostaking.chain.state import State
from gostaking.chain.types.gov import (
    AssetListingProposal,
    AssetWeightProposal,
    KycProviderProposal,
    MarketHaltProposal,
    MarketListingProposal,
    NodeCountProposal,
    ParamChangeProposal,
    Proposal,
    ProposalContent,
    ProposalVote,
    TextProposal,
)


def add_proposal(state: State, proposal: Proposal) -> int:
    """Save a new proposal under the next id (ids count up from 0); returns the id."""
    return state[PROPOSALS].insert_next(state[PROPOSAL_COUNT], proposal)


def store_proposal(state: State, proposal_id: int, proposal: Proposal) -> None:
    """Save a changed proposal under its id."""
    state[PROPOSALS].put(proposal_id, proposal)


def store_vote(state: State, proposal_id: int, voter: str, vote: ProposalVote) -> None:
    """Record or replace a holder's vote on a proposal."""
    state[PROPOSAL_VOTES].put((proposal_id, voter), vote)


def remove_vote(state: State, proposal_id: int, voter: str) -> None:
    """Forget a vote once its proposal's vote has ended (its escrow was returned)."""
    state[PROPOSAL_VOTES].delete((proposal_id, voter))


def add_deadline(state: State, height: int, proposal_id: int) -> None:
    """Queue a proposal for end-block processing at `height`."""
    state[GOV_DEADLINES].put(height, (*state[GOV_DEADLINES].get_or(height, ()), proposal_id))


def take_deadlines(state: State, height: int) -> tuple[int, ...]:
    """Remove and return the proposals queued for `height` (empty when none)."""
    due = state[GOV_DEADLINES].get(height)
    if due is None:
        return ()
    state[GOV_DEADLINES].delete(height)
    return due


def execute_content(state: State, ctx: Context, content: ProposalContent) -> None:
    """Carry out a ratified proposal."""
    if isinstance(content, TextProposal):
        return
    if isinstance(content, ParamChangeProposal):
        store_params(state, compute_changed_params(state, content.changes))
    elif isinstance(content, NodeCountProposal):
        store_params(state, compute_changed_params(state, compute_node_count_changes(content)))
    elif isinstance(content, AssetListingProposal):
        register_asset(state, content.asset)
    elif isinstance(content, AssetWeightProposal):
        asset = require_asset(state, content.denom)
        set_asset_valuation(state, content.denom, asset.price_ugos, content.weight_ppm)
    elif isinstance(content, KycProviderProposal):
        set_kyc_provider(state, ctx, content.provider, content.name, content.enabled)
    elif isinstance(content, MarketListingProposal):
        list_market(state, ctx, content.denom, compute_proposed_market(state, content))
    elif isinstance(content, MarketHaltProposal):
        market = require_halt_change(state, content.denom, content.halted)
        set_market_halted(state, ctx, content.denom, market, content.halted)
