"""Reads of the index for the API: keyset-paginated lists, history, search lookups, uptime and chart series.

Lists are newest first and paginated by keyset (`before` = the id or height of the last row seen), so a page
costs the same at row 10 and at row 10,000,000, and rows arriving meanwhile never shift a page. Totals come
from counters the indexer maintains (cursor row, account_stats, event_stats, a block's own counts), not from
COUNT(*) over big tables; only the transactions of one sender are counted, on the (sender, id) index.

The explorer's list pages are the API's hottest reads, so each reads its total and its rows on one connection,
with statements built once per shape (SQLAlchemy then reuses their compiled SQL) and rows turned into dicts
with their column names read once per result.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, Select, Table, bindparam, func, select

from .book import FILLS_SCOPE, TRADES_SCOPE
from .schema import (
    ROW_ID_SHIFT,
    account_activity,
    account_kind_stats,
    account_stats,
    blocks,
    book_candles,
    book_counts,
    book_fills,
    book_orders,
    book_trades,
    consensus_nodes,
    event_stats,
    events,
    index_cursor,
    metadata,
    signatures,
    txs,
)


@dataclass(frozen=True)
class Page:
    """Rows of one page, the cursor of the next one (None on the last page) and the total number of rows."""

    rows: list[dict[str, Any]]
    next_before: int | None
    total: int


def _rows(conn: Connection, statement: Select[Any], params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rows of `statement` as dicts (fetched at once, with the column names read once per result)."""
    result = conn.execute(statement, dict(params or {}))
    names = tuple(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result.all()]


def _cut(rows: list[dict[str, Any]], key: str, limit: int, total: int) -> Page:
    """The page of `limit` rows from `rows`, read with one row more to know whether another page follows."""
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1][key] if more and rows else None, total)


def _page(engine: Engine, query: Select[Any], key: str, limit: int, total: int) -> Page:
    with engine.connect() as conn:
        rows = _rows(conn, query.limit(limit + 1))
    return _cut(rows, key, limit, total)


_CURSOR = select(index_cursor).where(index_cursor.c.id == 1)


def _cursor(conn: Connection) -> dict[str, Any] | None:
    rows = _rows(conn, _CURSOR)
    return rows[0] if rows else None


def cursor_row(engine: Engine) -> dict[str, Any] | None:
    """The cursor: last indexed height and block hash, running totals (None before the first sync)."""
    with engine.connect() as conn:
        return _cursor(conn)


_BLOCKS_NEWEST = select(blocks).order_by(blocks.c.height.desc()).limit(bindparam("page_rows"))
_BLOCKS_BELOW = (
    select(blocks)
    .where(blocks.c.height < bindparam("before"))
    .order_by(blocks.c.height.desc())
    .limit(bindparam("page_rows"))
)


def list_blocks(engine: Engine, limit: int, before: int | None = None) -> Page:
    """Blocks, newest first, below height `before`."""
    with engine.connect() as conn:
        cursor = _cursor(conn)
        if before is None:
            rows = _rows(conn, _BLOCKS_NEWEST, {"page_rows": limit + 1})
        else:
            rows = _rows(conn, _BLOCKS_BELOW, {"page_rows": limit + 1, "before": before})
    return _cut(rows, "height", limit, cursor["height"] if cursor else 0)


_BLOCK = select(blocks).where(blocks.c.height == bindparam("height"))
_BLOCK_COUNTS = select(blocks.c.num_txs, blocks.c.num_events).where(blocks.c.height == bindparam("height"))
_BLOCK_BY_HASH = select(blocks.c.height).where(blocks.c.hash == bindparam("hash")).limit(1)


def get_block(engine: Engine, height: int) -> dict[str, Any] | None:
    """One indexed block by height."""
    with engine.connect() as conn:
        rows = _rows(conn, _BLOCK, {"height": height})
    return rows[0] if rows else None


def find_block_by_hash(engine: Engine, hash_hex: str) -> int | None:
    """Height of the block with this hash."""
    with engine.connect() as conn:
        height = conn.execute(_BLOCK_BY_HASH, {"hash": hash_hex}).scalar()
    return int(height) if height is not None else None


