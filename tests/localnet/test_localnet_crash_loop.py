"""A 4-validator localnet under load (through node 0's API) while validator 3 is killed with kill -9 again and again
(its app process, its cometbft, or both): the other three (> 2/3 of the power) keep making blocks, node 3 catches up
to the same blocks and app hashes, no committed transaction is lost or moved, no transaction node 0 accepted is
lost, and every node's store passes the chain invariants at the end.

CI size: GOSTAKING_LOCALNET_CRASH_KILLS=5 kills (about 80 s); nightly, e.g. 20. Kill moments, which process is
killed and the load come from GOSTAKING_CRASH_SEED (printed).
"""

import random
import time
from pathlib import Path

import httpx
import pytest
from crash_checks import ReadOnlyLmdb, check_blocks_unchanged, check_store, check_txs_still_included, sample_heights
from crash_harness import env_int, get_json, log_tail, wait_api_height, wait_index_height
from crash_load import (
    BlockFollower,
    Holdings,
    LoadGenerator,
    expected_holdings,
    fund_accounts,
    read_holdings,
    wait_quiescent,
)
from free_ports import free_port_block
from localnet_harness import (
    COMET_EXIT_S,
    api_client,
    assert_same_app_hash,
    kill_app_then_its_cometbft,
    requires_cometbft,
    wait_for_height,
)

from gostaking.node.localnet.network import LocalnetNode, create_localnet
from gostaking.node.localnet.processes import LocalnetProcesses
from gostaking.storage import ChainStore
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey

KILLS = env_int("GOSTAKING_LOCALNET_CRASH_KILLS", 5)
SEED = env_int("GOSTAKING_CRASH_SEED", 20_240_611)
VICTIM = 3
MODES = ("node", "app", "comet")
"""kill -9 of node 3's app and cometbft together, of its app alone (its cometbft then stops by itself, or is killed
as `gostaking start` would when its stop hangs: localnet_harness.kill_app_then_its_cometbft), or of its cometbft
alone (the app process lives on and is driven again by the restarted cometbft)."""
KILL_AFTER_S = (0.5, 2.5)
"""A kill comes this long (uniformly, seeded) after the load resumed."""
CATCH_UP_KILL_CHANCE = 0.25
CATCH_UP_KILL_AFTER_S = (0.1, 2.0)
"""This share of the restarts get a second kill -9 (of the same processes) this long after the restart: while the
app loads its store, CometBFT replays blocks to it in the handshake, or node 3 blocksyncs what it missed."""
GOS = 10**6

ALLOW_LOST_PENDING = False
"""Node 0, which took every transaction, is never killed, so no transaction it accepted may be lost."""

pytestmark = [requires_cometbft, pytest.mark.slow, pytest.mark.timeout(180 + 60 * KILLS)]


