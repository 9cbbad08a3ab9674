"""BlockProducer: monotonic heights and times, CometBFT-style signers, hooks, and the background loop."""

import threading
import time

from node_harness import NODE_KEY

from gostaking.node.app import GoStakingApp
from gostaking.node.blocks import StoredBlock
from gostaking.node.producer import BlockProducer
from gostaking.storage import MemoryStore


def make_producer(genesis_json: bytes, **kwargs: object) -> BlockProducer:
    app = GoStakingApp(MemoryStore())
    app.init_chain(genesis_json)
    return BlockProducer(app, NODE_KEY.public_key, **kwargs)  # type: ignore[arg-type]


def test_block_time_stays_increasing_when_the_clock_steps_back(genesis_json: bytes) -> None:
    times = iter([5_000, 4_000, 4_000, 9_000])
    producer = make_producer(genesis_json, clock_ms=lambda: next(times))
    blocks = [producer.produce_block() for _ in range(4)]
    assert [b.header.time_ms for b in blocks] == [5_000, 5_001, 5_002, 9_000]
    assert [b.height for b in blocks] == [1, 2, 3, 4]
    assert blocks[0].signers == () and blocks[1].signers == (NODE_KEY.address,)
    assert all(b.header.proposer == NODE_KEY.address for b in blocks)


def test_after_commit_hooks_run_and_their_failures_do_not_stop_production(genesis_json: bytes) -> None:
    seen: list[int] = []

    def broken(_: StoredBlock) -> None:
        raise RuntimeError("hook bug")

    producer = make_producer(genesis_json, after_commit=[broken, lambda block: seen.append(block.height)])
    producer.produce_block()
    producer.produce_block()
    assert seen == [1, 2]


def test_background_loop_produces_and_stops_cleanly(genesis_json: bytes) -> None:
    producer = make_producer(genesis_json, block_time_s=0.01)
    reached = threading.Event()
    producer.after_commit.append(lambda block: reached.set() if block.height >= 5 else None)
    producer.start()
    try:
        assert reached.wait(5.0)
    finally:
        producer.stop()
    height = producer.app.height
    time.sleep(0.05)
    assert producer.app.height == height >= 5
