"""A node with `pruning.keep_recent_blocks` (node/pruning.py) on a network built through the launch flow: once past
N blocks its CometBFT and its app have deleted the old blocks (CometBFT's earliest_block_height moves, /block of an
old height says it is not available; the API answers 410 "pruned below H") and keep the recent ones; an archive
validator beside it keeps everything; it restarts and goes on pruning; and a new node still joins by state sync from
its snapshots.

Both are validators (neither can run ahead of the other): a follower more than N blocks behind a pruning node can
no longer fetch the blocks it misses from it (docs/operators.md)."""

import json
from pathlib import Path

import httpx
import pytest
from localnet_harness import requires_cometbft, wait_for_height, wait_until
from operator_harness import (
    Operator,
    free_on_every_host,
    join_by_state_sync,
    launch_flow,
    requires_loopback_hosts,
    restored_height,
    stop_together,
)

from gostaking.node.localnet.rpc import CometRpc, CometRpcError

pytestmark = [requires_cometbft, requires_loopback_hosts, pytest.mark.slow, pytest.mark.timeout(420)]

KEEP = 100
EVIDENCE_MAX_AGE_BLOCKS = 40
"""Shorter than KEEP, so that KEEP decides (the default, 100,000 blocks, would hold every block of this test)."""
SNAPSHOT_INTERVAL = 20
SNAPSHOTS_KEPT = KEEP // SNAPSHOT_INTERVAL
"""As many snapshots as KEEP blocks span (more would make the node keep blocks past KEEP for them): the one the
joiner chose outlives its discovery and its fetch (the default, 2, lasts 40 blocks: about 10 s here)."""
PAST_KEEP = 20
"""Blocks past KEEP before the first checks: block 1 and the one below the oldest kept are both pruned by then, and
the blocks the checks read (up to 30 above the oldest kept) exist."""


def set_evidence_max_age(genesis: Path, blocks: int) -> None:
    """Write CometBFT's consensus params into genesis.json (its defaults, with a short evidence window)."""
    document = json.loads(genesis.read_text())
    document["consensus_params"] = {
        "block": {"max_bytes": "22020096", "max_gas": "-1"},
        "evidence": {"max_age_num_blocks": str(blocks), "max_age_duration": "172800000000000", "max_bytes": "1048576"},
        "validator": {"pub_key_types": ["ed25519"]},
        "version": {"app": "0"},
        "abci": {"vote_extensions_enable_height": "0"},
    }
    genesis.write_text(json.dumps(document, indent=2))


def earliest_height(rpc: CometRpc) -> int:
    return int(rpc.status()["sync_info"]["earliest_block_height"])


def kept_blocks(rpc: CometRpc) -> tuple[int, int] | None:
    """(latest, earliest) height from one status answer, once CometBFT served the block at earliest (None when a block
    committed in between pruned it: the caller reads again)."""
    sync = rpc.status()["sync_info"]
    latest, earliest = int(sync["latest_block_height"]), int(sync["earliest_block_height"])
    served = rpc.call("block", height=str(earliest))["block"]["header"]["height"]
    return (latest, earliest) if served == str(earliest) else None


def test_a_pruning_node_keeps_only_recent_blocks_restarts_and_serves_state_sync(tmp_path: Path) -> None:
    ports = free_on_every_host(4)
    operators = [Operator(tmp_path, index, ports) for index in range(3)]
    pruner, archive, joiner = operators
    try:
        for operator in operators:
            operator.init(serve_api=operator is pruner)
        pruner.config("pruning.keep_recent_blocks", str(KEEP))
        pruner.config("snapshots.interval_blocks", str(SNAPSHOT_INTERVAL))
        pruner.config("snapshots.keep_recent", str(SNAPSHOTS_KEPT))
        peers = launch_flow(tmp_path, operators, 2, {})
        for operator in operators:  # every operator holds the same file
            set_evidence_max_age(operator.genesis, EVIDENCE_MAX_AGE_BLOCKS)
        pruner.start()
        archive.start()
        rpc, archive_rpc = pruner.rpc(), archive.rpc()
        api = httpx.Client(base_url=pruner.api_url, timeout=10)

        wait_for_height(rpc, KEEP + PAST_KEEP, timeout_s=180)
        wait_for_height(archive_rpc, KEEP + PAST_KEEP, timeout_s=60)
        height, earliest = wait_until(lambda: kept_blocks(rpc), "the oldest kept block to be served")
        assert height - KEEP - 5 <= earliest <= height - KEEP + 1, (height, earliest)
        with pytest.raises(CometRpcError, match="not available, lowest height is"):
            rpc.call("block", height=str(earliest - 1))
        assert earliest_height(archive_rpc) == 1, "the archive node keeps every block"
        assert archive_rpc.call("block", height="1")["block"]["header"]["height"] == "1"

        # The app pruned its own store to the same height first (it answers Commit before CometBFT prunes).
        for old in (1, earliest - 1):
            gone = api.get(f"/blocks/{old}")
            assert gone.status_code == 410 and gone.json()["error"] == "Pruned", gone.text
            assert "pruned below" in gone.json()["message"]
        assert api.get(f"/blocks/{height}").json()["height"] == height
        # (blocks go on meanwhile: a height well above the earliest one is still kept a few blocks later)
        assert api.get(f"/blocks/{earliest + 30}").json()["height"] == earliest + 30
        assert pruner.snapshot_heights(), "it took snapshots while pruning"

        # A restart: the app reopens its pruned store, CometBFT its pruned block store, and pruning goes on: the
        # oldest kept block moves 5 past the one at the stop (more than can commit between that read and the stop).
        at_stop = earliest_height(rpc)
        assert pruner.stop() == 0
        pruner.start()
        wait_until(lambda: earliest_height(rpc) > at_stop + 5, "pruning after the restart", 120)
        assert api.get(f"/blocks/{at_stop}").status_code == 410

        # A new node joins by state sync from the pruning node's snapshots (the archive node takes none): the
        # snapshot's height and every block after it are still there to fetch.
        join_by_state_sync(joiner, [pruner, archive], peers)
        joiner.start()
        joiner_rpc = joiner.rpc()
        wait_for_height(joiner_rpc, rpc.latest_height() + 2, timeout_s=120)
        restored = restored_height(joiner)
        assert restored is not None and restored >= earliest_height(rpc) - 1
        assert earliest_height(joiner_rpc) == restored + 1 or earliest_height(joiner_rpc) == restored
        api.close()
        for client in (rpc, archive_rpc, joiner_rpc):
            client.close()
        assert stop_together(operators) == [0] * len(operators)
    finally:
        for operator in operators:
            operator.kill_leftovers()
