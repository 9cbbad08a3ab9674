"""Explorer lists from the SQL index: blocks, transactions, events, account history (+ CSV), search.

Lists are newest first with keyset pagination: `limit` rows, then pass the response's `next_before` as
`before` for the next page; `total` counts every row matching the filter. Current state (balances, bonds,
nodes) stays on the chain-state routes (/accounts, /nodes…); these routes serve history and lists.
"""

import csv
import io
import json
import re
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import Response

from gostaking.chain.crypto import is_valid_address
from gostaking.chain.modules.lock.queries import get_assets
from gostaking.chain.modules.nodes.queries import is_node_operator
from gostaking.chain.numeric import GOS_DENOM
from gostaking.indexer import IN_MEMORY_URL, ExplorerIndex, open_index, redact_url
from gostaking.indexer import queries as q
from gostaking.node.runtime import Node

from ..deps import NodeDep, parse_address
from ..errors import ApiError, InvalidRequestError, NotFoundError, error_responses
from ..pages import MAX_INT, Limit
from ..render import format_units, from_records, gos, iso_time
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

router = APIRouter(tags=["explorer"])

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


def get_index(request: Request) -> ExplorerIndex:
    """The explorer index of this API (set by create_api)."""
    index: ExplorerIndex | None = getattr(request.app.state, "explorer_index", None)
    if index is None:
        raise IndexUnavailableError("this API runs without an explorer index")
    return index


IndexDep = Annotated[ExplorerIndex, Depends(get_index)]
Before = Annotated[int | None, Query(ge=1, le=MAX_INT, description="cursor: `next_before` of the previous page")]
PageT = TypeVar("PageT", bound=PageInfo)


def keyset_page(page_type: type[PageT], page: q.Page, limit: int, **shown: Any) -> PageT:
    """A list route's response: the index page's cursor and total beside the fields the route shows (`items`…)."""
    return page_type(limit=limit, next_before=page.next_before, total=page.total, **shown)


def _kind(value: str | None) -> str | None:
    if value is not None and not _KIND.match(value):
        raise InvalidRequestError(f"kind must be a lower-case event or message kind, got {value!r}")
    return value


def indexed_block(row: dict[str, Any]) -> IndexedBlock:
    """An index row of the blocks table as a response."""
    return from_records(
        IndexedBlock,
        row,
        time=iso_time(row["time_ms"]),
        fees=gos(row["fees_ugos"]),
        reward=gos(row["reward_ugos"]),
        supply=gos(row["supply_ugos"]),
        burned=gos(row["burned_ugos"]),
    )


def indexed_tx(row: dict[str, Any]) -> IndexedTx:
    """An index row of the txs table as a response."""
    return from_records(
        IndexedTx,
        row,
        index=row["idx"],
        time=iso_time(row["time_ms"]),
        fee=gos(row["fee_ugos"]),
        msg_types=[t for t in row["msg_types"].split(",") if t],
    )


def asset_decimals(node: NodeDep) -> dict[str, int]:
    """Decimals of every denomination (GOS: 6), to show history amounts in whole units."""
    with node.app.read() as state:
        decimals = {denom: asset.decimals for denom, asset in get_assets(state)}
    decimals[GOS_DENOM] = 6
    return decimals


def _display(amount: str, denom: str, decimals: dict[str, int]) -> tuple[str, str]:
    if not amount or denom not in decimals:
        return amount, denom
    try:
        value = int(amount)
    except ValueError:
        return amount, denom
    return format_units(value, decimals[denom]), "gos" if denom == GOS_DENOM else denom


def activity_item(row: dict[str, Any], decimals: dict[str, int]) -> ActivityItem:
    """An index row of account_activity as a response."""
    display, display_denom = _display(row["amount"], row["denom"], decimals)
    return from_records(
        ActivityItem,
        row,
        time=iso_time(row["time_ms"]),
        display=display,
        display_denom=display_denom,
        fee=gos(row["fee_ugos"]),
    )


@router.get("/explorer/index", response_model=IndexStatus, summary="Explorer index status")
def index_status(node: NodeDep, index: IndexDep) -> IndexStatus:
    """Indexed height against the chain's, totals, and the index backend."""
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
def list_blocks(index: IndexDep, limit: Limit = 25, before: Before = None) -> BlockPage:
    """A page of blocks with their fees, reward and the GOS supply after each."""
    page = q.list_blocks(index.engine, limit, before)
    return keyset_page(BlockPage, page, limit, items=[indexed_block(r) for r in page.rows])


