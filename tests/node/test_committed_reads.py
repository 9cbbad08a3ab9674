"""GoStakingApp.read_committed: the last committed state, read without the state lock (node/committed.py).

A reader never waits for a block, a block never waits for a reader, what a reader sees is one commit whatever
commits meanwhile, and the copies readers read hold exactly what the node's own state holds after every commit.
"""

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lmdb
import pytest
from node_harness import CHAIN_ID, FAUCET, NODE_KEY, OPERATOR, key, lock_held_by_another_thread

from gostaking.chain.modules.bank.queries import get_account, get_balance
from gostaking.chain.numeric import GOS_DENOM, UGOS_PER_GOS
from gostaking.chain.state import State
from gostaking.chain.tables import PagedTable
from gostaking.chain.types.tx import MsgSendCoins, MsgStakeNode, MsgUnvoteNode, MsgVoteNode, TxMsg
from gostaking.node.app import GoStakingApp, NodeBusyError
from gostaking.node.producer import BlockProducer
from gostaking.storage import ChainStore, LmdbStore, MemoryStore
from gostaking.storage.state_view import CommittedView
from gostaking.wallet.keys import sign_tx

GOS = UGOS_PER_GOS
MAP_SIZE = 2**30


@pytest.fixture
def producer(tmp_path: Path, genesis_json: bytes, clock: Callable[[], int]) -> BlockProducer:
    """A node on an LMDB store (whose snapshots are read transactions), past block 5: the operator has GOS."""
    app = GoStakingApp(LmdbStore(tmp_path / "data", map_size=MAP_SIZE))
    app.init_chain(genesis_json)
    producer = BlockProducer(app, NODE_KEY.public_key, clock_ms=clock)
    for _ in range(5):
        producer.produce_block()
    return producer


def submit(app: GoStakingApp, msgs: list[TxMsg]) -> None:
    """Queue a transaction of the operator's."""
    raw = sign_tx(OPERATOR, CHAIN_ID, app.next_sequence(OPERATOR.address), msgs, 1_000)
    result = app.check_tx(raw)
    assert result.ok, result.log


def whole(state: State) -> dict[str, Any]:
    """Every table's entries, and every secondary index's entries, of `state`."""
    tables: dict[str, Any] = {}
    for name in state.table_names():
        table = state._tables[name]
        tables[name] = table.items_sorted()
        for index, entries in table._indexes.items():
            tables[f"{name}#{index}"] = list(entries)
    return tables


