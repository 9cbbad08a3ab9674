"""API test harness: a devnet node on an in-memory store, driven block by block, behind a TestClient."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gostaking.api.main import create_api
from gostaking.chain.types.tx import Msg
from gostaking.node.producer import BlockProducer
from gostaking.node.runtime import Node, open_devnet
from gostaking.node.settings import DevnetSettings
from gostaking.storage import MemoryStore
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey, sign_tx

GOS = 10**6


@dataclass
class Devnet:
    """A node, an HTTP client for its API, and its devnet keys."""

    node: Node
    client: TestClient
    operator: PrivateKey
    faucet: PrivateKey

    @property
    def producer(self) -> BlockProducer:
        assert self.node.producer is not None
        return self.node.producer

    def produce(self, count: int = 1) -> int:
        """Produce `count` blocks; returns the new height."""
        for _ in range(count):
            self.producer.produce_block()
        return self.node.app.height

    def sign(self, key: PrivateKey, *msgs: Msg, sequence: int | None = None, fee: int = 1_000) -> str:
        """Hex wire bytes of a tx signed with the key's next sequence (as the API reports it)."""
        if sequence is None:
            sequence = self.client.get(f"/accounts/{key.address}").json()["next_sequence"]
        return sign_tx(key, self.node.chain_id, sequence, list(msgs), fee).hex()

    def submit(self, key: PrivateKey, *msgs: Msg) -> str:
        """Submit a tx (asserting it is accepted); returns its hash."""
        response = self.client.post("/txs", json={"tx": self.sign(key, *msgs)})
        assert response.status_code == 202, response.text
        tx_hash: str = response.json()["tx_hash"]
        return tx_hash


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[Devnet]:
    node = open_devnet(DevnetSettings(home=tmp_path), store=MemoryStore())
    keyring = Keyring(tmp_path / "keys")
    try:
        yield Devnet(node, TestClient(create_api(node)), keyring.load("operator", None), keyring.load("faucet", None))
    finally:
        node.close()
