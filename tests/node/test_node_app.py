"""GoStakingApp: the ABCI-shaped lifecycle, persistence, check_tx and recovery from a failed block."""

import itertools
import sys
import threading
import time
from collections.abc import Callable

import pytest
from node_harness import CHAIN_ID, FAUCET, NODE_KEY, OPERATOR, key, lock_held_by_another_thread
from prometheus_client import Histogram

from gostaking.chain.codec import tx_hash
from gostaking.chain.errors import InvalidGenesisError
from gostaking.chain.genesis import decode_genesis, encode_genesis
from gostaking.chain.modules.bank.queries import get_account, get_balance
from gostaking.chain.numeric import GOS_DENOM, UGOS_PER_GOS
from gostaking.chain.tables import PagedTable
from gostaking.chain.types.tx import MsgSendCoins, MsgVoteNode
from gostaking.node import app as app_module
from gostaking.node.app import MAPPED_STORE_BUDGET, AppSequenceError, GoStakingApp, NodeBusyError
from gostaking.node.blocks import ZERO_HASH, compute_txs_hash
from gostaking.node.mempool import Mempool
from gostaking.node.metrics import AppMetrics
from gostaking.node.producer import BlockProducer
from gostaking.node.settings import DEFAULT_MAPPED_MEMORY_MIB, MIN_MAPPED_MEMORY_MIB, mapped_store_budget
from gostaking.storage import ChainStore, LmdbStore, MemoryStore, PendingTxJournal
from gostaking.wallet.keys import PrivateKey, sign_tx

GOS = UGOS_PER_GOS


def start(store: MemoryStore | LmdbStore, genesis_json: bytes, clock: Callable[[], int]) -> BlockProducer:
    app = GoStakingApp(store)
    if app.info().height == 0:
        app.init_chain(genesis_json)
    return BlockProducer(app, NODE_KEY.public_key, clock_ms=clock)


def test_genesis_state_stays_pending_until_block_1(genesis_json: bytes, clock: Callable[[], int]) -> None:
    store = MemoryStore()
    app = GoStakingApp(store)
    assert app.info().height == 0 and app.info().chain_id == ""
    updates, genesis_hash = app.init_chain(genesis_json)
    assert [u.power for u in updates] == [10] and updates[0].consensus_pubkey == NODE_KEY.public_key
    with app.read() as state:
        assert get_balance(state, FAUCET.address, "btc") > 0  # visible in memory...
    reopened = ChainStore.open(store)
    assert reopened.height == 0 and list(reopened.state_items()) == []  # ...but nothing on disk
    assert reopened.genesis() == genesis_json

    # A crash before block 1: the app restarts empty, and init_chain runs again with the same result.
    again = GoStakingApp(store)
    assert again.info().chain_id == ""
    assert again.init_chain(genesis_json) == (updates, genesis_hash)
    with pytest.raises(AppSequenceError, match="already initialized"):
        again.init_chain(genesis_json)
    other = encode_genesis(decode_genesis(genesis_json).__class__(chain_id="other", genesis_time_ms=1))
    with pytest.raises(InvalidGenesisError, match="different genesis"):
        GoStakingApp(store).init_chain(other)

    block = BlockProducer(again, NODE_KEY.public_key, clock_ms=clock).produce_block()
    assert block.height == 1 and block.header.previous_hash == ZERO_HASH and block.signers == ()
    assert ChainStore.open(store).height == 1


def test_blocks_commit_and_reopen_at_the_same_height_and_app_hash(
    tmp_path: object, genesis_json: bytes, clock: Callable[[], int]
) -> None:
    path = f"{tmp_path}/data"
    store = LmdbStore(path)
    producer = start(store, genesis_json, clock)
    blocks = [producer.produce_block() for _ in range(5)]
    assert [b.height for b in blocks] == [1, 2, 3, 4, 5]
    assert all(b.header.previous_hash == a.hash for a, b in itertools.pairwise(blocks))
    assert all(b.header.time_ms > a.header.time_ms for a, b in itertools.pairwise(blocks))
    assert blocks[1].signers == (NODE_KEY.address,)
    raw = sign_tx(OPERATOR, CHAIN_ID, 0, [MsgSendCoins(key(9).address, GOS_DENOM, 5 * GOS)], 1_000)
    assert producer.app.check_tx(raw).ok
    block = producer.produce_block()
    assert block.txs == (raw,) and block.tx_results[0].code == 0
    assert block.header.txs_hash == compute_txs_hash([raw])
    info = producer.app.info()
    store.close()

    reopened = GoStakingApp(LmdbStore(path))
    assert reopened.info() == info
    assert reopened.last_block == block
    assert reopened.block(6) == block and reopened.block(7) is None and reopened.block(0) is None
    assert reopened.tx_location(block.tx_results[0].tx_hash) == (6, 0)
    with reopened.read() as state:
        assert get_balance(state, key(9).address, GOS_DENOM) == 5 * GOS
        assert get_account(state, OPERATOR.address).sequence == 1