def test_reads_see_the_last_commit_and_the_copies_hold_what_the_node_holds(producer: BlockProducer) -> None:
    """After every commit the readers' copy equals the node's own state, table by table and index by index, while
    blocks create accounts, move balances, add and remove bonds (indexed tables) and the two copies take turns."""
    app = producer.app
    for round_ in range(6):
        submit(app, [MsgSendCoins(key(30 + round_).address, GOS_DENOM, 3 + round_)])
        submit(app, [MsgVoteNode(OPERATOR.address, GOS // 10)])
        if round_ % 2:
            submit(app, [MsgUnvoteNode(OPERATOR.address, GOS // 20), MsgStakeNode(OPERATOR.address, GOS // 50)])
        block = producer.produce_block()
        assert all(result.code == 0 for result in block.tx_results), block.tx_results
        with app.read_committed() as committed, app.read() as node:
            assert committed is not node and committed.height.get() == app.committed_height == app.height
            assert isinstance(committed.balances, PagedTable)
            assert whole(committed) == whole(node)  # a paged table's whole visit reads the store, not the cache
            for address in [OPERATOR.address, *(key(30 + n).address for n in range(round_ + 1))]:  # the cache
                assert get_balance(committed, address, GOS_DENOM) == get_balance(node, address, GOS_DENOM)
                assert get_account(committed, address) == get_account(node, address)
    with app.read_committed() as committed:
        assert [get_balance(committed, key(30 + n).address, GOS_DENOM) for n in range(6)] == [3, 4, 5, 6, 7, 8]


def test_a_reader_sees_one_commit_whatever_commits_while_it_reads(producer: BlockProducer) -> None:
    """A read begun at height h goes on seeing h, resident tables and paged ones read after the commit alike, through
    two more commits (the second makes the node load a third copy rather than wait for the reader); the next read
    sees the newest commit, and the copy the long reader held is released when it is done."""
    app = producer.app
    receiver = key(40).address
    with app.read_committed() as before:
        height = before.height.get()
        operator_gos = get_balance(before, OPERATOR.address, GOS_DENOM)
        submit(app, [MsgSendCoins(receiver, GOS_DENOM, 11)])
        producer.produce_block()  # on this very thread: the reader holds no lock the block would need
        producer.produce_block()
        assert app.committed_height == height + 2 and app._committed.copies_made == 3  # type: ignore[union-attr]
        assert before.height.get() == height
        assert get_balance(before, receiver, GOS_DENOM) == 0  # read through the snapshot of height h
        assert get_balance(before, OPERATOR.address, GOS_DENOM) == operator_gos
        assert get_account(before, OPERATOR.address).sequence == app.next_sequence(OPERATOR.address) - 1
        held = before.balances._view.current  # type: ignore[attr-defined]
    with pytest.raises(lmdb.Error):
        held.get(b"balances/x")  # the retired copy's snapshot was released with its last reader
    with app.read_committed() as after, app.read() as node:
        assert after.height.get() == height + 2 and get_balance(after, receiver, GOS_DENOM) == 11
        assert whole(after) == whole(node)  # the copy made in place of the one still read


def test_a_reader_needs_neither_the_state_lock_nor_a_block_in_flight_to_commit(
    producer: BlockProducer, clock: Callable[[], int]
) -> None:
    """While another thread holds the state lock, and while a block is finalized but not committed (when `read`
    waits, here until NodeBusyError), read_committed answers at once with the last commit."""
    app = producer.app
    app.read_timeout_s = 0.05
    height = app.height
    with lock_held_by_another_thread(app), app.read_committed() as state:
        assert state.height.get() == height
    app.finalize_block(height + 1, clock(), [], NODE_KEY.address, [NODE_KEY.address])
    with pytest.raises(NodeBusyError), app.read():
        pass
    with app.read_committed() as state:
        assert state.height.get() == height
    app.commit()
    with app.read_committed() as state:
        assert state.height.get() == height + 1


def test_blocks_go_on_while_threads_read(producer: BlockProducer) -> None:
    """Four threads read the committed state in a loop while twenty blocks commit: every read sees one whole commit
    (the faucet's holdings and the height agree with that commit), and the node never waits for them."""
    app = producer.app
    seen: dict[int, int] = {}
    errors: list[BaseException] = []
    stop = threading.Event()

    def read_loop() -> None:
        try:
            while not stop.is_set():
                with app.read_committed() as state:
                    height = state.height.get()
                    balance = get_balance(state, key(50).address, GOS_DENOM)
                    assert seen.setdefault(height, balance) == balance
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    readers = [threading.Thread(target=read_loop) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for _ in range(20):
            submit(app, [MsgSendCoins(key(50).address, GOS_DENOM, 1)])
            producer.produce_block()
    finally:
        stop.set()
        for reader in readers:
            reader.join(10)
    assert not errors, errors
    first = min(seen)
    assert all(seen[height] == height - first + seen[first] for height in seen)  # one GOS unit a block
    with app.read_committed() as state:
        assert get_balance(state, key(50).address, GOS_DENOM) == 20


def test_before_the_first_commit_reads_show_the_pending_genesis(genesis_json: bytes) -> None:
    app = GoStakingApp(MemoryStore())
    app.init_chain(genesis_json)
    assert app.committed_height == 0
    with app.read_committed() as state:
        assert get_balance(state, FAUCET.address, "btc") > 0


def test_a_failure_to_bring_the_copies_up_fails_no_commit_and_the_next_commit_makes_them_again(
    producer: BlockProducer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The block is committed whatever happens to the readers' copies: when the store refuses their snapshot, the
    failure is logged, reads take the lock meanwhile (and see the commit), and the next commit makes the copies
    again."""
    app = producer.app
    committed_view = ChainStore.committed_view

    def refuse(chain: ChainStore) -> CommittedView:
        raise lmdb.ReadersFullError("MDB_READERS_FULL: Environment maxreaders limit reached")

    monkeypatch.setattr(ChainStore, "committed_view", refuse)
    submit(app, [MsgSendCoins(key(60).address, GOS_DENOM, 5)])
    block = producer.produce_block()
    assert app.height == block.height and app._committed is None
    assert "cannot bring the readers' copies" in caplog.text
    with app.read_committed() as state:  # under the lock: the node's own state, at the commit
        assert state.height.get() == block.height and get_balance(state, key(60).address, GOS_DENOM) == 5
    monkeypatch.setattr(ChainStore, "committed_view", committed_view)
    producer.produce_block()
    assert app._committed is not None and app.committed_height == app.height
    with app.read_committed() as state, app.read() as node:
        assert state is not node and whole(state) == whole(node)
