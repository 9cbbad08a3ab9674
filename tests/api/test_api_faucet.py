"""POST /faucet: operator GOS and faucet assets, rate limiting, validation, and devnet-only availability."""

from api_harness import GOS, Devnet
from fastapi.testclient import TestClient

from gostaking.api.main import create_api
from gostaking.node.runtime import Node
from gostaking.wallet.keys import PrivateKey

BOB = PrivateKey((77).to_bytes(32, "big"))


def test_faucet_needs_mined_gos_first(devnet: Devnet) -> None:
    response = devnet.client.post("/faucet", json={"address": BOB.address})
    assert response.status_code == 503 and response.json()["error"] == "FaucetNotFundedYetError"
    assert "operator has 0 GOS" in response.json()["message"] and int(response.headers["retry-after"]) > 0


def test_faucet_sends_gos_and_assets_once_per_cooldown(devnet: Devnet) -> None:
    devnet.produce(12)  # the operator earns 10 GOS a block; the faucet account gets fee GOS after block 2
    response = devnet.client.post("/faucet", json={"address": f" {BOB.address} "})
    assert response.status_code == 200, response.text
    grant = response.json()
    assert grant["notes"] == [] and len(grant["tx_hashes"]) == 2
    sent = {item["denom"]: item["display"] for item in grant["sent"]}
    assert sent == {"ugos": "100", "atom": "1000", "btc": "1", "dcr": "100", "eth": "10"}
    devnet.produce()
    for tx_hash in grant["tx_hashes"]:
        assert devnet.client.get(f"/txs/{tx_hash}").json()["code"] == 0
    account = devnet.client.get(f"/accounts/{BOB.address}").json()
    assert account["gos"]["ugos"] == 100 * GOS
    assert {b["denom"]: b["display"] for b in account["balances"]}["eth"] == "10"

    again = devnet.client.post("/faucet", json={"address": BOB.address})
    assert again.status_code == 429 and again.json()["error"] == "FaucetRateLimitedError"
    assert int(again.headers["retry-after"]) > 0


def test_faucet_validates_the_address(devnet: Devnet) -> None:
    bad = devnet.client.post("/faucet", json={"address": "gos1notanaddress"})
    assert bad.status_code == 400 and bad.json()["error"] == "InvalidAddressError"
    assert devnet.client.post("/faucet", json={}).status_code == 400


def test_faucet_is_devnet_only(devnet: Devnet) -> None:
    node = devnet.node
    without_faucet = Node(app=node.app, chain_id=node.chain_id, block_time_s=1.0)
    response = TestClient(create_api(without_faucet)).post("/faucet", json={"address": BOB.address})
    assert response.status_code == 404 and response.json()["error"] == "FaucetDisabled"
