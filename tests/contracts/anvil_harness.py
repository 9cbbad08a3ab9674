"""A real Ethereum dev node for the tests: Foundry's anvil from the npm package @foundry-rs/anvil (`npm ci` puts it at
node_modules/.bin/anvil), on a free 127.0.0.1 port with automining, stopped at teardown. Its ten default accounts
(10,000 ETH each, unlocked) deploy contracts and fund the accounts under test; `mine` and `reorg` drive its chain
(what eth-tester cannot: a reorganization). Shared by tests/wallet_chains and tests/bridge (beside evm_harness,
whose compiled contracts it deploys).

Tests that need it skip only when the binary is missing, with the command that installs it.
"""

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from evm_harness import REPO, artifact
from free_ports import free_port
from web3 import Web3
from web3.contract import Contract

ANVIL = REPO / "node_modules" / ".bin" / "anvil"


@dataclass
class Anvil:
    """A running anvil and a web3 client of it."""

    url: str
    w3: Web3
    process: "subprocess.Popen[bytes]"

    @property
    def funder(self) -> str:
        """An unlocked default account with 10,000 ETH."""
        return str(self.w3.eth.accounts[0])

    def fund(self, address: str, wei: int) -> None:
        """Send `wei` from the funder to `address` (mined at once)."""
        tx = self.w3.eth.send_transaction({"from": self.funder, "to": address, "value": wei})  # type: ignore[typeddict-item]
        self.w3.eth.wait_for_transaction_receipt(tx)

    def send_raw(self, raw: bytes) -> bytes:
        """Send a signed transaction and wait until it is mined. Anvil's automining runs apart from the RPC that
        takes the transaction, so its receipt may not exist yet when `eth_sendRawTransaction` answers."""
        tx_hash = self.w3.eth.send_raw_transaction(raw)
        self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
        return bytes(tx_hash)

    def deploy(self, name: str, *args: Any) -> Contract:
        """Deploy the compiled contract `name` (contracts/build) from the funder."""
        doc = artifact(name)
        factory = self.w3.eth.contract(abi=doc["abi"], bytecode=doc["bytecode"])
        tx = factory.constructor(*args).transact({"from": self.funder})  # type: ignore[typeddict-item]
        receipt = self.w3.eth.wait_for_transaction_receipt(tx)
        return self.w3.eth.contract(address=receipt["contractAddress"], abi=doc["abi"])

    def mine(self, count: int = 1) -> None:
        """Mine `count` empty blocks."""
        self._call("anvil_mine", hex(count))

    def reorg(self, depth: int, transactions: list[tuple[bytes, int]] | None = None) -> None:
        """Replace the newest `depth` blocks by as many new ones (`anvil_reorg`): their transactions are dropped,
        and each (raw signed transaction, block offset) in `transactions` goes into the new block at that offset."""
        pairs = [["0x" + raw.hex(), offset] for raw, offset in transactions or []]
        self._call("anvil_reorg", depth, pairs)

    def _call(self, method: str, *params: Any) -> Any:
        answer = self.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result")


@pytest.fixture
def anvil(tmp_path: Path) -> Iterator[Anvil]:
    """A fresh anvil chain (chain id 31337)."""
    if not ANVIL.exists():
        pytest.skip("needs anvil: run `npm ci` (@foundry-rs/anvil)")
    port = free_port()
    log = (tmp_path / "anvil.log").open("wb")
    process = subprocess.Popen(
        [str(ANVIL), "--host", "127.0.0.1", "--port", str(port), "--chain-id", "31337"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 10}))
    try:
        deadline = time.monotonic() + 30
        while not _answers(w3):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"anvil did not start: {(tmp_path / 'anvil.log').read_text()[-2000:]}")
            time.sleep(0.05)
        yield Anvil(url, w3, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _answers(w3: Web3) -> bool:
    try:
        return int(w3.eth.chain_id) == 31337
    except Exception:  # connection refused while it starts
        return False
