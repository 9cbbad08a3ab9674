"""Bucketed Merkle tree: the state commitment (app hash) over raw byte keys and values.

Layout. There are 2**depth buckets; a key lives in the bucket given by the first `depth` bits of
sha256(key). Above the buckets sits a complete binary tree of height `depth`, so the root is at level 0
and the buckets are the nodes of level `depth`. All hashes are sha256 with a one-byte domain tag:

    leaf(key, value)  = H(0x00 ‖ len(key) as u32 BE ‖ key ‖ value)
    bucket(entries)   = H(0x01 ‖ for each entry in key order: len(key) as u32 BE ‖ key ‖ leaf)
    empty bucket      = H(0x01)                                          (EMPTY_BUCKET)
    node(left, right) = H(0x02 ‖ left ‖ right)

The bucket hash commits to the keys themselves, not only to their leaf hashes: a proof lists the
bucket's (key, leaf hash) pairs, and a verifier cannot recover the key from a leaf hash without the
value, so without the keys in the preimage a prover could relabel the target's leaf under another key
and "prove" a present key absent.

Why buckets: with ~15 keys per bucket at 10^6 keys and depth 16, a batch touching k keys rehashes at
most k buckets plus their ancestors, and an inclusion or absence proof is one bucket listing plus
`depth` siblings. Only non-empty nodes are stored; a missing node equals the precomputed hash of an
empty subtree at its level, so an empty tree costs O(depth) and untouched subtrees are never rehashed.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Collection, Iterable, Iterator, Mapping
from types import MappingProxyType

import msgspec

__all__ = [
    "DEFAULT_DEPTH",
    "EMPTY_BUCKET",
    "MAX_DEPTH",
    "BucketMerkleTree",
    "MerkleProof",
    "TreeLevels",
    "bucket_hash",
    "bucket_index",
    "empty_subtree_hashes",
    "leaf_hash",
    "listing_hash",
    "verify_proof",
]

_sha256 = hashlib.sha256

_LEAF_TAG = b"\x00"
_BUCKET_TAG = b"\x01"
_NODE_TAG = b"\x02"
_HASH_SIZE = 32

DEFAULT_DEPTH = 16
# The bucket index is read from the first 4 bytes of sha256(key); 2**32 buckets is far beyond any use.
MAX_DEPTH = 32

EMPTY_BUCKET = _sha256(_BUCKET_TAG).digest()

_read_u32 = struct.Struct(">I").unpack_from
"""The first 4 bytes of a buffer as a big-endian integer (a 1-tuple): a digest's bucket bits."""
_FRAMED_LENGTHS = 1024
_KEY_LENGTHS = tuple(length.to_bytes(4, "big") for length in range(_FRAMED_LENGTHS))
"""Length prefixes of keys up to 1023 bytes (the KV store takes at most 511), built once instead of per hash."""


class MerkleProof(msgspec.Struct, frozen=True):
    """Proof that a key maps to a value (or is absent) under a root.

    `entries` is the full content of the key's bucket as (key, leaf hash) pairs sorted by key;
    `siblings` are the sibling hashes from the bucket level up to just below the root.
    """

    bucket: int
    entries: tuple[tuple[bytes, bytes], ...]
    siblings: tuple[bytes, ...]


def leaf_hash(key: bytes, value: bytes) -> bytes:
    """Hash of one (key, value) entry; the key is length-prefixed so key/value boundaries are unambiguous."""
    return _sha256(_LEAF_TAG + _framed(key) + value).digest()


def bucket_index(key: bytes, depth: int) -> int:
    """Bucket of `key` in a tree of the given depth: the first `depth` bits of sha256(key)."""
    return int(_read_u32(_sha256(key).digest())[0]) >> (32 - depth)


def _framed(key: bytes) -> bytes:
    """The key preceded by its length as u32 BE, as leaf and bucket hashes take it."""
    length = len(key)
    return (_KEY_LENGTHS[length] if length < _FRAMED_LENGTHS else length.to_bytes(4, "big")) + key


def bucket_hash(bucket: Mapping[bytes, bytes]) -> bytes:
    """Hash of a non-empty bucket given as key -> leaf hash (any order; entries are hashed in key order)."""
    parts = [_BUCKET_TAG]
    lengths = _KEY_LENGTHS
    # Inlined _framed, and keys sorted rather than items (half the time at 300 entries): runs per changed bucket.
    for key in sorted(bucket):
        length = len(key)
        parts += (lengths[length] if length < _FRAMED_LENGTHS else length.to_bytes(4, "big"), key, bucket[key])
    return _sha256(b"".join(parts)).digest()


