"""ChainStore over the stored Merkle tree: open without reading the state, migration, atomicity, the state view."""

import random
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gostaking.storage.chainstore import ChainStore, StorageCorruptionError
from gostaking.storage.kv import LmdbStore, MemoryStore
from gostaking.storage.merkle import BucketMerkleTree, bucket_index, verify_proof
from gostaking.storage.stored_merkle import BUCKET_HASH_PREFIX, LISTING_PREFIX, MAX_STATE_KEY_SIZE, tree_entries

MAP_SIZE = 2**26
BUCKET_ONLY = 0
"""`full_check_max_entries` that makes even a small store open the way a large one does."""


def _block(chain: ChainStore, writes: Mapping[bytes, bytes | None]) -> bytes:
    root = chain.compute_app_hash(writes)
    chain.commit(chain.height + 1, b"block-%d" % (chain.height + 1), [])
    return root


def _random_writes(rng: random.Random, accounts: int, size: int) -> dict[bytes, bytes | None]:
    writes: dict[bytes, bytes | None] = {}
    for _ in range(size):
        key = b"acct/%d" % rng.randrange(accounts)
        writes[key] = None if rng.random() < 0.2 else rng.randbytes(rng.randrange(0, 12))
    return writes


def _tree_entries_in(store: MemoryStore | LmdbStore) -> dict[bytes, bytes]:
    return dict(store.iter_prefix(LISTING_PREFIX)) | dict(store.iter_prefix(BUCKET_HASH_PREFIX))


class CountingStore(MemoryStore):
    """Records the prefixes scanned, to show what `open` reads."""

    def __init__(self) -> None:
        super().__init__()
        self.scanned: list[bytes] = []

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        self.scanned.append(prefix)
        return super().iter_prefix(prefix)


class FailingStore(MemoryStore):
    """A store whose next write batch fails part-way when `fail` is set (nothing of it is applied)."""

    fail = False

    def write_batch(self, puts: Mapping[bytes, bytes | None]) -> None:
        if self.fail:
            raise OSError("disk full")
        super().write_batch(puts)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "chain"


def test_random_blocks_match_a_rebuild_after_every_reopen(db_path: Path) -> None:
    rng = random.Random(7)
    reference: dict[bytes, bytes] = {}
    for round_ in range(6):
        with LmdbStore(db_path, map_size=MAP_SIZE) as store:
            chain = ChainStore.open(
                store, cache_entries=40, full_check_max_entries=BUCKET_ONLY if round_ % 2 else 10**6
            )
            assert chain.app_hash == BucketMerkleTree.build(reference.items()).root
            for _ in range(3):
                writes = _random_writes(rng, 400, 150)
                # Empty whole buckets now and then: every key of one bucket goes.
                emptied = bucket_index(rng.choice(list(reference) or [b"x"]), 16)
                writes.update({key: None for key in reference if bucket_index(key, 16) == emptied})
                root = _block(chain, writes)
                for key, value in writes.items():
                    if value is None:
                        reference.pop(key, None)
                    else:
                        reference[key] = value
                assert root == chain.app_hash == BucketMerkleTree.build(reference.items()).root
                assert len(chain.tree) == len(reference)
                assert chain.tree.cached_entries <= 40
            assert _tree_entries_in(store) == dict(tree_entries(BucketMerkleTree.build(reference.items())))


def test_a_large_store_opens_without_reading_the_state() -> None:
    store = CountingStore()
    chain = ChainStore.open(store)
    _block(chain, {b"k%d" % i: b"v" for i in range(50)})
    store.scanned.clear()
    reopened = ChainStore.open(store, full_check_max_entries=49)
    assert reopened.app_hash == chain.app_hash and len(reopened.tree) == 50
    assert not [prefix for prefix in store.scanned if prefix.startswith((b"s", LISTING_PREFIX))]
    store.scanned.clear()
    ChainStore.open(store, full_check_max_entries=50)  # at the limit the state is read and checked in full
    assert b"s" in store.scanned


def test_the_size_limit_selects_the_check() -> None:
    store = MemoryStore()
    _block(ChainStore.open(store), {b"alice": b"100", b"bob": b"5"})
    store.write_batch({b"salice": b"1000000"})  # a value edited behind ChainStore's back
    with pytest.raises(StorageCorruptionError, match="app hash"):
        ChainStore.open(store)
    # A large store checks the bucket hashes only: the edited value is not seen (the docstring says so).
    assert ChainStore.open(store, full_check_max_entries=BUCKET_ONLY).get_state(b"alice") == b"1000000"


