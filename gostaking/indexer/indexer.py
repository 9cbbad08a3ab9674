"""The indexer: copies committed blocks into SQL in batched transactions, resumable at the exact next height.

Each batch (up to `batch_blocks` blocks) is one SQL transaction holding the blocks' rows *and* the cursor row
(last indexed height, block hash and running totals). A crash before commit leaves neither; after commit both.
So a restarted indexer resumes at cursor height + 1 with no gap and no duplicate, and because row ids are
derived from heights, a replayed block could not insert twice anyway.

Before indexing, the index checks it belongs to the source chain (chain id, genesis hash, and the block hash
at the cursor). An index of another chain — e.g. a devnet restarted with --reset — is cleared and rebuilt.
"""

import copy
import hashlib
import json
import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Table, bindparam, delete, insert, select, update

from gostaking.chain.crypto import consensus_address
from gostaking.chain.genesis import decode_genesis
from gostaking.node.blocks import StoredBlock
from gostaking.node.snapshots.format import HistoryStart

from .book import FILLS_SCOPE, TRADES_SCOPE, write_candles
from .extract import BlockRows, BurnRule, NodeRegistration, Tally, extract_block
from .schema import (
    SCHEMA_VERSION,
    SIGNATURE_WINDOW,
    account_activity,
    account_kind_stats,
    account_stats,
    blocks,
    book_counts,
    book_fills,
    book_orders,
    book_trades,
    consensus_nodes,
    event_stats,
    events,
    index_cursor,
    index_meta,
    metadata,
    signatures,
    txs,
)

log = logging.getLogger(__name__)

DEFAULT_BATCH_BLOCKS = 200
_IN_CHUNK = 500
"""Bound on parameters of one IN (…) list (SQLite allows 32,766; PostgreSQL 65,535)."""


class BlockSource(Protocol):
    """Where committed blocks come from: the node's app (GoStakingApp fits) or any reader of its store."""

    @property
    def height(self) -> int:
        """Last committed height."""
        ...

    def block(self, height: int) -> StoredBlock | None:
        """The committed block at `height`."""
        ...

    def genesis_json(self) -> bytes | None:
        """The genesis document the chain started from (None before init_chain)."""
        ...

    def history_start(self) -> HistoryStart | None:
        """Where the source's blocks start when it does not hold them from block 1 (restored from a state-sync
        snapshot, or its first blocks pruned); None: at block 1."""
        ...


class IndexMismatchError(RuntimeError):
    """The source chain changed under a block being indexed (a reorg cannot happen; a reset can)."""


