"""A network built the way independent operators build one, each node on its own loopback address (127.0.0.2…6)
with its own home, as on separate machines: four operators `init`, the coordinator edits the genesis, each signs
a gentx, the coordinator collects them, everyone validates the same genesis (same hash) and runs `gostaking start`.
The genesis nodes take state-sync snapshots; a fifth node joins later by state sync (restoring a snapshot, not
replaying from genesis), registers with `tx register-node`, gets votes and stake and is elected into the mining
set at the next epoch: its CometBFT becomes a validator. The supervisor restarts a killed app process, and SIGTERM
stops every process it started."""

import json
import os
import signal
from pathlib import Path

import pytest
from localnet_harness import requires_cometbft, wait_for_height, wait_included, wait_until
from operator_harness import (
    CHAIN_ID,
    EPOCH_BLOCKS,
    GOS,
    Operator,
    alive,
    free_on_every_host,
    gostaking,
    join_by_state_sync,
    launch_flow,
    requires_loopback_hosts,
    restored_height,
    stop_together,
    validator_addresses,
    wait_for_snapshots,
)

from gostaking.chain.codec import tx_hash
from gostaking.chain.types.tx import Msg, MsgSendCoins, MsgStakeNode, MsgVoteNode
from gostaking.wallet.keys import sign_tx

pytestmark = [requires_cometbft, requires_loopback_hosts, pytest.mark.slow, pytest.mark.timeout(300)]
SNAPSHOT_INTERVAL = 10
SNAPSHOTS_KEPT = 10


