"""The API of a CometBFT node's app process (no producer, no faucet, POST /txs relayed to CometBFT): same answers
as the devnet's API, checked against a fake CometBFT that runs CheckTx on the same app as the real one does."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from api_harness import GOS, Devnet
from fastapi.testclient import TestClient

from gostaking.api.main import create_api
from gostaking.chain.codec import tx_hash
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.node.abci.relay import CometBftRelay
from gostaking.node.app import GoStakingApp
from gostaking.node.localnet.rpc import CometRpcError
from gostaking.node.runtime import Node
from gostaking.wallet.keys import PrivateKey

BOB = PrivateKey((78).to_bytes(32, "big"))


class FakeCometRpc:
    """broadcast_tx_sync as CometBFT answers it: its cache refuses a tx seen before, else the app's CheckTx."""

    url = "http://127.0.0.1:26657"

    def __init__(self, app: GoStakingApp) -> None:
        self.app = app
        self.cache: set[bytes] = set()
        self.down = False

    def broadcast_tx_sync(self, tx: bytes) -> dict[str, Any]:
        if self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused")
        if tx_hash(tx) in self.cache:
            raise CometRpcError("broadcast_tx_sync: Internal error tx already exists in cache")
        self.cache.add(tx_hash(tx))
        result = self.app.check_tx(tx, wait_for_commit=False)
        return {"code": result.code, "log": result.log, "codespace": "gostaking" if result.code else "", "data": ""}

    def close(self) -> None:
        pass


@dataclass
class CometNode:
    """A CometBFT-shaped node over the devnet's app (the devnet's producer stands in for CometBFT's blocks)."""

    devnet: Devnet
    rpc: FakeCometRpc
    client: TestClient


@pytest.fixture
def comet(devnet: Devnet) -> Iterator[CometNode]:
    app = devnet.node.app
    rpc = FakeCometRpc(app)
    node = Node(app=app, chain_id=devnet.node.chain_id, block_time_s=2.0, relay=CometBftRelay(rpc, app.tx_location))
    yield CometNode(devnet, rpc, TestClient(create_api(node)))
    node.close()


def test_status_names_the_driver_and_there_is_no_faucet(comet: CometNode) -> None:
    status = comet.client.get("/status").json()
    assert status["consensus"] == "cometbft" and status["faucet_enabled"] is False
    assert status["block_time_seconds"] == 2.0
    assert comet.devnet.client.get("/status").json()["consensus"] == "embedded"
    response = comet.client.post("/faucet", json={"address": BOB.address})
    assert response.status_code == 404
    assert response.json()["error"] == "FaucetDisabled" and "only a devnet node" in response.json()["message"]


def test_a_tx_goes_through_cometbft_shows_pending_then_included(comet: CometNode) -> None:
    devnet = comet.devnet
    devnet.produce(3)
    operator = devnet.operator
    sequence = comet.client.get(f"/accounts/{operator.address}").json()["next_sequence"]
    raw = devnet.sign(operator, MsgSendCoins(BOB.address, GOS_DENOM, GOS), sequence=sequence)
    response = comet.client.post("/txs", json={"tx": raw})
    assert response.status_code == 202, response.text
    tx_hash_hex = response.json()["tx_hash"]
    assert comet.rpc.cache == {bytes.fromhex(tx_hash_hex)}
    assert comet.client.get(f"/txs/{tx_hash_hex}").json()["status"] == "pending"
    assert comet.client.get(f"/accounts/{operator.address}").json()["next_sequence"] == sequence + 1
    devnet.produce()
    included = comet.client.get(f"/txs/{tx_hash_hex}").json()
    assert (included["status"], included["code"]) == ("included", 0)


def test_refusals_have_the_devnets_error_shape(comet: CometNode) -> None:
    devnet = comet.devnet
    devnet.produce(3)
    operator = devnet.operator
    sequence = comet.client.get(f"/accounts/{operator.address}").json()["next_sequence"]
    first = devnet.sign(operator, MsgSendCoins(BOB.address, GOS_DENOM, GOS), sequence=sequence)
    reused_sequence = devnet.sign(operator, MsgSendCoins(BOB.address, GOS_DENOM, 2 * GOS), sequence=sequence)
    broke = devnet.sign(BOB, MsgSendCoins(operator.address, GOS_DENOM, GOS), sequence=0)
    assert comet.client.post("/txs", json={"tx": first}).status_code == 202
    # The devnet's API answers from the same app (which now holds `first` as pending) without CometBFT.
    for raw in (first, reused_sequence, broke, "00" * 40):
        ours = comet.client.post("/txs", json={"tx": raw})
        theirs = devnet.client.post("/txs", json={"tx": raw})
        assert ours.status_code == theirs.status_code == 400, (ours.text, theirs.text)
        assert ours.json() == theirs.json()
    devnet.produce()
    again = comet.client.post("/txs", json={"tx": first})  # CometBFT's cache keeps committed txs
    assert again.status_code == 400
    assert again.json() == devnet.client.post("/txs", json={"tx": first}).json()
    assert again.json()["error"] == "AlreadyIncludedError"


def test_an_unreachable_cometbft_is_a_503(comet: CometNode) -> None:
    comet.devnet.produce(3)
    comet.rpc.down = True
    raw = comet.devnet.sign(comet.devnet.operator, MsgSendCoins(BOB.address, GOS_DENOM, GOS))
    response = comet.client.post("/txs", json={"tx": raw})
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    body = response.json()
    assert body["error"] == "ConsensusUnavailable" and "is its cometbft process running?" in body["message"]
