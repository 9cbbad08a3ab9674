"""Explorer lists from the SQL index: blocks, transactions, events, account history (+ CSV), search.

Lists are newest first with keyset pagination: `limit` rows, then pass the response's `next_before` as
`before` for the next page; `total` counts every row matching the filter. Current state (balances, bonds,
nodes) stays on the chain-state routes (/accounts, /nodes…); these routes serve history and lists.

The list pages are the explorer's hottest reads: they answer JSON encoded by msgspec from plain dicts shaped as
their response models (`view_json`) instead of building and validating pydantic models per row, which cost
more than the SQL. The routes still declare their response models, so the OpenAPI document is unchanged, and the
tests check every such answer against its model. Those that read only the index run on the event loop: their
SQL is a few index-range reads (well under a millisecond on SQLite), cheaper than a hop to a worker thread and
its wait for the GIL; what computes a new height's chain facts (asset decimals) still runs on a worker thread.

`router` holds the routes that read only the index plus a few chain facts (chain_facts.py): the API's read worker
processes serve them too (gostaking/api/worker.py); `node_router` the index status, which reads the node's
follower and stays in the node process.
"""

import csv
import io
import json
import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Annotated, Any, TypeVar

import msgspec
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from gostaking.chain.crypto import is_valid_address
from gostaking.chain.numeric import GOS_DENOM, format_gos, format_units
from gostaking.indexer import IN_MEMORY_URL, ExplorerIndex, IndexReader, open_index, redact_url
from gostaking.indexer import queries as q
from gostaking.node.runtime import Node

from ..deps import NodeDep, parse_address
from ..errors import ApiError, InvalidRequestError, error_responses
from ..height_cache import HeightAnswers
from ..pages import MAX_INT, Limit
from ..render import iso_time
from ..schemas.explorer import (
    ActivityItem,
    BlockPage,
    EventItem,
    EventPage,
    HistoryPage,
    IndexedBlock,
    IndexedTx,
    IndexStatus,
    PageInfo,
    SearchResult,
    TxPage,
)
from .chain_facts import FactsDep

router = APIRouter(tags=["explorer"])
node_router = APIRouter(tags=["explorer"])
"""Explorer routes that only the node process serves (they read its follower or its state directly)."""

MAX_QUERY_CHARS = 128
_HEX64 = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
_CONSENSUS = re.compile(r"^[0-9a-fA-F]{40}$")
_KIND = re.compile(r"^[a-z0-9_:]{1,64}$")


class IndexUnavailableError(ApiError):
    """This API was created without an explorer index."""

    status = 503
    error = "IndexUnavailable"


def attach_index(api: FastAPI, node: Node, url: str | None) -> ExplorerIndex:
    """Open the explorer index for `node` and hand its follower thread to the node's services (the devnet
    runtime or the ABCI runner starts and stops them). The devnet's new blocks wake the follower at once; under
    CometBFT it polls the app's committed height."""
    index = open_index(url or IN_MEMORY_URL, node.app)
    api.state.explorer_index = index
    node.services.append(index.follower)
    if node.producer is not None:
        node.producer.after_commit.append(index.follower.notify)
    return index


async def get_index(request: Request) -> IndexReader:
    """The explorer index of this API (set by create_api, or by a read worker). Async: FastAPI runs a plain
    function dependency on a worker thread."""
    index: IndexReader | None = getattr(request.app.state, "explorer_index", None)
    if index is None:
        raise IndexUnavailableError("this API runs without an explorer index")
    return index


async def get_followed_index(request: Request) -> ExplorerIndex:
    """The explorer index with its writer and follower: only the node process has them (not a read worker)."""
    index = await get_index(request)
    if not isinstance(index, ExplorerIndex):
        raise IndexUnavailableError("this process only reads the explorer index")
    return index


IndexDep = Annotated[IndexReader, Depends(get_index)]
FollowedIndexDep = Annotated[ExplorerIndex, Depends(get_followed_index)]
Before = Annotated[int | None, Query(ge=1, le=MAX_INT, description="cursor: `next_before` of the previous page")]
AtHeight = Annotated[int | None, Query(ge=1, le=MAX_INT, description="only this block's")]
"""The `height` filter of the index lists (transactions, events): only the rows of that block."""
PageT = TypeVar("PageT", bound=PageInfo)


