"""State-sync snapshots: the format round trip, a changed byte refused, the app hash checked, snapshots taken in
the background and pruned, the ABCI answers, and the explorer index of a restored node starting after it."""

from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
from node_harness import CHAIN_ID, NODE_KEY, OPERATOR, key
from sqlalchemy import select

from gostaking.chain.modules.bank.queries import get_balance
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.indexer import open_index
from gostaking.indexer.schema import blocks
from gostaking.node.abci.handler import AbciHandler
from gostaking.node.abci.proto import stubs_problem
from gostaking.node.app import AppSequenceError, GoStakingApp, history_start_of
from gostaking.node.blocks import StoredBlock
from gostaking.node.producer import BlockProducer
from gostaking.node.snapshots.format import (
    SnapshotBodyDecoder,
    SnapshotFormatError,
    SnapshotMetadata,
    chunk_hash,
    decode_metadata,
    encode_metadata,
    encode_snapshot,
    snapshot_hash,
)
from gostaking.node.snapshots.restore import ChunkResult, OfferedSnapshot, OfferResult, SnapshotRestorer
from gostaking.node.snapshots.store import SnapshotSettings, SnapshotStore, SnapshotTaken, SnapshotTaker
from gostaking.storage import BucketMerkleTree, CommitError, LmdbStore, MemoryStore, StateExport
from gostaking.wallet.keys import sign_tx

CHUNK_BYTES = 1024
RECIPIENTS = 40


def follow_next_block(producer: BlockProducer, follower: GoStakingApp) -> tuple[StoredBlock, StoredBlock]:
    """The producer's next block, and the block `follower` commits executing it (as a CometBFT node would)."""
    block = producer.produce_block()
    follower.finalize_block(block.height, block.header.time_ms, list(block.txs), block.header.proposer, block.signers)
    return block, follower.commit()


def busy_chain(genesis_json: bytes, clock: Callable[[], int], store: MemoryStore | LmdbStore) -> BlockProducer:
    """A chain of a few blocks whose state spans many chunks: the operator pays RECIPIENTS accounts."""
    app = GoStakingApp(store)
    app.init_chain(genesis_json)
    producer = BlockProducer(app, NODE_KEY.public_key, clock_ms=clock)
    for _ in range(3):
        producer.produce_block()  # the operator earns the GOS it pays out
    for sequence in range(RECIPIENTS):
        raw = sign_tx(
            OPERATOR, CHAIN_ID, sequence, [MsgSendCoins(key(100 + sequence).address, GOS_DENOM, 1_000)], 1_000
        )
        assert app.check_tx(raw).ok
    producer.produce_block()
    return producer


def offered(metadata: SnapshotMetadata) -> OfferedSnapshot:
    return OfferedSnapshot(
        metadata.height, metadata.format, len(metadata.chunk_hashes), metadata.hash, encode_metadata(metadata)
    )


def take(app: GoStakingApp, root: Path) -> tuple[SnapshotStore, SnapshotMetadata]:
    store = SnapshotStore(root)
    return store, store.write(app.export_state(), CHUNK_BYTES)


def encode_in_memory(
    height: int, app_hash: bytes, block: bytes, items: list[tuple[bytes, bytes]]
) -> tuple[SnapshotMetadata, list[bytes]]:
    """A snapshot of `items` encoded without a store: its metadata and chunks."""
    chunks: list[bytes] = []
    metadata = encode_snapshot(height, app_hash, block, iter(items), CHUNK_BYTES, lambda _, chunk: chunks.append(chunk))
    return metadata, chunks


def chunks_of(store: SnapshotStore, metadata: SnapshotMetadata) -> list[bytes]:
    return [store.load_chunk(metadata.height, index) for index in range(len(metadata.chunk_hashes))]


def restore(
    genesis_json: bytes, metadata: SnapshotMetadata, chunks: list[bytes]
) -> tuple[GoStakingApp, list[ChunkResult]]:
    fresh = GoStakingApp(MemoryStore())
    restorer = SnapshotRestorer(fresh, genesis_json)
    assert restorer.offer(offered(metadata), metadata.app_hash)[0] is OfferResult.ACCEPT
    results = [restorer.apply_chunk(index, chunk, "peer-a").result for index, chunk in enumerate(chunks)]
    return fresh, results


