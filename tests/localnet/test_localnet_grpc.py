"""A localnet whose CometBFT reaches its app over gRPC (`abci = "grpc"`, the benchmark's `--transport grpc`):
transactions commit, and a CometBFT killed with -9 under a running app resumes the chain."""

import tomllib
from pathlib import Path

import pytest
from localnet_harness import assert_same_app_hash, requires_cometbft, submit, wait_for_height, wait_included, wait_until

from gostaking.chain.types.tx import MsgSendCoins
from gostaking.node.localnet.network import create_localnet
from gostaking.node.localnet.processes import LocalnetProcesses
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey, sign_tx

pytestmark = [requires_cometbft, pytest.mark.slow]


def test_transactions_commit_over_grpc_and_a_killed_cometbft_resumes(tmp_path: Path) -> None:
    localnet = create_localnet(tmp_path / "net", 1, timeout_commit="200ms", transport="grpc")
    node = localnet.nodes[0]
    config = tomllib.loads((node.path / "config" / "config.toml").read_text())
    assert (config["abci"], config["proxy_app"]) == ("grpc", f"127.0.0.1:{node.abci_port}")
    operator = Keyring(localnet.keys_dir).load("operator0", None)
    user = PrivateKey((42).to_bytes(32, "big"))

    def transfer(sequence: int) -> bytes:
        return sign_tx(operator, localnet.chain_id, sequence, [MsgSendCoins(user.address, "ugos", 1 + sequence)], 1_000)

    with LocalnetProcesses(localnet, serve_api=False) as processes, processes.rpc(0) as rpc:
        processes.start_all()
        # The operator's GOS comes from the node share of block rewards (from block 2 on).
        wait_until(lambda: rpc.broadcast_tx_sync(transfer(0))["code"] == 0, "the operator to afford a transfer")
        hashes = [submit(rpc, transfer(n)) for n in range(1, 4)]
        assert [r["tx_result"]["code"] for r in wait_included(rpc, hashes)] == [0, 0, 0]
        assert_same_app_hash(processes, [0])
        height = rpc.latest_height()

        processes.kill_comet(0)  # kill -9: the app keeps running, maybe with a block it was never told to commit
        processes.start_comet(0)
        wait_until(lambda: rpc.broadcast_tx_sync(transfer(4))["code"] == 0, "CometBFT to take transactions again")
        [after_restart] = wait_included(rpc, [submit(rpc, transfer(5))])
        assert after_restart["tx_result"]["code"] == 0
        wait_for_height(rpc, height + 3)
        assert_same_app_hash(processes, [0])
    assert "(grpc)" in (node.path / "app.log").read_text()