def keyset_page(page_type: type[PageT], page: q.Page, limit: int, **shown: Any) -> PageT:
    """A list route's response: the index page's cursor and total beside the fields the route shows (`items`…)."""
    return page_type(limit=limit, next_before=page.next_before, total=page.total, **shown)


@cache
def _field_names(view: type[BaseModel]) -> tuple[str, ...]:
    return tuple(view.model_fields)


def view_json(view: type[BaseModel], row: dict[str, Any], **shown: Any) -> dict[str, Any]:
    """The JSON object of a `view` response: its fields `shown`, or else copied from the index `row`, in the
    view's field order, without building the pydantic model (as `render.from_records` does, for the hot lists).
    A field found in neither, or a `shown` name the view does not have, is a TypeError."""
    names = _field_names(view)
    unknown = shown.keys() - set(names)
    if unknown:
        raise TypeError(f"{view.__name__} has no field {', '.join(sorted(unknown))}")
    try:
        return {name: shown[name] if name in shown else row[name] for name in names}
    except KeyError as missing:
        raise TypeError(f"{view.__name__}.{missing.args[0]} is neither shown nor in its row") from None


def view_json_maker(view: type[BaseModel], *names: str) -> Callable[..., dict[str, Any]]:
    """view_json for a loop of hundreds: `names` must be all of the view's fields in its order (checked here, once),
    and the maker takes their values in that order."""
    if names != _field_names(view):
        raise TypeError(f"{view.__name__}'s fields are {', '.join(_field_names(view))}, not {', '.join(names)}")

    def make(*values: Any) -> dict[str, Any]:
        return dict(zip(names, values, strict=True))

    return make


def json_page(page: q.Page, limit: int, **shown: Any) -> Response:
    """A keyset page answered as JSON: the page's cursor and total beside the fields shown (`items`…), each
    already JSON-ready (see view_json)."""
    body = {"limit": limit, "next_before": page.next_before, "total": page.total, **shown}
    return Response(msgspec.json.encode(body), media_type="application/json")


@lru_cache(maxsize=4096)
def gos_text(ugos: int) -> str:
    """An amount of GOS as its exact decimal string. Fees and rewards repeat from row to row: each is formatted
    once."""
    return format_gos(ugos)


def gos_json(ugos: int) -> dict[str, Any]:
    """An amount of GOS as the GosAmount object: ugos and the exact decimal string."""
    return {"ugos": ugos, "gos": gos_text(ugos)}


def _kind(value: str | None) -> str | None:
    if value is not None and not _KIND.match(value):
        raise InvalidRequestError(f"kind must be a lower-case event or message kind, got {value!r}")
    return value


def indexed_block(row: dict[str, Any]) -> dict[str, Any]:
    """An index row of the blocks table as an IndexedBlock."""
    return view_json(
        IndexedBlock,
        row,
        time=iso_time(row["time_ms"]),
        fees=gos_json(row["fees_ugos"]),
        reward=gos_json(row["reward_ugos"]),
        supply=gos_json(row["supply_ugos"]),
        burned=gos_json(row["burned_ugos"]),
    )


def indexed_tx(row: dict[str, Any]) -> dict[str, Any]:
    """An index row of the txs table as an IndexedTx."""
    return view_json(
        IndexedTx,
        row,
        index=row["idx"],
        time=iso_time(row["time_ms"]),
        fee=gos_json(row["fee_ugos"]),
        msg_types=[t for t in row["msg_types"].split(",") if t],
    )


def _display(amount: str, denom: str, decimals: dict[str, int]) -> tuple[str, str]:
    if not amount or denom not in decimals:
        return amount, denom
    try:
        value = int(amount)
    except ValueError:
        return amount, denom
    return format_units(value, decimals[denom]), "gos" if denom == GOS_DENOM else denom


def activity_item(row: dict[str, Any], decimals: dict[str, int]) -> dict[str, Any]:
    """An index row of account_activity as an ActivityItem."""
    display, display_denom = _display(row["amount"], row["denom"], decimals)
    return view_json(
        ActivityItem,
        row,
        time=iso_time(row["time_ms"]),
        display=display,
        display_denom=display_denom,
        fee=gos_json(row["fee_ugos"]),
    )


