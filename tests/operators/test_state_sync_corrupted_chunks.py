"""A node joining by state sync from two serving nodes, one of which serves corrupted snapshot chunks (the
GOSTAKING_TEST_CORRUPT_SNAPSHOT_CHUNKS fault, docs/operators.md): the joiner refuses each bad chunk (its hash is
not the one in the snapshot's metadata), drops that peer, fetches the chunk from the other one, restores the
snapshot and follows the chain."""

from pathlib import Path

import pytest
from localnet_harness import requires_cometbft, wait_for_height, wait_until
from operator_harness import (
    Operator,
    free_on_every_host,
    gostaking,
    join_by_state_sync,
    launch_flow,
    requires_loopback_hosts,
    restored_height,
    stop_together,
    wait_for_snapshots,
)

from gostaking.node.snapshots.store import CORRUPT_CHUNKS_ENV

pytestmark = [requires_cometbft, requires_loopback_hosts, pytest.mark.slow, pytest.mark.timeout(240)]

SNAPSHOT_INTERVAL_BLOCKS = 40
"""About 10 s of 200 ms blocks between the serving nodes' snapshots. CometBFT's state sync asks each peer for its
snapshots once, as it connects to it, and restores the newest snapshot offered; the joiner may connect to its two
peers seconds apart (CometBFT dials each persistent peer after a random pause of up to 3 s). A snapshot written in
between (every 1.2 s with 5-block intervals) is then offered by one node only, and the joiner fetches every chunk
from it: from the good node, none is refused; from the bad one, every one is, and with no other peer to ask the
joiner waits 2 minutes for the chunk. No snapshot is written while the joiner connects if it starts right after the
first one and the next one is this far away."""


def test_a_joining_node_refuses_corrupted_chunks_and_fetches_them_from_another_peer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ports = free_on_every_host(4)
    operators = [Operator(tmp_path, index, ports) for index in range(3)]
    good, bad, joiner = operators
    try:
        for operator in operators:
            operator.init(serve_api=False)
        for operator in (good, bad):
            operator.config("snapshots.interval_blocks", str(SNAPSHOT_INTERVAL_BLOCKS))
            operator.config("snapshots.chunk_bytes", "256")  # 15 chunks: the joiner asks both peers for some
            # Fast blocks: the snapshot the joiner chose must outlive its discovery and fetch.
            operator.config("snapshots.keep_recent", "10")
        peers = launch_flow(tmp_path, operators, 2, {})
        good.start()
        monkeypatch.setenv(CORRUPT_CHUNKS_ENV, "1")  # inherited by the bad node's supervisor and app only
        bad.start()
        monkeypatch.delenv(CORRUPT_CHUNKS_ENV)
        rpcs = [operator.rpc() for operator in operators]
        wait_for_height(rpcs[0], 1)  # the trust height and hash come from a block
        join_by_state_sync(joiner, [good, bad], peers)
        # The joiner starts as soon as both nodes hold a snapshot (their first): it asks each for its list as it
        # connects to it, long before their next one (SNAPSHOT_INTERVAL_BLOCKS).
        snapshot_height = wait_for_snapshots([good, bad])
        joiner.start()
        wait_for_height(rpcs[2], rpcs[0].latest_height() + 2, timeout_s=120)
        restored = restored_height(joiner)
        assert restored is not None, "the joiner restored a snapshot"
        # (a snapshot taken just before the serving node's RPC showed its height may leave the joiner only one block
        # past it: the app hashes below are compared at a height after blocks the joiner executed itself)
        wait_for_height(rpcs[2], restored + 3)
        bad_id = gostaking("node-info", "--field", "node_id", "--home", str(bad.home)).strip()
        joiner_log = (joiner.home / "logs" / "app.log").read_text()
        refused = [line for line in joiner_log.splitlines() if "does not match its hash" in line]
        assert refused, (
            f"the joiner was sent corrupted chunks and refused them (it restored height {restored}; both serving "
            f"nodes held the snapshot of height {snapshot_height} when it started)"
        )
        assert all(f"from peer {bad_id}" in line and "RETRY" in line for line in refused)
        # The restored node executes the next blocks as the others do: the same app hash at the same height.
        height = rpcs[2].latest_height() - 1
        wait_until(lambda: rpcs[0].latest_height() > height, "the serving node to pass the height")
        assert rpcs[2].header_app_hash(height) == rpcs[0].header_app_hash(height)
        assert rpcs[2].abci_info()[0] >= height
        for rpc in rpcs:
            rpc.close()
        assert stop_together(operators) == [0] * len(operators)
    finally:
        for operator in operators:
            operator.kill_leftovers()
