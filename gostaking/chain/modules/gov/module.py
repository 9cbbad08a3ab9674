"""The gov module's declaration: proposals, GOS-weighted votes, committee ratification and execution."""

from gostaking.chain.constants import MODULE_GOV
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.gov import events, queries, tables
from gostaking.chain.modules.gov.handlers import process_ratify_proposal, process_submit_proposal, process_vote_proposal
from gostaking.chain.modules.gov.invariants import check_gov_escrow
from gostaking.chain.modules.gov.lifecycle import process_gov_deadlines
from gostaking.chain.modules.gov.params import validate_gov_params
from gostaking.chain.types.params import GovParams
from gostaking.chain.types.tx import MsgRatifyProposal, MsgSubmitProposal, MsgVoteProposal

MODULE = Module(
    name="gov",
    tables=(tables.PROPOSALS, tables.PROPOSAL_COUNT, tables.PROPOSAL_VOTES, tables.GOV_DEADLINES),
    params=(ParamsSection("gov", GovParams, validate_gov_params),),
    handlers={
        MsgSubmitProposal: process_submit_proposal,
        MsgVoteProposal: process_vote_proposal,
        MsgRatifyProposal: process_ratify_proposal,
    },
    end_block=(process_gov_deadlines,),
    invariants=(check_gov_escrow,),
    events=events.EVENTS,
    accounts=(MODULE_GOV,),
    queries=(
        queries.compute_committee_report,
        queries.compute_ratifications_needed,
        queries.compute_tally_verdict,
        queries.get_proposal,
        queries.get_proposal_count,
        queries.get_proposals_page,
        queries.get_votes,
    ),
)
