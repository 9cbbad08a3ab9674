"""StoredMerkleTree: the in-memory tree's roots and proofs with its listings in a KVStore behind a bounded cache."""

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gostaking.storage.errors import CommitError, StorageCorruptionError
from gostaking.storage.kv import KVStore, LmdbStore, MemoryStore
from gostaking.storage.merkle import BucketMerkleTree, bucket_index, leaf_hash, verify_proof
from gostaking.storage.stored_merkle import (
    BUCKET_HASH_PREFIX,
    LISTING_PREFIX,
    StoredMerkleTree,
    tree_entries,
)

keys = st.binary(min_size=0, max_size=3)
values = st.binary(max_size=6)
batches = st.lists(st.dictionaries(keys, st.none() | values, max_size=12), max_size=6)


def _commit(tree: StoredMerkleTree, store: KVStore, writes: dict[bytes, bytes | None]) -> bytes:
    """One block through the tree as ChainStore drives it: update, write its entries, commit."""
    root = tree.update(writes)
    store.write_batch(tree.pending_writes())
    tree.commit_pending()
    return root


def _apply(reference: dict[bytes, bytes], writes: dict[bytes, bytes | None]) -> None:
    for key, value in writes.items():
        if value is None:
            reference.pop(key, None)
        else:
            reference[key] = value


def _listing_key(key: bytes, depth: int) -> bytes:
    return LISTING_PREFIX + bucket_index(key, depth).to_bytes(4, "big") + key


@settings(max_examples=150, deadline=None)
@given(depth=st.sampled_from([1, 3, 16]), cache_entries=st.sampled_from([1, 2, 64]), batches=batches)
def test_roots_match_the_in_memory_tree_across_reopens(
    depth: int, cache_entries: int, batches: list[dict[bytes, bytes | None]]
) -> None:
    store = MemoryStore()
    tree = StoredMerkleTree.load(store, 0, depth, cache_entries)
    reference: dict[bytes, bytes] = {}
    for number, writes in enumerate(batches):
        root = _commit(tree, store, writes)
        _apply(reference, writes)
        assert root == tree.root == BucketMerkleTree.build(reference.items(), depth).root
        assert len(tree) == len(reference)
        assert tree.cached_entries <= cache_entries
        if number % 2:
            tree = StoredMerkleTree.load(store, len(tree), depth, cache_entries)
            assert tree.root == root
    # The store holds exactly the in-memory tree's entries: emptied buckets leave no listing or bucket hash behind.
    stored = dict(store.iter_prefix(LISTING_PREFIX)) | dict(store.iter_prefix(BUCKET_HASH_PREFIX))
    assert stored == dict(tree_entries(BucketMerkleTree.build(reference.items(), depth)))


def test_a_small_cache_over_many_buckets_gives_the_same_roots() -> None:
    store = MemoryStore()
    tree = StoredMerkleTree.load(store, 0, depth=8, cache_entries=3)
    reference: dict[bytes, bytes] = {}
    for block in range(12):
        writes: dict[bytes, bytes | None] = {b"acct-%d" % i: b"%d-%d" % (i, block) for i in range(block, 600, 7)}
        writes.update({b"acct-%d" % i: None for i in range(block, 600, 29)})
        _apply(reference, writes)
        assert _commit(tree, store, writes) == BucketMerkleTree.build(reference.items(), 8).root
        assert tree.cached_entries <= 3


def test_discard_pending_restores_the_committed_tree() -> None:
    store = MemoryStore()
    tree = StoredMerkleTree.load(store, 0, depth=4)
    committed = _commit(tree, store, {b"a": b"1", b"b": b"2", b"c": b"3"})
    pending = tree.update({b"a": None, b"b": b"20", b"d": b"4"})
    assert pending != committed and len(tree) == 3
    before = dict(store.iter_prefix(b""))
    assert tree.discard_pending() == committed == tree.root
    assert len(tree) == 3 and not tree.has_pending
    assert dict(store.iter_prefix(b"")) == before
    assert tree.pending_writes() == {}
    assert (
        _commit(tree, store, {b"d": b"4"})
        == BucketMerkleTree.build([(b"a", b"1"), (b"b", b"2"), (b"c", b"3"), (b"d", b"4")], 4).root
    )


def test_one_batch_at_a_time() -> None:
    tree = StoredMerkleTree.load(MemoryStore(), 0)
    tree.update({b"k": b"v"})
    with pytest.raises(CommitError, match="pending"):
        tree.update({b"k": b"w"})
    with pytest.raises(CommitError, match="pending"):
        tree.prove(b"k")


@pytest.fixture
def lmdb_store(tmp_path: Path) -> Iterator[LmdbStore]:
    store = LmdbStore(tmp_path / "tree", map_size=2**24)
    yield store
    store.close()