def listing_hash(entries: Collection[tuple[bytes, bytes]]) -> bytes:
    """Hash of a non-empty bucket given as its (key, leaf hash) pairs in ascending key order (a stored listing)."""
    lengths = _KEY_LENGTHS
    if len(entries) == 1:
        # Most buckets of a state far below 2**depth keys hold one entry: hashed without the loop and the join.
        ((key, leaf),) = entries
        length = len(key)
        framed_length = lengths[length] if length < _FRAMED_LENGTHS else length.to_bytes(4, "big")
        return _sha256(_BUCKET_TAG + framed_length + key + leaf).digest()
    parts = [_BUCKET_TAG]
    # Inlined _framed: this loop runs for every entry of every bucket a block changes.
    for key, leaf in entries:
        length = len(key)
        parts += (lengths[length] if length < _FRAMED_LENGTHS else length.to_bytes(4, "big"), key, leaf)
    return _sha256(b"".join(parts)).digest()


def empty_subtree_hashes(depth: int) -> tuple[bytes, ...]:
    """Hash of an entirely empty subtree rooted at each level 0..depth (level `depth` is a bucket)."""
    hashes = [EMPTY_BUCKET]
    for _ in range(depth):
        below = hashes[-1]
        hashes.append(_sha256(_NODE_TAG + below + below).digest())
    hashes.reverse()
    return tuple(hashes)


def _check_depth(depth: int) -> None:
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be in 1..{MAX_DEPTH}, got {depth}")


class TreeLevels:
    """The node hashes of a bucketed tree, level by level: what the in-memory tree and the stored one
    (stored_merkle.py) share. Each keeps its bucket listings its own way and sets the bucket level's hashes."""

    def __init__(self, depth: int) -> None:
        """No node yet: every subtree empty."""
        _check_depth(depth)
        self._depth = depth
        self._shift = 32 - depth
        self._empty = empty_subtree_hashes(depth)
        # _nodes[level][index] for levels 0 (root) .. depth (buckets); absent means "empty subtree".
        self._nodes: list[dict[int, bytes]] = [{} for _ in range(depth + 1)]

    @property
    def depth(self) -> int:
        """Number of levels between the root and the buckets."""
        return self._depth

    @property
    def root(self) -> bytes:
        """Current root hash."""
        return self._nodes[0].get(0, self._empty[0])

    def bucket_hashes(self) -> Mapping[int, bytes]:
        """Read-only view of the hash of every non-empty bucket, by bucket index (what a stored tree persists)."""
        return MappingProxyType(self._nodes[self._depth])

    def _rehash_ancestors(self, dirty_buckets: set[int]) -> None:
        """Recompute the ancestors of the given buckets level by level, each node exactly once."""
        dirty = dirty_buckets
        sha256, node_tag = _sha256, _NODE_TAG
        for level in range(self._depth - 1, -1, -1):
            child = self._nodes[level + 1].get
            empty_child = self._empty[level + 1]
            nodes = self._nodes[level]
            dirty = {index >> 1 for index in dirty}
            for index in dirty:
                left = child(index << 1)
                right = child(index << 1 | 1)
                if left is None:
                    if right is None:
                        # Both halves empty: the node is an empty subtree, which is represented by absence.
                        nodes.pop(index, None)
                        continue
                    left = empty_child
                elif right is None:
                    right = empty_child
                nodes[index] = sha256(node_tag + left + right).digest()

    def _siblings(self, bucket: int) -> tuple[bytes, ...]:
        """The sibling hashes of `bucket`'s path from the bucket level up to just below the root (a proof's)."""
        siblings: list[bytes] = []
        position = bucket
        for level in range(self._depth, 0, -1):
            siblings.append(self._nodes[level].get(position ^ 1, self._empty[level]))
            position >>= 1
        return tuple(siblings)