@router.get("/explorer/txs", response_model=TxPage, summary="Transactions, newest first")
def list_txs(
    index: IndexDep,
    limit: Limit = 25,
    before: Before = None,
    sender: Annotated[str | None, Query(max_length=128, description="only this sender's")] = None,
    height: Annotated[int | None, Query(ge=1, le=MAX_INT, description="only this block's")] = None,
) -> TxPage:
    """A page of transactions (failed ones included, with their code and log)."""
    if sender is not None:
        parse_address(sender, "sender")
    page = q.list_txs(index.engine, limit, before, sender, height)
    return keyset_page(TxPage, page, limit, items=[indexed_tx(r) for r in page.rows])


@router.get("/explorer/events", response_model=EventPage, summary="Events, newest first")
def list_events(
    index: IndexDep,
    limit: Limit = 25,
    before: Before = None,
    kind: Annotated[str | None, Query(max_length=64, description="e.g. transfer, vote, burn, election")] = None,
    height: Annotated[int | None, Query(ge=1, le=MAX_INT, description="only this block's")] = None,
) -> EventPage:
    """A page of block and transaction events."""
    page = q.list_events(index.engine, limit, before, _kind(kind), height)
    items = [from_records(EventItem, r, attributes=_attributes(r["attributes"])) for r in page.rows]
    return keyset_page(EventPage, page, limit, items=items)


def _attributes(text: str) -> dict[str, str]:
    value = json.loads(text)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


@router.get("/explorer/accounts/{address}/history", response_model=HistoryPage, summary="Account history")
def account_history(
    address: str,
    node: NodeDep,
    index: IndexDep,
    limit: Limit = 25,
    before: Before = None,
    kind: Annotated[str | None, Query(max_length=64, description="only this kind (send, receive, vote…)")] = None,
) -> HistoryPage:
    """Everything that touched an address: its transactions, transfers received, votes and stakes received by
    its node, rewards paid, unbondings completed. Newest first."""
    parse_address(address)
    page = q.account_history(index.engine, address, limit, before, _kind(kind))
    summary = q.account_summary(index.engine, address) or {}
    decimals = asset_decimals(node)
    return keyset_page(
        HistoryPage,
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
def account_history_csv(
    address: str,
    node: NodeDep,
    index: IndexDep,
    limit: Annotated[int, Query(ge=1, le=MAX_CSV_ROWS, description="rows (the newest ones)")] = MAX_CSV_ROWS,
    before: Before = None,
) -> Response:
    """The history of an address as a CSV download, oldest first: all of it when it has at most `limit` rows
    (250), else the newest `limit`, with an X-Next-Before header to pass as `before` for the older part."""
    parse_address(address)
    decimals = asset_decimals(node)
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
                format_units(row["fee_ugos"], 6),
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
def search(
    node: NodeDep,
    index: IndexDep,
    query: Annotated[str, Query(alias="q", description="height, tx or block hash, gos1 address, node moniker")],
) -> SearchResult:
    """Find what a query names: a block height, a transaction or block hash, an address (account, and node if
    it operates one), a node's consensus address or moniker. 404 when nothing matches."""
    text = query.strip()
    if not text or len(text) > MAX_QUERY_CHARS:
        raise InvalidRequestError(f"q must be 1..{MAX_QUERY_CHARS} characters")
    app = node.app
    if text.isascii() and text.isdecimal():
        height = int(text)
        if 1 <= height <= app.height:
            return SearchResult(query=text, kind="block", value=str(height), route=f"#/block/{height}")
        raise NotFoundError(f"no block at height {height} (latest is {app.height})")
    if _HEX64.match(text):
        digits = text[-64:].lower()
        if app.tx_location(bytes.fromhex(digits)) is not None or q.find_tx(index.engine, digits) is not None:
            return SearchResult(query=text, kind="tx", value=digits, route=f"#/tx/{digits}")
        found = q.find_block_by_hash(index.engine, digits)
        if found is not None:
            return SearchResult(query=text, kind="block", value=str(found), route=f"#/block/{found}")
        raise NotFoundError(f"no transaction or block has hash {digits}")
    if text.lower().startswith("gos1"):
        if not is_valid_address(text):
            raise InvalidRequestError(f"{text!r} is not a valid gos1… address (checksum or length)")
        with app.read() as state:
            is_node = is_node_operator(state, text)
        return SearchResult(query=text, kind="account", value=text, route=f"#/account/{text}", is_node=is_node)
    if _CONSENSUS.match(text):
        operator = q.find_node_by_consensus(index.engine, text.upper())
        if operator:
            return SearchResult(query=text, kind="node", value=operator, route=f"#/node/{operator}", is_node=True)
    operator = q.find_node_by_moniker(index.engine, text)
    if operator:
        return SearchResult(query=text, kind="node", value=operator, route=f"#/node/{operator}", is_node=True)
    raise NotFoundError(f"nothing matches {text!r}: try a height, a 64-hex hash, a gos1 address or a node moniker")