MAX_ROW_ID = 2**63 - 1
"""The largest id a row can have: the SQL columns are signed 64-bit."""


@dataclass(frozen=True)
class _Keyset:
    """Which rows of a per-block table a list shows: columns equal to values, and ids in [from_id, before)."""

    equal: dict[str, object]
    before: int | None
    from_id: int | None

    @classmethod
    def of(cls, before: int | None, height: int | None, **equal: object) -> "_Keyset":
        """The rows matching the given (not None) `equal` values, below id `before`, of block `height` if given:
        a block's rows are the id range [height << ROW_ID_SHIFT, (height + 1) << ROW_ID_SHIFT) of the primary key,
        so a block filter needs no index of its own."""
        from_id = None
        if height is not None:  # a height past any row's (ids are 64-bit) gives the empty range at the top
            from_id = min(height << ROW_ID_SHIFT, MAX_ROW_ID)
            end = min((height + 1) << ROW_ID_SHIFT, MAX_ROW_ID)
            before = end if before is None else min(before, end)
        return cls({k: v for k, v in equal.items() if v is not None}, before, from_id)

    def params(self) -> dict[str, object]:
        """The statement's parameters."""
        bounds = {"before": self.before, "from_id": self.from_id}
        return {**self.equal, **{name: value for name, value in bounds.items() if value is not None}}

    def shape(self) -> tuple[tuple[str, ...], bool, bool]:
        """What the statement looks like (its parameters' names), as the key of the statements built once."""
        return tuple(sorted(self.equal)), self.before is not None, self.from_id is not None


def _filtered(table: Table, query: Select[Any], shape: tuple[tuple[str, ...], bool, bool]) -> Select[Any]:
    equal, below, from_id = shape
    query = query.where(*(table.c[name] == bindparam(name) for name in equal))
    if below:
        query = query.where(table.c.id < bindparam("before"))
    if from_id:
        query = query.where(table.c.id >= bindparam("from_id"))
    return query


@cache
def _newest_first(table_name: str, shape: tuple[tuple[str, ...], bool, bool]) -> Select[Any]:
    """Rows of a table, newest (highest id) first, of a keyset's shape, at most :page_rows of them."""
    table = metadata.tables[table_name]
    return _filtered(table, select(table), shape).order_by(table.c.id.desc()).limit(bindparam("page_rows"))


@cache
def _counted(table_name: str, shape: tuple[tuple[str, ...], bool, bool]) -> Select[Any]:
    """How many rows of a table match a keyset of this shape."""
    table = metadata.tables[table_name]
    return _filtered(table, select(func.count()).select_from(table), shape)


def _keyset_rows(conn: Connection, table: Table, keyset: _Keyset, limit: int) -> list[dict[str, Any]]:
    return _rows(conn, _newest_first(table.name, keyset.shape()), {**keyset.params(), "page_rows": limit + 1})


def _count(conn: Connection, table: Table, keyset: _Keyset) -> int:
    """Rows of `table` in `keyset` (an index range: of one sender, or of one kind in one block)."""
    return int(conn.execute(_counted(table.name, keyset.shape()), keyset.params()).scalar() or 0)


def _block_count(conn: Connection, height: int, column: str) -> int:
    """A block's own count of its rows (num_txs, num_events)."""
    rows = _rows(conn, _BLOCK_COUNTS, {"height": height})
    return int(rows[0][column]) if rows else 0


def list_txs(
    engine: Engine, limit: int, before: int | None = None, sender: str | None = None, height: int | None = None
) -> Page:
    """Transactions, newest first; optionally of one sender or one block."""
    keyset = _Keyset.of(before, height, sender=sender)
    with engine.connect() as conn:
        if sender is not None:
            total = _count(conn, txs, _Keyset.of(None, height, sender=sender))
        elif height is not None:
            total = _block_count(conn, height, "num_txs")
        else:
            cursor = _cursor(conn)
            total = cursor["txs_total"] if cursor else 0
        rows = _keyset_rows(conn, txs, keyset, limit)
    return _cut(rows, "id", limit, total)