class BucketMerkleTree(TreeLevels):
    """In-memory bucketed Merkle tree with batched incremental updates and inclusion/absence proofs.

    Memory holds, per non-empty bucket, a dict key -> leaf hash (values themselves are not kept), and
    the hash of every non-empty node per level. Not thread-safe.
    """

    def __init__(self, depth: int = DEFAULT_DEPTH) -> None:
        """Create an empty tree with 2**depth buckets."""
        super().__init__(depth)
        self._buckets: dict[int, dict[bytes, bytes]] = {}
        self._size = 0

    @classmethod
    def build(cls, items: Iterable[tuple[bytes, bytes]], depth: int = DEFAULT_DEPTH) -> BucketMerkleTree:
        """Bulk-load a tree from (key, value) pairs; a repeated key keeps its last value."""
        tree = cls(depth)
        buckets = tree._buckets
        shift = tree._shift
        sha256, read_u32 = _sha256, _read_u32
        # Inlined leaf/bucket-index hashing: this loop runs once per key, 10^6 times at start-up.
        for key, value in items:
            index = read_u32(sha256(key).digest())[0] >> shift
            bucket = buckets.get(index)
            if bucket is None:
                bucket = buckets[index] = {}
            bucket[key] = sha256(_LEAF_TAG + _framed(key) + value).digest()
        tree._size = sum(len(bucket) for bucket in buckets.values())
        tree._rehash_buckets(buckets)
        tree._rehash_ancestors(set(buckets))
        return tree

    def __len__(self) -> int:
        return self._size

    def update(self, writes: Mapping[bytes, bytes | None]) -> bytes:
        """Apply a batch of writes (None deletes; deleting a missing key is a no-op) and return the new root.

        Each internal node is rehashed once whatever the batch order, and each dirty bucket once, right after its
        first write while its entries are still in the CPU's cache; a bucket written again later in the batch is
        hashed once more at the end.
        """
        buckets = self._buckets
        bucket_nodes = self._nodes[self._depth]
        shift = self._shift
        dirty: set[int] = set()
        written_again: set[int] = set()
        size = self._size
        # Inlined bucket index, leaf and bucket hashes, names bound locally: this loop runs for every key a block
        # writes.
        sha256, read_u32, lengths = _sha256, _read_u32, _KEY_LENGTHS
        for key, value in writes.items():
            index = read_u32(sha256(key).digest())[0] >> shift
            bucket = buckets.get(index)
            if value is None:
                if bucket is None or key not in bucket:
                    continue
                del bucket[key]
                size -= 1
                if index in dirty:
                    written_again.add(index)
                elif bucket:
                    dirty.add(index)
                    bucket_nodes[index] = bucket_hash(bucket)
                else:
                    dirty.add(index)
                if not bucket:
                    del buckets[index]
                    bucket_nodes.pop(index, None)
                continue
            length = len(key)
            framed = (lengths[length] if length < _FRAMED_LENGTHS else length.to_bytes(4, "big")) + key
            leaf = sha256(_LEAF_TAG + framed + value).digest()
            if bucket is None:
                bucket = buckets[index] = {key: leaf}
                size += 1
            else:
                previous = bucket.get(key)
                if previous == leaf:
                    continue
                if previous is None:
                    size += 1
                bucket[key] = leaf
            if index in dirty:
                written_again.add(index)
                continue
            dirty.add(index)
            if len(bucket) == 1:
                # Most buckets of a state far below 2**depth keys hold one entry: hashed without the sort.
                bucket_nodes[index] = sha256(_BUCKET_TAG + framed + leaf).digest()
            else:
                bucket_nodes[index] = bucket_hash(bucket)
        self._size = size
        self._rehash_buckets(written_again)
        self._rehash_ancestors(dirty)
        return self.root

    def _rehash_buckets(self, indexes: Iterable[int]) -> None:
        """Recompute the hashes of the given buckets (an emptied bucket's node is removed: absent means empty)."""
        buckets = self._buckets
        bucket_nodes = self._nodes[self._depth]
        for index in indexes:
            bucket = buckets.get(index)
            if bucket:
                bucket_nodes[index] = bucket_hash(bucket)
            else:
                bucket_nodes.pop(index, None)

    def bucket_listings(self) -> Iterator[tuple[int, Mapping[bytes, bytes]]]:
        """(bucket index, key -> leaf hash) of every non-empty bucket, in no particular order. Read-only."""
        for index, bucket in self._buckets.items():
            yield index, MappingProxyType(bucket)

    def prove(self, key: bytes) -> MerkleProof:
        """Proof of the key's current value, or of its absence, against `root`."""
        index = bucket_index(key, self._depth)
        bucket = self._buckets.get(index, {})
        entries = tuple((entry_key, bucket[entry_key]) for entry_key in sorted(bucket))
        return MerkleProof(bucket=index, entries=entries, siblings=self._siblings(index))


def verify_proof(root: bytes, key: bytes, value: bytes | None, proof: MerkleProof) -> bool:
    """True iff `proof` shows that `key` maps to `value` under `root` (value None: `key` is absent).

    Never raises on malformed proofs (they come from untrusted peers); it returns False instead.
    """
    depth = len(proof.siblings)
    if not 1 <= depth <= MAX_DEPTH or bucket_index(key, depth) != proof.bucket:
        return False

    parts = [_BUCKET_TAG]
    previous_key: bytes | None = None
    found_leaf: bytes | None = None
    for entry_key, entry_leaf in proof.entries:
        # Strictly increasing keys: the honest encoding, and it rules out duplicate keys in one listing.
        # Fixed-size leaves keep the bucket preimage parseable in exactly one way.
        if (previous_key is not None and entry_key <= previous_key) or len(entry_leaf) != _HASH_SIZE:
            return False
        if entry_key == key:
            found_leaf = entry_leaf
        parts.append(len(entry_key).to_bytes(4, "big"))
        parts.append(entry_key)
        parts.append(entry_leaf)
        previous_key = entry_key
    # Entries of other keys are not checked to belong to this bucket: the bucket hash commits to the
    # exact listing, so a listing that differs from the real bucket cannot reach the root anyway.

    if value is None:
        if found_leaf is not None:
            return False
    elif found_leaf is None or found_leaf != leaf_hash(key, value):
        return False

    node = _sha256(b"".join(parts)).digest()
    position = proof.bucket
    for sibling in proof.siblings:
        if len(sibling) != _HASH_SIZE:
            return False
        if position & 1:
            node = _sha256(_NODE_TAG + sibling + node).digest()
        else:
            node = _sha256(_NODE_TAG + node + sibling).digest()
        position >>= 1
    return node == root