def test_operators_launch_a_network_and_a_fifth_node_is_elected(tmp_path: Path) -> None:
    ports = free_on_every_host(4)
    operators = [Operator(tmp_path, index, ports) for index in range(5)]
    genesis_ops, coordinator, newcomer = operators[:4], operators[0], operators[4]
    try:
        for operator in operators:
            operator.init(serve_api=operator in (coordinator, newcomer))  # the API switch: on for two nodes only
        for operator in genesis_ops:  # they serve state sync: a snapshot every SNAPSHOT_INTERVAL blocks, small chunks
            operator.config("snapshots.interval_blocks", str(SNAPSHOT_INTERVAL))
            operator.config("snapshots.chunk_bytes", "4096")
            # Fast blocks: the snapshot the newcomer chose must outlive its discovery and fetch.
            operator.config("snapshots.keep_recent", str(SNAPSHOTS_KEPT))
        # The coordinator's draft genesis: short epochs and low node thresholds for the test; everyone signs
        # their gentx against a copy of it.
        params = {"nodes.epoch_blocks": EPOCH_BLOCKS, "nodes.min_votes_ugos": GOS, "nodes.min_stake_ugos": GOS}
        peers = launch_flow(tmp_path, operators, 4, params)

        for operator in genesis_ops:
            operator.start()
        rpcs = [operator.rpc() for operator in operators]
        for rpc in rpcs[:4]:
            wait_for_height(rpc, 3, timeout_s=90)
        genesis_validators = validator_addresses(rpcs[0])
        assert len(genesis_validators) == 4

        # The genesis operators, paid as mining nodes, vote and stake on their own nodes so they stay elected, and
        # the coordinator funds the newcomer's operator.
        keys = [operator.key for operator in operators]

        def broadcast(index: int, sequence: int, *msgs: Msg) -> bytes:
            # An operator's first GOS arrive with the blocks its node signs: retry until it can pay the fee.
            raw = sign_tx(keys[index], CHAIN_ID, sequence, list(msgs), fee=1_000)
            wait_until(lambda: rpcs[index].broadcast_tx_sync(raw)["code"] == 0, f"{operators[index].name} to afford")
            return tx_hash(raw)

        def assert_included(index: int, hashes: list[bytes]) -> None:
            for found in wait_included(rpcs[index], hashes):
                assert found["tx_result"]["code"] == 0, found["tx_result"]["log"]

        def included(index: int, sequence: int, *msgs: Msg) -> None:
            assert_included(index, [broadcast(index, sequence, *msgs)])

        # All four sent before any is awaited: they land in the same few blocks, well before the first election.
        bonds = [
            broadcast(i, 0, MsgVoteNode(key.address, GOS), MsgStakeNode(key.address, GOS))
            for i, key in enumerate(keys[:4])
        ]
        for index, bond in enumerate(bonds):
            assert_included(index, [bond])
        wait_for_height(rpcs[0], rpcs[0].latest_height() + 3)  # 2.5 GOS a block for each mining node
        included(0, 1, MsgSendCoins(keys[4].address, "ugos", 5 * GOS))

        # The fifth node joins by state sync: it restores the genesis nodes' latest snapshot (verified by its light
        # client against a trusted height and hash) and follows the chain from there, without blocks before it.
        snapshot_height = wait_for_snapshots(genesis_ops)
        join_by_state_sync(newcomer, genesis_ops, peers)
        newcomer.start()
        wait_for_height(rpcs[4], rpcs[0].latest_height(), timeout_s=120)
        restored = restored_height(newcomer)
        assert restored is not None and restored >= snapshot_height, "the fifth node restored a snapshot"
        earliest = int(rpcs[4].status()["sync_info"]["earliest_block_height"])
        assert earliest > 1, "a state-synced node holds no block from before its snapshot"
        consensus_pubkey = gostaking("node-info", "--field", "consensus_pubkey", "--home", str(newcomer.home)).strip()
        consensus_address = gostaking("node-info", "--field", "consensus_address", "--home", str(newcomer.home)).strip()
        tx_options = ["--from", newcomer.name, "--keyring", str(newcomer.keyring), "--api", newcomer.api_url, "--json"]
        registration = ["tx", "register-node", "--moniker", newcomer.name, "--consensus-pubkey", consensus_pubkey]
        for command in (registration, ["tx", "stake", keys[4].address, "1gos"]):
            result = json.loads(gostaking(*command, *tx_options))
            assert (result["status"], result["code"]) == ("included", 0), result
        included(0, 2, MsgVoteNode(keys[4].address, GOS))

        # Elected at the next epoch: CometBFT's validator set (on a genesis node and on the newcomer) has it.
        wait_until(lambda: consensus_address in validator_addresses(rpcs[0]), "the fifth node to be a validator", 90)
        assert validator_addresses(rpcs[0]) == genesis_validators | {consensus_address}
        assert consensus_address in validator_addresses(rpcs[4])
        signed_by_newcomer = wait_until(
            lambda: any(
                sig["validator_address"] == consensus_address
                for sig in rpcs[0].call("commit")["signed_header"]["commit"]["signatures"]
            ),
            "a block signed by the fifth node",
            60,
        )
        assert signed_by_newcomer

        # kill -9 node 2's app process: the supervisor starts it (and its cometbft) again and the node catches up.
        victim = operators[1]
        old_pid = victim.status()["app"]["pid"]
        assert isinstance(old_pid, int)
        os.killpg(old_pid, signal.SIGKILL)
        wait_until(
            lambda: victim.status()["app"]["restarts"] == 1 and victim.status()["app"]["pid"] not in (None, old_pid),
            "the app to be restarted",
            60,
        )
        target = rpcs[0].latest_height()
        wait_for_height(rpcs[1], target + 2, timeout_s=90)
        supervisor_log = (victim.home / "logs" / "supervisor.log").read_text()
        assert "app exited with code -9" in supervisor_log
        assert (victim.home / "logs" / "app.log").read_text().count("GoStaking ABCI app on") == 2

        # kill -9 only node 3's cometbft: it alone is started again, its app keeps running.
        victim = operators[2]
        app_pid, comet_pid = victim.status()["app"]["pid"], victim.status()["cometbft"]["pid"]
        assert isinstance(comet_pid, int)
        os.killpg(comet_pid, signal.SIGKILL)
        wait_until(lambda: victim.status()["cometbft"]["pid"] not in (None, comet_pid), "cometbft to be restarted", 60)
        assert (victim.status()["app"]["pid"], victim.status()["app"]["restarts"]) == (app_pid, 0)
        wait_for_height(rpcs[2], rpcs[0].latest_height() + 2, timeout_s=90)

        # SIGTERM stops each node cleanly: the supervisor exits 0 and leaves no process behind.
        for rpc in rpcs:
            rpc.close()
        started_pids = {operator.name: [child["pid"] for child in operator.status().values()] for operator in operators}
        assert stop_together(operators) == [0] * len(operators)
        for operator in operators:
            assert not any(isinstance(pid, int) and alive(pid) for pid in started_pids[operator.name])
            assert (operator.home / "logs" / "cometbft.log").stat().st_size > 0
    finally:
        for operator in operators:
            operator.kill_leftovers()
