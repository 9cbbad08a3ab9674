"""Explorer views that combine chain state with the index: nodes with uptime, the resource-sharing graph,
dashboard chart series, and the live stream of new blocks (Server-Sent Events)."""

import asyncio
import contextlib
import json
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from itertools import pairwise
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.emission.queries import (
    compute_burn_heights,
    compute_emission_eras,
    compute_next_halving_height,
)
from gostaking.chain.modules.lock.queries import (
    compute_lock_pool_id,
    compute_locked_value_ugos,
    get_assets,
    get_locked_total,
)
from gostaking.chain.modules.mining.queries import get_pool_hash_power, get_pool_ids, get_total_hash_power
from gostaking.chain.modules.nodes.queries import (
    get_mining_set,
    get_node_status,
    get_operators_by_registration,
    is_node_operator,
    require_node,
)
from gostaking.chain.modules.staking.queries import (
    compute_bonds_hash_power,
    count_node_backers,
    get_bond_hash_rates,
    get_largest_delegations,
    get_largest_node_delegations,
)
from gostaking.chain.numeric import format_units
from gostaking.chain.state import State
from gostaking.chain.types.mining import HashRate
from gostaking.chain.types.staking import BondKind
from gostaking.indexer import IndexReader
from gostaking.indexer import queries as q
from gostaking.node.app import GoStakingApp
from gostaking.node.blocks import StoredBlock
from gostaking.node.runtime import Node

from ..deps import NodeDep, parse_address
from ..errors import NotFoundError, error_responses
from ..height_cache import HeightAnswers, KeptParts
from ..pages import MAX_PAGE, Limit, Offset
from ..render import (
    from_records,
    gos,
    hash_power,
    hash_power_json,
    iso_time,
    listed_asset_view,
    percent,
)
from ..schemas.explorer import (
    BlockTimePoint,
    DashboardResponse,
    EmissionEra,
    ExplorerNode,
    ExplorerNodeList,
    GraphEdge,
    GraphResponse,
    GraphVertex,
    LockedValue,
    PoolShare,
    SignatureMark,
    SupplyPoint,
)
from .explorer import FollowedIndexDep, gos_json, view_json, view_json_maker
from .nodes import election_view, node_view

router = APIRouter(tags=["explorer"])

UPTIME_BAR_BLOCKS = 100
BLOCK_TIME_POINTS = 120
SUPPLY_POINTS = 120
STREAM_POLL_S = 0.25
"""How often a stream looks for a new block or index height when nothing wakes it sooner (BlockBell)."""
STREAM_HEARTBEAT_S = 15.0
STREAM_CATCH_UP_BLOCKS = 64
"""Blocks a stream sends one by one when several committed since its last event; further behind, the newest only."""
STREAM_LIFETIME_S = 300.0
"""A stream ends after this long and the browser's EventSource reconnects (bounds a stuck connection)."""
MAX_GRAPH_EDGES = 500
"""Edges of one graph answer (the explorer asks for 300): about 10 ms of work at most."""
NODE_LIST_ANSWERS = HeightAnswers()
GRAPH_ANSWERS = HeightAnswers()
GRAPH_PARTS = KeptParts()
DASHBOARD_ANSWERS = HeightAnswers()


@router.get("/explorer/nodes", response_model=ExplorerNodeList, summary="Nodes with uptime and blocks produced")
async def explorer_nodes(
    node: NodeDep, index: FollowedIndexDep, limit: Limit = MAX_PAGE, offset: Offset = 0
) -> Response:
    """The nodes, mining set first (election order), then candidates, then the rest (`limit` of the `total` from
    `offset`); with votes, stakes, number of voters and stakers, blocks proposed, uptime (blocks signed / blocks as
    validator) and its last 100 expected blocks for an uptime bar."""
    stamp = (node.app.committed_height, index.indexer.indexed_height)  # once per block and page (height_cache.py)
    return await NODE_LIST_ANSWERS.answer(
        node.app, stamp, (limit, offset), lambda: _explorer_nodes(node, index, limit, offset)
    )