def test_proofs_from_the_stored_listings_verify(lmdb_store: LmdbStore) -> None:
    items = {b"key-%d" % i: b"value-%d" % i for i in range(300)}
    tree = StoredMerkleTree.load(lmdb_store, 0, depth=5, cache_entries=2)
    root = _commit(tree, lmdb_store, dict(items))
    in_memory = BucketMerkleTree.build(items.items(), 5)
    reopened = StoredMerkleTree.load(lmdb_store, len(tree), depth=5, cache_entries=2)
    for key in [*items, b"absent", b"key-300"]:
        proof = reopened.prove(key)
        assert proof == in_memory.prove(key)
        assert verify_proof(root, key, items.get(key), proof)
        assert not verify_proof(root, key, b"other", proof)


def test_from_tree_twins_an_in_memory_tree() -> None:
    items = [(b"k%d" % i, b"v%d" % i) for i in range(100)]
    in_memory = BucketMerkleTree.build(items, depth=6)
    store = MemoryStore()
    store.write_batch(dict(tree_entries(in_memory)))
    stored = StoredMerkleTree.from_tree(store, in_memory, cache_entries=4)
    assert (stored.root, len(stored), stored.depth) == (in_memory.root, 100, 6)
    writes: dict[bytes, bytes | None] = {b"k1": None, b"k2": b"new", b"k100": b"v100"}
    assert stored.update(writes) == in_memory.update(writes)


def _two_entry_bucket(store: KVStore, depth: int) -> tuple[StoredMerkleTree, bytes, bytes]:
    """A committed tree with two keys in bucket 0 (depth 1 puts half of all keys there)."""
    first, second = sorted(key for key in (b"a", b"b", b"c", b"d", b"e") if bucket_index(key, depth) == 0)[:2]
    tree = StoredMerkleTree.load(store, 0, depth)
    _commit(tree, store, {first: b"1", second: b"2"})
    return StoredMerkleTree.load(store, 2, depth), first, second


def test_an_edited_listing_is_detected_and_changes_nothing() -> None:
    store = MemoryStore()
    tree, first, _ = _two_entry_bucket(store, depth=1)
    root = tree.root
    store.write_batch({_listing_key(first, 1): leaf_hash(first, b"1000")})
    with pytest.raises(StorageCorruptionError, match="bucket 0"):
        tree.update({first: b"3"})
    assert (tree.root, len(tree), tree.has_pending) == (root, 2, False)
    with pytest.raises(StorageCorruptionError, match="bucket 0"):
        tree.prove(first)
    with pytest.raises(StorageCorruptionError, match="bucket 0"):
        tree.check_listing(0)


def test_a_listing_entry_removed_or_added_is_detected() -> None:
    store = MemoryStore()
    tree, first, second = _two_entry_bucket(store, depth=1)
    store.write_batch({_listing_key(second, 1): None})
    with pytest.raises(StorageCorruptionError, match="1 entries"):
        tree.prove(first)
    stray = next(b"stray-%d" % i for i in range(100) if bucket_index(b"stray-%d" % i, 1) == 0)
    store.write_batch({_listing_key(second, 1): leaf_hash(second, b"2"), _listing_key(stray, 1): leaf_hash(stray, b"")})
    with pytest.raises(StorageCorruptionError, match="3 entries"):
        tree.prove(first)
    store.write_batch({_listing_key(stray, 1): None})
    assert verify_proof(tree.root, first, b"1", tree.prove(first))


def test_leaves_framed_together_cannot_pass_for_the_listing() -> None:
    """Two entries merged into one with a 32 + 4 + len(key) + 32 byte leaf give the same bucket preimage."""
    store = MemoryStore()
    tree, first, second = _two_entry_bucket(store, depth=1)
    merged_leaf = leaf_hash(first, b"1") + len(second).to_bytes(4, "big") + second + leaf_hash(second, b"2")
    store.write_batch({_listing_key(first, 1): merged_leaf, _listing_key(second, 1): None})
    with pytest.raises(StorageCorruptionError, match="bucket 0"):
        tree.check_listing(0)


@pytest.mark.parametrize(
    "entry",
    [
        (BUCKET_HASH_PREFIX + (0).to_bytes(4, "big"), b"short"),
        (BUCKET_HASH_PREFIX + (2**4).to_bytes(4, "big"), b"\x00" * 32),  # beyond 2**depth buckets
        (BUCKET_HASH_PREFIX + b"\x00\x00\x00", b"\x00" * 32),
    ],
)
def test_malformed_bucket_hash_entries_are_refused_at_load(entry: tuple[bytes, bytes]) -> None:
    store = MemoryStore()
    store.write_batch(dict([entry]))
    with pytest.raises(StorageCorruptionError, match="malformed bucket hash"):
        StoredMerkleTree.load(store, 0, depth=4)


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="depth"):
        StoredMerkleTree(MemoryStore(), {}, 0, depth=33)
    with pytest.raises(ValueError, match="cache_entries"):
        StoredMerkleTree(MemoryStore(), {}, 0, cache_entries=0)


