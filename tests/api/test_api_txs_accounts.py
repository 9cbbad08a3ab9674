"""POST /txs, GET /txs/{hash}, /accounts/{address}(/rewards), /nodes(/{operator}) with real signed txs."""

import math

import httpx
from api_harness import GOS, Devnet

from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.tx import (
    MsgClaimRewards,
    MsgLockAsset,
    MsgSendCoins,
    MsgStakeNode,
    MsgUnvoteNode,
    MsgVoteNode,
)
from gostaking.node.mempool import Mempool
from gostaking.node.settings import devnet_params
from gostaking.wallet.keys import PrivateKey

ALICE = PrivateKey((42).to_bytes(32, "big"))


def fund_alice(devnet: Devnet) -> None:
    """Mine until the operator has 60 GOS, then give Alice 50 GOS and test assets."""
    devnet.produce(7)
    devnet.submit(devnet.operator, MsgSendCoins(ALICE.address, GOS_DENOM, 50 * GOS))
    devnet.submit(devnet.operator, MsgSendCoins(devnet.faucet.address, GOS_DENOM, GOS))  # fees for the faucet
    devnet.produce()
    devnet.submit(
        devnet.faucet,
        MsgSendCoins(ALICE.address, "btc", 2 * 10**8),
        MsgSendCoins(ALICE.address, "eth", 20 * 10**18),
        MsgSendCoins(ALICE.address, "dcr", 100 * 10**8),
    )
    devnet.produce()


def test_submit_then_see_the_tx_pending_and_included(devnet: Devnet) -> None:
    devnet.produce(3)
    client = devnet.client
    tx_hash = devnet.submit(devnet.operator, MsgSendCoins(ALICE.address, GOS_DENOM, 5 * GOS))
    pending = client.get(f"/txs/{tx_hash}").json()
    assert pending["status"] == "pending" and pending["height"] is None
    assert pending["sender"] == devnet.operator.address and pending["fee"]["ugos"] == 1_000
    assert pending["body"]["msgs"] == [{"type": "send", "to": ALICE.address, "denom": "ugos", "amount": 5 * GOS}]
    account = client.get(f"/accounts/{devnet.operator.address}").json()
    # (the operator's own sequence is not 0: it already topped up the faucet account's fee GOS)
    assert account["next_sequence"] == account["sequence"] + 1 and account["pending_txs"] == 1

    height = devnet.produce()
    included = client.get(f"/txs/0x{tx_hash.upper()}").json()
    assert included["status"] == "included" and included["height"] == height and included["index"] == 0
    assert included["code"] == 0 and included["log"] == ""
    assert included["events"][0]["kind"] == "transfer"
    assert included["events"][0]["attributes"]["amount"] == str(5 * GOS)
    block = client.get(f"/blocks/{height}").json()
    assert block["num_txs"] == 1 and block["txs"][0]["hash"] == tx_hash and block["txs"][0]["code"] == 0
    alice = client.get(f"/accounts/{ALICE.address}").json()
    assert alice["gos"] == {"ugos": 5 * GOS, "gos": "5"}
    assert alice["balances"] == [{"denom": "ugos", "amount": 5 * GOS, "display": "5", "display_denom": "gos"}]