def _explorer_nodes(node: Node, index: IndexReader, limit: int, offset: int) -> ExplorerNodeList:
    with node.app.read_committed() as state:
        election = election_view(state)
        mining_set = get_mining_set(state)
        elected = [*mining_set.operators, *mining_set.candidates]
        chosen = set(elected)
        operators = elected + [op for op in get_operators_by_registration(state) if op not in chosen]
        page = [
            (
                node_view(state, operator),
                count_node_backers(state, operator, "vote"),
                count_node_backers(state, operator, "stake"),
            )
            for operator in operators[offset : offset + limit]
        ]
        height = state.height.get()
    # The index is read after the committed state is let go: a copy still held two commits later is replaced by a
    # new one (node/committed.py).
    activity, bars = q.node_activity(index.engine, [view.consensus_address for view, _, _ in page], UPTIME_BAR_BLOCKS)
    by_consensus = {row["consensus_address"]: row for row in activity}
    nodes = []
    for view, voters, stakers in page:
        stats = by_consensus.get(view.consensus_address, {})
        expected = int(stats.get("blocks_expected", 0))
        signed = int(stats.get("blocks_signed", 0))
        nodes.append(
            from_records(
                ExplorerNode,
                view,
                voters=voters,
                stakers=stakers,
                blocks_proposed=int(stats.get("blocks_proposed", 0)),
                blocks_signed=signed,  # the index's count (while expected), not the node view's lifetime one
                blocks_expected=expected,
                uptime=percent(signed, expected) if expected else "n/a",
                recent=[SignatureMark(height=h, signed=s) for h, s in bars.get(view.consensus_address, [])],
            )
        )
    return from_records(
        ExplorerNodeList, election, height=height, nodes=nodes, total=len(operators), limit=limit, offset=offset
    )


@router.get(
    "/explorer/graph",
    response_model=GraphResponse,
    responses=error_responses({404: "no node by that operator"}),
    summary="Who votes and stakes for which node",
)
async def explorer_graph(
    node: NodeDep,
    limit: Annotated[int, Query(ge=1, le=MAX_GRAPH_EDGES, description="largest edges to return")] = 300,
    operator: Annotated[str | None, Query(description="only this node's voters and stakers (gos1…)")] = None,
) -> Response:
    """The resource-sharing graph: accounts → nodes, one edge per vote or stake, weighted by GOS (current state);
    with `operator`, one node and its backers. Only the `limit` largest edges are returned on a big chain
    (`truncated` says so), with their accounts and nodes, and the mining set and candidates; amounts, totals and
    hash power are the chain's, exact."""
    if operator is not None:
        parse_address(operator, "operator")
    stamp = (node.app.committed_height,)  # once per block, size and node (height_cache.py)
    return await GRAPH_ANSWERS.read_answer(node.app, stamp, (limit, operator), lambda s: _graph(s, limit, operator))


_graph_edge = view_json_maker(GraphEdge, "source", "target", "kind", "amount", "hash_power")
_graph_vertex = view_json_maker(GraphVertex, "id", "kind", "label", "status", "total")


class _GraphInputs(NamedTuple):
    """All a graph answer shows but its height, read from the committed state: the answer is a pure function of it."""

    total_edges: int
    delegations: list[tuple[str, str, BondKind, int]]
    """The edges shown: (address, node, kind, shares), largest first."""
    nodes: list[tuple[str, str, str]]
    """The nodes shown: (operator, moniker, status), in registration order."""
    gos_index: int
    hash_rates: dict[BondKind, HashRate]


def _graph(state: State, limit: int, operator: str | None) -> dict[str, Any]:
    # A GraphResponse as plain JSON objects (explorer.view_json's reason): its ~1,000 nested models cost more than
    # reading the bonds. Its vertices and edges are kept across heights while the bonds, nodes, index and hash rates
    # they show stay the same (KeptParts): most blocks change none of them, and then the answer costs a read of the
    # ~300 bonds (~0.2 ms) where rendering them takes ~2 ms.
    inputs = _read_graph(state, limit, operator)
    parts = GRAPH_PARTS.parts((limit, operator), inputs, lambda: _render_graph(inputs))
    return view_json(GraphResponse, {}, height=state.height.get(), **parts)


