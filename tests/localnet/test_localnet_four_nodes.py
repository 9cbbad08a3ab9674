"""`gostaking localnet` with 4 validators: every app reaches the same app hash, through transactions (via CometBFT
RPC and via the nodes' REST APIs), a node killed and restarted (it catches up, and so does its explorer index), and
an app process crashed under its cometbft (the handshake replays)."""

from pathlib import Path

import pytest
from free_ports import free_port_block
from localnet_harness import (
    api_client,
    api_get,
    assert_same_app_hash,
    kill_app_then_its_cometbft,
    requires_cometbft,
    submit,
    wait_api_included,
    wait_for_height,
    wait_included,
    wait_until,
)

from gostaking.chain.codec import tx_hash
from gostaking.chain.types.tx import Msg, MsgSendCoins, MsgVoteNode
from gostaking.node.localnet.network import create_localnet
from gostaking.node.localnet.processes import LocalnetProcesses
from gostaking.node.localnet.rpc import CometRpc
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey, sign_tx

pytestmark = [requires_cometbft, pytest.mark.slow, pytest.mark.timeout(240)]
GOS = 10**6
CENT = GOS // 100


def test_four_validators_agree_survive_a_dead_node_and_an_app_crash(tmp_path: Path) -> None:
    localnet = create_localnet(tmp_path / "net", 4, timeout_commit="300ms", base_port=free_port_block(40))
    keyring = Keyring(localnet.keys_dir)
    operators = [keyring.load(f"operator{i}", None) for i in range(4)]
    users = [PrivateKey((100 + i).to_bytes(32, "big")) for i in range(3)]
    sequences = [0] * 4

    def tx(sender: int, msg: Msg) -> bytes:
        raw = sign_tx(operators[sender], localnet.chain_id, sequences[sender], [msg], fee=1_000)
        sequences[sender] += 1
        return raw

    def submit_when_affordable(rpc: CometRpc, sender: int, msg: Msg) -> bytes:
        # An operator's GOS comes from the node share of block rewards: retry until it has some.
        raw = tx(sender, msg)
        wait_until(lambda: rpc.broadcast_tx_sync(raw)["code"] == 0, f"operator{sender} to afford a tx")
        return tx_hash(raw)

    with LocalnetProcesses(localnet) as processes:
        processes.start_all()
        rpcs = [processes.rpc(i) for i in range(4)]
        # Transfers and votes through three nodes' RPC (CometBFT gossips them to the proposer). A sender's
        # consecutive sequences go to one node: another node's mempool may not have the earlier one yet.
        hashes = [
            submit_when_affordable(rpcs[0], 0, MsgSendCoins(users[0].address, "ugos", 10 * CENT)),
            submit(rpcs[0], tx(0, MsgSendCoins(users[1].address, "ugos", 20 * CENT))),
            submit(rpcs[0], tx(0, MsgVoteNode(operators[1].address, 30 * CENT))),
            submit_when_affordable(rpcs[1], 1, MsgVoteNode(operators[2].address, 30 * CENT)),
            submit_when_affordable(rpcs[2], 2, MsgSendCoins(users[2].address, "ugos", 10 * CENT)),
        ]
        results = wait_included(rpcs[3], hashes)
        assert [r["tx_result"]["code"] for r in results] == [0] * 5, [r["tx_result"]["log"] for r in results]
        assert_same_app_hash(processes, [0, 1, 2, 3])

        # Every node's app process serves the REST API: a tx submitted to node 0's API reaches a block through
        # CometBFT and shows on the other nodes' APIs and explorer indexes.
        apis = [api_client(node) for node in localnet.nodes]
        for api in apis:
            status = api_get(api, "/status")
            assert (status["chain_id"], status["consensus"]) == (localnet.chain_id, "cometbft")
            assert status["height"] > 0 and not status["faucet_enabled"]
            assert status["block_time_seconds"] == 0.3  # the localnet's timeout_commit
        sender, recipient = users[0], PrivateKey((200).to_bytes(32, "big"))
        sequence = api_get(apis[0], f"/accounts/{sender.address}")["next_sequence"]
        raw = sign_tx(sender, localnet.chain_id, sequence, [MsgSendCoins(recipient.address, "ugos", 3 * CENT)], 1_000)
        posted = apis[0].post("/txs", json={"tx": raw.hex()})
        assert posted.status_code == 202, posted.text
        api_hash = posted.json()["tx_hash"]
        assert api_hash == tx_hash(raw).hex()
        # Pending (node 0's CheckTx record) or already included: either way the next sequence has moved on, and a
        # second tx with the same sequence is refused with the devnet API's error shape.
        assert api_get(apis[0], f"/accounts/{sender.address}")["next_sequence"] == sequence + 1
        reused = sign_tx(sender, localnet.chain_id, sequence, [MsgSendCoins(recipient.address, "ugos", 1)], 1_000)
        refused = apis[0].post("/txs", json={"tx": reused.hex()})
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == "BadSequenceError" and refused.json()["code"] > 0
        assert apis[1].post("/faucet", json={"address": recipient.address}).json()["error"] == "FaucetDisabled"
        included = wait_api_included(apis[1], api_hash)
        assert (included["code"], included["sender"]) == (0, sender.address)
        wait_until(
            lambda: (
                api_get(apis[2], f"/accounts/{recipient.address}")["balances"]
                == [{"denom": "ugos", "amount": 3 * CENT, "display": "0.03", "display_denom": "gos"}]
            ),
            "the recipient's balance on node 2's API",
        )
        indexed = wait_until(
            lambda: api_get(apis[3], "/explorer/txs", sender=sender.address)["items"],
            "node 3's explorer index to list the tx",
        )
        assert [item["hash"] for item in indexed] == [api_hash] and indexed[0]["height"] == included["height"]

        # kill -9 node 3 (cometbft and app); the other three (> 2/3 of the power) keep making blocks.
        processes.kill_node(3)
        height = rpcs[0].latest_height()
        wait_for_height(rpcs[0], height + 5)
        during = submit(rpcs[0], tx(0, MsgSendCoins(users[2].address, "ugos", 30 * CENT)))
        included = wait_included(rpcs[1], [during])[0]
        assert included["tx_result"]["code"] == 0
        processes.start_node(3)
        target = rpcs[0].latest_height()
        wait_for_height(rpcs[3], target, timeout_s=90)
        missed_block = rpcs[3].block_txs(int(included["height"]))
        assert during in [tx_hash(raw) for raw in missed_block], "the restarted node has the block it missed"
        # CometBFT indexes txs asynchronously after it stores a block: /tx on node 3 follows shortly.
        assert wait_included(rpcs[3], [during], timeout_s=30)[0]["height"] == included["height"]
        assert_same_app_hash(processes, [0, 1, 2, 3])
        # Node 3's API is back, and its explorer index (killed with it) caught up with the blocks it missed.
        wait_until(lambda: api_get(apis[3], "/explorer/index")["indexed_height"] >= target, "node 3's index", 60)
        assert wait_api_included(apis[3], during.hex())["height"] == int(included["height"])

        # kill -9 only node 2's app: its cometbft stops (it cannot run without its app); restart both and the
        # ABCI handshake replays what the app had not committed, then blocksync catches up.
        kill_app_then_its_cometbft(processes, 2)
        wait_for_height(rpcs[0], rpcs[0].latest_height() + 3)
        processes.start_node(2)
        wait_for_height(rpcs[2], rpcs[0].latest_height(), timeout_s=90)
        assert_same_app_hash(processes, [0, 1, 2, 3])
        assert wait_until(lambda: api_get(apis[2], "/status")["height"], "node 2's API after its app crashed") > 0
        for rpc in rpcs:
            rpc.close()
        for api in apis:
            api.close()
    node2 = Path(localnet.nodes[2].home)
    assert (node2 / "cometbft.log").read_text().count("Completed ABCI Handshake") == 2
    assert (node2 / "app.log").read_text().count("GoStaking ABCI app on") == 2
