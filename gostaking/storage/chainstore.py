"""ChainStore: the node's persistent view of the chain, written with one atomic batch per block.

Key schema of the underlying KVStore (the first byte separates the namespaces):

    b"s" ‖ state_key                  -> state value (opaque bytes from the chain)
    b"b" ‖ height as u64 BE           -> block (opaque bytes from the caller)
    b"t" ‖ tx_hash                    -> height as u64 BE ‖ index in block as u32 BE
    b"m/height"                       -> height of the last committed block, u64 BE (absent: 0)
    b"m/app_hash"                     -> 32-byte BucketMerkleTree root of the state at that height
    b"m/genesis"                      -> genesis document (opaque bytes), written once
    b"m/history_start"                -> opaque bytes the node wrote when it restored a state-sync snapshot
                                         (absent: the store holds every block from 1)
    b"m/pruned_below"                 -> u64 BE: every block below it (and its tx index) was deleted by
                                         `prune_blocks` (absent: nothing pruned)

(`b"p"` belongs to the devnet's PendingTxJournal, pending.py.)

Block heights are big-endian so blocks iterate in height order. The state, the block, its tx index and
the meta entries of one height are written in a single KVStore batch: after a crash the store holds
either everything of a height or nothing of it, and `open` re-verifies the state against the app hash.

Block cycle, driven by the node:

    root = chain_store.compute_app_hash(state_writes)   # after executing the block
    chain_store.commit(height, block_bytes, tx_hashes)  # persists, or discard_pending() to abandon
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from .kv import MAX_KEY_SIZE, KVStore
from .merkle import BucketMerkleTree, MerkleProof

__all__ = ["ChainStore", "CommitError", "PrunedBlocks", "StateExport", "StorageCorruptionError", "StorageError"]

_STATE_PREFIX = b"s"
_BLOCK_PREFIX = b"b"
_TX_PREFIX = b"t"
_META_HEIGHT = b"m/height"
_META_APP_HASH = b"m/app_hash"
_META_GENESIS = b"m/genesis"
_META_HISTORY_START = b"m/history_start"
_META_PRUNED_BELOW = b"m/pruned_below"

_MAX_HEIGHT = 2**64 - 1
_MAX_TX_INDEX = 2**32 - 1


class StorageError(Exception):
    """Base class of storage-layer errors."""


class StorageCorruptionError(StorageError):
    """The persisted data is inconsistent with itself (modified behind our back, or damaged)."""


class CommitError(StorageError):
    """ChainStore was driven out of sequence (wrong height, missing or repeated compute_app_hash...)."""


def _block_key(height: int) -> bytes:
    return _BLOCK_PREFIX + height.to_bytes(8, "big")


def _decode_height(raw: bytes | None, what: str) -> int:
    """A u64 BE meta entry (absent: 0)."""
    if raw is None:
        return 0
    if len(raw) != 8:
        raise StorageCorruptionError(f"{what} must be 8 bytes, found {len(raw)}")
    return int.from_bytes(raw, "big")


@dataclass(frozen=True)
class PrunedBlocks:
    """What one `prune_blocks` call deleted."""

    blocks: int
    tx_entries: int
    pruned_below: int
    """Every block below this height is gone now (0: nothing was ever pruned)."""


@dataclass(frozen=True)
class StateExport:
    """The committed state of one height, for a state-sync snapshot: read from one consistent view of the store,
    so blocks committed while `items` is being consumed do not show in it."""

    height: int
    app_hash: bytes
    block: bytes
    """The stored block of `height` (the restored node needs its hash and time to follow on from it)."""
    items: Iterator[tuple[bytes, bytes]]
    """(state key, value) in ascending key order. Consume it soon: it pins the store's read view (see LmdbStore)."""