def test_a_snapshot_restores_the_same_state_and_the_node_follows_the_chain(
    tmp_path: Path, genesis_json: bytes, clock: Callable[[], int]
) -> None:
    producer = busy_chain(genesis_json, clock, MemoryStore())
    app = producer.app
    store, metadata = take(app, tmp_path / "snapshots")
    assert len(metadata.chunk_hashes) > 3, "the state should span several chunks"
    assert all(len(chunk) == CHUNK_BYTES for chunk in chunks_of(store, metadata)[:-1])
    assert metadata.hash == snapshot_hash(tuple(chunk_hash(chunk) for chunk in chunks_of(store, metadata)))
    assert (metadata.height, metadata.app_hash) == (app.height, app.info().app_hash)
    assert decode_metadata(encode_metadata(metadata)) == metadata

    # The same state written again gives the same snapshot, byte for byte: peers offer identical ones.
    _, again = take(app, tmp_path / "again")
    assert again == metadata

    restored, results = restore(genesis_json, metadata, chunks_of(store, metadata))
    assert results == [ChunkResult.ACCEPT] * len(metadata.chunk_hashes)
    assert restored.info() == app.info()
    assert restored.genesis_json() == genesis_json
    assert restored.block(metadata.height - 1) is None, "the history before the snapshot is not there"
    with restored.read() as state, app.read() as original:
        assert get_balance(state, key(100).address, GOS_DENOM) == get_balance(original, key(100).address, GOS_DENOM)

    # Both nodes execute the next block alike: the restored one follows on from the snapshot's block.
    next_block, followed = follow_next_block(producer, restored)
    assert followed.hash == next_block.hash
    assert restored.info().app_hash == app.info().app_hash


def test_a_restored_store_reopens_at_the_snapshot(
    tmp_path: Path, genesis_json: bytes, clock: Callable[[], int]
) -> None:
    producer = busy_chain(genesis_json, clock, MemoryStore())
    store, metadata = take(producer.app, tmp_path / "snapshots")
    disk = LmdbStore(tmp_path / "restored")
    restorer = SnapshotRestorer(GoStakingApp(disk), genesis_json)
    restorer.offer(offered(metadata), metadata.app_hash)
    for index, chunk in enumerate(chunks_of(store, metadata)):
        restorer.apply_chunk(index, chunk, "peer-a")
    disk.close()
    reopened = GoStakingApp(LmdbStore(tmp_path / "restored"))  # ChainStore.open re-verifies the state's hash
    assert reopened.info() == producer.app.info()
    start, last = reopened.history_start(), producer.app.last_block
    assert start is not None and last is not None and (start.height, start.block_hash) == (metadata.height, last.hash)
    assert start.validators == (NODE_KEY.address,)
    # An app that holds blocks refuses to be overwritten by a snapshot.
    items = list(producer.app.export_state().items)
    with pytest.raises(AppSequenceError, match="cannot restore"):
        reopened.restore_state(BucketMerkleTree.build(items), items, last, None, start)


def test_a_forged_time_in_the_snapshot_s_block_does_not_stop_the_restored_node(
    genesis_json: bytes, clock: Callable[[], int]
) -> None:
    """The block record a snapshot brings is checked by its app hash only. A peer that forges its time far ahead
    must not make the restored node refuse the next block as "before the previous one": it follows the chain."""
    producer = busy_chain(genesis_json, clock, MemoryStore())
    app = producer.app
    last = app.last_block
    assert last is not None
    items = list(app.export_state().items)
    forged = msgspec.structs.replace(last, header=msgspec.structs.replace(last.header, time_ms=2**62))
    with app.read() as state:
        start = history_start_of(state, last)
    restored = GoStakingApp(MemoryStore())
    restored.restore_state(BucketMerkleTree.build(items), items, forged, genesis_json, start)
    next_block, _ = follow_next_block(producer, restored)
    assert restored.info().app_hash == app.info().app_hash
    with pytest.raises(AppSequenceError, match="before the previous block"):  # its own blocks are checked again
        restored.finalize_block(next_block.height + 1, next_block.header.time_ms - 1, [], "", [])