def _read_graph(state: State, limit: int, operator: str | None) -> _GraphInputs:
    if operator is None:
        total_edges, delegations = get_largest_delegations(state, limit)
        mining_set = get_mining_set(state)
        shown = {target for _, target, _, _ in delegations} | {*mining_set.operators, *mining_set.candidates}
        operators = sorted(shown, key=lambda op: require_node(state, op).registration_index)
    else:
        if not is_node_operator(state, operator):
            raise NotFoundError(f"no node is registered by operator {operator}")
        total_edges, backers = get_largest_node_delegations(state, operator, limit)
        delegations = [(address, operator, kind, shares) for address, kind, shares in backers]
        operators = [operator]
    nodes = [(op, require_node(state, op).moniker, get_node_status(state, op)) for op in operators]
    return _GraphInputs(total_edges, delegations, nodes, get_gos_index(state), get_bond_hash_rates(state))


def _render_graph(inputs: _GraphInputs) -> dict[str, Any]:
    delegations = inputs.delegations
    hash_powers = compute_bonds_hash_power(
        inputs.hash_rates, inputs.gos_index, [(kind, shares) for _, _, kind, shares in delegations]
    )
    edges = []
    account_totals: Counter[str] = Counter()
    node_totals: Counter[str] = Counter()  # apart: an operator backing its own node is both
    for (address, target, kind, shares), micro_hs in zip(delegations, hash_powers, strict=True):
        ugos = compute_shares_to_ugos(shares, inputs.gos_index)
        edges.append(_graph_edge(address, target, kind, gos_json(ugos), hash_power_json(micro_hs)))
        account_totals[address] += ugos
        node_totals[target] += ugos
    vertices = [
        _graph_vertex(op, "node", moniker, status, gos_json(node_totals[op])) for op, moniker, status in inputs.nodes
    ]
    vertices += [
        _graph_vertex(address, "account", address, "", gos_json(total))
        for address, total in sorted(account_totals.items())
    ]
    return {
        "vertices": vertices,
        "edges": edges,
        "total_edges": inputs.total_edges,
        "truncated": inputs.total_edges > len(edges),
    }


@router.get("/explorer/dashboard", response_model=DashboardResponse, summary="Dashboard chart series")
async def explorer_dashboard(node: NodeDep, index: FollowedIndexDep) -> Response:
    """Block times, supply history, the emission schedule with the next halving, locked value by asset (in GOS
    at the chain's prices) and hash power by pool."""
    stamp = (node.app.committed_height, index.indexer.indexed_height)  # once per block (height_cache.py)
    return await DASHBOARD_ANSWERS.answer(node.app, stamp, (), lambda: _dashboard(node, index))


def _dashboard(node: Node, index: IndexReader) -> DashboardResponse:
    recent = q.recent_blocks(index.engine, BLOCK_TIME_POINTS + 1)
    block_times = [
        BlockTimePoint(height=b["height"], seconds=(b["time_ms"] - a["time_ms"]) / 1000, txs=b["num_txs"])
        for a, b in pairwise(recent)
    ]
    average = sum(p.seconds for p in block_times) / len(block_times) if block_times else None
    supply_series = [
        SupplyPoint(
            height=r["height"], time=iso_time(r["time_ms"]), supply=gos(r["supply_ugos"]), burned=gos(r["burned_ugos"])
        )
        for r in q.sample_blocks(index.engine, SUPPLY_POINTS)
    ]
    cursor = q.cursor_row(index.engine) or {}
    with node.app.read_committed() as state:
        height = state.height.get()
        emission = state.params.get().emission
        eras = [
            EmissionEra(first_height=first, last_height=last, reward=gos(reward))
            for first, last, reward in compute_emission_eras(emission)
        ]
        next_halving = compute_next_halving_height(emission, height)
        blocks_left = next_halving - height if next_halving is not None else None
        per_block = average if average else node.block_time_s
        locked = []
        total_value = 0
        for denom, asset in get_assets(state):
            value = compute_locked_value_ugos(state, denom)
            total_value += value
            locked.append(
                listed_asset_view(
                    LockedValue,
                    denom,
                    asset,
                    locked=format_units(get_locked_total(state, denom), asset.decimals),
                    value=gos(value),
                    hash_power=hash_power(get_pool_hash_power(state, compute_lock_pool_id(denom))),
                )
            )
        total_power = get_total_hash_power(state)
        pools = [
            PoolShare(
                pool=pool_id,
                hash_power=hash_power(power := get_pool_hash_power(state, pool_id)),
                share=percent(power, total_power),
            )
            for pool_id in get_pool_ids(state)
        ]
    return DashboardResponse(
        height=height,
        indexed_height=int(cursor.get("height", 0)),
        target_block_time_s=node.block_time_s,
        average_block_time_s=average,
        block_times=block_times,
        supply_series=supply_series,
        eras=eras,
        burn_heights=compute_burn_heights(emission),
        blocks_to_next_halving=blocks_left,
        next_halving_eta_s=blocks_left * per_block if blocks_left is not None else None,
        locked_value=locked,
        total_locked_value=gos(total_value),
        pools=pools,
        total_hash_power=hash_power(total_power),
        txs_total=int(cursor.get("txs_total", 0)),
    )