class ChainStore:
    """Committed chain data plus the in-memory Merkle tree of the committed state.

    Between blocks the tree reflects exactly the committed state. `compute_app_hash` applies a block's
    writes to the tree ahead of the disk; `commit` persists them, `discard_pending` rolls the tree back.
    Not thread-safe: `prove` and the block cycle must run on one thread (reads that go straight to the
    KVStore — get_state, block, tx_location, genesis — are safe from other threads with LmdbStore).
    """

    def __init__(self, store: KVStore, tree: BucketMerkleTree, height: int, genesis_saved: bool) -> None:
        """Internal: use `ChainStore.open`, which verifies the persisted state first."""
        self._store = store
        self._tree = tree
        self._height = height
        self._app_hash = tree.root
        self._genesis_saved = genesis_saved
        self._pending: dict[bytes, bytes | None] | None = None
        self._pending_root = b""
        self._pruned_below = _decode_height(store.get(_META_PRUNED_BELOW), "meta pruned_below")
        self._earliest_height = self._first_block_height()

    @classmethod
    def open(cls, store: KVStore) -> ChainStore:
        """Load the committed state into a Merkle tree and verify it against the stored app hash.

        Raises StorageCorruptionError if the meta entries are malformed, the state does not hash to
        the committed app hash, or the block of the committed height is missing.
        """
        height = _decode_height(store.get(_META_HEIGHT), "meta height")

        prefix_length = len(_STATE_PREFIX)
        tree = BucketMerkleTree.build((key[prefix_length:], value) for key, value in store.iter_prefix(_STATE_PREFIX))

        stored_app_hash = store.get(_META_APP_HASH)
        if stored_app_hash is None:
            # A fresh store: no app hash has ever been committed, so there must be no state either.
            if height != 0:
                raise StorageCorruptionError(f"committed height is {height} but no app hash is stored")
            if len(tree):
                raise StorageCorruptionError(f"{len(tree)} state entries are stored but no app hash was ever committed")
        elif tree.root != stored_app_hash:
            raise StorageCorruptionError(
                f"the {len(tree)} stored state entries hash to {tree.root.hex()}, but the app hash "
                f"committed at height {height} is {stored_app_hash.hex()}: the state was modified "
                "outside ChainStore or the database is damaged"
            )

        if height > 0 and store.get(_block_key(height)) is None:
            raise StorageCorruptionError(f"block {height} is missing although it is the committed height")

        genesis_saved = store.get(_META_GENESIS) is not None
        return cls(store, tree, height, genesis_saved)

    @property
    def height(self) -> int:
        """Height of the last committed block (0 before the first block)."""
        return self._height

    @property
    def app_hash(self) -> bytes:
        """Merkle root of the committed state (not of pending writes)."""
        return self._app_hash

    @property
    def tree(self) -> BucketMerkleTree:
        """The state Merkle tree. Read-only by convention: writing to it bypasses persistence."""
        return self._tree

    @property
    def has_pending(self) -> bool:
        """True between `compute_app_hash` and `commit` / `discard_pending`."""
        return self._pending is not None

    def state_items(self) -> Iterator[tuple[bytes, bytes]]:
        """Committed state entries (state_key, value) in ascending key order, for the chain to load."""
        prefix_length = len(_STATE_PREFIX)
        for key, value in self._store.iter_prefix(_STATE_PREFIX):
            yield key[prefix_length:], value

    def export_state(self) -> StateExport:
        """The committed state for a snapshot. The store's read view is opened here (the first entry is read
        before returning), so the export is of this height even if it is consumed on another thread while the
        next blocks commit. Call it on the thread that commits, between blocks."""
        if self._pending is not None:
            raise CommitError("the tree holds uncommitted writes; export after commit or discard_pending")
        block = self.block(self._height) if self._height else None
        if block is None:
            raise CommitError("nothing is committed yet: there is no state to export")
        items = self.state_items()
        first = next(items, None)
        opened = itertools.chain((first,), items) if first is not None else iter(())
        return StateExport(self._height, self._app_hash, block, opened)

    def restore(
        self,
        height: int,
        tree: BucketMerkleTree,
        items: Sequence[tuple[bytes, bytes]],
        block: bytes,
        tx_hashes: Sequence[bytes],
        genesis: bytes | None,
        history_start: bytes,
    ) -> None:
        """Fill an empty store with a state-sync snapshot of `height`: its state `items` (whose Merkle tree is
        `tree`, already checked against the trusted app hash by the caller), the block of `height`, its tx index,
        the genesis document and `history_start`, in one atomic batch: a crash leaves the store empty again.

        Blocks below `height` are never stored: this node's history starts there."""
        if self._height != 0 or self._pending is not None or len(self._tree) or self._store.get(_META_APP_HASH):
            raise CommitError(f"cannot restore a snapshot into a store that is at height {self._height}")
        if not 0 < height <= _MAX_HEIGHT or len(tx_hashes) > _MAX_TX_INDEX + 1:
            raise ValueError(f"height {height} or tx count {len(tx_hashes)} out of range")
        if len(tree) != len(items):
            raise ValueError(f"the tree holds {len(tree)} entries but {len(items)} items are given")
        limit = MAX_KEY_SIZE - len(_STATE_PREFIX)
        batch: dict[bytes, bytes | None] = {}
        for key, value in items:
            if len(key) > limit:
                raise ValueError(f"state key of {len(key)} bytes exceeds the {limit}-byte limit")
            batch[_STATE_PREFIX + key] = value
        batch[_block_key(height)] = block
        encoded_height = height.to_bytes(8, "big")
        for index, tx_hash in enumerate(tx_hashes):
            batch.setdefault(_TX_PREFIX + tx_hash, encoded_height + index.to_bytes(4, "big"))
        batch[_META_HEIGHT] = encoded_height
        batch[_META_APP_HASH] = tree.root
        batch[_META_HISTORY_START] = history_start
        if genesis is not None:
            batch[_META_GENESIS] = genesis
        self._store.write_batch(batch)
        self._tree = tree
        self._height = height
        self._app_hash = tree.root
        self._genesis_saved = genesis is not None
        self._earliest_height = height

    def history_start(self) -> bytes | None:
        """What `restore` recorded about where this node's history starts, or None (it holds every block)."""
        return self._store.get(_META_HISTORY_START)

    def get_state(self, key: bytes) -> bytes | None:
        """Committed value of a state key, or None."""
        return self._store.get(_STATE_PREFIX + key)

    def compute_app_hash(self, state_writes: Mapping[bytes, bytes | None]) -> bytes:
        """Apply one block's state writes (None deletes) to the tree and return the resulting app hash.

        Call once per block, after executing it; the writes stay pending until `commit` (or
        `save_genesis` at height 0) persists them or `discard_pending` drops them.
        """
        if self._pending is not None:
            raise CommitError(
                f"compute_app_hash was already called for height {self._height + 1}; commit or discard_pending first"
            )
        # Checked before touching the tree: a key the store would refuse at commit time must not get
        # into the tree, where the node could not take it back out without discard_pending.
        limit = MAX_KEY_SIZE - len(_STATE_PREFIX)
        for key in state_writes:
            if len(key) > limit:
                raise ValueError(f"state key of {len(key)} bytes exceeds the {limit}-byte limit")
        # Copied so later mutation of the caller's mapping cannot change what gets committed.
        pending = dict(state_writes)
        self._pending_root = self._tree.update(pending)
        self._pending = pending
        return self._pending_root

    def discard_pending(self) -> None:
        """Undo the tree changes of the last `compute_app_hash` (e.g. the block was not committed)."""
        if self._pending is None:
            return
        committed = {key: self.get_state(key) for key in self._pending}
        root = self._tree.update(committed)
        self._pending = None
        if root != self._app_hash:
            raise StorageCorruptionError(
                f"rolling back pending writes gave root {root.hex()}, expected {self._app_hash.hex()}"
            )

    def commit(self, height: int, block: bytes, tx_hashes: Sequence[bytes]) -> None:
        """Persist the pending state writes, the block, its tx index and the meta in one atomic batch.

        `height` must be the next height, and `compute_app_hash` must have been called for it. If the
        write fails, the writes stay pending: retry `commit` or call `discard_pending`.
        """
        if height != self._height + 1:
            raise CommitError(f"cannot commit height {height}: the store is at height {self._height}")
        if self._pending is None:
            raise CommitError(f"cannot commit height {height}: call compute_app_hash for it first")
        if height > _MAX_HEIGHT or len(tx_hashes) > _MAX_TX_INDEX + 1:
            raise ValueError(f"height {height} or tx count {len(tx_hashes)} out of range")

        batch: dict[bytes, bytes | None] = {_STATE_PREFIX + key: value for key, value in self._pending.items()}
        batch[_block_key(height)] = block
        encoded_height = height.to_bytes(8, "big")
        for index, tx_hash in enumerate(tx_hashes):
            key = _TX_PREFIX + tx_hash
            # The first inclusion is the one that executed; a repeat of the same bytes (in this block or a
            # later one) can only fail on its spent sequence, so it must not take over the id.
            if key not in batch and self._store.get(key) is None:
                batch[key] = encoded_height + index.to_bytes(4, "big")
        batch[_META_HEIGHT] = encoded_height
        batch[_META_APP_HASH] = self._pending_root
        self._store.write_batch(batch)

        self._height = height
        self._app_hash = self._pending_root
        self._pending = None
        if not self._earliest_height:
            self._earliest_height = height

    def save_genesis(self, genesis: bytes) -> None:
        """Persist the genesis document, once, together with any pending (genesis) state writes.

        Lets the chain commit its initial state at height 0: compute_app_hash(genesis_state) then
        save_genesis(genesis). Saving the identical document again with nothing pending is a no-op,
        so a restarting node may call it unconditionally.
        """
        if self._genesis_saved:
            if self._pending is None and self.genesis() == genesis:
                return
            raise CommitError("a different genesis is already saved, or state writes are pending")
        if self._height != 0:
            raise CommitError(f"cannot save genesis at height {self._height}")

        batch: dict[bytes, bytes | None] = {_META_GENESIS: genesis}
        if self._pending is not None:
            batch.update((_STATE_PREFIX + key, value) for key, value in self._pending.items())
            batch[_META_HEIGHT] = (0).to_bytes(8, "big")
            batch[_META_APP_HASH] = self._pending_root
        self._store.write_batch(batch)

        self._genesis_saved = True
        if self._pending is not None:
            self._app_hash = self._pending_root
            self._pending = None

    def genesis(self) -> bytes | None:
        """The saved genesis document, or None."""
        return self._store.get(_META_GENESIS)

    def block(self, height: int) -> bytes | None:
        """The committed block at `height`, or None."""
        if not 0 <= height <= _MAX_HEIGHT:
            return None
        return self._store.get(_block_key(height))

    def tx_location(self, tx_hash: bytes) -> tuple[int, int] | None:
        """(height, index in block) of a committed transaction, or None."""
        raw = self._store.get(_TX_PREFIX + tx_hash)
        if raw is None:
            return None
        if len(raw) != 12:
            raise StorageCorruptionError(f"tx index entry of {tx_hash.hex()} has {len(raw)} bytes, not 12")
        return int.from_bytes(raw[:8], "big"), int.from_bytes(raw[8:], "big")

    def prove(self, key: bytes) -> MerkleProof:
        """Merkle proof of a state key's committed value (or absence) against `app_hash`."""
        if self._pending is not None:
            raise CommitError("the tree holds uncommitted writes; prove after commit or discard_pending")
        return self._tree.prove(key)

    # --- pruning (node/pruning.py decides the retain height) ---

    @property
    def earliest_height(self) -> int:
        """The lowest height whose block is stored (0: none is). Blocks from it up to `height` are all stored."""
        return self._earliest_height

    @property
    def pruned_below(self) -> int:
        """Blocks below this height were deleted by `prune_blocks` (0: none was)."""
        return self._pruned_below

    def prune_blocks(
        self, retain_height: int, max_entries: int, tx_hashes_of: Callable[[bytes], Sequence[bytes]]
    ) -> PrunedBlocks:
        """Delete stored blocks below `retain_height` (never the committed height's), oldest first, with their tx
        index entries, in one atomic batch of whole blocks holding at most about `max_entries` keys (at least one
        block): a call's work is bounded, and a node far behind its retain height catches up over several calls.

        `tx_hashes_of(block bytes)` gives a block's tx hashes (the store keeps blocks opaque). An index entry is
        deleted only if it points into the deleted block: a transaction repeated in a later block keeps the later
        entry. Call on the thread that commits, between blocks; readers on other threads see a block either whole
        or gone."""
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        if self._pending is not None:
            raise CommitError("the tree holds uncommitted writes; prune after commit or discard_pending")
        stop = min(retain_height, self._height)
        height = self._earliest_height
        batch: dict[bytes, bytes | None] = {}
        blocks = 0
        while height and height < stop and len(batch) < max_entries:
            raw = self._store.get(_block_key(height))
            if raw is None:
                raise StorageCorruptionError(f"block {height} is missing although blocks from {height} are kept")
            batch[_block_key(height)] = None
            for hash_ in tx_hashes_of(raw):
                location = self.tx_location(hash_)
                if location is not None and location[0] == height:
                    batch[_TX_PREFIX + hash_] = None
            blocks += 1
            height += 1
        if not blocks:
            return PrunedBlocks(0, 0, self._pruned_below)
        batch[_META_PRUNED_BELOW] = height.to_bytes(8, "big")
        self._store.write_batch(batch)
        # Moved after the write: a reader that saw the old earliest height and then finds the block gone
        # answers "not found" for one request, never "pruned" for a block that is still there.
        self._earliest_height = height
        self._pruned_below = height
        return PrunedBlocks(blocks, len(batch) - blocks - 1, height)

    def _first_block_height(self) -> int:
        """The lowest stored block's height (0: none), by one ordered look-up."""
        blocks = self._store.iter_prefix(_BLOCK_PREFIX)
        try:
            first = next(blocks, None)
        finally:
            close = getattr(blocks, "close", None)
            if close is not None:
                close()  # a generator over LMDB holds its read transaction until closed
        return int.from_bytes(first[0][len(_BLOCK_PREFIX) :], "big") if first is not None else 0