def test_invalid_transactions_get_400_with_the_reason(devnet: Devnet) -> None:
    devnet.produce(3)
    client = devnet.client
    send = MsgSendCoins(ALICE.address, GOS_DENOM, GOS)

    def post(tx: str) -> dict[str, object]:
        response = client.post("/txs", json={"tx": tx})
        assert response.status_code == 400, response.text
        body: dict[str, object] = response.json()
        return body

    assert post("zz")["error"] == "InvalidRequest"
    assert post("00ff")["error"] == "DecodeError"
    expected = client.get(f"/accounts/{devnet.operator.address}").json()["next_sequence"]
    assert post(devnet.sign(devnet.operator, send, sequence=99)) == {
        "error": "BadSequenceError",
        "code": 5,
        "message": f"sequence 99, expected {expected}",
    }
    assert post(devnet.sign(devnet.operator, send, fee=1))["error"] == "InsufficientFeeError"
    assert post(devnet.sign(ALICE, send))["error"] == "InsufficientFundsError"
    accepted = devnet.sign(devnet.operator, send)
    assert client.post("/txs", json={"tx": accepted}).status_code == 202
    assert post(accepted)["code"] == 102
    missing = client.post("/txs", json={})
    assert missing.status_code == 400 and missing.json()["message"] == "tx: Field required"
    assert client.get("/txs/abc").status_code == 400
    unknown = client.get("/txs/" + "ab" * 32)
    assert unknown.status_code == 404 and unknown.json()["error"] == "NotFound"


def test_account_shows_locks_bonds_unbondings_hash_power_and_rewards(devnet: Devnet) -> None:
    fund_alice(devnet)
    operator = devnet.operator.address
    for msg in (
        MsgLockAsset("btc", 10**8),
        MsgLockAsset("eth", 20 * 10**18),
        MsgLockAsset("dcr", 100 * 10**8),
        MsgVoteNode(operator, 10 * GOS),
        MsgStakeNode(operator, 5 * GOS),
    ):
        devnet.submit(ALICE, msg)
    height = devnet.produce()
    block = devnet.client.get(f"/blocks/{height}").json()
    assert [tx["code"] for tx in block["txs"]] == [0, 0, 0, 0, 0]

    account = devnet.client.get(f"/accounts/{ALICE.address}").json()
    assert account["sequence"] == 5 and account["next_sequence"] == 5
    locked = {lock["asset"]["denom"]: lock for lock in account["locked"]}
    # Whitepaper valuation: 1 BTC × 10,000 × 0.1 = 1,000 H/s; 20 ETH × 200 × 0.1 = 400; 100 DCR × 30 × 0.2 = 600.
    assert {d: lock["hash_power"]["hs"] for d, lock in locked.items()} == {"btc": "1000", "eth": "400", "dcr": "600"}
    assert locked["btc"]["asset"]["display"] == "1" and locked["eth"]["asset"]["amount"] == 20 * 10**18
    assert account["votes"] == [
        {"node": operator, "moniker": "devnet-node", "kind": "vote", "amount": {"ugos": 10 * GOS, "gos": "10"}}
    ]
    assert account["stakes"][0]["amount"]["gos"] == "5"
    power = account["hash_power"]
    assert power["total"]["hs"] == "2025"  # 1,000 + 400 + 600 + 10 × 1 + 5 × 3
    assert power["share_of_network"] == "100%" and power["pools"]["stake"]["hs"] == "15"
    assert account["pending_rewards"]["ugos"] > 0 and account["node"] is None  # 85% of this block already

    devnet.produce(2)
    rewards = devnet.client.get(f"/accounts/{ALICE.address}/rewards").json()
    assert rewards["total"]["ugos"] > 0 and rewards["node_rewards"] is None
    assert {p["pool"] for p in rewards["pools"]} == {"lock:btc", "lock:eth", "lock:dcr", "vote", "stake"}
    devnet.submit(ALICE, MsgUnvoteNode(operator, 4 * GOS))
    devnet.submit(ALICE, MsgClaimRewards())
    before = devnet.client.get(f"/accounts/{ALICE.address}").json()["gos"]["ugos"]
    height = devnet.produce()
    account = devnet.client.get(f"/accounts/{ALICE.address}").json()
    assert account["gos"]["ugos"] > before
    (unbonding,) = account["unbondings"]
    assert unbonding["kind"] == "vote" and unbonding["amount"]["gos"] == "4"
    assert (
        unbonding["completion_height"] == height + devnet_params().staking.vote_unbonding_blocks
        and unbonding["created_height"] == height
    )
    assert unbonding["estimated_completion_time"].endswith("Z")
    assert account["votes"][0]["amount"]["gos"] == "6"

    hashpower = devnet.client.get("/hashpower").json()
    assert hashpower["total"]["hs"] == "2021"
    assert {p["pool"]: p["share"] for p in hashpower["pools"]}["lock:btc"] == "49.4804%"


