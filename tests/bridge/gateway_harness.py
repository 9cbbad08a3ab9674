"""Gateway test harness: an in-process devnet whose genesis enables custody (3 custodians, threshold 2, a
compliance council), served through its real API to the bridge's NodeClient; plus the EVM harness."""

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from msgspec.structs import replace

from gostaking.api.main import create_api
from gostaking.bridge.node_client import MessageSender, NodeClient
from gostaking.chain.genesis import decode_genesis, encode_genesis
from gostaking.chain.types.params import ComplianceParams, CustodyParams
from gostaking.chain.types.tx import Msg, MsgSendCoins
from gostaking.node.runtime import Node, init_devnet_home, open_devnet
from gostaking.node.settings import DevnetSettings
from gostaking.storage import MemoryStore
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey, sign_tx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "contracts"))

from evm_harness import CUSTODIANS, Evm, evm, key, make_evm, session_evm

GOS = 10**6
COUNCIL = (key(50), key(51))
"""The compliance council (2 of 2): keeps the sanctions list."""
ALICE = key(51)

__all__ = ["CUSTODIANS", "Evm", "evm", "make_evm", "session_evm"]


@dataclass
class GatewayNet:
    """A custody-enabled devnet node behind its API."""

    node: Node
    client: TestClient
    operator: PrivateKey
    faucet: PrivateKey

    def produce(self, count: int = 1) -> int:
        assert self.node.producer is not None
        for _ in range(count):
            self.node.producer.produce_block()
        return self.node.app.height

    def api(self) -> NodeClient:
        return NodeClient(http=self.client)

    def sender(self, signer: PrivateKey) -> MessageSender:
        return MessageSender(self.api(), signer)

    def submit(self, signer: PrivateKey, *msgs: Msg) -> str:
        sequence = self.client.get(f"/accounts/{signer.address}").json()["next_sequence"]
        response = self.client.post(
            "/txs", json={"tx": sign_tx(signer, self.node.chain_id, sequence, list(msgs), 1_000).hex()}
        )
        assert response.status_code == 202, response.text
        return str(response.json()["tx_hash"])

    def included(self, tx_hash: str) -> dict[str, object]:
        found = self.client.get(f"/txs/{tx_hash}").json()
        assert found["status"] == "included", found
        return dict(found)

    def balance(self, address: str, denom: str) -> int:
        for item in self.client.get(f"/accounts/{address}").json()["balances"]:
            if item["denom"] == denom:
                return int(item["amount"])
        return 0


@pytest.fixture
def gateway_net(tmp_path: Path) -> Iterator[GatewayNet]:
    home = tmp_path / "devnet"
    settings = DevnetSettings(home=home)
    init_devnet_home(home)
    genesis = decode_genesis(settings.genesis_path.read_bytes())
    custody = CustodyParams(tuple(c.address for c in CUSTODIANS), 2)
    council = ComplianceParams(council=tuple(k.address for k in COUNCIL), council_threshold=2)
    genesis = replace(genesis, params=replace(genesis.params, custody=custody, compliance=council))
    settings.genesis_path.write_bytes(encode_genesis(genesis) + b"\n")
    node = open_devnet(settings, store=MemoryStore())
    keyring = Keyring(settings.keys_dir)
    net = GatewayNet(node, TestClient(create_api(node)), keyring.load("operator", None), keyring.load("faucet", None))
    try:
        net.produce(4)  # block rewards give the operator GOS to hand out for fees
        grants = [MsgSendCoins(a.address, "ugos", 4 * GOS) for a in [*CUSTODIANS, *COUNCIL, ALICE]]
        net.submit(net.operator, *grants)
        net.produce()
        yield net
    finally:
        node.close()