def test_a_validator_killed_again_and_again_under_load_rejoins_without_divergence(tmp_path: Path) -> None:
    schedule = random.Random(SEED)  # kill moments and modes: the same for a seed, whatever the timing
    rng = random.Random(SEED + 1)  # samples of blocks and txs to compare
    modes = [MODES[i % len(MODES)] for i in range(KILLS)]
    schedule.shuffle(modes)
    print(f"localnet crash loop: {KILLS} kills of node {VICTIM} ({modes}), seed {SEED}")
    localnet = create_localnet(tmp_path / "net", 4, timeout_commit="300ms", base_port=free_port_block(40))
    operator0 = Keyring(localnet.keys_dir).load("operator0", None)
    keys = [PrivateKey((9_100 + n).to_bytes(32, "big")) for n in range(3)]
    nodes = localnet.nodes
    follower = BlockFollower(nodes[0].api_url)
    load: LoadGenerator | None = None
    lost_per_kill: list[int] = []
    started = time.monotonic()
    with LocalnetProcesses(localnet) as processes:
        rpc0, rpc3 = processes.rpc(0), processes.rpc(VICTIM)
        api0, api3 = api_client(nodes[0]), api_client(nodes[VICTIM])
        try:
            processes.start_all()
            follower.start()
            addresses = [k.address for k in keys]
            fund_accounts(api0, operator0, localnet.chain_id, addresses, 5 * GOS, timeout_s=90)
            load = LoadGenerator(nodes[0].api_url, localnet.chain_id, keys, operator0.address, SEED, pause_s=0.2)
            wait_quiescent(api0, addresses)
            baseline = read_holdings(api0, addresses)
            load.start()
            load.resume()
            previous_check = 0
            for kill, mode in enumerate(modes, start=1):
                time.sleep(schedule.uniform(*KILL_AFTER_S))
                at_kill = rpc0.latest_height()
                _kill(processes, mode)
                epoch = load.next_epoch()
                # Three of four validators hold > 2/3 of the power: the chain goes on without node 3.
                wait_for_height(rpc0, at_kill + 2, timeout_s=60)
                _restart(processes, mode)
                if schedule.random() < CATCH_UP_KILL_CHANCE:
                    delay = schedule.uniform(*CATCH_UP_KILL_AFTER_S)
                    time.sleep(delay)
                    _kill(processes, mode)
                    print(f"kill {kill}: killed again {delay:.2f} s into the restart (handshake replay or blocksync)")
                    wait_for_height(rpc0, rpc0.latest_height() + 1, timeout_s=60)
                    _restart(processes, mode)
                target = rpc0.latest_height()
                wait_api_height(api3, target, timeout_s=90)
                wait_for_height(rpc3, target, timeout_s=30)
                common = assert_same_app_hash(processes, [0, 1, 2, 3])

                load.pause()
                height = wait_quiescent(api0, addresses)
                follower.wait_for(height)
                seen, included = follower.snapshot()
                assert not follower.errors, follower.errors
                assert not load.errors, load.errors
                # Node 3's app stored the very blocks node 0's did, including those it replayed after the kill.
                wait_api_height(api3, height)
                check_blocks_unchanged(api3, seen, sample_heights(rng, height, previous_check), "on node 3")
                # Every tx committed around the kill, and a sample of the others (the stores are checked for all).
                around = sorted(h for h, where in included.items() if where.height >= at_kill - 2)
                others = sorted(h for h, where in included.items() if where.height < at_kill - 2)
                sample = around + rng.sample(others, min(40, len(others)))
                check_txs_still_included(api3, included, sample)
                _check_holdings([api0, api3], load, follower, baseline, height)
                accepted = load.accepted_in(epoch - 1)
                lost = [h for h in accepted if h not in included]
                lost_per_kill.append(len(lost))
                print(
                    f"kill {kill} ({mode}) at height {at_kill}: node 3 rejoined at {target}, app hashes agree at "
                    f"{common}; {len(accepted)} txs accepted since the previous kill, {len(lost)} lost; "
                    f"{time.monotonic() - started:.1f} s"
                )
                if not ALLOW_LOST_PENDING:
                    assert not lost, f"kill {kill}: transactions node 0 accepted were lost: {lost}"
                previous_check = height
                load.resume()

            load.pause()
            height = wait_quiescent(api0, addresses)
            follower.wait_for(height)
            _check_holdings([api0, api3], load, follower, baseline, height)
            wait_index_height(api3, height)
            for node in nodes:
                with api_client(node) as api:
                    wait_api_height(api, height)
            assert not processes.exited(), f"processes died on their own: {processes.exited()}"
            processes.stop_all()
            follower.stop()
            seen, included = follower.snapshot()
            heights = [check_store(node.path / "app-data", seen, included, min_height=height) for node in nodes]
            _assert_same_stored_blocks(nodes, min(heights))
            load_included = [h for h in load.load_txs() if h in included]
            print(
                f"{KILLS} kills in {time.monotonic() - started:.1f} s; stores at heights {heights}; "
                f"{len(load.accepted)} txs accepted, {len(load_included)} included, {sum(lost_per_kill)} lost; "
                f"answers {dict(load.answers)}"
            )
            assert len(load_included) >= KILLS, "the load hardly reached the chain: the loop tested little"
        finally:
            if load is not None:
                load.stop()
            follower.stop()
            for client in (rpc0, rpc3, api0, api3):
                client.close()
            processes.stop_all()
            for index in (VICTIM, 0):
                print(log_tail(nodes[index].path / "app.log"))
                print(log_tail(nodes[index].path / "cometbft.log", 60))


def _restart(processes: LocalnetProcesses, mode: str) -> None:
    """Start again what `_kill` killed."""
    if mode == "comet":
        processes.start_comet(VICTIM)
    else:
        processes.start_node(VICTIM)


def _kill(processes: LocalnetProcesses, mode: str) -> None:
    """kill -9 node 3's processes as `mode` says; when it returns, only what `mode` spares still runs."""
    if mode == "node":
        processes.kill_node(VICTIM)
    elif mode == "app":
        if not kill_app_then_its_cometbft(processes, VICTIM):
            print(f"kill: node 3's cometbft did not exit within {COMET_EXIT_S} s of its app's death; killed")
    else:
        processes.kill_comet(VICTIM)


def _check_holdings(
    apis: list[httpx.Client],
    load: LoadGenerator,
    follower: BlockFollower,
    baseline: dict[str, Holdings],
    height: int,
) -> None:
    """Nothing of the load pending, every block up to `height` followed: each load account holds on every node
    exactly what its committed transactions leave it, and no load tx appears in a later block."""
    _, included = follower.snapshot()
    expected = expected_holdings(baseline, load.load_txs(), included, follower.rewards_paid_to(load.addresses))
    for api in apis:
        wait_api_height(api, height)
        assert read_holdings(api, load.addresses) == expected, f"holdings on {api.base_url}"
    later = int(get_json(apis[0], "/status")["height"])
    follower.wait_for(later)
    _, included = follower.snapshot()
    late = [h for h in load.load_txs() if h in included and included[h].height > height]
    assert not late, f"load txs committed after the load was quiescent at height {height}: {late}"


def _assert_same_stored_blocks(nodes: tuple[LocalnetNode, ...], height: int) -> None:
    """Every node's store holds the same bytes for every block up to `height`."""
    stores = [ReadOnlyLmdb(node.path / "app-data") for node in nodes]
    try:
        chains = [ChainStore.open(store) for store in stores]
        for h in range(1, height + 1):
            blocks = {chain.block(h) for chain in chains}
            assert len(blocks) == 1, f"the nodes stored different blocks at height {h}"
    finally:
        for store in stores:
            store.close()