def test_a_batch_writes_one_listing_entry_per_changed_key_and_one_hash_per_bucket() -> None:
    store = MemoryStore()
    tree = StoredMerkleTree.load(store, 0, depth=2)
    _commit(tree, store, {b"k%d" % i: b"v" for i in range(40)})
    tree.update({b"k1": b"w", b"k2": None, b"k3": b"v", b"missing": None})  # k3 unchanged, missing absent
    writes = tree.pending_writes()
    listing_writes = {key for key in writes if key.startswith(LISTING_PREFIX)}
    assert listing_writes == {_listing_key(b"k1", 2), _listing_key(b"k2", 2)}
    hash_writes = {key for key in writes if key.startswith(BUCKET_HASH_PREFIX)}
    assert hash_writes == {BUCKET_HASH_PREFIX + bucket_index(k, 2).to_bytes(4, "big") for k in (b"k1", b"k2")}
    assert writes[_listing_key(b"k2", 2)] is None


def test_the_leaves_stored_are_the_in_memory_trees() -> None:
    store = MemoryStore()
    tree = StoredMerkleTree.load(store, 0, depth=3)
    _commit(tree, store, {b"alpha": b"1", b"": b"empty key"})
    assert store.get(_listing_key(b"alpha", 3)) == leaf_hash(b"alpha", b"1")
    assert store.get(_listing_key(b"", 3)) == hashlib.sha256(b"\x00" + bytes(4) + b"empty key").digest()


class _ScanCountingStore(MemoryStore):
    """Counts the listing reads (prefix scans) that reach the store."""

    def __init__(self) -> None:
        super().__init__()
        self.listing_reads = 0

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        self.listing_reads += prefix.startswith(LISTING_PREFIX)
        return super().iter_prefix(prefix)


def test_a_state_within_the_cache_budget_is_read_from_the_store_once() -> None:
    """The cache counts entries, not buckets: a state smaller than its budget is read once, however many buckets it
    spreads over, and then every block's listings come from memory."""
    store = _ScanCountingStore()
    items = {b"acct-%d" % i: b"0" for i in range(2_000)}  # ~1,950 of the 2**16 buckets
    _commit(StoredMerkleTree.load(store, 0), store, dict(items))
    tree = StoredMerkleTree.load(store, len(items), cache_entries=len(items))
    reference = dict(items)
    for block in range(1, 4):
        store.listing_reads = 0
        writes: dict[bytes, bytes | None] = {key: b"%d" % block for key in items}
        _apply(reference, writes)
        assert _commit(tree, store, writes) == BucketMerkleTree.build(reference.items()).root
        # The first block reads each touched bucket once; its new listings replace them in the cache at commit.
        assert store.listing_reads == (tree.cached_buckets if block == 1 else 0)
        assert tree.cached_entries == len(items)


def test_the_cache_evicts_by_entries_and_skips_a_listing_larger_than_its_budget() -> None:
    store = _ScanCountingStore()
    by_bucket: dict[int, list[bytes]] = {}
    for key in (b"k%d" % i for i in range(200)):
        by_bucket.setdefault(bucket_index(key, 2), []).append(key)
    # Buckets 0 and 1 list two entries, bucket 2 one.
    (a, a2), (b, b2), c = by_bucket[0][:2], by_bucket[1][:2], by_bucket[2][0]
    _commit(StoredMerkleTree.load(store, 0, depth=2), store, dict.fromkeys((a, a2, b, b2, c), b"v"))

    tree = StoredMerkleTree.load(store, 5, depth=2, cache_entries=3)

    def reads(key: bytes) -> int:
        store.listing_reads = 0
        assert verify_proof(tree.root, key, b"v", tree.prove(key))
        return store.listing_reads

    assert (reads(a), reads(c), tree.cached_entries) == (1, 1, 3)
    assert reads(a) == 0  # cached, and now the most recently used
    # Bucket 1's two entries make five: bucket 2 goes (least recently used), then bucket 0 (four are still too many).
    assert (reads(b), tree.cached_entries, tree.cached_buckets) == (1, 2, 1)
    assert (reads(b2), reads(a), reads(c)) == (0, 1, 1)

    small = StoredMerkleTree.load(store, 5, depth=2, cache_entries=1)
    for _ in range(2):
        store.listing_reads = 0
        small.prove(a)
        assert (store.listing_reads, small.cached_entries, small.cached_buckets) == (1, 0, 0)