@pytest.mark.parametrize("full_check_max_entries", [10**6, BUCKET_ONLY])
def test_an_edited_bucket_hash_is_detected_at_open(full_check_max_entries: int) -> None:
    store = MemoryStore()
    _block(ChainStore.open(store), {b"alice": b"100"})
    bucket = BUCKET_HASH_PREFIX + bucket_index(b"alice", 16).to_bytes(4, "big")
    store.write_batch({bucket: b"\x11" * 32})
    with pytest.raises(StorageCorruptionError, match="bucket hash"):
        ChainStore.open(store, full_check_max_entries=full_check_max_entries)


def test_an_edited_state_size_is_detected_by_the_full_check() -> None:
    store = MemoryStore()
    _block(ChainStore.open(store), {b"alice": b"100"})
    store.write_batch({b"m/state_size": (2).to_bytes(8, "big")})
    with pytest.raises(StorageCorruptionError, match="state size"):
        ChainStore.open(store)


def test_an_edited_listing_is_detected_when_a_block_reads_it() -> None:
    store = MemoryStore()
    _block(ChainStore.open(store), {b"alice": b"100", b"bob": b"5"})
    listing = LISTING_PREFIX + bucket_index(b"alice", 16).to_bytes(4, "big") + b"alice"
    store.write_batch({listing: b"\x22" * 32})
    chain = ChainStore.open(store, full_check_max_entries=BUCKET_ONLY)
    with pytest.raises(StorageCorruptionError, match="listing"):
        chain.compute_app_hash({b"alice": b"90"})
    assert not chain.has_pending and chain.tree.root == chain.app_hash
    with pytest.raises(StorageCorruptionError, match="listing"):
        chain.prove(b"alice")
    assert verify_proof(chain.app_hash, b"bob", b"5", chain.prove(b"bob"))


def _old_layout_store(state: dict[bytes, bytes]) -> MemoryStore:
    """A store as ChainStore wrote it before the tree's entries: the state, one block, height and app hash."""
    store = MemoryStore()
    batch: dict[bytes, bytes | None] = {b"s" + key: value for key, value in state.items()}
    batch[b"b" + (1).to_bytes(8, "big")] = b"block-1"
    batch[b"m/height"] = (1).to_bytes(8, "big")
    batch[b"m/app_hash"] = BucketMerkleTree.build(state.items()).root
    store.write_batch(batch)
    return store


def test_an_old_store_is_migrated_at_open() -> None:
    state = {b"acct/%d" % i: b"%d" % i for i in range(300)}
    store = _old_layout_store(state)
    chain = ChainStore.open(store)
    assert (chain.height, len(chain.tree)) == (1, 300)
    assert _tree_entries_in(store) == dict(tree_entries(BucketMerkleTree.build(state.items())))
    assert store.get(b"m/state_size") == (300).to_bytes(8, "big")
    # Migrated once: it now opens like any store written by this code, the large way too.
    reopened = ChainStore.open(store, full_check_max_entries=BUCKET_ONLY)
    assert reopened.app_hash == chain.app_hash
    state[b"acct/1"] = b"changed"
    assert _block(reopened, {b"acct/1": b"changed"}) == BucketMerkleTree.build(state.items()).root


def test_an_old_store_that_fails_the_check_is_not_migrated() -> None:
    store = _old_layout_store({b"alice": b"100"})
    store.write_batch({b"salice": b"1000"})
    with pytest.raises(StorageCorruptionError, match="app hash"):
        ChainStore.open(store)
    assert _tree_entries_in(store) == {} and store.get(b"m/state_size") is None


def test_a_failed_migration_write_leaves_the_old_layout() -> None:
    store = FailingStore()
    store.write_batch(dict(_old_layout_store({b"alice": b"100"}).iter_prefix(b"")))
    store.fail = True
    with pytest.raises(OSError, match="disk full"):
        ChainStore.open(store)
    assert _tree_entries_in(store) == {}
    store.fail = False
    assert ChainStore.open(store).height == 1


