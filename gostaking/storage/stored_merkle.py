"""StoredMerkleTree: the state commitment of merkle.py, with its bucket listings in the KVStore instead of memory.

Same tree, same hashes as BucketMerkleTree (leaf, bucket, node and empty-subtree hashes are merkle.py's functions).
The in-memory tree holds every bucket's listing (key -> leaf hash): at 10^7 accounts that is several GB and
minutes of hashing at every start. This one holds in memory only
- the hash of every non-empty bucket and of every node above it (at depth 16 at most 2 × 65,536 hashes, ~10 MB),
- a bounded LRU cache of recently used bucket listings (at most `cache_entries` entries in all),
- between `update` and `commit_pending` / `discard_pending`, the batch's listing writes and the bucket hashes it
  replaced (and the new listings of the last buckets it changed, at most `cache_entries` entries, for the cache),
so its memory does not grow with the state. Its entries in the store (the schema is in chainstore.py):

    b"h" ‖ bucket u32 BE ‖ key  -> leaf hash     one per state entry: a bucket's listing is one ordered prefix scan
    b"B" ‖ bucket u32 BE        -> bucket hash   non-empty buckets only (absent: EMPTY_BUCKET)

The owner writes them: `update` computes the new root and keeps the changes pending, `pending_writes()` gives the
entries to write in the same atomic batch as the state they commit to, then `commit_pending()` (after the write)
or `discard_pending()`. A block writing k keys writes at most k listing entries and k bucket hashes.

A listing read from the store is hashed and compared with its bucket hash before it is used, so an edited or
damaged listing raises StorageCorruptionError instead of reaching a root or a proof, whatever the state's size.
Not thread-safe: one thread drives it (ChainStore's block cycle).
"""

from __future__ import annotations

import hashlib
import struct
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from .errors import CommitError, StorageCorruptionError
from .kv import MAX_KEY_SIZE, KVStore
from .merkle import DEFAULT_DEPTH, BucketMerkleTree, MerkleProof, TreeLevels, bucket_index, listing_hash

__all__ = [
    "BUCKET_HASH_PREFIX",
    "DEFAULT_CACHE_ENTRIES",
    "LISTING_PREFIX",
    "MAX_STATE_KEY_SIZE",
    "StoredMerkleTree",
    "tree_entries",
]

LISTING_PREFIX = b"h"
BUCKET_HASH_PREFIX = b"B"
_INDEX_BYTES = 4
MAX_STATE_KEY_SIZE = MAX_KEY_SIZE - len(LISTING_PREFIX) - _INDEX_BYTES
"""Longest key the tree can list: its listing entry is the store's longest key (longer than the state entry's)."""

DEFAULT_CACHE_ENTRIES = 1 << 19
"""Listing entries kept in memory, counted by entry rather than by bucket so that the cache's memory is bounded
whatever the state's size: ~165 B an entry in Python, so ~90 MB, plus as much again for the new listings of a block
in flight. A state of up to ~500,000 keys (~170,000 accounts) has every listing cached after its buckets were read
once, and a block reads none from the store. At 10^7 accounts (~150 entries a bucket) it holds ~3,500 buckets: those
of the keys every block writes (height, supply, reward indexes) stay in it, those of random accounts mostly do not
(BENCHMARKS.md, "State commitment")."""

_HASH_SIZE = 32
_EMPTY_LISTING: Mapping[bytes, bytes] = MappingProxyType({})
_read_u32 = struct.Struct(">I").unpack_from
_pack_index = struct.Struct(">I").pack
"""A bucket index as the 4 bytes (u32 BE) of its store keys."""


def tree_entries(tree: BucketMerkleTree) -> Iterator[tuple[bytes, bytes]]:
    """Every store entry (listings and bucket hashes) of a StoredMerkleTree holding what `tree` holds: what a store
    needs written, with the state itself, to open it as `tree` (state sync, migration of an older store)."""
    for index, listing in tree.bucket_listings():
        prefix = LISTING_PREFIX + _pack_index(index)
        for key, leaf in listing.items():
            yield prefix + key, leaf
    for index, hash_ in tree.bucket_hashes().items():
        yield BUCKET_HASH_PREFIX + _pack_index(index), hash_