INDEX_STATUS_ANSWERS = HeightAnswers()


@node_router.get("/explorer/index", response_model=IndexStatus, summary="Explorer index status")
async def index_status(node: NodeDep, index: FollowedIndexDep) -> Response:
    """Indexed height against the chain's, totals, and the index backend."""
    follower = index.follower
    stamp = (node.app.height, index.indexer.indexed_height)  # once per block (height_cache.py)
    key = (follower.running, follower.last_error)
    return await INDEX_STATUS_ANSWERS.answer(node.app, stamp, key, lambda: _index_status(node, index))


def _index_status(node: Node, index: ExplorerIndex) -> IndexStatus:
    cursor = q.cursor_row(index.engine) or {}
    indexed = int(cursor.get("height", 0))
    chain = node.app.height
    follower = index.follower
    return IndexStatus(
        indexed_height=indexed,
        chain_height=chain,
        lag_blocks=max(chain - indexed, 0),
        backend=index.backend,
        url=redact_url(index.url),
        txs_total=int(cursor.get("txs_total", 0)),
        events_total=int(cursor.get("events_total", 0)),
        activity_total=int(cursor.get("activity_total", 0)),
        follower_running=follower.running,
        last_error=follower.last_error,
    )


@router.get("/explorer/blocks", response_model=BlockPage, summary="Indexed blocks, newest first")
async def list_blocks(index: IndexDep, limit: Limit = 25, before: Before = None) -> Response:
    """A page of blocks with their fees, reward and the GOS supply after each."""
    page = q.list_blocks(index.engine, limit, before)
    return json_page(page, limit, items=[indexed_block(r) for r in page.rows])


@router.get("/explorer/txs", response_model=TxPage, summary="Transactions, newest first")
async def list_txs(
    index: IndexDep,
    limit: Limit = 25,
    before: Before = None,
    sender: Annotated[str | None, Query(max_length=128, description="only this sender's")] = None,
    height: AtHeight = None,
) -> Response:
    """A page of transactions (failed ones included, with their code and log)."""
    if sender is not None:
        parse_address(sender, "sender")
    page = q.list_txs(index.engine, limit, before, sender, height)
    return json_page(page, limit, items=[indexed_tx(r) for r in page.rows])


@router.get("/explorer/events", response_model=EventPage, summary="Events, newest first")
async def list_events(
    index: IndexDep,
    limit: Limit = 25,
    before: Before = None,
    kind: Annotated[str | None, Query(max_length=64, description="e.g. transfer, vote, burn, election")] = None,
    height: AtHeight = None,
) -> Response:
    """A page of block and transaction events."""
    page = q.list_events(index.engine, limit, before, _kind(kind), height)
    items = [view_json(EventItem, r, attributes=_attributes(r["attributes"])) for r in page.rows]
    return json_page(page, limit, items=items)


def _attributes(text: str) -> dict[str, str]:
    value = json.loads(text)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


@router.get("/explorer/accounts/{address}/history", response_model=HistoryPage, summary="Account history")
async def account_history(
    address: str,
    facts: FactsDep,
    index: IndexDep,
    limit: Limit = 25,
    before: Before = None,
    kind: Annotated[str | None, Query(max_length=64, description="only this kind (send, receive, vote…)")] = None,
) -> Response:
    """Everything that touched an address: its transactions, transfers received, votes and stakes received by
    its node, rewards paid, unbondings completed. Newest first."""
    parse_address(address)
    page = q.account_history(index.engine, address, limit, before, _kind(kind))
    summary = page.summary or {}
    decimals = await facts.asset_decimals()
    return json_page(
        page,
        limit,
        address=address,
        tx_count=int(summary.get("tx_count", 0)),
        first_height=summary.get("first_height"),
        last_height=summary.get("last_height"),
        items=[activity_item(r, decimals) for r in page.rows],
    )


CSV_COLUMNS = [
    "height",
    "time",
    "tx_hash",
    "msg_index",
    "role",
    "kind",
    "counterparty",
    "amount",
    "unit",
    "amount_base_units",
    "denom",
    "fee_gos",
    "code",
]