class Indexer:
    """Follows a BlockSource into the index tables of `engine`. One Indexer per database writes at a time."""

    def __init__(
        self,
        engine: Engine,
        source: BlockSource,
        batch_blocks: int = DEFAULT_BATCH_BLOCKS,
        before_commit: Callable[[int], None] | None = None,
    ) -> None:
        """`before_commit(height)` runs inside each batch transaction just before it commits (tests inject
        failures there)."""
        self.engine = engine
        self.source = source
        self.batch_blocks = batch_blocks
        self.before_commit = before_commit
        self._tally: Tally | None = None
        self._burn: BurnRule | None = None
        self._lock = threading.Lock()
        self.indexed_height = self._read_cursor_height()
        """Last height committed to the index (readable from any thread)."""

    def sync(self, max_blocks: int | None = None, should_stop: Callable[[], bool] = lambda: False) -> int:
        """Index committed blocks up to the source's height (or `max_blocks` of them); returns how many."""
        with self._lock:
            if not self._prepare():
                return 0
            assert self._tally is not None and self._burn is not None
            target = self.source.height
            if max_blocks is not None:
                target = min(target, self._tally.height + max_blocks)
            done = 0
            while self._tally.height < target and not should_stop():
                last = min(target, self._tally.height + self.batch_blocks)
                done += self._index_batch(range(self._tally.height + 1, last + 1))
            return done

    def rebuild(self) -> None:
        """Drop everything indexed and start again from height 1 at the next sync."""
        with self._lock:
            metadata.drop_all(self.engine)
            metadata.create_all(self.engine)
            self._tally = None
            self.indexed_height = 0

    # --- internals ---

    def _read_cursor_height(self) -> int:
        with self.engine.connect() as conn:
            height = conn.execute(select(index_cursor.c.height).where(index_cursor.c.id == 1)).scalar()
        return int(height or 0)

    def _prepare(self) -> bool:
        """Load (or create) the cursor for the source chain; False while the source has no genesis yet."""
        genesis_json = self.source.genesis_json()
        if genesis_json is None:
            return False
        if self._tally is not None and self._cursor_matches_source(self._tally):
            return True
        genesis = decode_genesis(genesis_json)
        identity = {
            "schema_version": SCHEMA_VERSION,
            "chain_id": genesis.chain_id,
            "genesis_sha256": hashlib.sha256(genesis_json).hexdigest(),
        }
        self._burn = BurnRule(genesis.params.emission.burn_numerator, genesis.params.emission.burn_denominator)
        with self.engine.connect() as conn:
            stored = {row.key: row.value for row in conn.execute(select(index_meta))}
            tally = _load_tally(conn)
        if stored and stored != identity:
            log.warning("the index at %s belongs to another chain or schema; rebuilding it", self.engine.url)
            tally = None
        elif tally is not None and not self._cursor_matches_source(tally):
            log.warning("the index is ahead of or differs from the chain (height %d); rebuilding it", tally.height)
            tally = None
        if tally is None or not stored:
            metadata.drop_all(self.engine)
            metadata.create_all(self.engine)
            tally = Tally(validators=sorted(consensus_address(n.consensus_pubkey) for n in genesis.nodes))
            start = self.source.history_start()
            if start is not None:
                # A node restored from a snapshot, or that pruned its first blocks, holds no block before
                # start.height: the index begins after it, and its running totals (minted, burned, counts) are
                # those since then.
                tally = Tally(
                    height=start.height,
                    block_hash=start.block_hash.hex(),
                    gos_index=start.gos_index,
                    validators=list(start.validators),
                )
                log.warning("this node's blocks start at height %d: the index starts after it", start.height)
            with self.engine.begin() as conn:
                conn.execute(insert(index_meta), [{"key": k, "value": v} for k, v in identity.items()])
                registrations = [
                    NodeRegistration(consensus_address(n.consensus_pubkey), n.operator, n.moniker, 0)
                    for n in genesis.nodes
                ]
                _write_nodes(conn, registrations, [], [], {})
                _save_tally(conn, tally, new=True)
        self._tally = tally
        self.indexed_height = tally.height
        return True

    def _cursor_matches_source(self, tally: Tally) -> bool:
        if tally.height == 0:
            return True
        if tally.height > self.source.height:
            return False
        block = self.source.block(tally.height)
        return block is not None and block.hash.hex() == tally.block_hash

    def _index_batch(self, heights: range) -> int:
        assert self._tally is not None and self._burn is not None
        tally = copy.deepcopy(self._tally)  # the real one moves only once the transaction has committed
        batch: list[BlockRows] = []
        for height in heights:
            block = self.source.block(height)
            if block is None:
                raise IndexMismatchError(f"block {height} is missing from the source (height {self.source.height})")
            batch.append(extract_block(block, tally, self._burn))
        with self.engine.begin() as conn:
            _write_batch(conn, batch)
            _save_tally(conn, tally, new=False)
            if self.before_commit is not None:
                self.before_commit(tally.height)
        self._tally = tally
        self.indexed_height = tally.height
        return len(batch)


