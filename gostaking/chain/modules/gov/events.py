"""Events of the gov module: a proposal's life."""

from gostaking.chain.events import ChainEvent


class ProposalEvent(ChainEvent, frozen=True):
    """Something that happened to a proposal (by id)."""

    id: int


class ProposalExecutedEvent(ProposalEvent, frozen=True, tag="proposal_executed"):
    """A ratified proposal was carried out."""


class ProposalExpiredEvent(ProposalEvent, frozen=True, tag="proposal_expired"):
    """A passed proposal was not ratified in time."""


class ProposalExecutionFailedEvent(ProposalEvent, frozen=True, tag="proposal_execution_failed"):
    """A ratified proposal could not be carried out (nothing of it applied)."""

    reason: str


class ProposalSubmittedEvent(ProposalEvent, frozen=True, tag="proposal_submitted"):
    """A proposal (content type `type`) opened; its vote ends at `voting_end`."""

    proposer: str
    type: str
    voting_end: int


class ProposalVoteEvent(ProposalEvent, frozen=True, tag="proposal_vote"):
    """A holder voted (GOS shares escrowed for the proposal so far: `escrow_shares`)."""

    voter: str
    option: str
    escrow_shares: int


class ProposalVoteEndedEvent(ProposalEvent, frozen=True, tag="proposal_vote_ended"):
    """The vote closed with `status` and the tally in GOS shares."""

    status: str
    yes: int
    no: int
    abstain: int


class ProposalRatifiedEvent(ProposalEvent, frozen=True, tag="proposal_ratified"):
    """A committee member ratified; `count` ratifications so far."""

    by: str
    count: int