def test_operator_account_and_nodes(devnet: Devnet) -> None:
    fund_alice(devnet)
    operator = devnet.operator.address
    devnet.submit(ALICE, MsgVoteNode(operator, 3 * GOS))
    devnet.submit(ALICE, MsgStakeNode(operator, 2 * GOS))
    devnet.produce()
    client = devnet.client
    nodes = client.get("/nodes").json()
    assert nodes["mining_set"] == [operator] and nodes["min_votes"]["gos"] == "100"
    (node,) = nodes["nodes"]
    assert node["operator"] == operator and node["status"] == "mining" and node["moniker"] == "devnet-node"
    assert node["votes"]["gos"] == "3" and node["stake"]["gos"] == "2"
    assert node["blocks_signed"] == devnet.node.app.height - 1  # every block but the first
    assert int(node["rewards_earned"]["ugos"]) > 0
    assert node["consensus_address"] == devnet.producer.address
    detail = client.get(f"/nodes/{operator}").json()
    assert detail["voters"] == [{"address": ALICE.address, "kind": "vote", "amount": {"ugos": 3 * GOS, "gos": "3"}}]
    assert detail["stakers"][0]["address"] == ALICE.address
    assert client.get(f"/accounts/{operator}").json()["node"] == "mining"
    assert client.get(f"/accounts/{operator}/rewards").json()["node_rewards"] == {"ugos": 0, "gos": "0"}

    bad = client.get("/nodes/gos1nope")
    assert bad.status_code == 400 and bad.json()["error"] == "InvalidAddressError" and bad.json()["code"] == 8
    unknown = client.get(f"/nodes/{ALICE.address}")
    assert unknown.status_code == 404 and ALICE.address in unknown.json()["message"]
    assert client.get("/accounts/GOS1XYZ").status_code == 400
    assert client.get("/accounts/gos1xyz/rewards").status_code == 400


def test_a_full_mempool_or_a_busy_sender_answers_429_with_retry_after_and_an_evicted_tx_says_why(
    devnet: Devnet,
) -> None:
    fund_alice(devnet)
    devnet.node.app.mempool = Mempool(max_txs=2, max_per_sender=1)  # small limits, the same rules
    client = devnet.client
    retry_after = str(max(1, math.ceil(devnet.node.block_time_s)))

    def post(key: PrivateKey, fee: int, sequence: int | None = None) -> httpx.Response:
        tx = devnet.sign(key, MsgSendCoins(devnet.operator.address, GOS_DENOM, 1), sequence=sequence, fee=fee)
        return client.post("/txs", json={"tx": tx})

    assert post(ALICE, 1_000).status_code == 202
    busy = post(ALICE, 1_000, sequence=1)  # Alice's second while her first waits
    assert (busy.status_code, busy.headers["Retry-After"]) == (429, retry_after)
    assert (busy.json()["error"], busy.json()["code"]) == ("SenderLimitError", 104)
    faucet_tx = post(devnet.faucet, 1_000)
    assert faucet_tx.status_code == 202  # the mempool is full now
    full = post(devnet.operator, 1_000)
    assert (full.status_code, full.headers["Retry-After"], full.json()["error"]) == (
        429,
        retry_after,
        "MempoolFullError",
    )
    assert post(devnet.operator, 5_000).status_code == 202  # pays more: evicts the newest of the cheapest
    evicted = client.get(f"/txs/{faucet_tx.json()['tx_hash']}")
    assert evicted.status_code == 404
    assert "evicted from a full mempool" in evicted.json()["message"] and "submit it again" in evicted.json()["message"]
    devnet.produce()
    assert client.get(f"/accounts/{devnet.operator.address}").json()["pending_txs"] == 0