def _write_batch(conn: Connection, batch: Sequence[BlockRows]) -> None:
    for table, rows in (
        (blocks, [b.block for b in batch]),
        (txs, [r for b in batch for r in b.txs]),
        (events, [r for b in batch for r in b.events]),
        (account_activity, [r for b in batch for r in b.activity]),
        (signatures, [r for b in batch for r in b.signatures]),
        (book_orders, [r for b in batch for r in b.book.orders]),
        (book_trades, [r for b in batch for r in b.book.trades]),
        (book_fills, [r for b in batch for r in b.book.fills]),
    ):
        if rows:
            conn.execute(insert(table), rows)
    write_candles(conn, [r for b in batch for r in b.book.trades])
    book_counts_added: Counter[tuple[str, ...]] = Counter(
        (r["market"], TRADES_SCOPE) for b in batch for r in b.book.trades
    )
    book_counts_added.update((r["owner"], FILLS_SCOPE) for b in batch for r in b.book.fills)
    _add_counts(conn, book_counts, book_counts_added)
    _write_account_stats(conn, [r for b in batch for r in b.activity])
    _add_counts(conn, account_kind_stats, Counter((r["address"], r["kind"]) for b in batch for r in b.activity))
    _add_counts(conn, event_stats, Counter((r["kind"],) for b in batch for r in b.events))
    proposed = Counter(b.proposer for b in batch if b.proposer)
    last_signed: dict[str, int] = {}
    for b in batch:
        for row in b.signatures:
            if row["signed"]:
                last_signed[row["consensus_address"]] = row["height"]
    _write_nodes(
        conn,
        [r for b in batch for r in b.registrations],
        [r for b in batch for r in b.signatures],
        list(proposed.items()),
        last_signed,
    )
    top = batch[-1].block["height"]
    if top > SIGNATURE_WINDOW:
        conn.execute(delete(signatures).where(signatures.c.height <= top - SIGNATURE_WINDOW))


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def _write_account_stats(conn: Connection, activity: Sequence[dict[str, Any]]) -> None:
    """Add the batch's rows to the per-address totals (read-modify-write: the indexer is the only writer)."""
    if not activity:
        return
    count: Counter[str] = Counter()
    txs_of: defaultdict[str, set[str]] = defaultdict(set)
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for row in activity:
        address = row["address"]
        count[address] += 1
        if row["tx_hash"] is not None:
            txs_of[address].add(row["tx_hash"])
        first.setdefault(address, row["height"])
        last[address] = row["height"]
    addresses = sorted(count)
    existing: set[str] = set()
    for chunk in _chunks(addresses):
        existing.update(
            conn.execute(select(account_stats.c.address).where(account_stats.c.address.in_(chunk))).scalars()
        )
    updates = [
        {"b_address": a, "b_count": count[a], "b_txs": len(txs_of[a]), "b_last": last[a]}
        for a in addresses
        if a in existing
    ]
    if updates:
        conn.execute(
            update(account_stats)
            .where(account_stats.c.address == bindparam("b_address"))
            .values(
                activity_count=account_stats.c.activity_count + bindparam("b_count"),
                tx_count=account_stats.c.tx_count + bindparam("b_txs"),
                last_height=bindparam("b_last"),
            ),
            updates,
        )
    inserts = [
        {
            "address": a,
            "activity_count": count[a],
            "tx_count": len(txs_of[a]),
            "first_height": first[a],
            "last_height": last[a],
        }
        for a in addresses
        if a not in existing
    ]
    if inserts:
        conn.execute(insert(account_stats), inserts)


def _add_counts(conn: Connection, table: Table, counts: Counter[tuple[str, ...]]) -> None:
    """Add `counts` to the `count` column of `table`, whose primary key columns come first in key order; keys not
    seen before are inserted (read-modify-write: the indexer is the only writer)."""
    if not counts:
        return
    key_columns = [column.name for column in table.primary_key.columns]
    keys = sorted(counts)
    first_values = sorted({key[0] for key in keys})
    existing: set[tuple[str, ...]] = set()
    lead = table.c[key_columns[0]]
    for chunk in _chunks(first_values):
        rows = conn.execute(select(*(table.c[name] for name in key_columns)).where(lead.in_(chunk)))
        existing.update(tuple(row) for row in rows)
    updates = [{**_bound(key_columns, key), "b_count": counts[key]} for key in keys if key in existing]
    if updates:
        conn.execute(
            update(table)
            .where(*(table.c[name] == bindparam(f"b_{name}") for name in key_columns))
            .values(count=table.c.count + bindparam("b_count")),
            updates,
        )
    new_keys = [key for key in keys if key not in existing]
    inserts = [{**dict(zip(key_columns, key, strict=True)), "count": counts[key]} for key in new_keys]
    if inserts:
        conn.execute(insert(table), inserts)


