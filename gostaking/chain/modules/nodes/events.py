"""Events of the nodes module: registrations, node rewards, elections and jailing."""

from gostaking.chain.events import ChainEvent


class NodeRegisteredEvent(ChainEvent, frozen=True, tag="node_registered"):
    """A node joined the registry."""

    operator: str
    moniker: str
    consensus: str


class NodeEvent(ChainEvent, frozen=True):
    """Something that happened to one node (named by its operator)."""

    node: str


class NodeUnjailedEvent(NodeEvent, frozen=True, tag="node_unjailed"):
    """A node left a served jail."""


class LastValidatorKeptEvent(NodeEvent, frozen=True, tag="last_validator_kept"):
    """A punished node stays in the mining set because it is the last validator."""


class NodeJailedEvent(NodeEvent, frozen=True, tag="node_jailed"):
    """A node was jailed (reason 'downtime') until a height."""

    reason: str
    until: int


class CandidateRewardPaidEvent(NodeEvent, frozen=True, tag="candidate_reward_paid"):
    """A node's accrued candidate rewards (GOS shares) were paid to its operator."""

    shares: int


class CandidateRewardsEvent(ChainEvent, frozen=True, tag="candidate_rewards"):
    """The candidates' 5% of a block went into their pool (`credited`; the rest to the community pool)."""

    shares: int
    credited: int


class MiningNodeRewardsEvent(ChainEvent, frozen=True, tag="mining_node_rewards"):
    """The mining nodes' 10% and the fees were shared equally among the `signers` of the previous block."""

    shares: int
    signers: int
    each: int


class ElectionEvent(ChainEvent, frozen=True, tag="election"):
    """A mining set was installed: `mining` is the comma-separated operators in election order."""

    epoch: int
    mining: str
    candidates: int


class ElectionKeptPreviousSetEvent(ChainEvent, frozen=True, tag="election_kept_previous_set"):
    """No node was eligible: the previous mining set stays."""

    epoch: int
