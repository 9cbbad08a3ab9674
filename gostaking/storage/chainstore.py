"""ChainStore: the node's persistent view of the chain, written with one atomic batch per block.

Key schema of the underlying KVStore (the first byte separates the namespaces):

    b"s" ‖ state_key                  -> state value (opaque bytes from the chain)
    b"h" ‖ bucket u32 BE ‖ state_key  -> leaf hash of the entry: its bucket's listing (StoredMerkleTree)
    b"B" ‖ bucket u32 BE              -> hash of a non-empty bucket of the state tree (absent: empty)
    b"b" ‖ height as u64 BE           -> block (opaque bytes from the caller)
    b"t" ‖ tx_hash                    -> height as u64 BE ‖ index in block as u32 BE
    b"m/height"                       -> height of the last committed block, u64 BE (absent: 0)
    b"m/app_hash"                     -> 32-byte Merkle root of the state at that height (merkle.py's tree)
    b"m/state_size"                   -> number of state entries, u64 BE (absent: a store from before the
                                         h/B entries, migrated by `open`, or a fresh one)
    b"m/genesis"                      -> genesis document (opaque bytes), written once
    b"m/history_start"                -> opaque bytes the node wrote when it restored a state-sync snapshot
                                         (absent: the store holds every block from 1)
    b"m/pruned_below"                 -> u64 BE: every block below it (and its tx index) was deleted by
                                         `prune_blocks` (absent: nothing pruned)

(`b"p"` belongs to the devnet's PendingTxJournal, pending.py.)

Block heights are big-endian so blocks iterate in height order. The state, its tree entries, the block, its
tx index and the meta entries of one height are written in a single KVStore batch: after a crash the store
holds either everything of a height or nothing of it, and `open` re-verifies the state against the app hash.

The Merkle tree's bucket listings stay in the store (stored_merkle.py), so neither memory nor start-up grows
with the state. `open` reads the 2^16 bucket hashes, rebuilds the levels above them and checks the root against
the app hash. Up to FULL_CHECK_MAX_ENTRIES state entries it also rebuilds the whole tree from the values and
compares it with the stored bucket hashes (a value edited outside ChainStore is caught at start); above that a
start checks the bucket hashes only, and each listing is checked against its bucket hash when a block or a
proof first reads it. A state value edited behind the store's back in a large store is not detected.

Block cycle, driven by the node:

    root = chain_store.compute_app_hash(state_writes)   # after executing the block
    chain_store.commit(height, block_bytes, tx_hashes)  # persists, or discard_pending() to abandon
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from .errors import CommitError, StorageCorruptionError, StorageError
from .kv import MAX_KEY_SIZE, KVStore
from .merkle import BucketMerkleTree, MerkleProof
from .state_view import CommittedView, PendingWrites, StateView, close_entries
from .stored_merkle import DEFAULT_CACHE_ENTRIES, MAX_STATE_KEY_SIZE, StoredMerkleTree, tree_entries

__all__ = [
    "FULL_CHECK_MAX_ENTRIES",
    "ChainStore",
    "CommitError",
    "PrunedBlocks",
    "StateExport",
    "StateView",
    "StorageCorruptionError",
    "StorageError",
]

_STATE_PREFIX = b"s"
_BLOCK_PREFIX = b"b"
_TX_PREFIX = b"t"
_META_HEIGHT = b"m/height"
_META_APP_HASH = b"m/app_hash"
_META_GENESIS = b"m/genesis"
_META_HISTORY_START = b"m/history_start"
_META_PRUNED_BELOW = b"m/pruned_below"
_META_STATE_SIZE = b"m/state_size"

_MAX_HEIGHT = 2**64 - 1
_MAX_TX_INDEX = 2**32 - 1

FULL_CHECK_MAX_ENTRIES = 1_000_000
"""Up to this many state entries `open` rebuilds the tree from the values (2–5 s at 10^6, BENCHMARKS.md); above, it
checks the stored bucket hashes against the app hash only, so a node starts in well under a second at any size."""


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
    """Committed chain data plus the Merkle tree of the committed state (its listings in the store, see
    stored_merkle.py).

    Between blocks the tree reflects exactly the committed state. `compute_app_hash` applies a block's
    writes to the tree ahead of the disk; `commit` persists them, `discard_pending` rolls the tree back.
    Not thread-safe: `prove` and the block cycle must run on one thread (reads that go straight to the
    KVStore — get_state, block, tx_location, genesis — are safe from other threads with LmdbStore).
    """

    def __init__(self, store: KVStore, tree: StoredMerkleTree, height: int, genesis_saved: bool) -> None:
        """Internal: use `ChainStore.open`, which verifies the persisted state first."""
        self._store = store
        self._tree = tree
        self._height = height
        self._app_hash = tree.root
        self._genesis_saved = genesis_saved
        self._pending: PendingWrites | None = None
        self._pending_root = b""
        self._pruned_below = _decode_height(store.get(_META_PRUNED_BELOW), "meta pruned_below")
        self._earliest_height = self._first_block_height()

    @classmethod
    def open(
        cls,
        store: KVStore,
        cache_entries: int = DEFAULT_CACHE_ENTRIES,
        full_check_max_entries: int = FULL_CHECK_MAX_ENTRIES,
    ) -> ChainStore:
        """Open the committed state's Merkle tree and verify it against the stored app hash (see the module
        docstring for how much is checked at which size). A store written before the tree's entries existed is
        checked in full and then given them, in one atomic batch. `cache_entries`: listing entries kept in memory.

        Raises StorageCorruptionError if the meta entries are malformed, the state or the stored tree does not
        hash to the committed app hash, or the block of the committed height is missing.
        """
        height = _decode_height(store.get(_META_HEIGHT), "meta height")
        stored_app_hash = store.get(_META_APP_HASH)
        raw_size = store.get(_META_STATE_SIZE)
        if raw_size is None:
            tree = _open_unlisted(store, height, stored_app_hash, cache_entries)
        elif stored_app_hash is None:
            raise StorageCorruptionError("a state size is stored but no app hash was ever committed")
        else:
            size = _decode_height(raw_size, "meta state_size")
            tree = StoredMerkleTree.load(store, size, cache_entries=cache_entries)
            if size <= full_check_max_entries:
                _check_against_values(store, tree, stored_app_hash, height)
            elif tree.root != stored_app_hash:
                raise StorageCorruptionError(
                    f"the stored bucket hashes give root {tree.root.hex()}, but the app hash committed at height "
                    f"{height} is {stored_app_hash.hex()}: the store was modified outside ChainStore or is damaged"
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
    def tree(self) -> StoredMerkleTree:
        """The state Merkle tree (`root` and `len()` include pending writes). Read-only by convention: writing to
        it bypasses persistence."""
        return self._tree

    @property
    def has_pending(self) -> bool:
        """True between `compute_app_hash` and `commit` / `discard_pending`."""
        return self._pending is not None

    def state_items(self, prefix: bytes = b"") -> Iterator[tuple[bytes, bytes]]:
        """Committed state entries (state_key, value) whose key starts with `prefix`, in ascending key order."""
        prefix_length = len(_STATE_PREFIX)
        for key, value in self._store.iter_prefix(_STATE_PREFIX + prefix):
            yield key[prefix_length:], value

    def state_reader(self) -> StateView:
        """A view of the committed state with the writes of `compute_app_hash` laid over it until they are
        committed or discarded: what the chain's tables read through between blocks and while one is computed."""
        return StateView(self._store, _STATE_PREFIX, lambda: self._pending)

    def committed_view(self) -> CommittedView:
        """A view of the state as committed now (no pending writes), which later commits do not change: for reading
        the committed state on other threads while the next block is computed (node/committed.py)."""
        return CommittedView(self._store.snapshot(), _STATE_PREFIX, self._height)

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
        `tree`, already checked against the trusted app hash by the caller) with the tree's listings, the block of
        `height`, its tx index, the genesis document and `history_start`, in one atomic batch: a crash leaves the
        store empty again.

        Blocks below `height` are never stored: this node's history starts there."""
        if self._height != 0 or self._pending is not None or len(self._tree) or self._store.get(_META_APP_HASH):
            raise CommitError(f"cannot restore a snapshot into a store that is at height {self._height}")
        if not 0 < height <= _MAX_HEIGHT or len(tx_hashes) > _MAX_TX_INDEX + 1:
            raise ValueError(f"height {height} or tx count {len(tx_hashes)} out of range")
        if len(tree) != len(items):
            raise ValueError(f"the tree holds {len(tree)} entries but {len(items)} items are given")
        for key, _ in items:
            _check_state_key(key)
        rest: dict[bytes, bytes | None] = {_block_key(height): block}
        encoded_height = height.to_bytes(8, "big")
        for index, tx_hash in enumerate(tx_hashes):
            rest.setdefault(_TX_PREFIX + tx_hash, encoded_height + index.to_bytes(4, "big"))
        rest[_META_HEIGHT] = encoded_height
        rest[_META_APP_HASH] = tree.root
        rest[_META_STATE_SIZE] = len(tree).to_bytes(8, "big")
        rest[_META_HISTORY_START] = history_start
        if genesis is not None:
            rest[_META_GENESIS] = genesis

        def entries() -> Iterator[tuple[bytes, bytes | None]]:
            yield from ((_STATE_PREFIX + key, value) for key, value in items)
            yield from tree_entries(tree)
            yield from rest.items()

        self._store.write_entries(entries())
        self._tree = StoredMerkleTree.from_tree(self._store, tree, self._tree.cache_entries)
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
        # into the tree, where the node could not take it back out without discard_pending. (The longest key is
        # found in C; the loop that names the first key too long runs only when there is one.)
        if max(map(len, state_writes), default=0) > MAX_STATE_KEY_SIZE:
            for key in state_writes:
                _check_state_key(key)
        # Copied so later mutation of the caller's mapping cannot change what gets committed.
        pending = PendingWrites(state_writes)
        self._pending_root = self._tree.update(pending)
        self._pending = pending
        return self._pending_root

    def discard_pending(self) -> None:
        """Undo the tree changes of the last `compute_app_hash` (e.g. the block was not committed)."""
        if self._pending is None:
            return
        root = self._tree.discard_pending()
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

        batch = self._pending_state_batch(self._pending)
        batch[_block_key(height)] = block
        encoded_height = height.to_bytes(8, "big")
        for index, tx_hash in enumerate(tx_hashes):
            key = _TX_PREFIX + tx_hash
            # The first inclusion is the one that executed; a repeat of the same bytes (in this block or a
            # later one) can only fail on its spent sequence, so it must not take over the id.
            if key not in batch and self._store.get(key) is None:
                batch[key] = encoded_height + index.to_bytes(4, "big")
        batch[_META_HEIGHT] = encoded_height
        self._store.write_batch(batch)

        self._height = height
        self._app_hash = self._pending_root
        self._tree.commit_pending()
        self._pending = None
        if not self._earliest_height:
            self._earliest_height = height

    def release_mapped_pages(self, budget: int) -> bool:
        """Take the store's mapped pages out of this process's resident memory if the process's mapped files hold
        more than `budget` bytes of it (LmdbStore.release_mapped_pages); True if it did. Safe from any thread."""
        return self._store.release_mapped_pages(budget)

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
            batch.update(self._pending_state_batch(self._pending))
            batch[_META_HEIGHT] = (0).to_bytes(8, "big")
        self._store.write_batch(batch)

        self._genesis_saved = True
        if self._pending is not None:
            self._app_hash = self._pending_root
            self._tree.commit_pending()
            self._pending = None

    def _pending_state_batch(self, pending: Mapping[bytes, bytes | None]) -> dict[bytes, bytes | None]:
        """The store writes of the pending state: its entries, the tree's, the state size and the app hash."""
        batch: dict[bytes, bytes | None] = {_STATE_PREFIX + key: value for key, value in pending.items()}
        batch.update(self._tree.pending_writes())
        batch[_META_STATE_SIZE] = len(self._tree).to_bytes(8, "big")
        batch[_META_APP_HASH] = self._pending_root
        return batch

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
            close_entries(blocks)
        return int.from_bytes(first[0][len(_BLOCK_PREFIX) :], "big") if first is not None else 0