def _bound(names: Sequence[str], values: Sequence[str]) -> dict[str, str]:
    return {f"b_{name}": value for name, value in zip(names, values, strict=True)}


def _write_nodes(
    conn: Connection,
    registrations: Sequence[NodeRegistration],
    signature_rows: Sequence[dict[str, Any]],
    proposed: Sequence[tuple[str, int]],
    last_signed: dict[str, int],
) -> None:
    """Upsert node registrations and add the batch's proposals and signatures to each node's counts."""
    nodes = {row.consensus_address: dict(row._mapping) for row in conn.execute(select(consensus_nodes))}
    changed: set[str] = set()
    fresh: set[str] = set()

    def node(address: str) -> dict[str, Any]:
        if address not in nodes:
            nodes[address] = {
                "consensus_address": address,
                "operator": "",
                "moniker": "",
                "registered_height": 0,
                "blocks_proposed": 0,
                "blocks_signed": 0,
                "blocks_expected": 0,
                "last_signed_height": 0,
            }
            fresh.add(address)
        changed.add(address)
        return nodes[address]

    for reg in registrations:
        entry = node(reg.consensus_address)
        entry.update(operator=reg.operator, moniker=reg.moniker, registered_height=reg.height)
    for address, count in proposed:
        node(address)["blocks_proposed"] += count
    for row in signature_rows:
        entry = node(row["consensus_address"])
        entry["blocks_signed"] += 1 if row["signed"] else 0
        entry["blocks_expected"] += 1 if row["expected"] else 0
    for address, height in last_signed.items():
        node(address)["last_signed_height"] = height
    if fresh:
        conn.execute(insert(consensus_nodes), [nodes[a] for a in sorted(fresh)])
    old = [{**nodes[a], "b_address": a} for a in sorted(changed - fresh)]
    if old:
        conn.execute(
            update(consensus_nodes)
            .where(consensus_nodes.c.consensus_address == bindparam("b_address"))
            .values({c.name: bindparam(c.name) for c in consensus_nodes.columns if c.name != "consensus_address"}),
            old,
        )


def _load_tally(conn: Connection) -> Tally | None:
    row = conn.execute(select(index_cursor).where(index_cursor.c.id == 1)).first()
    if row is None:
        return None
    return Tally(
        height=row.height,
        block_hash=row.block_hash,
        gos_index=int(row.gos_index),
        minted_ugos=row.minted_ugos,
        burned_ugos=row.burned_ugos,
        txs_total=row.txs_total,
        events_total=row.events_total,
        activity_total=row.activity_total,
        validators=list(json.loads(row.validators)),
        pending_updates=[(int(h), str(a), int(p)) for h, a, p in json.loads(row.pending_validator_updates)],
    )


def _save_tally(conn: Connection, tally: Tally, *, new: bool) -> None:
    values = {
        "height": tally.height,
        "block_hash": tally.block_hash,
        "gos_index": str(tally.gos_index),
        "minted_ugos": tally.minted_ugos,
        "burned_ugos": tally.burned_ugos,
        "txs_total": tally.txs_total,
        "events_total": tally.events_total,
        "activity_total": tally.activity_total,
        "validators": json.dumps(tally.validators),
        "pending_validator_updates": json.dumps(tally.pending_updates),
    }
    if new:
        conn.execute(insert(index_cursor).values(id=1, **values))
    else:
        conn.execute(update(index_cursor).where(index_cursor.c.id == 1).values(**values))
