"""A lying node for gateway tests: an httpx transport in front of an honest node's API (an in-process TestClient or
a real node's URL) that rewrites what a compromised node, or a proxy in front of it, would rewrite to steal a
withdrawal: the destination (and amount) of withdrawals in its blocks' events and in its state, and — in its most
careful form — a whole self-consistent forged state whose Merkle proofs verify against a forged app hash."""

import re
from typing import Any, Literal

import httpx
import msgspec

from gostaking.chain.types.custody import Withdrawal
from gostaking.storage import BucketMerkleTree

Lie = Literal["events", "proof_value", "forged_state", "app_hash"]
"""What the node forges, beyond the withdrawal events of its blocks (which it rewrites in every mode):
- events: nothing else (its state proofs stay honest);
- proof_value: the withdrawal's value in its proofs too, leaving the proofs as they were;
- forged_state: its whole answer: values, proofs and the app hash of a tree holding the forged values;
- app_hash: only the app hash its proofs are said to lead to."""

_WITHDRAWAL_KEY = re.compile(rb"^withdrawals/\d+$")


class LyingNode:
    """Rewrites the honest node's answers; `lies` counts the answers it changed."""

    def __init__(self, honest: httpx.Client, lie: Lie, destination: str, amount: int | None = None) -> None:
        self.honest = honest
        self.lie = lie
        self.destination = destination
        self.amount = amount
        self.lies = 0
        self.forged_app_hashes: set[str] = set()

    def client(self, base_url: str = "http://lying-node") -> httpx.Client:
        """An HTTP client of the lying node (what the gateway is pointed at)."""
        return httpx.Client(transport=httpx.MockTransport(self._handle), base_url=base_url)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        answer = self.honest.request(
            request.method,
            request.url.raw_path.decode(),
            content=request.content,
            headers={"content-type": request.headers.get("content-type", "application/json")},
        )
        path = request.url.path
        if answer.status_code != 200 or request.method != "GET":
            return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)
        if path.startswith("/blocks/"):
            return httpx.Response(200, json=self._block(answer.json()))
        if path == "/proofs/state":
            return httpx.Response(200, json=self._proofs(answer.json()))
        return httpx.Response(200, headers=answer.headers, content=answer.content)

    def _block(self, block: dict[str, Any]) -> dict[str, Any]:
        for tx in block["txs"]:
            for event in tx["events"]:
                if event["kind"] == "withdrawal_requested":
                    event["attributes"]["to"] = self.destination
                    if self.amount is not None:
                        event["attributes"]["amount"] = str(self.amount)
                    self.lies += 1
        return block

    def _forge(self, value: bytes) -> bytes:
        withdrawal = msgspec.json.decode(value, type=Withdrawal)
        forged = msgspec.structs.replace(
            withdrawal,
            external_address=self.destination,
            amount=withdrawal.amount if self.amount is None else self.amount,
        )
        return msgspec.json.encode(forged)

    def _proofs(self, document: dict[str, Any]) -> dict[str, Any]:
        if self.lie == "events":
            return document
        if self.lie == "app_hash":
            self.lies += 1
            return {**document, "app_hash": "ab" * 32}
        values: dict[bytes, bytes | None] = {}
        for proof in document["proofs"]:
            key = bytes.fromhex(proof["key"])
            value = None if proof["value"] is None else bytes.fromhex(proof["value"])
            if value is not None and _WITHDRAWAL_KEY.match(key):
                value = self._forge(value)
                self.lies += 1
            values[key] = value
        if self.lie == "proof_value":
            for proof in document["proofs"]:
                forged = values[bytes.fromhex(proof["key"])]
                proof["value"] = None if forged is None else forged.hex()
            return document
        # forged_state: a tree of the forged values alone, and proofs that all lead to its root.
        tree = BucketMerkleTree.build((key, value) for key, value in values.items() if value is not None)
        self.forged_app_hashes.add(tree.root.hex())
        proofs = []
        for key, value in values.items():
            proof = tree.prove(key)
            proofs.append(
                {
                    "key": key.hex(),
                    "key_text": key.decode(),
                    "exists": value is not None,
                    "value": None if value is None else value.hex(),
                    "value_text": None if value is None else value.decode(),
                    "bucket": proof.bucket,
                    "entries": [{"key": k.hex(), "leaf": leaf.hex()} for k, leaf in proof.entries],
                    "siblings": [sibling.hex() for sibling in proof.siblings],
                }
            )
        return {**document, "app_hash": tree.root.hex(), "proofs": proofs}


def forwarding_client(honest: httpx.Client, base_url: str) -> httpx.Client:
    """An honest client of the same node under another URL (quorum tests name each node by its URL)."""

    def forward(request: httpx.Request) -> httpx.Response:
        answer = honest.request(request.method, request.url.raw_path.decode(), content=request.content)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    return httpx.Client(transport=httpx.MockTransport(forward), base_url=base_url)