class EventStreamResponse(StreamingResponse):
    """A never-ending stream that ends quietly when the server, shutting down, cancels it (instead of the
    cancellation surfacing as an application error in the log)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stream until the client leaves or the server stops."""
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):  # close the chunked body so the client sees a clean end
                await send({"type": "http.response.body", "body": b"", "more_body": False})


class BlockBell:
    """Wakes the live streams the moment a block commits: the devnet's producer rings it after each commit
    (create_api hooks it), so a stream sends the block at once instead of at its next poll, and sends every block
    however short the block time. A stream still polls every STREAM_POLL_S, for the index's progress and on a
    CometBFT node, whose blocks ring nothing."""

    def __init__(self) -> None:
        """No stream listens yet."""
        self._lock = threading.Lock()
        self._listening: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def ring(self, _block: object = None) -> None:
        """Wake every listening stream (from any thread: the producer's)."""
        with self._lock:
            listening = list(self._listening)
        for loop, event in listening:
            with contextlib.suppress(RuntimeError):  # its event loop has closed meanwhile
                loop.call_soon_threadsafe(event.set)

    @contextlib.contextmanager
    def listener(self) -> Iterator[asyncio.Event]:
        """An event of the running loop, set at each ring while the `with` lasts."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._listening.add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._listening.discard(entry)


def _unsent_blocks(app: GoStakingApp, sent_height: int, last: StoredBlock) -> list[StoredBlock]:
    """What a stream that sent up to `sent_height` sends now that `last` is the newest block: every block since, so
    that none is missed when two commit between its wakes (a block produced at once after a late one), or the newest
    alone on its first event, when more than STREAM_CATCH_UP_BLOCKS are new, or when only the index moved."""
    if sent_height < 1 or not 0 < last.height - sent_height <= STREAM_CATCH_UP_BLOCKS:
        return [last]
    between = (app.block(height) for height in range(sent_height + 1, last.height))
    return [block for block in between if block is not None] + [last]


@router.get(
    "/explorer/stream",
    summary="Live new-block notifications (Server-Sent Events)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "`block` events as JSON"}},
)
async def explorer_stream(request: Request, node: NodeDep, index: FollowedIndexDep) -> EventStreamResponse:
    """A `text/event-stream` with a `block` event whenever the chain or the index advances: the new height,
    indexed height, block hash, time and transaction count. Open it with the browser's EventSource."""
    bell: BlockBell = getattr(request.app.state, "block_bell", None) or BlockBell()  # none: polls only

    async def events() -> AsyncIterator[str]:
        yield "retry: 1000\n\n"
        started = last_sent = time.monotonic()
        seen = (-1, -1)
        with bell.listener() as rung:
            while time.monotonic() - started < STREAM_LIFETIME_S:
                last = node.app.last_block
                current = (last.height if last is not None else 0, index.indexer.indexed_height)
                if current != seen and last is not None:
                    for block in _unsent_blocks(node.app, seen[0], last):
                        payload = {
                            "height": block.height,
                            "indexed_height": current[1],
                            "hash": block.hash.hex(),
                            "time": iso_time(block.header.time_ms),
                            "num_txs": len(block.txs),
                        }
                        yield f"event: block\ndata: {json.dumps(payload)}\n\n"
                    seen = current
                    last_sent = time.monotonic()
                elif time.monotonic() - last_sent > STREAM_HEARTBEAT_S:
                    yield ": keep-alive\n\n"
                    last_sent = time.monotonic()
                with contextlib.suppress(TimeoutError):  # a commit rings at once; else the next poll
                    await asyncio.wait_for(rung.wait(), STREAM_POLL_S)
                rung.clear()

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return EventStreamResponse(events(), media_type="text/event-stream", headers=headers)