class _PendingBatch:
    """What one `update` changed, until the owner commits or discards it."""

    __slots__ = ("entry_writes", "fresh_listings", "replaced_hashes", "size_before")

    def __init__(self, size_before: int) -> None:
        self.entry_writes: dict[bytes, bytes | None] = {}
        """Listing entries to write (None deletes)."""
        self.replaced_hashes: dict[int, bytes | None] = {}
        """The committed hash of every bucket the batch changed (None: it was empty)."""
        self.fresh_listings: OrderedDict[int, Mapping[bytes, bytes]] = OrderedDict()
        """The new listings of the last changed buckets, at most the cache's size: they enter the cache at commit."""
        self.size_before = size_before


class StoredMerkleTree(TreeLevels):
    """Bucketed Merkle tree whose bucket listings live in a KVStore and are read on demand through a bounded cache.

    Root, proofs and sizes are exactly a BucketMerkleTree's over the same entries; see the module docstring for
    what is kept where. `len()` and `root` include a pending batch, as BucketMerkleTree's do after `update`.
    """

    def __init__(
        self,
        store: KVStore,
        bucket_hashes: Mapping[int, bytes],
        size: int,
        depth: int = DEFAULT_DEPTH,
        cache_entries: int = DEFAULT_CACHE_ENTRIES,
    ) -> None:
        """The tree whose committed buckets have `bucket_hashes` (non-empty buckets only) and `size` entries in all;
        the listings must already be in `store` (see `load`, `from_tree`). The upper levels are hashed here.
        `cache_entries`: listing entries kept in memory (a listing larger than that is read each time it is used)."""
        if cache_entries < 1:
            raise ValueError(f"cache_entries must be at least 1, got {cache_entries}")
        super().__init__(depth)
        self._store = store
        self._nodes[depth].update(bucket_hashes)
        self._rehash_ancestors(set(bucket_hashes))
        self._size = size
        self._cache_entries = cache_entries
        self._cache: OrderedDict[int, Mapping[bytes, bytes]] = OrderedDict()
        self._cached_entries = 0
        self._pending: _PendingBatch | None = None

    @classmethod
    def load(
        cls, store: KVStore, size: int, depth: int = DEFAULT_DEPTH, cache_entries: int = DEFAULT_CACHE_ENTRIES
    ) -> StoredMerkleTree:
        """The tree over the bucket hashes stored in `store` (one ordered scan; no listing is read), of `size`
        entries. StorageCorruptionError if a stored bucket hash is malformed; whether the root is the expected one
        is the caller's check."""
        bucket_hashes: dict[int, bytes] = {}
        key_size = len(BUCKET_HASH_PREFIX) + _INDEX_BYTES
        for key, hash_ in store.iter_prefix(BUCKET_HASH_PREFIX):
            index = int.from_bytes(key[len(BUCKET_HASH_PREFIX) :], "big")
            if len(key) != key_size or index >> depth or len(hash_) != _HASH_SIZE:
                raise StorageCorruptionError(
                    f"malformed bucket hash entry {key.hex()} -> {len(hash_)} bytes (depth {depth})"
                )
            bucket_hashes[index] = hash_
        return cls(store, bucket_hashes, size, depth, cache_entries)

    @classmethod
    def from_tree(
        cls, store: KVStore, tree: BucketMerkleTree, cache_entries: int = DEFAULT_CACHE_ENTRIES
    ) -> StoredMerkleTree:
        """The stored twin of an in-memory tree whose `tree_entries` are in `store` (or in the batch about to be)."""
        return cls(store, tree.bucket_hashes(), len(tree), tree.depth, cache_entries)

    @property
    def has_pending(self) -> bool:
        """True between `update` and `commit_pending` / `discard_pending`."""
        return self._pending is not None

    @property
    def cache_entries(self) -> int:
        """At most this many listing entries are cached."""
        return self._cache_entries

    @property
    def cached_entries(self) -> int:
        """Listing entries held in the cache now (never more than `cache_entries`)."""
        return self._cached_entries

    @property
    def cached_buckets(self) -> int:
        """Bucket listings held in the cache now."""
        return len(self._cache)

    def __len__(self) -> int:
        return self._size

    def update(self, writes: Mapping[bytes, bytes | None]) -> bytes:
        """Apply a batch of writes (None deletes; deleting a missing key is a no-op), keep it pending, and return the
        new root. One batch at a time (CommitError while one is pending). Reads the listing of every bucket the
        batch touches; if one is corrupt (StorageCorruptionError) the tree is left as it was."""
        if self._pending is not None:
            raise CommitError("the tree already holds a pending batch; commit or discard it first")
        batch = _PendingBatch(self._size)
        size = self._size
        entry_writes = batch.entry_writes
        # The new listing of every bucket the batch touches (a copy of the committed one at first), and the buckets
        # whose listing it changes, each with whether it added keys (at the end: that listing is sorted again).
        listings: dict[int, dict[bytes, bytes]] = {}
        changed: dict[int, bool] = {}
        take_cached, bucket_hashes, pack_index = self._take_cached, self._nodes[self._depth].get, _pack_index
        # Inlined bucket index and leaf hashing (merkle.py's leaf_hash), the cache handled inline, names bound
        # locally: this loop runs for every key a block writes.
        sha256, read_u32, shift, leaf_tag = hashlib.sha256, _read_u32, self._shift, b"\x00"
        for key, value in writes.items():
            index = read_u32(sha256(key).digest())[0] >> shift
            listing = listings.get(index)
            if listing is None:
                # A cached committed listing leaves the cache (it goes stale with this batch; its successor enters
                # the cache at commit); one read from the store does not enter it, so it evicts nothing.
                committed = take_cached(index)
                if committed is None:
                    expected = bucket_hashes(index)  # nothing is pending: the committed hash
                    committed = _EMPTY_LISTING if expected is None else self._read_listing(index, expected)
                listing = listings[index] = dict(committed)
            if value is None:
                if key not in listing:
                    continue  # deleting a missing key
                del listing[key]
                size -= 1
                changed.setdefault(index, False)
                entry_writes[LISTING_PREFIX + pack_index(index) + key] = None
                continue
            leaf = sha256(leaf_tag + len(key).to_bytes(4, "big") + key + value).digest()
            previous = listing.get(key)
            if previous == leaf:
                continue  # the same value again
            if previous is None:
                size += 1
                changed[index] = True
            else:
                changed.setdefault(index, False)
            listing[key] = leaf
            entry_writes[LISTING_PREFIX + pack_index(index) + key] = leaf

        # Every listing is read: nothing below can fail, so a corrupt listing above left the tree as it was.
        bucket_nodes = self._nodes[self._depth]
        replaced = batch.replaced_hashes
        fresh, fresh_entries, budget = batch.fresh_listings, 0, self._cache_entries
        for index, listing in listings.items():
            added = changed.get(index)
            if added is None:
                if listing:
                    self._remember(index, listing)  # unchanged: the committed listing, in the same order
                continue
            if added:
                listing = dict(sorted(listing.items()))  # new keys went to the end; updates and deletes keep the order
            replaced[index] = bucket_nodes.get(index)
            if listing:
                bucket_nodes[index] = listing_hash(listing.items())
            else:
                bucket_nodes.pop(index)  # emptied: absent means empty
            fresh[index] = listing
            fresh_entries += len(listing)
            while fresh_entries > budget:
                fresh_entries -= len(fresh.popitem(last=False)[1])
        self._rehash_ancestors(set(changed))
        self._size = size
        self._pending = batch
        return self.root

    def pending_writes(self) -> dict[bytes, bytes | None]:
        """The store entries of the pending batch (None deletes), to write atomically with the state it commits to.
        Empty when nothing is pending or the batch changed nothing."""
        batch = self._pending
        if batch is None:
            return {}
        writes = dict(batch.entry_writes)
        bucket_nodes = self._nodes[self._depth]
        for index in batch.replaced_hashes:
            writes[BUCKET_HASH_PREFIX + _pack_index(index)] = bucket_nodes.get(index)
        return writes

    def commit_pending(self) -> None:
        """The pending batch was written to the store: it is the committed tree now."""
        batch = self._pending
        if batch is None:
            return
        for index, listing in batch.fresh_listings.items():
            self._remember(index, listing)
        self._pending = None

    def discard_pending(self) -> bytes:
        """Drop the pending batch (nothing of it reached the store) and return the committed root again."""
        batch = self._pending
        if batch is None:
            return self.root
        bucket_nodes = self._nodes[self._depth]
        for index, committed_hash in batch.replaced_hashes.items():
            if committed_hash is None:
                bucket_nodes.pop(index, None)
            else:
                bucket_nodes[index] = committed_hash
        self._rehash_ancestors(set(batch.replaced_hashes))
        self._size = batch.size_before
        self._pending = None
        return self.root

    def prove(self, key: bytes) -> MerkleProof:
        """Proof of the key's committed value, or of its absence, against `root`. CommitError while a batch is
        pending (its listings are not all kept)."""
        if self._pending is not None:
            raise CommitError("the tree holds a pending batch; prove after it is committed or discarded")
        index = bucket_index(key, self._depth)
        entries = tuple(self._committed_listing(index).items())
        return MerkleProof(bucket=index, entries=entries, siblings=self._siblings(index))

    def check_listing(self, index: int) -> None:
        """Read bucket `index`'s listing from the store, bypassing the cache, and compare it with its bucket hash
        (StorageCorruptionError if they differ). For audits and tests; blocks check what they read anyway."""
        self._read_listing(index, self._committed_hash(index))

    def _committed_hash(self, index: int) -> bytes | None:
        batch = self._pending
        if batch is not None and index in batch.replaced_hashes:
            return batch.replaced_hashes[index]
        return self._nodes[self._depth].get(index)

    def _committed_listing(self, index: int) -> Mapping[bytes, bytes]:
        """The committed listing of bucket `index`, in ascending key order (as every listing this tree holds): from
        the cache, or read from the store and checked. Never modify it (it may be the cache's)."""
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        expected = self._committed_hash(index)
        if expected is None:
            return _EMPTY_LISTING  # an empty bucket has no entries to read
        listing = self._read_listing(index, expected)
        self._remember(index, listing)
        return listing

    def _read_listing(self, index: int, expected: bytes | None) -> dict[bytes, bytes]:
        start = len(LISTING_PREFIX) + _INDEX_BYTES
        listing = {key[start:]: leaf for key, leaf in self._store.iter_prefix(LISTING_PREFIX + _pack_index(index))}
        # The store returns the listing in key order, the order its hash takes.
        found = listing_hash(listing.items()) if listing else None
        # Leaves of another size could frame two entries as one and still give the expected hash.
        if found != expected or not set(map(len, listing.values())) <= {_HASH_SIZE}:
            raise StorageCorruptionError(
                f"the stored listing of bucket {index} ({len(listing)} entries) does not hash to its bucket hash "
                f"{expected.hex() if expected else '(empty)'}: the store was modified outside ChainStore or is damaged"
            )
        return listing

    def _remember(self, index: int, listing: Mapping[bytes, bytes]) -> None:
        """Cache `listing` as bucket `index`'s, the most recently used; the least recently used listings go while
        the cache holds more than `cache_entries` entries (this one too, if it alone is larger)."""
        self._take_cached(index)
        cache = self._cache
        cache[index] = listing
        self._cached_entries += len(listing)
        while self._cached_entries > self._cache_entries:
            self._cached_entries -= len(cache.popitem(last=False)[1])

    def _take_cached(self, index: int) -> Mapping[bytes, bytes] | None:
        """Take bucket `index`'s listing out of the cache and return it (None: not cached)."""
        listing = self._cache.pop(index, None)
        if listing is not None:
            self._cached_entries -= len(listing)
        return listing