def test_a_node_pages_its_state_through_the_store_and_trims_what_it_read(
    genesis_json: bytes, clock: Callable[[], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """From block 1 on (and after every restart) the state reads accounts and balances through the store: nothing
    of them is in memory until read, and after a commit at most STATE_CACHE_ENTRIES clean entries stay per table,
    while reads, blocks and app hashes go on as with everything in memory."""
    monkeypatch.setattr(app_module, "STATE_CACHE_ENTRIES", 1)
    store = MemoryStore()
    producer = start(store, genesis_json, clock)
    for _ in range(5):
        producer.produce_block()  # the operator earns the GOS it pays fees with
    with producer.app.read() as state:
        assert isinstance(state.balances, PagedTable) and isinstance(state.accounts, PagedTable)
        assert not isinstance(state.pools, PagedTable) and len(state.pools) > 0  # resident: blocks visit it whole
        cache = state.balances._cache  # type: ignore[attr-defined]
        assert len(cache) <= 1 and (FAUCET.address, "btc") not in cache  # only what the blocks read, trimmed
        faucet_btc = get_balance(state, FAUCET.address, "btc")
        assert faucet_btc > 0 and (FAUCET.address, "btc") in cache
    for sequence in range(3):
        raw = sign_tx(OPERATOR, CHAIN_ID, sequence, [MsgSendCoins(key(20 + sequence).address, GOS_DENOM, 7)], 1_000)
        assert producer.app.check_tx(raw).ok
    block = producer.produce_block()
    assert [result.code for result in block.tx_results] == [0, 0, 0]
    with producer.app.read() as state:
        assert len(state.balances._cache) <= 1  # type: ignore[attr-defined]  # trimmed after the commit
        assert [get_balance(state, key(20 + n).address, GOS_DENOM) for n in range(3)] == [7, 7, 7]
        assert get_account(state, OPERATOR.address).sequence == 3
        assert get_balance(state, FAUCET.address, "btc") == faucet_btc
    assert GoStakingApp(store).info() == producer.app.info()


def test_execution_is_deterministic(genesis_json: bytes) -> None:
    def run() -> list[bytes]:
        times = iter(range(10_000, 100_000, 1_000))
        producer = start(MemoryStore(), genesis_json, lambda: next(times))
        hashes = []
        for height in range(1, 8):
            if height == 4:
                send = MsgSendCoins(key(9).address, GOS_DENOM, GOS)
                producer.app.check_tx(sign_tx(OPERATOR, CHAIN_ID, 0, [send], 1_000))
            hashes.append(producer.produce_block().header.app_hash)
        return hashes

    assert run() == run()


def test_finalize_persists_nothing_and_readers_wait_for_commit(genesis_json: bytes, clock: Callable[[], int]) -> None:
    store = MemoryStore()
    producer = start(store, genesis_json, clock)
    producer.produce_block()
    app = producer.app
    app.read_timeout_s = 0.05
    result, app_hash = app.finalize_block(2, clock(), [], NODE_KEY.address, [NODE_KEY.address])
    assert result.height == 2 and app_hash != app.info().app_hash
    assert GoStakingApp(MemoryStore()).info().height == 0
    assert ChainStore.open(store).height == 1  # nothing written yet
    with pytest.raises(NodeBusyError), app.read():
        pass
    with pytest.raises(AppSequenceError, match="not committed"):
        app.finalize_block(2, clock(), [], "", [])
    block = app.commit()
    assert block.header.app_hash == app_hash == app.info().app_hash
    with pytest.raises(AppSequenceError, match="without a finalized block"):
        app.commit()
    with pytest.raises(AppSequenceError, match="does not follow"):
        app.finalize_block(5, clock(), [], "", [])
    with pytest.raises(AppSequenceError, match="before the previous block"):
        app.finalize_block(3, 0, [], "", [])
    with pytest.raises(AppSequenceError, match="before init_chain"):
        GoStakingApp(MemoryStore()).finalize_block(1, 1, [], "", [])


def test_read_if_free_gives_the_committed_state_only_when_reading_needs_no_wait(
    genesis_json: bytes, clock: Callable[[], int]
) -> None:
    producer = start(MemoryStore(), genesis_json, clock)
    producer.produce_block()
    app = producer.app
    with app.read_if_free() as state:
        assert state is not None and state.height.get() == 1
    with lock_held_by_another_thread(app), app.read_if_free() as state:
        assert state is None  # another thread reads: this one would wait
    app.finalize_block(2, clock(), [], NODE_KEY.address, [NODE_KEY.address])
    with app.read_if_free() as state:
        assert state is None  # a block between finalize and commit: its state is not the committed one
    app.commit()
    with app.read_if_free() as state:
        assert state is not None and state.height.get() == 2


def test_a_stream_of_reads_that_take_the_free_state_does_not_keep_a_block_waiting(
    genesis_json: bytes, clock: Callable[[], int]
) -> None:
    """The API's event loop reads the state whenever the lock is free (read_if_free), back to back under load. A
    thread waiting to finalize or commit would get the lock only when it also got the GIL between two such reads
    (over a second a block, measured); read_if_free steps aside while a block waits instead."""
    producer = start(MemoryStore(), genesis_json, clock)
    producer.produce_block()
    app = producer.app
    block_seconds: list[float] = []

    def produce() -> None:
        for _ in range(30):
            time.sleep(0.005)
            started = time.perf_counter()
            producer.produce_block()
            block_seconds.append(time.perf_counter() - started)

    blocks = threading.Thread(target=produce)
    blocks.start()
    reads = 0
    while blocks.is_alive():  # as the event loop under load: a short read as soon as the state is free
        with app.read_if_free() as state:
            if state is not None:
                reads += sum(get_account(state, OPERATOR.address).sequence == 0 for _ in range(20))
    blocks.join()
    assert app.height == 31 and reads > 0
    assert max(block_seconds) < 0.5, sorted(block_seconds)[-3:]


def test_a_block_s_wait_for_a_reader_is_measured(genesis_json: bytes, clock: Callable[[], int]) -> None:
    """gostaking_block_lock_wait_seconds: how long FinalizeBlock and Commit waited for the state lock."""
    producer = measured_after_block_1(genesis_json, clock)
    app = producer.app
    waits = app.metrics.block_lock_wait_seconds
    assert sample(waits, "_count") == 2 and sample(waits, "_sum") < 0.1  # nobody read: no wait
    block = threading.Thread(target=producer.produce_block)
    with lock_held_by_another_thread(app):
        block.start()
        time.sleep(0.3)  # the block waits for the reader meanwhile
        assert app.height == 1
    block.join(10)
    assert app.height == 2 and sample(waits, "_count") == 4
    assert 0.3 <= sample(waits, "_sum") < 10


def test_a_read_s_wait_for_a_block_in_flight_is_measured(genesis_json: bytes, clock: Callable[[], int]) -> None:
    """gostaking_read_wait_seconds: how long `read` waited for a block between FinalizeBlock and Commit."""
    app = measured_after_block_1(genesis_json, clock).app
    waits = app.metrics.read_wait_seconds
    with app.read() as state:
        assert state.height.get() == 1
    assert sample(waits, "_count") == 1 and sample(waits, "_sum") < 0.1  # no block in flight: no wait
    app.finalize_block(2, clock(), [], NODE_KEY.address, [NODE_KEY.address])
    heights: list[int] = []

    def read_height() -> None:
        with app.read() as state:
            heights.append(state.height.get())

    reader = threading.Thread(target=read_height)
    reader.start()
    time.sleep(0.3)  # the reader waits for the commit meanwhile
    assert heights == []
    app.commit()
    reader.join(10)
    assert heights == [2] and sample(waits, "_count") == 2
    assert 0.3 <= sample(waits, "_sum") < 10


def measured_after_block_1(genesis_json: bytes, clock: Callable[[], int]) -> BlockProducer:
    """A node with its metrics on, after its first block."""
    producer = start(MemoryStore(), genesis_json, clock)
    producer.app.metrics = AppMetrics(enabled=True)
    producer.produce_block()
    return producer


def sample(histogram: Histogram, suffix: str) -> float:
    """The value of a histogram's `_count` or `_sum` sample."""
    (family,) = histogram.collect()
    return next(s.value for s in family.samples if s.name.endswith(suffix))


def test_a_failing_block_rolls_back_to_the_last_commit(
    genesis_json: bytes, clock: Callable[[], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    producer = start(MemoryStore(), genesis_json, clock)
    for _ in range(3):
        producer.produce_block()
    app = producer.app
    before = app.info()
    with app.read() as state:
        operator_gos = get_balance(state, OPERATOR.address, GOS_DENOM)
    real_apply = app_module.apply_block

    def apply_then_fail(state: object, env: object, txs: list[bytes], verified: object) -> object:
        real_apply(state, env, txs, verified)  # type: ignore[arg-type]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(app_module, "apply_block", apply_then_fail)
    with pytest.raises(RuntimeError, match="disk on fire"):
        producer.produce_block()
    assert app.info() == before
    with app.read() as state:
        assert get_balance(state, OPERATOR.address, GOS_DENOM) == operator_gos
    monkeypatch.setattr(app_module, "apply_block", real_apply)
    assert producer.produce_block().height == 4


def test_a_failing_block_1_keeps_the_genesis_pending(
    genesis_json: bytes, clock: Callable[[], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = MemoryStore()
    producer = start(store, genesis_json, clock)

    def fail(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app_module, "apply_block", fail)
    with pytest.raises(RuntimeError):
        producer.produce_block()
    monkeypatch.undo()
    block = producer.produce_block()
    assert block.height == 1
    twin = start(MemoryStore(), genesis_json, clock).produce_block()
    assert block.header.app_hash == twin.header.app_hash


def test_check_tx_tracks_sequences_through_the_mempool(genesis_json: bytes, clock: Callable[[], int]) -> None:
    producer = start(MemoryStore(), genesis_json, clock)
    for _ in range(3):
        producer.produce_block()  # the operator earns 10 GOS per block from block 2
    app = producer.app
    to = key(9).address

    def send(sequence: int, fee: int = 1_000, chain_id: str = CHAIN_ID) -> bytes:
        return sign_tx(OPERATOR, chain_id, sequence, [MsgSendCoins(to, GOS_DENOM, GOS)], fee)

    assert [app.check_tx(send(n)).ok for n in range(3)] == [True, True, True]
    assert app.next_sequence(OPERATOR.address) == 3
    duplicate = app.check_tx(send(1))
    assert (duplicate.code, duplicate.error) == (102, "DuplicateTxError")
    gap = app.check_tx(send(5))
    assert (gap.code, gap.error) == (5, "BadSequenceError") and "expected 3" in gap.message
    assert app.check_tx(send(3, chain_id="other")).error == "WrongChainIdError"
    assert app.check_tx(b"not a tx").error == "DecodeError"
    assert app.check_tx(send(3, fee=10)).error == "InsufficientFeeError"
    assert app.check_tx(send(3, fee=50 * GOS)).error == "InsufficientFundsError"
    with app.read() as state:
        liquid = get_balance(state, OPERATOR.address, GOS_DENOM)
    # Affordable on its own, but not together with the fees of the three txs already pending:
    broke = app.check_tx(send(3, fee=liquid - 1_000))
    assert broke.error == "InsufficientFundsError" and "pending" in broke.message
    poor = sign_tx(key(7), CHAIN_ID, 0, [MsgVoteNode(OPERATOR.address, GOS)], 1_000)
    assert app.check_tx(poor).error == "InsufficientFundsError"
    assert len(app.mempool) == 3

    block = producer.produce_block()
    assert [r.code for r in block.tx_results] == [0, 0, 0]
    assert len(app.mempool) == 0
    assert app.next_sequence(OPERATOR.address) == 3
    replay = app.check_tx(send(0))
    assert (replay.code, replay.error) == (103, "AlreadyIncludedError")
    assert app.check_tx(send(3), add_to_mempool=False).ok and len(app.mempool) == 0


def test_check_tx_limits_each_sender_and_a_full_mempool_takes_only_higher_fees(
    genesis_json: bytes, clock: Callable[[], int]
) -> None:
    app = GoStakingApp(MemoryStore(), Mempool(max_txs=2, max_per_sender=1))
    app.init_chain(genesis_json)
    producer = BlockProducer(app, NODE_KEY.public_key, clock_ms=clock)
    for _ in range(3):
        producer.produce_block()
    other = key(9)
    funding = [MsgSendCoins(FAUCET.address, GOS_DENOM, GOS), MsgSendCoins(other.address, GOS_DENOM, GOS)]
    assert app.check_tx(sign_tx(OPERATOR, CHAIN_ID, 0, funding, 1_000)).ok
    assert [r.code for r in producer.produce_block().tx_results] == [0]

    def send(signer: PrivateKey, sequence: int, fee: int = 1_000) -> bytes:
        return sign_tx(signer, CHAIN_ID, sequence, [MsgSendCoins(OPERATOR.address, GOS_DENOM, 1)], fee)

    assert app.check_tx(send(OPERATOR, 1)).ok
    limited = app.check_tx(send(OPERATOR, 2))
    assert (limited.code, limited.error) == (104, "SenderLimitError") and "1 transactions waiting" in limited.message
    faucet_tx = send(FAUCET, 0)
    assert app.check_tx(faucet_tx).ok  # the pool is full now
    full = app.check_tx(send(other, 0))
    assert (full.code, full.error) == (101, "MempoolFullError") and "paying at least 1000 ugos" in full.message
    assert app.check_tx(send(other, 0, fee=2_000)).ok  # evicts the newest of the cheapest: the faucet's
    assert app.mempool.get(tx_hash(faucet_tx)) is None
    assert "evicted" in str(app.mempool.dropped_reason(tx_hash(faucet_tx)))
    block = producer.produce_block()
    assert [r.fee for r in block.tx_results] == [2_000, 1_000]  # the higher fee first


def test_accepted_transactions_survive_a_crash_in_the_journal_and_only_they_come_back(
    tmp_path: object, genesis_json: bytes, clock: Callable[[], int]
) -> None:
    path = f"{tmp_path}/data"

    def open_app() -> tuple[GoStakingApp, LmdbStore, PendingTxJournal]:
        store = LmdbStore(path)
        journal = PendingTxJournal(store)
        app = GoStakingApp(store, Mempool(journal=journal))
        if app.info().height == 0:
            app.init_chain(genesis_json)
        return app, store, journal

    app, store, journal = open_app()
    producer = BlockProducer(app, NODE_KEY.public_key, clock_ms=clock)
    for _ in range(3):
        producer.produce_block()
    sends = [sign_tx(OPERATOR, CHAIN_ID, n, [MsgSendCoins(key(9).address, GOS_DENOM, GOS)], 1_000) for n in range(4)]
    assert all(app.check_tx(raw).ok for raw in sends[:2])
    assert len(journal) == 2
    producer.produce_block()  # includes 0 and 1: the journal forgets them
    assert len(journal) == 0
    assert all(app.check_tx(raw).ok for raw in sends[2:])
    # As if the process died between a commit and the journal's forgetting: an included tx is still listed.
    journal.record(tx_hash(sends[0]), sends[0])
    store.close()  # the process dies here: no shutdown, no block

    again, _, journal = open_app()
    assert len(again.mempool) == 0 and len(journal) == 3
    assert again.replay_mempool_journal() == 2
    assert again.mempool.hashes() == [tx_hash(raw) for raw in sends[2:]]
    assert len(journal) == 2
    block = BlockProducer(again, NODE_KEY.public_key, clock_ms=clock).produce_block()
    assert block.txs == tuple(sends[2:]) and [r.code for r in block.tx_results] == [0, 0]
    assert len(journal) == 0


def test_query_paths(genesis_json: bytes, clock: Callable[[], int]) -> None:
    producer = start(MemoryStore(), genesis_json, clock)
    producer.produce_block()
    producer.produce_block()
    assert producer.app.check_tx(sign_tx(OPERATOR, CHAIN_ID, 0, [MsgSendCoins(FAUCET.address, "ugos", 1)], 1_000)).ok
    block = producer.produce_block()
    app = producer.app
    info = app.query("/info")
    assert info.code == 0 and b'"height":3' in info.value
    assert app.query("/state", b'chain_id/""').value == b'"gostaking-test"'
    assert app.query("/state", b"nope").code == 1
    assert app.query("/tx", block.tx_results[0].tx_hash).value == b'{"height":3,"index":0}'
    assert app.query("/tx", b"short").code == 1
    assert "unknown query path" in app.query("/what").log


def test_recheck_keeps_a_waiting_tx_in_place_and_drops_one_that_fails_now(
    genesis_json: bytes, clock: Callable[[], int]
) -> None:
    from gostaking.chain.codec import tx_hash
    from gostaking.node.mempool import MempoolTx

    producer = start(MemoryStore(), genesis_json, clock)
    app = producer.app
    for _ in range(3):
        producer.produce_block()
    first = sign_tx(OPERATOR, CHAIN_ID, 0, [MsgSendCoins(key(5).address, GOS_DENOM, 1)], fee=1_000)
    assert app.check_tx(first).ok
    assert app.recheck_tx(first).ok and len(app.mempool) == 1, "kept in place, not a duplicate"
    # One that verification refuses now (here: signed for another chain, slipped in by hand), and a later one.
    wrong = sign_tx(OPERATOR, "other-chain", 1, [MsgSendCoins(key(5).address, GOS_DENOM, 1)], fee=1_000)
    app.mempool.add(MempoolTx(wrong, tx_hash(wrong), OPERATOR.address, 1, 1_000))
    later = sign_tx(OPERATOR, CHAIN_ID, 2, [MsgSendCoins(key(5).address, GOS_DENOM, 1)], fee=1_000)
    assert app.check_tx(later).ok
    result = app.recheck_tx(wrong)
    assert result.error == "WrongChainIdError"
    assert app.mempool.hashes() == [tx_hash(first)] and app.next_sequence(OPERATOR.address) == 1
    # Not in the mempool: checked as a new transaction.
    assert app.recheck_tx(later).error == "BadSequenceError"


def test_a_budget_in_mib_is_none_for_no_budget_or_at_least_the_minimum() -> None:
    assert mapped_store_budget(0) is None
    assert mapped_store_budget(MIN_MAPPED_MEMORY_MIB) == MIN_MAPPED_MEMORY_MIB * 2**20
    assert mapped_store_budget(DEFAULT_MAPPED_MEMORY_MIB) == MAPPED_STORE_BUDGET
    for refused in (-1, 1, MIN_MAPPED_MEMORY_MIB - 1):
        with pytest.raises(ValueError, match=f"0 .no budget. or at least {MIN_MAPPED_MEMORY_MIB} MiB, got {refused}"):
            mapped_store_budget(refused)


def test_commit_releases_the_mapped_store_over_budget_and_the_chain_is_the_same(
    tmp_path: object, genesis_json: bytes
) -> None:
    """Over its budget (0 here: the process's mapped libraries exceed it), every commit takes the store's map out of
    resident memory; within it, none does; the blocks, their app hashes and the reads after a restart are those of a
    node that never checks."""

    class CountingStore(LmdbStore):
        releases: list[bool]

        def release_mapped_pages(self, budget: int) -> bool:
            released = super().release_mapped_pages(budget)
            self.releases.append(released)
            return released

    def run(name: str, budget: int | None) -> tuple[list[bytes], list[bool]]:
        store = CountingStore(f"{tmp_path}/{name}")
        store.releases = []
        times = iter(range(10_000, 100_000, 1_000))
        app = GoStakingApp(store, mapped_store_budget=budget)
        app.init_chain(genesis_json)
        producer = BlockProducer(app, NODE_KEY.public_key, clock_ms=lambda: next(times))
        hashes = []
        for height in range(1, 7):
            if height == 4:
                send = MsgSendCoins(key(9).address, GOS_DENOM, GOS)
                assert app.check_tx(sign_tx(OPERATOR, CHAIN_ID, 0, [send], 1_000)).ok
            hashes.append(producer.produce_block().header.app_hash)
        store.close()
        with LmdbStore(f"{tmp_path}/{name}") as reopened:
            app = GoStakingApp(reopened)
            assert app.info().app_hash == hashes[-1]
            with app.read() as state:
                assert get_balance(state, key(9).address, GOS_DENOM) == GOS
        return hashes, store.releases

    released_hashes, releases = run("released", 0)
    within_hashes, within = run("within", 2**62)
    kept_hashes, kept = run("kept", None)
    assert released_hashes == within_hashes == kept_hashes
    assert releases == [sys.platform.startswith("linux")] * 6
    assert within == [False] * 6  # checked after every commit, nothing to release
    assert kept == []  # never checked


def test_a_release_that_fails_does_not_fail_the_commit(genesis_json: bytes, clock: Callable[[], int]) -> None:
    class NoProcStore(MemoryStore):
        calls = 0

        def release_mapped_pages(self, budget: int) -> bool:
            self.calls += 1
            raise FileNotFoundError("/proc/self/statm")

    store = NoProcStore()
    producer = start(store, genesis_json, clock)
    producer.produce_block()
    producer.produce_block()
    assert producer.app.info().height == 2 and ChainStore.open(store).height == 2
    assert store.calls == 1 and producer.app.mapped_store_budget is None  # tried once, then no longer