MAX_CSV_ROWS = 250
"""Rows of one CSV part (about 13 µs each, so ~3 ms of work): the newest ones; the older part with `before` (the
X-Next-Before header of the answer). The explorer's Download CSV joins every part."""
NEXT_BEFORE_HEADER = "X-Next-Before"


@router.get(
    "/explorer/accounts/{address}/history.csv",
    summary="Account history as CSV",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "history rows, oldest first",
            "headers": {
                NEXT_BEFORE_HEADER: {
                    "description": "present when older rows remain: pass it as `before` for the previous part",
                    "schema": {"type": "integer"},
                }
            },
        }
    },
)
async def account_history_csv(
    address: str,
    facts: FactsDep,
    index: IndexDep,
    limit: Annotated[int, Query(ge=1, le=MAX_CSV_ROWS, description="rows (the newest ones)")] = MAX_CSV_ROWS,
    before: Before = None,
) -> Response:
    """The history of an address as a CSV download, oldest first: all of it when it has at most `limit` rows
    (250), else the newest `limit`, with an X-Next-Before header to pass as `before` for the older part."""
    parse_address(address)
    decimals = await facts.asset_decimals()
    page = q.account_history(index.engine, address, limit, before)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in reversed(page.rows):
        display, unit = _display(row["amount"], row["denom"], decimals)
        writer.writerow(
            [
                row["height"],
                iso_time(row["time_ms"]),
                row["tx_hash"] or "",
                "" if row["msg_index"] is None else row["msg_index"],
                row["role"],
                row["kind"],
                row["counterparty"],
                display,
                unit,
                row["amount"],
                row["denom"],
                gos_text(row["fee_ugos"]),
                row["code"],
            ]
        )
    headers = {"Content-Disposition": f'attachment; filename="gostaking-history-{address}.csv"'}
    if page.next_before is not None:
        headers[NEXT_BEFORE_HEADER] = str(page.next_before)
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get(
    "/explorer/search",
    response_model=SearchResult,
    responses=error_responses({404: "nothing matches the query"}),
    summary="Resolve an address, tx hash or height",
)
async def search(
    facts: FactsDep,
    index: IndexDep,
    query: Annotated[str, Query(alias="q", description="height, tx or block hash, gos1 address, node moniker")],
) -> SearchResult:
    """Find what a query names: a block height, a transaction or block hash, an address (account, and node if
    it operates one), a node's consensus address or moniker. 404 when nothing matches. On the event loop but
    for the one read of the chain state (whether an address runs a node), which waits while a block commits."""
    text = query.strip()
    if not text or len(text) > MAX_QUERY_CHARS:
        raise InvalidRequestError(f"q must be 1..{MAX_QUERY_CHARS} characters")
    if text.isascii() and text.isdecimal():
        height = int(text)
        if 1 <= height <= facts.height():
            return SearchResult(query=text, kind="block", value=str(height), route=f"#/block/{height}")
        raise facts.not_found(f"no block at height {height} (latest is {facts.height()})")
    if _HEX64.match(text):
        digits = text[-64:].lower()
        if facts.has_tx(bytes.fromhex(digits)) or q.find_tx(index.engine, digits) is not None:
            return SearchResult(query=text, kind="tx", value=digits, route=f"#/tx/{digits}")
        found = q.find_block_by_hash(index.engine, digits)
        if found is not None:
            return SearchResult(query=text, kind="block", value=str(found), route=f"#/block/{found}")
        raise facts.not_found(f"no transaction or block has hash {digits}")
    if text.lower().startswith("gos1"):
        if not is_valid_address(text):
            raise InvalidRequestError(f"{text!r} is not a valid gos1… address (checksum or length)")
        is_node = text in await facts.node_operators()
        return SearchResult(query=text, kind="account", value=text, route=f"#/account/{text}", is_node=is_node)
    if _CONSENSUS.match(text):
        operator = q.find_node_by_consensus(index.engine, text.upper())
        if operator:
            return SearchResult(query=text, kind="node", value=operator, route=f"#/node/{operator}", is_node=True)
    operator = q.find_node_by_moniker(index.engine, text)
    if operator:
        return SearchResult(query=text, kind="node", value=operator, route=f"#/node/{operator}", is_node=True)
    raise facts.not_found(f"nothing matches {text!r}: try a height, a 64-hex hash, a gos1 address or a node moniker")
