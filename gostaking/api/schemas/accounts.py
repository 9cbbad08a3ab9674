"""Accounts and rewards."""

from pydantic import BaseModel, Field

from .common import AssetAmount, GosAmount, HashPower


class BondView(BaseModel):
    """GOS voted or staked on a node."""

    node: str
    moniker: str
    kind: str = Field(description="'vote' (×1 hash power) or 'stake' (×3)")
    amount: GosAmount


class UnbondingView(BaseModel):
    """Redeemed GOS on its way back."""

    node: str
    kind: str
    amount: GosAmount
    created_height: int
    completion_height: int
    estimated_completion_time: str = Field(description="from this node's block interval; an estimate only")


class LockView(BaseModel):
    """A locked external asset and the hash power it gives."""

    asset: AssetAmount
    hash_power: HashPower


class AccountHashPower(BaseModel):
    """An account's hash power per pool and in total."""

    total: HashPower
    share_of_network: str
    pools: dict[str, HashPower]


class AccountResponse(BaseModel):
    """Everything about one address."""

    address: str
    sequence: int = Field(description="committed sequence: the next tx must carry it (if none are pending)")
    next_sequence: int = Field(description="sequence for a new tx, counting this account's pending txs")
    pending_txs: int
    gos: GosAmount = Field(description="liquid GOS")
    balances: list[AssetAmount] = Field(description="liquid balances (GOS and assets), non-zero only")
    locked: list[LockView]
    votes: list[BondView] = Field(description="the page's votes (see bonds_total)")
    stakes: list[BondView] = Field(description="the page's stakes (see bonds_total)")
    unbondings: list[UnbondingView] = Field(description="the page's unbondings, soonest first (see unbondings_total)")
    voted: GosAmount = Field(description="GOS voted over all nodes (every page)")
    staked: GosAmount = Field(description="GOS staked over all nodes (every page)")
    bonded: GosAmount = Field(description="voted + staked")
    bonds_total: int = Field(description="votes and stakes in all: `limit` of them from `offset` are shown, by node")
    unbondings_total: int = Field(description="pending unbondings in all: `limit` of them from `offset` are shown")
    limit: int
    offset: int
    hash_power: AccountHashPower
    pending_rewards: GosAmount = Field(description="claimable hash-power rewards")
    pending_node_rewards: GosAmount | None = Field(description="candidate-node rewards, for node operators")
    node: str | None = Field(description="status of the node this address operates, if any")


class PoolReward(BaseModel):
    """Claimable reward from one hash-power pool."""

    pool: str
    pending: GosAmount


class RewardsResponse(BaseModel):
    """Claimable rewards of an address (claim them with a claim transaction)."""

    address: str
    total: GosAmount
    pools: list[PoolReward]
    node_rewards: GosAmount | None
