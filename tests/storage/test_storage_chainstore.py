"""ChainStore: atomic per-block commits, reopen verification, crash behaviour, proofs."""

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from gostaking.storage.chainstore import ChainStore, CommitError, StorageCorruptionError
from gostaking.storage.kv import LmdbStore, MemoryStore
from gostaking.storage.merkle import BucketMerkleTree, verify_proof

MAP_SIZE = 2**24


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "chain"


@pytest.fixture
def lmdb_store(db_path: Path) -> Iterator[LmdbStore]:
    store = LmdbStore(db_path, map_size=MAP_SIZE)
    yield store
    store.close()


def _commit_block(chain: ChainStore, writes: dict[bytes, bytes | None], tx_hashes: list[bytes]) -> bytes:
    root = chain.compute_app_hash(writes)
    chain.commit(chain.height + 1, b"block-%d" % (chain.height + 1), tx_hashes)
    return root


def test_fresh_store() -> None:
    chain = ChainStore.open(MemoryStore())
    assert chain.height == 0
    assert chain.app_hash == BucketMerkleTree().root
    assert list(chain.state_items()) == []
    assert chain.genesis() is None
    assert chain.block(1) is None
    assert chain.block(-1) is None


def test_commit_then_reopen_restores_everything(db_path: Path) -> None:
    with LmdbStore(db_path, map_size=MAP_SIZE) as store:
        chain = ChainStore.open(store)
        chain.save_genesis(b"genesis-doc")
        root1 = _commit_block(chain, {b"alice": b"100", b"bob": b"50"}, [b"tx-a", b"tx-b"])
        root2 = _commit_block(chain, {b"alice": b"90", b"bob": None, b"carol": b"10"}, [b"tx-c"])
        assert root1 != root2
        assert chain.height == 2
        assert chain.app_hash == root2

    with LmdbStore(db_path, map_size=MAP_SIZE) as store:
        chain = ChainStore.open(store)
        assert chain.height == 2
        assert chain.app_hash == root2
        assert list(chain.state_items()) == [(b"alice", b"90"), (b"carol", b"10")]
        assert chain.get_state(b"alice") == b"90"
        assert chain.get_state(b"bob") is None
        assert chain.genesis() == b"genesis-doc"
        assert chain.block(1) == b"block-1"
        assert chain.block(2) == b"block-2"
        assert chain.block(3) is None
        assert chain.tx_location(b"tx-a") == (1, 0)
        assert chain.tx_location(b"tx-b") == (1, 1)
        assert chain.tx_location(b"tx-c") == (2, 0)
        assert chain.tx_location(b"tx-unknown") is None
        assert chain.app_hash == BucketMerkleTree.build(chain.state_items()).root


def test_state_modified_behind_our_back_is_detected(lmdb_store: LmdbStore, db_path: Path) -> None:
    chain = ChainStore.open(lmdb_store)
    _commit_block(chain, {b"alice": b"100"}, [])
    lmdb_store.write_batch({b"s" + b"alice": b"1000000"})
    lmdb_store.close()

    with (
        LmdbStore(db_path, map_size=MAP_SIZE) as store,
        pytest.raises(StorageCorruptionError, match="app hash"),
    ):
        ChainStore.open(store)


def test_extra_state_entry_is_detected() -> None:
    store = MemoryStore()
    _commit_block(ChainStore.open(store), {b"alice": b"100"}, [])
    store.write_batch({b"smallory": b"1"})
    with pytest.raises(StorageCorruptionError):
        ChainStore.open(store)


def test_state_without_any_app_hash_is_detected() -> None:
    store = MemoryStore()
    store.write_batch({b"sorphan": b"1"})
    with pytest.raises(StorageCorruptionError, match="no app hash"):
        ChainStore.open(store)


def test_missing_block_of_committed_height_is_detected() -> None:
    store = MemoryStore()
    _commit_block(ChainStore.open(store), {b"k": b"v"}, [])
    store.write_batch({b"b" + (1).to_bytes(8, "big"): None})
    with pytest.raises(StorageCorruptionError, match="block 1"):
        ChainStore.open(store)


def test_commit_without_compute_app_hash_errors() -> None:
    chain = ChainStore.open(MemoryStore())
    with pytest.raises(CommitError, match="compute_app_hash"):
        chain.commit(1, b"block", [])
    assert chain.height == 0


def test_commit_at_wrong_height_errors() -> None:
    chain = ChainStore.open(MemoryStore())
    chain.compute_app_hash({b"k": b"v"})
    for wrong_height in (0, 2, 5):
        with pytest.raises(CommitError, match="height"):
            chain.commit(wrong_height, b"block", [])
    chain.commit(1, b"block", [])
    assert chain.height == 1


def test_compute_app_hash_twice_errors() -> None:
    chain = ChainStore.open(MemoryStore())
    chain.compute_app_hash({b"k": b"v"})
    with pytest.raises(CommitError, match="already"):
        chain.compute_app_hash({b"k": b"w"})


