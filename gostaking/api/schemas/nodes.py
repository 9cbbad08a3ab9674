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


class ElectionView(BaseModel):
    """The current election result and what a node needs to stand in the next one."""

    epoch: int
    elected_height: int
    mining_set: list[str]
    min_votes: GosAmount
    min_stake: GosAmount


class NodeList(ElectionView):
    """The nodes (a page), with the current election result."""

    nodes: list[NodeView] = Field(description="a page of the nodes, in registration order")
    total: int = Field(description="registered nodes in all")
    limit: int
    offset: int


class BackerView(BaseModel):
    """An address voting or staking on a node."""

    address: str
    kind: str
    amount: GosAmount


class NodeDetail(NodeView):
    """A node and the addresses backing it (a page of each kind, by address)."""

    voters: list[BackerView] = Field(description="a page of the voters, by address")
    stakers: list[BackerView] = Field(description="a page of the stakers, by address")
    voters_total: int = Field(description="voters in all")
    stakers_total: int = Field(description="stakers in all")
    limit: int
    offset: int
