"""EVM test harness: compiles contracts/ with solc-js when the build is missing or stale, and runs them on an
in-process eth-tester (py-evm) chain. Shared by tests/contracts and tests/bridge."""

import ast
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_tester import EthereumTester
from web3 import Web3
from web3.contract import Contract
from web3.providers.eth_tester import EthereumTesterProvider

from gostaking.bridge.evm import eth_address
from gostaking.wallet.keys import PrivateKey

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = REPO / "contracts"
BUILD = CONTRACTS / "build"


def sources_hash() -> str:
    """Same hash as contracts/compile.js writes to manifest.json."""
    digest = hashlib.sha256()
    for directory in ("", "test"):
        for path in sorted((CONTRACTS / directory).glob("*.sol"), key=lambda p: p.name):
            name = f"{directory}/{path.name}" if directory else path.name
            digest.update(f"{name}\0{path.read_text()}\0".encode())
    return digest.hexdigest()


def ensure_build() -> Path:
    """Compile the contracts unless contracts/build matches the sources."""
    manifest = BUILD / "manifest.json"
    if manifest.exists() and json.loads(manifest.read_text())["sourcesSha256"] == sources_hash():
        return BUILD
    if shutil.which("node") is None or not (REPO / "node_modules" / "solc").is_dir():
        pytest.fail("contracts are not compiled and solc-js is not installed: run `make contracts` (npm ci)")
    subprocess.run(["node", str(CONTRACTS / "compile.js"), str(BUILD)], check=True, capture_output=True, timeout=120)
    return BUILD


def artifact(name: str) -> dict[str, Any]:
    """ABI and bytecode of a compiled contract."""
    document: dict[str, Any] = json.loads((ensure_build() / f"{name}.json").read_text())
    return document


def key(n: int) -> PrivateKey:
    """A deterministic test key."""
    return PrivateKey((n + 0x1000).to_bytes(32, "big"))


CUSTODIANS = [key(1), key(2), key(3)]
OUTSIDER = key(9)


@dataclass
class Evm:
    """An eth-tester chain with funded accounts."""

    w3: Web3
    tester: EthereumTester

    @property
    def deployer(self) -> str:
        return str(self.w3.eth.accounts[0])

    def deploy(self, name: str, *args: Any) -> Contract:
        doc = artifact(name)
        factory = self.w3.eth.contract(abi=doc["abi"], bytecode=doc["bytecode"])
        receipt = self.w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact({"from": self.deployer}))
        return self.w3.eth.contract(address=receipt["contractAddress"], abi=doc["abi"])

    def fund(self, address: str, wei: int = 10**18) -> None:
        self.w3.eth.send_transaction({"from": self.deployer, "to": address, "value": wei})

    def mine(self, count: int = 1) -> None:
        self.tester.mine_blocks(count)

    @property
    def chain_id(self) -> int:
        return int(self.w3.eth.chain_id)


def make_evm() -> Evm:
    """A fresh in-process chain; custodian and outsider keys get ether for gas."""
    tester = EthereumTester()
    evm = Evm(Web3(EthereumTesterProvider(tester)), tester)
    for k in [*CUSTODIANS, OUTSIDER]:
        evm.fund(eth_address(k))
    return evm


@pytest.fixture(scope="session")
def session_evm() -> Evm:
    return make_evm()


@pytest.fixture
def evm(session_evm: Evm) -> Iterator[Evm]:
    """The session chain, reverted to its state before the test afterwards (deploying per test is slow)."""
    snapshot = session_evm.tester.take_snapshot()
    yield session_evm
    session_evm.tester.revert_to_snapshot(snapshot)


def revert_data(error: Exception) -> str:
    """Revert data of a failed call or transaction as 0x-hex ('' when there is none)."""
    data = getattr(error, "data", None)
    if isinstance(data, str):
        return data
    text = str(error)
    marker = "execution reverted: "
    if marker in text:
        reason = text.split(marker, 1)[1]
        if reason.startswith(("b'", 'b"')):
            return "0x" + ast.literal_eval(reason).hex()
        return reason
    return text