def test_crash_before_commit_reopens_at_previous_height(lmdb_store: LmdbStore, db_path: Path) -> None:
    chain = ChainStore.open(lmdb_store)
    root1 = _commit_block(chain, {b"alice": b"100"}, [b"tx-1"])
    pending_root = chain.compute_app_hash({b"alice": b"0", b"bob": b"100"})
    assert pending_root != root1
    # "Crash": the process dies before commit's write batch; nothing of height 2 reached the store.
    lmdb_store.close()

    with LmdbStore(db_path, map_size=MAP_SIZE) as store:
        reopened = ChainStore.open(store)
        assert reopened.height == 1
        assert reopened.app_hash == root1
        assert reopened.get_state(b"alice") == b"100"
        assert reopened.get_state(b"bob") is None
        # The node re-executes the block and reaches the same app hash.
        assert reopened.compute_app_hash({b"alice": b"0", b"bob": b"100"}) == pending_root


def test_failed_write_keeps_writes_pending() -> None:
    class FailingStore(MemoryStore):
        fail = True

        def write_batch(self, puts: Mapping[bytes, bytes | None]) -> None:
            if self.fail:
                raise OSError("disk full")
            super().write_batch(puts)

    store = FailingStore()
    chain = ChainStore.open(store)
    root = chain.compute_app_hash({b"k": b"v"})
    with pytest.raises(OSError):
        chain.commit(1, b"block", [])
    assert chain.height == 0
    assert chain.has_pending
    store.fail = False
    chain.commit(1, b"block", [])
    assert (chain.height, chain.app_hash) == (1, root)
    assert ChainStore.open(store).app_hash == root


def test_discard_pending_restores_committed_tree() -> None:
    store = MemoryStore()
    chain = ChainStore.open(store)
    root1 = _commit_block(chain, {b"a": b"1", b"b": b"2"}, [])
    chain.compute_app_hash({b"a": None, b"b": b"3", b"c": b"4"})
    chain.discard_pending()
    assert not chain.has_pending
    assert chain.tree.root == chain.app_hash == root1
    assert len(chain.tree) == 2
    root2 = _commit_block(chain, {b"c": b"4"}, [])
    assert ChainStore.open(store).app_hash == root2


def test_app_hash_is_the_committed_one_while_pending() -> None:
    chain = ChainStore.open(MemoryStore())
    committed = chain.app_hash
    pending = chain.compute_app_hash({b"k": b"v"})
    assert chain.app_hash == committed != pending


def test_prove_against_committed_root() -> None:
    chain = ChainStore.open(MemoryStore())
    _commit_block(chain, {b"alice": b"100", b"bob": b"5"}, [])
    assert verify_proof(chain.app_hash, b"alice", b"100", chain.prove(b"alice"))
    assert verify_proof(chain.app_hash, b"nobody", None, chain.prove(b"nobody"))

    chain.compute_app_hash({b"alice": b"1"})
    with pytest.raises(CommitError, match="uncommitted"):
        chain.prove(b"alice")
    chain.commit(2, b"block-2", [])
    assert verify_proof(chain.app_hash, b"alice", b"1", chain.prove(b"alice"))


def test_genesis_state_committed_at_height_zero() -> None:
    store = MemoryStore()
    chain = ChainStore.open(store)
    root = chain.compute_app_hash({b"supply": b"1000"})
    chain.save_genesis(b"genesis-doc")
    assert (chain.height, chain.app_hash) == (0, root)

    reopened = ChainStore.open(store)
    assert (reopened.height, reopened.app_hash) == (0, root)
    assert reopened.genesis() == b"genesis-doc"
    assert list(reopened.state_items()) == [(b"supply", b"1000")]
    reopened.save_genesis(b"genesis-doc")  # idempotent for the same document
    with pytest.raises(CommitError, match="genesis"):
        reopened.save_genesis(b"another-genesis")


def test_genesis_cannot_be_saved_after_blocks() -> None:
    chain = ChainStore.open(MemoryStore())
    _commit_block(chain, {b"k": b"v"}, [])
    with pytest.raises(CommitError, match="genesis"):
        chain.save_genesis(b"late")


def test_oversized_state_key_is_rejected_before_touching_the_tree() -> None:
    chain = ChainStore.open(MemoryStore())
    with pytest.raises(ValueError, match="limit"):
        chain.compute_app_hash({b"k" * 600: b"v"})
    assert not chain.has_pending
    assert len(chain.tree) == 0


def test_writes_mapping_is_copied() -> None:
    store = MemoryStore()
    chain = ChainStore.open(store)
    writes: dict[bytes, bytes | None] = {b"k": b"v"}
    chain.compute_app_hash(writes)
    writes[b"k"] = b"changed"
    writes[b"extra"] = b"x"
    chain.commit(1, b"block", [])
    assert list(chain.state_items()) == [(b"k", b"v")]
    assert ChainStore.open(store).app_hash == chain.app_hash


def test_a_repeated_tx_keeps_the_location_of_its_first_inclusion() -> None:
    chain = ChainStore.open(MemoryStore())
    _commit_block(chain, {b"k": b"1"}, [b"tx-a", b"tx-b", b"tx-a"])
    _commit_block(chain, {b"k": b"2"}, [b"tx-b"])
    assert chain.tx_location(b"tx-a") == (1, 0)
    assert chain.tx_location(b"tx-b") == (1, 1)