_TX_BY_HASH = select(txs).where(txs.c.hash == bindparam("hash")).order_by(txs.c.id).limit(1)


def find_tx(engine: Engine, hash_hex: str) -> dict[str, Any] | None:
    """The indexed transaction with this hash."""
    with engine.connect() as conn:
        rows = _rows(conn, _TX_BY_HASH, {"hash": hash_hex})
    return rows[0] if rows else None


_ACCOUNT = select(account_stats).where(account_stats.c.address == bindparam("address"))
_ACCOUNT_KIND_COUNT = select(account_kind_stats.c.count).where(
    account_kind_stats.c.address == bindparam("address"), account_kind_stats.c.kind == bindparam("kind")
)


def _account(conn: Connection, address: str) -> dict[str, Any] | None:
    rows = _rows(conn, _ACCOUNT, {"address": address})
    return rows[0] if rows else None


def account_summary(engine: Engine, address: str) -> dict[str, Any] | None:
    """Activity totals of an address (None if it never appears in the index)."""
    with engine.connect() as conn:
        return _account(conn, address)


@dataclass(frozen=True)
class AccountHistory(Page):
    """A page of an address's history with the address's totals (None if it never appears in the index)."""

    summary: dict[str, Any] | None


def account_history(
    engine: Engine, address: str, limit: int, before: int | None = None, kind: str | None = None
) -> AccountHistory:
    """History rows of an address, newest first; optionally of one kind (send, receive, vote…); with the
    address's totals, all read on one connection."""
    with engine.connect() as conn:
        summary = _account(conn, address)
        if kind is not None:
            params = {"address": address, "kind": kind}
            total = int(conn.execute(_ACCOUNT_KIND_COUNT, params).scalar() or 0)
        else:
            total = summary["activity_count"] if summary else 0
        rows = _keyset_rows(conn, account_activity, _Keyset.of(before, None, address=address, kind=kind), limit)
    page = _cut(rows, "id", limit, total)
    return AccountHistory(page.rows, page.next_before, page.total, summary)


_EVENT_KIND_COUNT = select(event_stats.c.count).where(event_stats.c.kind == bindparam("kind"))


def list_events(
    engine: Engine, limit: int, before: int | None = None, kind: str | None = None, height: int | None = None
) -> Page:
    """Events, newest first; optionally of one kind or one block."""
    with engine.connect() as conn:
        if kind is None and height is None:
            cursor = _cursor(conn)
            total = cursor["events_total"] if cursor else 0
        elif height is None:  # one kind: its running count, not a scan
            total = int(conn.execute(_EVENT_KIND_COUNT, {"kind": kind}).scalar() or 0)
        elif kind is None:
            total = _block_count(conn, height, "num_events")
        else:  # one kind in one block: counted within the block's id range
            total = _count(conn, events, _Keyset.of(None, height, kind=kind))
        rows = _keyset_rows(conn, events, _Keyset.of(before, height, kind=kind), limit)
    return _cut(rows, "id", limit, total)


def node_activity(
    engine: Engine, consensus_addresses: Sequence[str], recent: int = 100
) -> tuple[list[dict[str, Any]], dict[str, list[tuple[int, bool]]]]:
    """The known nodes among `consensus_addresses` (a page of them) with their counts, and (height, signed) of
    their last `recent` expected blocks: primary-key reads of those nodes only."""
    wanted = list(consensus_addresses)
    with engine.connect() as conn:
        chosen = select(consensus_nodes).where(consensus_nodes.c.consensus_address.in_(wanted))
        nodes = [dict(r._mapping) for r in conn.execute(chosen.order_by(consensus_nodes.c.operator))]
        top = conn.execute(select(func.max(signatures.c.height))).scalar() or 0
        rows = conn.execute(
            select(signatures.c.consensus_address, signatures.c.height, signatures.c.signed)
            .where(
                signatures.c.consensus_address.in_(wanted),
                signatures.c.height > top - recent,
                signatures.c.expected.is_(True),
            )
            .order_by(signatures.c.height)
        )
        bars: dict[str, list[tuple[int, bool]]] = {}
        for address, height, signed in rows:
            bars.setdefault(address, []).append((int(height), bool(signed)))
    return nodes, bars


