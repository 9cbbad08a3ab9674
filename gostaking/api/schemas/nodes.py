"""Nodes."""

from pydantic import BaseModel, Field

from .common import GosAmount


class NodeView(BaseModel):
    """A registered node."""

    operator: str
    moniker: str
    status: str = Field(description="mining, candidate, registered (below thresholds) or jailed")
    consensus_pubkey: str
    consensus_address: str
    votes: GosAmount
    stake: GosAmount
    blocks_signed: int
    rewards_earned: GosAmount = Field(description="mining-node and settled candidate rewards so far")
    pending_candidate_rewards: GosAmount
    registered_height: int
    jailed: bool


class NodeList(BaseModel):
    """Every node, with the current election result."""

    epoch: int
    elected_height: int
    mining_set: list[str]
    min_votes: GosAmount
    min_stake: GosAmount
    nodes: list[NodeView]


class BackerView(BaseModel):
    """An address voting or staking on a node."""

    address: str
    kind: str
    amount: GosAmount


class NodeDetail(NodeView):
    """A node and everyone backing it."""

    voters: list[BackerView]
    stakers: list[BackerView]