def test_a_changed_byte_is_refetched_from_another_peer(
    tmp_path: Path, genesis_json: bytes, clock: Callable[[], int]
) -> None:
    producer = busy_chain(genesis_json, clock, MemoryStore())
    store, metadata = take(producer.app, tmp_path / "snapshots")
    chunks = chunks_of(store, metadata)
    fresh = GoStakingApp(MemoryStore())
    restorer = SnapshotRestorer(fresh, genesis_json)
    restorer.offer(offered(metadata), metadata.app_hash)
    assert restorer.apply_chunk(0, chunks[0], "good-peer").result is ChunkResult.ACCEPT
    damaged = bytearray(chunks[1])
    damaged[len(damaged) // 2] ^= 1
    outcome = restorer.apply_chunk(1, bytes(damaged), "bad-peer")
    assert (outcome.result, outcome.refetch_chunks, outcome.reject_senders) == (ChunkResult.RETRY, (1,), ("bad-peer",))
    assert "bad-peer" in outcome.reason and fresh.height == 0
    for index in range(1, len(chunks)):  # the good copy of chunk 1, from another peer, and the rest
        assert restorer.apply_chunk(index, chunks[index], "good-peer").result is ChunkResult.ACCEPT
    assert fresh.info() == producer.app.info()


def test_a_state_that_does_not_hash_to_the_app_hash_is_rejected(
    tmp_path: Path, genesis_json: bytes, clock: Callable[[], int]
) -> None:
    producer = busy_chain(genesis_json, clock, MemoryStore())
    export = producer.app.export_state()
    items = list(export.items)
    # A peer's snapshot whose chunks match its own metadata, but one balance is changed: only the app hash catches it.
    forged_items = [(k, v + b"\x00") if index == len(items) // 2 else (k, v) for index, (k, v) in enumerate(items)]
    forged, chunks = encode_in_memory(export.height, export.app_hash, export.block, forged_items)
    restored, results = restore(genesis_json, forged, chunks)
    assert results[:-1] == [ChunkResult.ACCEPT] * (len(chunks) - 1)
    assert results[-1] is ChunkResult.REJECT_SNAPSHOT
    assert restored.height == 0 and restored.state_key_count == 0, "nothing of the rejected snapshot was kept"


def test_offers_are_refused_for_a_wrong_format_app_hash_or_metadata(
    tmp_path: Path, genesis_json: bytes, clock: Callable[[], int]
) -> None:
    producer = busy_chain(genesis_json, clock, MemoryStore())
    _, metadata = take(producer.app, tmp_path / "snapshots")
    restorer = SnapshotRestorer(GoStakingApp(MemoryStore()), genesis_json)
    good = offered(metadata)
    assert restorer.offer(good, b"\x01" * 32)[0] is OfferResult.REJECT
    other_format = OfferedSnapshot(good.height, 2, good.chunks, good.hash, good.metadata)
    assert restorer.offer(other_format, metadata.app_hash)[0] is OfferResult.REJECT_FORMAT
    junk_metadata = OfferedSnapshot(good.height, 1, good.chunks, good.hash, b"junk")
    assert restorer.offer(junk_metadata, metadata.app_hash)[0] is OfferResult.REJECT
    wrong_hash = OfferedSnapshot(good.height, 1, good.chunks, b"\x00" * 32, good.metadata)
    assert restorer.offer(wrong_hash, metadata.app_hash)[0] is OfferResult.REJECT
    assert restorer.apply_chunk(0, b"", "peer").result is ChunkResult.ABORT  # nothing was accepted
    # An app that already holds blocks cannot restore over them.
    result, reason = SnapshotRestorer(producer.app, genesis_json).offer(good, metadata.app_hash)
    assert result is OfferResult.ABORT and "already holds" in reason


def test_the_decoder_refuses_a_truncated_or_unordered_body(
    tmp_path: Path, genesis_json: bytes, clock: Callable[[], int]
) -> None:
    producer = busy_chain(genesis_json, clock, MemoryStore())
    export = producer.app.export_state()
    items = list(export.items)
    metadata, chunks = encode_in_memory(export.height, export.app_hash, b"block", items)
    decoder = SnapshotBodyDecoder(metadata)
    for chunk in chunks[:-1]:
        decoder.feed(chunk)
    with pytest.raises(SnapshotFormatError, match=r"middle of a record|entries"):
        decoder.finish()
    unordered, swapped = encode_in_memory(1, export.app_hash, b"b", [items[1], items[0]])
    with pytest.raises(SnapshotFormatError, match="strictly ascending"):
        SnapshotBodyDecoder(unordered).feed(swapped[0])


def test_snapshots_are_taken_in_the_background_of_the_height_committed_and_pruned(
    tmp_path: Path, genesis_json: bytes, clock: Callable[[], int]
) -> None:
    producer = busy_chain(genesis_json, clock, LmdbStore(tmp_path / "data"))
    app = producer.app
    taken: list[SnapshotTaken] = []
    taker = SnapshotTaker(SnapshotStore(tmp_path / "snapshots"), SnapshotSettings(2, 2, CHUNK_BYTES), taken.append)
    heights_and_hashes = {}
    for _ in range(6):
        block = producer.produce_block()
        heights_and_hashes[block.height] = block.header.app_hash
        started = taker.after_commit(block.height, app.export_state)
        assert started == (block.height % 2 == 0)
        if started:
            # The next block commits while the snapshot is written: the snapshot stays of its own height.
            taker.wait(30)
    assert [t.metadata.height for t in taken] == [h for h in sorted(heights_and_hashes) if h % 2 == 0]
    assert all(t.metadata.app_hash == heights_and_hashes[t.metadata.height] for t in taken)
    assert taker.store.heights() == sorted((t.metadata.height for t in taken), reverse=True)[:2]
    assert taker.failures == 0


def test_the_export_is_of_the_height_it_was_opened_at(
    tmp_path: Path, genesis_json: bytes, clock: Callable[[], int]
) -> None:
    producer = busy_chain(genesis_json, clock, LmdbStore(tmp_path / "data"))
    export = producer.app.export_state()
    for _ in range(2):
        producer.produce_block()
    store = SnapshotStore(tmp_path / "snapshots")
    metadata = store.write(export, CHUNK_BYTES)
    restored, results = restore(genesis_json, metadata, chunks_of(store, metadata))
    assert results[-1] is ChunkResult.ACCEPT and restored.height == producer.app.height - 2


def test_the_index_of_a_restored_node_starts_after_the_snapshot(
    tmp_path: Path, genesis_json: bytes, clock: Callable[[], int]
) -> None:
    producer = busy_chain(genesis_json, clock, MemoryStore())
    store, metadata = take(producer.app, tmp_path / "snapshots")
    restored, _ = restore(genesis_json, metadata, chunks_of(store, metadata))
    for _ in range(3):
        block = producer.produce_block()
        restored.finalize_block(
            block.height, block.header.time_ms, list(block.txs), block.header.proposer, block.signers
        )
        restored.commit()
    index = open_index(f"sqlite:///{tmp_path / 'index.sqlite'}", restored)
    try:
        assert index.indexer.sync() == 3
        assert index.indexer.indexed_height == restored.height == metadata.height + 3
        with index.engine.connect() as conn:
            heights = [row.height for row in conn.execute(select(blocks.c.height).order_by(blocks.c.height))]
        assert heights == [metadata.height + 1, metadata.height + 2, metadata.height + 3]
    finally:
        index.close()


def test_a_chunk_size_out_of_bounds_is_refused() -> None:
    with pytest.raises(ValueError, match="chunk_bytes"):
        SnapshotSettings(10, 2, 100)
    with pytest.raises(ValueError, match="keep_recent"):
        SnapshotSettings(10, 0)


@pytest.mark.skipif(stubs_problem() is not None, reason=f"ABCI stubs missing: {stubs_problem()}")
def test_the_abci_snapshot_methods_serve_and_restore(
    tmp_path: Path, genesis_json: bytes, clock: Callable[[], int]
) -> None:
    from gostaking.node.abci.proto import abci_types

    types = abci_types()
    producer = busy_chain(genesis_json, clock, LmdbStore(tmp_path / "data"))
    taker = SnapshotTaker(SnapshotStore(tmp_path / "snapshots"), SnapshotSettings(1, 1, CHUNK_BYTES))
    serving = AbciHandler(producer.app, snapshot_taker=taker)
    assert taker.after_commit(producer.app.height, producer.app.export_state)
    taker.wait(30)
    [snapshot] = serving.list_snapshots(types.RequestListSnapshots()).snapshots

    joining = AbciHandler(GoStakingApp(MemoryStore()), restorer=None)
    assert joining.offer_snapshot(types.RequestOfferSnapshot(snapshot=snapshot)).result == (
        types.ResponseOfferSnapshot.REJECT
    ), "a node without a restorer refuses every snapshot"
    fresh = GoStakingApp(MemoryStore())
    joining = AbciHandler(fresh, restorer=SnapshotRestorer(fresh, genesis_json))
    app_hash = producer.app.info().app_hash
    offer = joining.offer_snapshot(types.RequestOfferSnapshot(snapshot=snapshot, app_hash=app_hash))
    assert offer.result == types.ResponseOfferSnapshot.ACCEPT
    for index in range(snapshot.chunks):
        chunk = serving.load_snapshot_chunk(
            types.RequestLoadSnapshotChunk(height=snapshot.height, format=snapshot.format, chunk=index)
        ).chunk
        if index == 1:
            bad = joining.apply_snapshot_chunk(
                types.RequestApplySnapshotChunk(index=index, chunk=chunk[:-1] + b"?", sender="bad")
            )
            assert (bad.result, list(bad.refetch_chunks), list(bad.reject_senders)) == (
                types.ResponseApplySnapshotChunk.RETRY,
                [1],
                ["bad"],
            )
        applied = joining.apply_snapshot_chunk(types.RequestApplySnapshotChunk(index=index, chunk=chunk, sender="ok"))
        assert applied.result == types.ResponseApplySnapshotChunk.ACCEPT
    info = joining.info(types.RequestInfo())
    assert (info.last_block_height, info.last_block_app_hash) == (snapshot.height, app_hash)


def test_a_snapshot_that_cannot_start_does_not_stop_the_commit(tmp_path: Path) -> None:
    taker = SnapshotTaker(SnapshotStore(tmp_path / "snapshots"), SnapshotSettings(1, 1, CHUNK_BYTES))

    def broken_export() -> StateExport:
        raise CommitError("the tree holds uncommitted writes")

    assert taker.after_commit(7, broken_export) is False
    assert taker.failures == 1 and taker.store.heights() == []