def sample_blocks(engine: Engine, points: int) -> list[dict[str, Any]]:
    """About `points` blocks spread evenly over the indexed history (for supply charts), oldest first."""
    cursor = cursor_row(engine)
    top = cursor["height"] if cursor else 0
    if top == 0:
        return []
    step = max(1, top // max(points - 1, 1))
    heights = sorted({*range(1, top + 1, step), top})
    columns = (blocks.c.height, blocks.c.time_ms, blocks.c.supply_ugos, blocks.c.burned_ugos, blocks.c.reward_ugos)
    with engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(select(*columns).where(blocks.c.height.in_(heights)).order_by(blocks.c.height))
        ]


def recent_blocks(engine: Engine, count: int) -> list[dict[str, Any]]:
    """The last `count` indexed blocks, oldest first (for block-time and transaction charts)."""
    columns = (blocks.c.height, blocks.c.time_ms, blocks.c.num_txs, blocks.c.fees_ugos)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(*columns).order_by(blocks.c.height.desc()).limit(count))]
    return rows[::-1]


def find_node_by_moniker(engine: Engine, moniker: str) -> str | None:
    """Operator of the node with this moniker (case-insensitive), if any."""
    with engine.connect() as conn:
        operator = conn.execute(
            select(consensus_nodes.c.operator)
            .where(func.lower(consensus_nodes.c.moniker) == moniker.lower(), consensus_nodes.c.operator != "")
            .limit(1)
        ).scalar()
    return str(operator) if operator else None


def find_node_by_consensus(engine: Engine, address: str) -> str | None:
    """Operator of the node with this consensus address, if any."""
    with engine.connect() as conn:
        operator = conn.execute(
            select(consensus_nodes.c.operator).where(consensus_nodes.c.consensus_address == address)
        ).scalar()
    return str(operator) if operator else None


def _book_count(engine: Engine, key: str, scope: str) -> int:
    with engine.connect() as conn:
        query = select(book_counts.c.count).where(book_counts.c.key == key, book_counts.c.scope == scope)
        return int(conn.execute(query).scalar() or 0)


def list_book_trades(engine: Engine, market: str, limit: int, before: int | None = None) -> Page:
    """A market's auctions that cleared, newest first (the index on market and id serves the page)."""
    total = _book_count(engine, market, TRADES_SCOPE)
    with engine.connect() as conn:
        rows = _keyset_rows(conn, book_trades, _Keyset.of(before, None, market=market), limit)
    return _cut(rows, "id", limit, total)


def list_book_fills(engine: Engine, owner: str, limit: int, before: int | None = None) -> Page:
    """An owner's fills, newest first, each with its order's limit price and placing transaction (None for an
    order the index has not seen placed)."""
    query = (
        select(
            book_fills,
            book_orders.c.price.label("limit_price"),
            book_orders.c.time_in_force,
            book_orders.c.tx_hash,
        )
        .outerjoin(book_orders, book_orders.c.order_id == book_fills.c.order_id)
        .where(book_fills.c.owner == owner)
        .order_by(book_fills.c.id.desc())
    )
    if before is not None:
        query = query.where(book_fills.c.id < before)
    return _page(engine, query, "id", limit, _book_count(engine, owner, FILLS_SCOPE))


def list_book_candles(
    engine: Engine, market: str, period: str, limit: int, before_ms: int | None = None
) -> list[dict[str, Any]]:
    """The last `limit` candles of a market and period starting before `before_ms` (all when None), oldest first."""
    query = select(book_candles).where(book_candles.c.market == market, book_candles.c.period == period)
    if before_ms is not None:
        query = query.where(book_candles.c.start_ms < before_ms)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(book_candles.c.start_ms.desc()).limit(limit))
        return [dict(row._mapping) for row in rows][::-1]
