"""Explorer endpoints: index lists (keyset pages), account history, search, node uptime, graph, chart series."""

from typing import Annotated

from pydantic import BaseModel, Field

from gostaking.indexer.extract import INDEX_ACTIVITY_KINDS, ROLE_NODE, ROLE_OWNER, ROLE_RECIPIENT, ROLE_SENDER

from .blocks import BlockFacts
from .common import GosAmount, HashPower
from .nodes import ElectionView


class IndexStatus(BaseModel):
    """How far the SQL index has followed the chain."""

    indexed_height: int
    chain_height: int
    lag_blocks: int
    backend: str = Field(description="sqlite or postgresql")
    url: str = Field(description="index database URL (password hidden)")
    txs_total: int
    events_total: int
    activity_total: int
    follower_running: bool
    last_error: str = Field(description="last indexing error, empty when healthy")


class IndexedBlock(BlockFacts):
    """A block as indexed, with its supply after it."""

    num_events: int
    fees: GosAmount
    reward: GosAmount
    supply: GosAmount = Field(description="GOS in existence after this block (minted − burned)")
    burned: GosAmount = Field(description="GOS burned up to this block")


IndexCursor = Annotated[int, Field(description="position in chain order (cursor value)")]
"""The `id` of an indexed row that keyset pages move by (`before` / `next_before`)."""


class PageInfo(BaseModel):
    """Keyset pagination: pass `next_before` as `before` to get the next (older) page."""

    limit: int
    next_before: int | None = Field(description="null on the last page")
    total: int = Field(description="rows matching the filter")


class BlockPage(PageInfo):
    """A page of indexed blocks, newest first."""

    items: list[IndexedBlock]


class IndexedTx(BaseModel):
    """A transaction as indexed."""

    id: IndexCursor
    hash: str
    height: int
    index: int
    time_ms: int
    time: str
    sender: str
    fee: GosAmount
    code: int = Field(description="0 = success")
    log: str
    msg_types: list[str]
    num_msgs: int
    memo: str
    size_bytes: int


class TxPage(PageInfo):
    """A page of transactions, newest first."""

    items: list[IndexedTx]


class ActivityItem(BaseModel):
    """One entry of an address's history."""

    id: int
    height: int
    time_ms: int
    time: str
    tx_hash: str | None = Field(description="null for block-level entries (unbonding completed, node rewards…)")
    tx_index: int | None
    msg_index: int | None
    role: str = Field(
        description=f"{ROLE_SENDER}, {ROLE_RECIPIENT}, {ROLE_NODE} (the address is the node operator) or {ROLE_OWNER}"
    )
    kind: str = Field(
        description="message type (send, vote…), event kind (the list at GET /events/kinds) or one of the index's "
        f"own: {', '.join(INDEX_ACTIVITY_KINDS)}"
    )
    counterparty: str = Field(description="the other address, node or pool")
    denom: str
    amount: str = Field(description="base units (exact integer string); empty when the entry moves nothing")
    display: str = Field(description="amount in whole units")
    display_denom: str
    fee: GosAmount
    code: int = Field(description="result code of the transaction (0 = success)")


class HistoryPage(PageInfo):
    """A page of an address's history, newest first."""

    address: str
    tx_count: int
    first_height: int | None
    last_height: int | None
    items: list[ActivityItem]


class EventItem(BaseModel):
    """An indexed event."""

    id: int
    height: int
    tx_index: int | None
    tx_hash: str | None
    kind: str
    attributes: dict[str, str]


class EventPage(PageInfo):
    """A page of events, newest first."""

    items: list[EventItem]


class SearchResult(BaseModel):
    """Where a search query leads."""

    query: str
    kind: str = Field(description="block, tx, account or node")
    value: str = Field(description="height, hash or address to open")
    route: str = Field(description="explorer page, e.g. #/block/12")
    is_node: bool = Field(default=False, description="for an account: it also operates a node")


class SignatureMark(BaseModel):
    """Whether a node signed one block it was expected to sign."""

    height: int
    signed: bool


class ExplorerNode(BaseModel):
    """A node with its chain status and its block production from the index."""

    operator: str
    moniker: str
    status: str
    consensus_address: str
    votes: GosAmount
    stake: GosAmount
    voters: int
    stakers: int
    rewards_earned: GosAmount
    registered_height: int
    blocks_proposed: int
    blocks_signed: int = Field(description="blocks it signed while expected to (from the index)")
    blocks_expected: int = Field(description="blocks it was a validator for (from the index)")
    uptime: str = Field(description="blocks_signed / blocks_expected")
    recent: list[SignatureMark] = Field(description="its last expected blocks, oldest first")


class ExplorerNodeList(ElectionView):
    """Mining nodes, candidates and the rest."""

    height: int
    nodes: list[ExplorerNode] = Field(description="a page of the nodes: mining set, then candidates, then the rest")
    total: int = Field(description="registered nodes in all")
    limit: int
    offset: int


class GraphVertex(BaseModel):
    """An account or a node of the resource-sharing graph."""

    id: str
    kind: str = Field(description="account or node")
    label: str
    status: str = Field(default="", description="node status (nodes only)")
    total: GosAmount = Field(description="GOS on the vertex's edges")


class GraphEdge(BaseModel):
    """GOS an account votes or stakes for a node."""

    source: str
    target: str
    kind: str = Field(description="vote or stake")
    amount: GosAmount
    hash_power: HashPower


class GraphResponse(BaseModel):
    """Who backs which node with how much (current chain state)."""

    height: int
    vertices: list[GraphVertex]
    edges: list[GraphEdge]
    total_edges: int
    truncated: bool = Field(description="true when only the largest `limit` edges are returned")


class BlockTimePoint(BaseModel):
    """Seconds since the previous block."""

    height: int
    seconds: float
    txs: int


class SupplyPoint(BaseModel):
    """GOS supply and burns after a block."""

    height: int
    time: str
    supply: GosAmount
    burned: GosAmount


class LockedValue(BaseModel):
    """Locked amount of an asset, its value in GOS at the chain's price, and the hash power it gives."""

    denom: str
    locked: str = Field(description="whole units locked")
    price: GosAmount
    weight: str
    value: GosAmount = Field(description="locked × price")
    hash_power: HashPower


class PoolShare(BaseModel):
    """Hash power of one pool."""

    pool: str
    hash_power: HashPower
    share: str


class EmissionEra(BaseModel):
    """A reward era of the emission schedule."""

    first_height: int
    last_height: int
    reward: GosAmount


class DashboardResponse(BaseModel):
    """Chart series for the dashboard (headline numbers come from /status)."""

    height: int
    indexed_height: int
    target_block_time_s: float
    average_block_time_s: float | None = Field(description="over the recent blocks below")
    block_times: list[BlockTimePoint]
    supply_series: list[SupplyPoint]
    eras: list[EmissionEra]
    burn_heights: list[int]
    blocks_to_next_halving: int | None
    next_halving_eta_s: float | None = Field(description="at the average block time (or the target)")
    locked_value: list[LockedValue]
    total_locked_value: GosAmount
    pools: list[PoolShare]
    total_hash_power: HashPower
    txs_total: int
