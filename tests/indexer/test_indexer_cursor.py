"""The cursor: batches are atomic, a crash (exception or kill -9) resumes exactly, re-indexing is idempotent,
and an index of another chain is rebuilt."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from indexer_harness import Chain, build_chain, dump, sqlite_url
from sqlalchemy import func, select

from gostaking.chain.types.tx import MsgSendCoins
from gostaking.indexer import open_index
from gostaking.indexer.schema import blocks, index_cursor, txs
from gostaking.node.app import GoStakingApp
from gostaking.storage import LmdbStore

REPO = Path(__file__).resolve().parents[2]


class InjectedCrash(Exception):
    pass


def _cursor_height(path: Path) -> int:
    """The worker's cursor, read with plain sqlite3 (no table creation racing the worker's own)."""
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=5) as conn:
            row = conn.execute("SELECT height FROM index_cursor WHERE id = 1").fetchone()
    except sqlite3.OperationalError:  # tables not created yet
        return 0
    return int(row[0]) if row else 0


def test_failed_batch_leaves_nothing_and_resume_matches_a_fresh_index(chain: Chain, tmp_path: Path) -> None:
    reference = open_index(sqlite_url(tmp_path / "reference.sqlite"), chain.node.app)
    assert reference.indexer.sync() == chain.node.app.height
    url = sqlite_url(tmp_path / "crashy.sqlite")
    index = open_index(url, chain.node.app, batch_blocks=10)

    def crash_after_30(height: int) -> None:
        if height > 30:
            raise InjectedCrash(f"crash before committing up to {height}")

    index.indexer.before_commit = crash_after_30
    with pytest.raises(InjectedCrash):
        index.indexer.sync()
    # Three batches (to 30) committed; the fourth (31..40) rolled back whole: rows and cursor together.
    assert index.indexer.indexed_height == 30
    with index.engine.connect() as conn:
        assert conn.execute(select(func.max(blocks.c.height))).scalar() == 30
        assert conn.execute(select(index_cursor.c.height)).scalar() == 30
        assert conn.execute(select(func.max(txs.c.height))).scalar() <= 30
    index.engine.dispose()

    resumed = open_index(url, chain.node.app)
    assert resumed.indexer.indexed_height == 30
    assert resumed.indexer.sync() == chain.node.app.height - 30
    assert dump(resumed.engine) == dump(reference.engine)


def test_kill_9_mid_batch_resumes_without_gaps_or_duplicates(tmp_path: Path) -> None:
    built = build_chain(tmp_path / "chain", lmdb=True, tail_blocks=150)
    height = built.node.app.height
    built.node.close()
    url = sqlite_url(tmp_path / "killed.sqlite")
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    worker = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "index_worker.py"), str(tmp_path / "chain"), url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while (indexed := _cursor_height(tmp_path / "killed.sqlite")) < 40:
            assert worker.poll() is None, worker.stdout.read() if worker.stdout else ""
            assert time.monotonic() < deadline, "the worker did not get going"
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert indexed < height, "the worker finished before it could be killed"

    app = GoStakingApp(LmdbStore(tmp_path / "chain" / "data"))
    resumed = open_index(url, app)
    killed_at = resumed.indexer.indexed_height
    assert indexed <= killed_at < height
    assert resumed.indexer.sync() == height - killed_at
    reference = open_index(sqlite_url(tmp_path / "reference.sqlite"), app)
    reference.indexer.sync()
    assert dump(resumed.engine) == dump(reference.engine)


def test_sync_is_idempotent_and_rebuild_reproduces_the_index(chain: Chain, tmp_path: Path) -> None:
    index = open_index(sqlite_url(tmp_path / "index.sqlite"), chain.node.app, batch_blocks=7)
    assert index.indexer.sync() == chain.node.app.height
    first = dump(index.engine)
    assert index.indexer.sync() == 0
    assert dump(index.engine) == first
    index.indexer.rebuild()
    assert index.indexer.indexed_height == 0
    index.indexer.sync()
    assert dump(index.engine) == first
    # A different batch size gives the same rows: batching is invisible in the result.
    other = open_index(sqlite_url(tmp_path / "other.sqlite"), chain.node.app, batch_blocks=1000)
    other.indexer.sync()
    assert dump(other.engine) == first


def test_an_index_of_another_chain_is_rebuilt(chain: Chain, tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "index.sqlite")
    open_index(url, chain.node.app).indexer.sync()
    other = build_chain(tmp_path / "other", tail_blocks=2)
    try:
        index = open_index(url, other.node.app)
        assert index.indexer.sync() == other.node.app.height
        with index.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(blocks)).scalar() == other.node.app.height
            hashes = set(conn.execute(select(txs.c.hash)).scalars())
        # Every indexed tx is on the new chain (the faucet's own top-ups too), and every tx sent there is indexed.
        assert set(other.txs.values()) <= hashes
        assert all(other.node.app.tx_location(bytes.fromhex(h)) is not None for h in hashes)
    finally:
        other.node.close()


def test_a_fresh_index_of_a_node_that_pruned_its_first_blocks_starts_at_its_last_commit(tmp_path: Path) -> None:
    """A node that pruned its first blocks (run without an index for a while) cannot give the index block 1: a new
    index starts after the node's last commit, as on a node restored from a snapshot, and follows it from there."""
    pruned = build_chain(tmp_path / "home", tail_blocks=5)
    try:
        app = pruned.node.app
        assert app.history_start() is None  # every block from 1 is still there
        assert app.prune_blocks(20, max_entries=10_000) == 19
        start = app.history_start()
        last = app.last_block
        assert start is not None and last is not None
        assert (start.height, start.block_hash) == (last.height, last.hash) and start.validators
        index = open_index(sqlite_url(tmp_path / "index.sqlite"), app)
        assert index.indexer.sync() == 0 and index.indexer.indexed_height == last.height
        pruned.submit("after", pruned.alice, MsgSendCoins(pruned.carol.address, "ugos", 1))
        pruned.produce(3)
        assert index.indexer.sync() == 3 and index.indexer.indexed_height == app.height
        with index.engine.connect() as conn:
            heights = [row[0] for row in conn.execute(select(blocks.c.height).order_by(blocks.c.height))]
            indexed_txs = conn.execute(select(func.count()).select_from(txs)).scalar_one()
        assert heights == [last.height + 1, last.height + 2, last.height + 3] and indexed_txs == 1
        index.close()
    finally:
        pruned.node.close()