def _check_state_key(key: bytes) -> None:
    if len(key) > MAX_STATE_KEY_SIZE:
        raise ValueError(f"state key of {len(key)} bytes exceeds the {MAX_STATE_KEY_SIZE}-byte limit")


def _open_unlisted(store: KVStore, height: int, stored_app_hash: bytes | None, cache_entries: int) -> StoredMerkleTree:
    """The tree of a store without a state size: a fresh store, or one written before the tree's entries were
    stored. Its state is checked against the app hash in full, then given its tree entries in one atomic batch."""
    built = _tree_of_values(store, stored_app_hash, height)
    if stored_app_hash is not None:
        batch: dict[bytes, bytes | None] = {}
        for key, leaf in tree_entries(built):
            if len(key) > MAX_KEY_SIZE:
                raise StorageError(
                    f"a state key is longer than the {MAX_STATE_KEY_SIZE} bytes the tree can list: {key!r}"
                )
            batch[key] = leaf
        batch[_META_STATE_SIZE] = len(built).to_bytes(8, "big")
        store.write_batch(batch)
    return StoredMerkleTree.from_tree(store, built, cache_entries)


def _check_against_values(store: KVStore, tree: StoredMerkleTree, stored_app_hash: bytes, height: int) -> None:
    """The strong check: the tree rebuilt from the state values must give the app hash and the stored bucket hashes
    and state size (so a value, a bucket hash or the size edited outside ChainStore is caught)."""
    built = _tree_of_values(store, stored_app_hash, height)
    if len(built) != len(tree) or tree.bucket_hashes() != built.bucket_hashes():
        raise StorageCorruptionError(
            f"the stored bucket hashes or state size ({len(tree)}) differ from those of the {len(built)} stored state "
            "entries, which do give the app hash: the store was modified outside ChainStore or is damaged"
        )


def _tree_of_values(store: KVStore, stored_app_hash: bytes | None, height: int) -> BucketMerkleTree:
    """The tree rebuilt from the stored state values, which must hash to the committed app hash (None: none was ever
    committed, so there must be no state either); StorageCorruptionError otherwise."""
    prefix_length = len(_STATE_PREFIX)
    built = BucketMerkleTree.build((key[prefix_length:], value) for key, value in store.iter_prefix(_STATE_PREFIX))
    if stored_app_hash is None:
        if height != 0:
            raise StorageCorruptionError(f"committed height is {height} but no app hash is stored")
        if len(built):
            raise StorageCorruptionError(f"{len(built)} state entries are stored but no app hash was ever committed")
    elif built.root != stored_app_hash:
        raise StorageCorruptionError(
            f"the {len(built)} stored state entries hash to {built.root.hex()}, but the app hash "
            f"committed at height {height} is {stored_app_hash.hex()}: the state was modified "
            "outside ChainStore or the database is damaged"
        )
    return built
