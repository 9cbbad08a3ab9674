"""Events of the gov module: a proposal's life."""

from gostaking.chain.events import ChainEvent


class ProposalSubmittedEvent(ChainEvent, frozen=True, tag="proposal_submitted"):
    """A proposal (content type `type`) opened; its vote ends at `voting_end`."""

    id: int
    proposer: str
    type: str
    voting_end: int


class ProposalVoteEvent(ChainEvent, frozen=True, tag="proposal_vote"):
    """A holder voted (GOS shares escrowed for the proposal so far: `escrow_shares`)."""

    id: int
    voter: str
    option: str
    escrow_shares: int


class ProposalVoteEndedEvent(ChainEvent, frozen=True, tag="proposal_vote_ended"):
    """The vote closed with `status` and the tally in GOS shares."""

    id: int
    status: str
    yes: int
    no: int
    abstain: int


class ProposalRatifiedEvent(ChainEvent, frozen=True, tag="proposal_ratified"):
    """A committee member ratified; `count` ratifications so far."""

    id: int
    by: str
    count: int


class ProposalExecutedEvent(ChainEvent, frozen=True, tag="proposal_executed"):
    """A ratified proposal was carried out."""

    id: int


class ProposalExecutionFailedEvent(ChainEvent, frozen=True, tag="proposal_execution_failed"):
    """A ratified proposal could not be carried out (nothing of it applied)."""

    id: int
    reason: str


class ProposalExpiredEvent(ChainEvent, frozen=True, tag="proposal_expired"):
    """A passed proposal was not ratified in time."""

    id: int


EVENTS = (
    ProposalSubmittedEvent,
    ProposalVoteEvent,
    ProposalVoteEndedEvent,
    ProposalRatifiedEvent,
    ProposalExecutedEvent,
    ProposalExecutionFailedEvent,
    ProposalExpiredEvent,
)
