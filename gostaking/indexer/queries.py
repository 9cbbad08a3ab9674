"""Reads of the index for the API: keyset-paginated lists, history, search lookups, uptime and chart series.

Lists are newest first and paginated by keyset (`before` = the id or height of the last row seen), so a page
costs the same at row 10 and at row 10,000,000, and rows arriving meanwhile never shift a page. Totals come
from counters the indexer maintains (cursor row, account_stats), not from COUNT(*) over big tables.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, Table, func, select

from .book import FILLS_SCOPE, TRADES_SCOPE
from .schema import (
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
    signatures,
    txs,
)


@dataclass(frozen=True)
class Page:
    """Rows of one page, the cursor of the next one (None on the last page) and the total number of rows."""

    rows: list[dict[str, Any]]
    next_before: int | None
    total: int


def _page(engine: Engine, query: Select[Any], key: str, limit: int, total: int) -> Page:
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query.limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1][key] if more and rows else None, total)


def cursor_row(engine: Engine) -> dict[str, Any] | None:
    """The cursor: last indexed height and block hash, running totals (None before the first sync)."""
    with engine.connect() as conn:
        row = conn.execute(select(index_cursor).where(index_cursor.c.id == 1)).first()
    return dict(row._mapping) if row is not None else None


def list_blocks(engine: Engine, limit: int, before: int | None = None) -> Page:
    """Blocks, newest first, below height `before`."""
    query = select(blocks).order_by(blocks.c.height.desc())
    if before is not None:
        query = query.where(blocks.c.height < before)
    cursor = cursor_row(engine)
    return _page(engine, query, "height", limit, cursor["height"] if cursor else 0)


def get_block(engine: Engine, height: int) -> dict[str, Any] | None:
    """One indexed block by height."""
    with engine.connect() as conn:
        row = conn.execute(select(blocks).where(blocks.c.height == height)).first()
    return dict(row._mapping) if row is not None else None


def find_block_by_hash(engine: Engine, hash_hex: str) -> int | None:
    """Height of the block with this hash."""
    with engine.connect() as conn:
        height = conn.execute(select(blocks.c.height).where(blocks.c.hash == hash_hex).limit(1)).scalar()
    return int(height) if height is not None else None


def _conditions(*pairs: tuple[Any, object]) -> list[Any]:
    """`column == value` for each (column, value) whose value is given (not None): a list route's filters."""
    return [column == value for column, value in pairs if value is not None]


def _count(engine: Engine, table: Table, filters: list[Any]) -> int:
    """Rows of `table` matching every filter."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*filters)).scalar() or 0)


def _newest_first(table: Table, filters: list[Any], before: int | None) -> Select[Any]:
    """Rows of `table` matching every filter, newest (highest id) first, below id `before` when given."""
    query = select(table).where(*filters).order_by(table.c.id.desc())
    return query if before is None else query.where(table.c.id < before)


def list_txs(
    engine: Engine, limit: int, before: int | None = None, sender: str | None = None, height: int | None = None
) -> Page:
    """Transactions, newest first; optionally of one sender or one block."""
    filters = _conditions((txs.c.sender, sender), (txs.c.height, height))
    if filters:
        total = _count(engine, txs, filters)
    else:
        cursor = cursor_row(engine)
        total = cursor["txs_total"] if cursor else 0
    return _page(engine, _newest_first(txs, filters, before), "id", limit, total)


def find_tx(engine: Engine, hash_hex: str) -> dict[str, Any] | None:
    """The indexed transaction with this hash."""
    with engine.connect() as conn:
        row = conn.execute(select(txs).where(txs.c.hash == hash_hex).order_by(txs.c.id).limit(1)).first()
    return dict(row._mapping) if row is not None else None


def account_summary(engine: Engine, address: str) -> dict[str, Any] | None:
    """Activity totals of an address (None if it never appears in the index)."""
    with engine.connect() as conn:
        row = conn.execute(select(account_stats).where(account_stats.c.address == address)).first()
    return dict(row._mapping) if row is not None else None


def account_history(
    engine: Engine, address: str, limit: int, before: int | None = None, kind: str | None = None
) -> Page:
    """History rows of an address, newest first; optionally of one kind (send, receive, vote…)."""
    filters = _conditions((account_activity.c.address, address), (account_activity.c.kind, kind))
    if kind is not None:
        with engine.connect() as conn:
            kind_count = select(account_kind_stats.c.count).where(
                account_kind_stats.c.address == address, account_kind_stats.c.kind == kind
            )
            total = int(conn.execute(kind_count).scalar() or 0)
    else:
        summary = account_summary(engine, address)
        total = summary["activity_count"] if summary else 0
    return _page(engine, _newest_first(account_activity, filters, before), "id", limit, total)


def list_events(
    engine: Engine, limit: int, before: int | None = None, kind: str | None = None, height: int | None = None
) -> Page:
    """Events, newest first; optionally of one kind or one block."""
    filters = _conditions((events.c.kind, kind), (events.c.height, height))
    if kind is None and height is None:
        cursor = cursor_row(engine)
        total = cursor["events_total"] if cursor else 0
    elif height is None:  # one kind: its running count, not a scan
        with engine.connect() as conn:
            total = int(conn.execute(select(event_stats.c.count).where(event_stats.c.kind == kind)).scalar() or 0)
    else:
        total = _count(engine, events, filters)
    return _page(engine, _newest_first(events, filters, before), "id", limit, total)


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
    return _page(engine, _newest_first(book_trades, [book_trades.c.market == market], before), "id", limit, total)


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
