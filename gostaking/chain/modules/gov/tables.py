"""Tables of the gov module: proposals, their votes and the queue of voting and ratification deadlines."""

from gostaking.chain.tables import SingletonSpec, TableSpec
from gostaking.chain.types.gov import Proposal, ProposalVote

PROPOSALS = TableSpec(
    "proposals",
    int,
    Proposal,
    indexes={"by_status": lambda _, proposal: (proposal.status,)},
    doc="sequential id → proposal; paged by id, optionally by status.",
)
PROPOSAL_COUNT = SingletonSpec("proposal_count", int, lambda: 0)
PROPOSAL_VOTES = TableSpec(
    "proposal_votes",
    tuple[int, str],
    ProposalVote,
    indexes={"by_proposal": lambda key, _: key},
    doc="(proposal id, voter) → vote; the index lets a tally visit one proposal's votes.",
)
GOV_DEADLINES = TableSpec(
    "gov_deadlines", int, tuple[int, ...], doc="height → proposals whose voting or ratification period ends there."
)
