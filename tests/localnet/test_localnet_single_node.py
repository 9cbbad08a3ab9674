"""One cometbft node driving one app process: transactions via RPC, queries, and a clean restart."""

import base64
import signal
from pathlib import Path

import msgspec
import pytest
from free_ports import free_port_block
from localnet_harness import (
    api_client,
    api_get,
    assert_same_app_hash,
    requires_cometbft,
    submit,
    wait_api_included,
    wait_for_height,
    wait_included,
    wait_until,
)

from gostaking.chain.types.tx import MsgSendCoins, MsgVoteNode
from gostaking.node.localnet.network import create_localnet
from gostaking.node.localnet.processes import LocalnetProcesses
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey, sign_tx

pytestmark = [requires_cometbft, pytest.mark.slow]
GOS = 10**6


def test_single_node_transactions_and_restart(tmp_path: Path) -> None:
    localnet = create_localnet(tmp_path / "net", 1, timeout_commit="200ms", base_port=free_port_block(10))
    operator = Keyring(localnet.keys_dir).load("operator0", None)
    user = PrivateKey((42).to_bytes(32, "big"))
    with LocalnetProcesses(localnet) as processes, processes.rpc(0) as rpc:
        processes.start_all()

        def tx(sequence: int, msg: MsgSendCoins | MsgVoteNode) -> bytes:
            return sign_tx(operator, localnet.chain_id, sequence, [msg], fee=1_000)

        # The operator's GOS comes from the node share of block rewards (from block 2 on).
        first = tx(0, MsgSendCoins(user.address, "ugos", GOS))
        wait_until(lambda: rpc.broadcast_tx_sync(first)["code"] == 0, "the operator to afford a transfer")
        # Further sequences are accepted before the first is in a block (CheckTx tracks the sender).
        hashes = [submit(rpc, tx(n, MsgSendCoins(user.address, "ugos", n))) for n in range(1, 4)]
        hashes.append(submit(rpc, tx(4, MsgVoteNode(operator.address, GOS))))
        gap = rpc.broadcast_tx_sync(tx(9, MsgSendCoins(user.address, "ugos", 1)))
        assert gap["code"] != 0 and "BadSequenceError" in gap["log"]
        results = wait_included(rpc, [*hashes])
        assert [r["tx_result"]["code"] for r in results] == [0, 0, 0, 0], results
        # The app's own index agrees with CometBFT's.
        query = rpc.call("abci_query", path="/tx", data=hashes[-1].hex())["response"]
        assert msgspec.json.decode(base64.b64decode(query["value"]))["height"] == int(results[-1]["height"])
        assert_same_app_hash(processes, [0])
        height = rpc.latest_height()

        processes.stop_all(signal.SIGTERM)
        processes.start_all()
        wait_for_height(rpc, height + 3)
        assert_same_app_hash(processes, [0])
        with api_client(localnet.nodes[0]) as api:  # the restarted app process serves its API again
            assert wait_api_included(api, hashes[-1].hex())["height"] == int(results[-1]["height"])
            assert api_get(api, "/status")["height"] >= height
    log = (Path(localnet.nodes[0].home) / "cometbft.log").read_text()
    assert log.count("Completed ABCI Handshake") == 2
