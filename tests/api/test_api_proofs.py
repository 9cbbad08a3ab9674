"""GET /proofs/state: committed values with Merkle proofs that verify against the app hash of the height they name
(the app hash the node's /status and block of that height show), absences proven too, and every malformed key a
400 (404 for a table that does not exist) with the API's error body."""

from typing import Any

import msgspec
import pytest
from api_harness import Devnet

from gostaking.chain.state import State
from gostaking.storage import MerkleProof, verify_proof


def proofs(devnet: Devnet, *keys: str) -> dict[str, Any]:
    response = devnet.client.get("/proofs/state", params={"key": list(keys)})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def merkle(proof: dict[str, Any]) -> MerkleProof:
    entries = tuple((bytes.fromhex(e["key"]), bytes.fromhex(e["leaf"])) for e in proof["entries"])
    return MerkleProof(proof["bucket"], entries, tuple(bytes.fromhex(s) for s in proof["siblings"]))


def verifies(document: dict[str, Any], proof: dict[str, Any]) -> bool:
    value = None if proof["value"] is None else bytes.fromhex(proof["value"])
    return verify_proof(bytes.fromhex(document["app_hash"]), bytes.fromhex(proof["key"]), value, merkle(proof))


def test_values_and_absences_are_proven_against_the_app_hash_of_their_height(devnet: Devnet) -> None:
    height = devnet.produce(2)
    document = proofs(devnet, 'assets/"btc"', "withdrawals/7", 'params/""', 'chain_id/""')
    assert document["height"] == height
    assert document["app_hash"] == devnet.client.get(f"/blocks/{height}").json()["app_hash"]
    assert document["app_hash"] == devnet.client.get("/status").json()["app_hash"]
    assert document["chain_id"] == devnet.node.chain_id
    btc, absent, params, chain_id = document["proofs"]
    assert btc["exists"] and btc["key_text"] == 'assets/"btc"'
    assert msgspec.json.decode(btc["value_text"])["hosted_chain"] == "bitcoin"
    assert bytes.fromhex(btc["value"]).decode() == btc["value_text"]
    assert not absent["exists"] and absent["value"] is None and absent["value_text"] is None
    assert msgspec.json.decode(chain_id["value_text"]) == devnet.node.chain_id
    assert all(verifies(document, proof) for proof in (btc, absent, params, chain_id))
    # The node's values are exactly what the chain stores under the keys the chain computes.
    with devnet.node.app.read() as state:
        assert state.assets.storage_key("btc") == bytes.fromhex(btc["key"])  # type: ignore[attr-defined]
    assert {e["key"] for e in btc["entries"]} >= {btc["key"]}
    # A changed value, a value claimed for an absent key, or an absence claimed for a present key never verifies.
    tampered = {**btc, "value": btc["value_text"].replace("bitcoin", "bitcoim").encode().hex()}
    assert not verifies(document, tampered)
    assert not verifies(document, {**absent, "value": btc["value"]})
    assert not verifies(document, {**btc, "value": None})
    assert not verifies({**document, "app_hash": "00" * 32}, btc)


def test_the_hex_form_names_the_same_key_and_answers_the_same_proof(devnet: Devnet) -> None:
    devnet.produce()
    text = proofs(devnet, 'assets/"eth"')
    raw = proofs(devnet, b'assets/"eth"'.hex(), "0x" + b'assets/"eth"'.hex())
    assert raw["proofs"][0] == raw["proofs"][1] == text["proofs"][0]


def test_a_proof_follows_the_committed_state_block_by_block(devnet: Devnet) -> None:
    devnet.produce()
    first = proofs(devnet, 'height/""')
    devnet.produce()
    second = proofs(devnet, 'height/""')
    assert second["height"] == first["height"] + 1 and second["app_hash"] != first["app_hash"]
    assert msgspec.json.decode(second["proofs"][0]["value_text"]) == second["height"]
    assert verifies(first, first["proofs"][0]) and verifies(second, second["proofs"][0])
    assert not verifies(second, first["proofs"][0])


@pytest.mark.parametrize(
    ("keys", "status", "message"),
    [
        (["nonsense"], 400, "neither table/json-key nor its hex"),
        (["abc"], 400, "neither table/json-key nor its hex"),
        ([b"assets".hex()], 400, "neither table/json-key nor its hex"),
        (["assets/btc"], 400, "the key after 'assets/' must be JSON"),
        (['assets/ "btc"'], 400, 'use assets/"btc"'),
        (["withdrawals/07"], 400, "must be JSON"),
        (['deposits/["bitcoin", "x:0"]'], 400, 'use deposits/["bitcoin","x:0"]'),
        (["withdrawals/" + "1" * 600], 400, "at most 510 bytes"),
        (["withdrawals/1"] * 33, 400, "give 1 to 32 keys"),
        (["wallets/7"], 404, "no table named 'wallets'"),
        ([b"wallets/7".hex()], 404, "no table named 'wallets'"),
    ],
)
def test_malformed_keys_are_refused_with_the_reason(devnet: Devnet, keys: list[str], status: int, message: str) -> None:
    devnet.produce()
    response = devnet.client.get("/proofs/state", params={"key": keys})
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == ("InvalidRequest" if status == 400 else "NotFound") and body["code"] == status
    assert message in body["message"], body["message"]


def test_a_key_of_another_type_than_the_tables_is_proven_absent(devnet: Devnet) -> None:
    devnet.produce()
    document = proofs(devnet, "withdrawals/7.0", 'withdrawals/"7"')
    assert [p["exists"] for p in document["proofs"]] == [False, False]
    assert all(verifies(document, proof) for proof in document["proofs"])


def test_a_request_without_a_key_is_a_400(devnet: Devnet) -> None:
    devnet.produce()
    response = devnet.client.get("/proofs/state")
    assert response.status_code == 400 and response.json()["error"] == "InvalidRequest"


def test_before_the_first_block_there_is_nothing_to_prove(devnet: Devnet) -> None:
    assert devnet.node.app.height == 0
    response = devnet.client.get("/proofs/state", params={"key": 'params/""'})
    assert response.status_code == 503 and response.json()["error"] == "NodeNotReady"


def test_the_openapi_document_describes_the_route_and_its_refusals(devnet: Devnet) -> None:
    operation = devnet.client.get("/openapi.json").json()["paths"]["/proofs/state"]["get"]
    assert set(operation["responses"]) == {"200", "400", "404", "503"}
    assert "canonical" in operation["responses"]["400"]["description"]
    assert "table" in operation["responses"]["404"]["description"]
    assert operation["parameters"][0]["name"] == "key"


def test_every_table_of_the_chain_can_be_named(devnet: Devnet) -> None:
    devnet.produce()
    names = State().table_names()
    document = proofs(devnet, *[f'{name}/""' for name in names[:32]])
    assert [p["key_text"] for p in document["proofs"]] == [f'{name}/""' for name in names[:32]]