def test_a_failed_commit_leaves_the_whole_previous_height(db_path: Path) -> None:
    class ExplodingStore(LmdbStore):
        """Dies inside LMDB's write transaction, after part of the batch was put."""

        explode = False

        def write_batch(self, puts: Mapping[bytes, bytes | None]) -> None:
            if not self.explode:
                return super().write_batch(puts)

            class Exploding(dict[bytes, bytes | None]):
                def items(self):  # type: ignore[no-untyped-def]
                    yield from list(super().items())[: len(self) // 2]
                    raise OSError("killed mid-write")

            return super().write_batch(Exploding(puts))

    with ExplodingStore(db_path, map_size=MAP_SIZE) as exploding:
        chain = ChainStore.open(exploding)
        committed = _block(chain, {b"k%d" % i: b"v" for i in range(200)})
        exploding.explode = True
        chain.compute_app_hash({b"k%d" % i: None if i % 3 else b"w" for i in range(0, 300, 2)})
        with pytest.raises(OSError, match="killed"):
            chain.commit(2, b"block-2", [])
    for limit in (10**6, BUCKET_ONLY):
        with LmdbStore(db_path, map_size=MAP_SIZE) as store:
            reopened = ChainStore.open(store, full_check_max_entries=limit)
            assert (reopened.height, reopened.app_hash, len(reopened.tree)) == (1, committed, 200)
            assert verify_proof(committed, b"k4", b"v", reopened.prove(b"k4"))
            assert verify_proof(committed, b"k250", None, reopened.prove(b"k250"))


def test_discard_pending_then_other_writes_on_lmdb(db_path: Path) -> None:
    with LmdbStore(db_path, map_size=MAP_SIZE) as store:
        chain = ChainStore.open(store, cache_entries=2)
        reference = {b"a%d" % i: b"1" for i in range(100)}
        committed = _block(chain, dict(reference))
        chain.compute_app_hash({**{key: None for key in reference}, b"new": b"x"})
        assert len(chain.tree) == 1
        chain.discard_pending()
        assert (chain.tree.root, len(chain.tree)) == (committed, 100)
        reference[b"a5"] = b"2"
        assert _block(chain, {b"a5": b"2"}) == BucketMerkleTree.build(reference.items()).root
    with LmdbStore(db_path, map_size=MAP_SIZE) as store:
        assert ChainStore.open(store, full_check_max_entries=BUCKET_ONLY).app_hash == chain.app_hash


def test_genesis_state_writes_the_tree_entries() -> None:
    store = MemoryStore()
    chain = ChainStore.open(store)
    root = chain.compute_app_hash({b"supply": b"1000", b"params": b"{}"})
    chain.save_genesis(b"genesis-doc")
    reopened = ChainStore.open(store, full_check_max_entries=BUCKET_ONLY)
    assert (reopened.height, reopened.app_hash, len(reopened.tree)) == (0, root, 2)
    assert verify_proof(root, b"supply", b"1000", reopened.prove(b"supply"))


def test_a_restored_snapshot_opens_from_its_bucket_hashes() -> None:
    items = sorted((b"acct/%d" % i, b"%d" % i) for i in range(500))
    tree = BucketMerkleTree.build(items)
    store = MemoryStore()
    ChainStore.open(store).restore(7, tree, items, b"block-7", [b"tx"], None, b"start")
    chain = ChainStore.open(store, full_check_max_entries=BUCKET_ONLY)
    assert (chain.height, chain.app_hash, len(chain.tree)) == (7, tree.root, 500)
    assert verify_proof(chain.app_hash, b"acct/3", b"3", chain.prove(b"acct/3"))
    assert chain.compute_app_hash({b"acct/3": None}) == tree.update({b"acct/3": None})


def test_a_restore_that_fails_to_write_leaves_the_store_empty(db_path: Path) -> None:
    class DiskFullStore(LmdbStore):
        def write_entries(self, entries: Iterable[tuple[bytes, bytes | None]]) -> None:
            batch = list(entries)
            with self._env.begin(write=True) as txn:  # what LmdbStore does, until the disk fills half-way
                for key, value in batch[: len(batch) // 2]:
                    assert value is not None  # a restore deletes nothing
                    txn.put(key, value)
                raise OSError("disk full")

    items = sorted((b"acct/%d" % i, b"%d" % i) for i in range(300))
    tree = BucketMerkleTree.build(items)
    with DiskFullStore(db_path, map_size=MAP_SIZE) as full, pytest.raises(OSError, match="disk full"):
        ChainStore.open(full).restore(5, tree, items, b"block-5", [], None, b"start")
    with LmdbStore(db_path, map_size=MAP_SIZE) as store:
        assert list(store.iter_prefix(b"")) == []
        restored = ChainStore.open(store)
        restored.restore(5, tree, items, b"block-5", [], None, b"start")
        assert len(list(store.iter_prefix(b""))) == 300 + 300 + len(tree.bucket_hashes()) + 5  # + block, 4 meta
    with LmdbStore(db_path, map_size=MAP_SIZE) as store:
        assert ChainStore.open(store, full_check_max_entries=BUCKET_ONLY).app_hash == tree.root


def test_entries_written_as_they_come_are_all_or_nothing(db_path: Path) -> None:
    """write_entries (what a restore streams through) applies distinct entries in one transaction, and a bad key
    part-way leaves nothing of them, on LMDB and in memory alike."""
    entries = [(b"a", b"1"), (b"b", b"2"), (b"c", None)]
    with LmdbStore(db_path, map_size=MAP_SIZE) as lmdb_store:
        for store in (lmdb_store, MemoryStore()):
            store.write_batch({b"c": b"old"})
            store.write_entries(iter(entries))
            assert list(store.iter_prefix(b"")) == [(b"a", b"1"), (b"b", b"2")]
            with pytest.raises(ValueError, match="key length"):
                store.write_entries(iter([(b"d", b"4"), (b"", b"x"), (b"e", b"5")]))
            assert list(store.iter_prefix(b"")) == [(b"a", b"1"), (b"b", b"2")]


def test_state_keys_are_bounded_by_the_listing_key() -> None:
    chain = ChainStore.open(MemoryStore())
    with pytest.raises(ValueError, match=f"{MAX_STATE_KEY_SIZE}-byte limit"):
        chain.compute_app_hash({b"k" * (MAX_STATE_KEY_SIZE + 1): b"v"})
    assert not chain.has_pending
    longest = b"k" * MAX_STATE_KEY_SIZE
    root = _block(chain, {longest: b"v"})
    assert verify_proof(root, longest, b"v", chain.prove(longest))


def test_state_items_by_prefix() -> None:
    chain = ChainStore.open(MemoryStore())
    _block(chain, {b"acct/b": b"2", b"acct/a": b"1", b"acctx": b"3", b"pool/1": b"4"})
    assert list(chain.state_items(b"acct/")) == [(b"acct/a", b"1"), (b"acct/b", b"2")]
    assert [key for key, _ in chain.state_items()] == [b"acct/a", b"acct/b", b"acctx", b"pool/1"]
    assert list(chain.state_items(b"zzz")) == []


state_keys = st.sampled_from([b"a", b"a/1", b"a/2", b"a/3", b"ab", b"b", b"b/1", b""])
state_writes = st.dictionaries(state_keys, st.none() | st.binary(max_size=3), max_size=8)


@settings(max_examples=100, deadline=None)
@given(committed=state_writes, pending=state_writes, prefix=st.sampled_from([b"", b"a", b"a/", b"b", b"c"]))
def test_the_state_view_lays_pending_writes_over_the_store(
    committed: dict[bytes, bytes | None], pending: dict[bytes, bytes | None], prefix: bytes
) -> None:
    chain = ChainStore.open(MemoryStore())
    view = chain.state_reader()
    _block(chain, committed)
    expected = {key: value for key, value in committed.items() if value is not None}
    assert list(view.scan(prefix)) == sorted(item for item in expected.items() if item[0].startswith(prefix))

    chain.compute_app_hash(pending)
    overlaid = dict(expected)
    for key, value in pending.items():
        if value is None:
            overlaid.pop(key, None)
        else:
            overlaid[key] = value
    assert list(view.scan(prefix)) == sorted(item for item in overlaid.items() if item[0].startswith(prefix))
    for key in {*committed, *pending}:
        assert view.get(key) == overlaid.get(key)
    assert list(chain.state_items(prefix)) == sorted(item for item in expected.items() if item[0].startswith(prefix))

    chain.discard_pending()
    assert [view.get(key) for key in pending] == [expected.get(key) for key in pending]
    chain.compute_app_hash(pending)
    chain.commit(chain.height + 1, b"block", [])
    assert list(view.scan(prefix)) == sorted(item for item in overlaid.items() if item[0].startswith(prefix))


def test_the_state_view_on_lmdb_closes_a_half_read_scan(db_path: Path) -> None:
    with LmdbStore(db_path, map_size=MAP_SIZE) as store:
        chain = ChainStore.open(store)
        _block(chain, {b"t/%d" % i: b"v" for i in range(10)})
        chain.compute_app_hash({b"t/1": None, b"t/10": b"new"})
        view = chain.state_reader()
        scan = view.scan(b"t/")
        assert next(scan) == (b"t/0", b"v")
        assert next(scan) == (b"t/10", b"new")
        scan.close()  # releases its read transaction
        chain.commit(2, b"block-2", [])
        assert [key for key, _ in view.scan(b"t/")] == [b"t/0", b"t/10", *(b"t/%d" % i for i in range(2, 10))]
