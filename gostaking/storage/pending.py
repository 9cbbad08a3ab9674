"""PendingTxJournal: the transactions a node accepted and has not included yet, on disk.

A devnet node answers POST /txs with 202 once the transaction is in its mempool; without this journal a crash
between that answer and the next block would lose it silently. Key schema, in the node's KVStore beside the
ChainStore's namespaces:

    b"p" ‖ arrival as u64 BE ‖ tx_hash  -> the transaction's bytes

Arrival order is the key order, so replaying the journal re-queues each sender's transactions in sequence
order. Recording is one write per accepted transaction, forgetting what left the mempool one batch per block.
The devnet keeps the journal in its own LMDB store without fsync (`LmdbStore(durable=False)`): a write costs
~5 µs instead of ~0.2 ms and survives the process being killed, not a power loss (BENCHMARKS.md, "Mempool").
"""

from __future__ import annotations

from collections.abc import Set

from .kv import KVStore

__all__ = ["PendingTxJournal"]

_PENDING_PREFIX = b"p"
_ARRIVAL_BYTES = 8


class PendingTxJournal:
    """Durable copy of a mempool's transactions. Thread-safe as far as its KVStore is (LmdbStore is)."""

    def __init__(self, store: KVStore) -> None:
        """The journal kept in `store`, with what a previous run left in it (see `load`)."""
        self._store = store
        self._keys: dict[bytes, bytes] = {}
        for key, _ in store.iter_prefix(_PENDING_PREFIX):
            self._keys[key[1 + _ARRIVAL_BYTES :]] = key
        last = max(self._keys.values(), default=None)
        self._next_arrival = int.from_bytes(last[1 : 1 + _ARRIVAL_BYTES], "big") + 1 if last else 0

    def __len__(self) -> int:
        return len(self._keys)

    def load(self) -> list[bytes]:
        """The journaled transactions, oldest first."""
        return [raw for _, raw in self._store.iter_prefix(_PENDING_PREFIX)]

    def record(self, tx_hash: bytes, raw: bytes) -> None:
        """Persist an accepted transaction before the node answers that it has it."""
        key = _PENDING_PREFIX + self._next_arrival.to_bytes(_ARRIVAL_BYTES, "big") + tx_hash
        self._next_arrival += 1
        self._store.write_batch({key: raw})
        self._keys[tx_hash] = key

    def keep_only(self, tx_hashes: Set[bytes]) -> None:
        """Forget, in one batch, every journaled transaction not in `tx_hashes` (those still pending)."""
        gone = [tx_hash for tx_hash in self._keys if tx_hash not in tx_hashes]
        if gone:
            self._store.write_batch({self._keys.pop(tx_hash): None for tx_hash in gone})
