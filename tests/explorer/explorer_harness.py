"""Browser-test harness: a real devnet subprocess seeded through signed transactions, and Debian's chromium.

The devnet is `python -m gostaking devnet` on a free loopback port with 0.3 s blocks. `seed` sends what a user
would: faucet requests, transfers, votes, stakes, a lock, an unvote and an unstake, a second node's registration
and a failing transfer, each signed with the wallet code and submitted to POST /txs, then waits until they are
in blocks and indexed.
"""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from free_ports import free_port

from gostaking.chain.types.tx import (
    Msg,
    MsgLockAsset,
    MsgRegisterNode,
    MsgSendCoins,
    MsgStakeNode,
    MsgUnstakeNode,
    MsgUnvoteNode,
    MsgVoteNode,
    MultisigPubKey,
    TxBody,
)
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey, sign_tx
from gostaking.wallet.multisig import UnsignedTx, add_signature, address_of, multisig_key

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
GOS = 10**6
BTC = 10**8
FEE = 1_000


def wait_until(condition: Callable[[], Any], what: str, timeout_s: float = 30.0) -> Any:
    """Poll `condition` until it returns something truthy."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = condition()
            if value:
                return value
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@dataclass
class Seeded:
    """Keys and transactions of the seeded activity."""

    operator: PrivateKey
    alice: PrivateKey
    bob: PrivateKey
    carol: PrivateKey
    txs: dict[str, str] = field(default_factory=dict)
    """name → tx hash"""


@dataclass
class DevnetProcess:
    """A devnet subprocess and an HTTP client for its API."""

    process: subprocess.Popen[bytes]
    url: str
    home: Path
    client: httpx.Client

    def get(self, path: str) -> Any:
        response = self.client.get(path)
        response.raise_for_status()
        return response.json()

    def height(self) -> int:
        return int(self.get("/status")["height"])

    def wait_for_tx(self, tx_hash: str) -> dict[str, Any]:
        return dict(wait_until(lambda: self._included(tx_hash), f"tx {tx_hash} in a block"))

    def _included(self, tx_hash: str) -> dict[str, Any] | None:
        response = self.client.get(f"/txs/{tx_hash}")
        body: dict[str, Any] = response.json()
        return body if response.status_code == 200 and body["status"] == "included" else None

    def wait_indexed(self) -> None:
        """Until the index has caught up with the chain."""
        height = self.height()
        wait_until(lambda: self.get("/explorer/index")["indexed_height"] >= height, "the index to catch up")

    def submit(self, key: PrivateKey, *msgs: Msg, memo: str = "") -> str:
        sequence = self.get(f"/accounts/{key.address}")["next_sequence"]
        raw = sign_tx(key, self.get("/status")["chain_id"], sequence, list(msgs), FEE, memo)
        response = self.client.post("/txs", json={"tx": raw.hex()})
        assert response.status_code == 202, response.text
        tx_hash: str = response.json()["tx_hash"]
        return tx_hash

    def submit_multisig(self, signers: list[PrivateKey], key: MultisigPubKey, *msgs: Msg) -> str:
        """A transaction of the multisig account `key`, signed by `signers` (its threshold of members)."""
        sender = address_of(key)
        sequence = self.get(f"/accounts/{sender}")["next_sequence"]
        body = TxBody(self.get("/status")["chain_id"], sender, sequence, FEE, list(msgs))
        unsigned = UnsignedTx(body, key)
        for signer in signers:
            unsigned = add_signature(unsigned, signer)
        response = self.client.post("/txs", json={"tx": unsigned.wire_bytes().hex()})
        assert response.status_code == 202, response.text
        tx_hash: str = response.json()["tx_hash"]
        return tx_hash

    def faucet(self, address: str) -> list[str]:
        """Ask the faucet once it can send both GOS and test assets (each address gets one grant a minute)."""
        keyring = Keyring(self.home / "keys")
        operator, faucet = keyring.load("operator", None).address, keyring.load("faucet", None).address

        def ready() -> bool:
            # The operator earns 10 GOS a block and pays the grant; the faucet account needs GOS for its fee.
            gos = int(self.get(f"/accounts/{operator}")["gos"]["ugos"])
            pending = self.get(f"/accounts/{operator}")["pending_txs"]
            return gos >= 101 * GOS and pending == 0 and int(self.get(f"/accounts/{faucet}")["gos"]["ugos"]) >= 2 * FEE

        wait_until(ready, "the faucet to have GOS to give", 60)
        response = self.client.post("/faucet", json={"address": address})
        assert response.status_code == 200, response.text
        body = response.json()
        assert {s["denom"] for s in body["sent"]} >= {"ugos", "btc"}, body
        return list(body["tx_hashes"])

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def start_devnet(home: Path, block_time_s: float = 0.3) -> DevnetProcess:
    """Start `python -m gostaking devnet` on a free port and wait until its API answers."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, "-m", "gostaking", "devnet", "--home", str(home), "--port", str(port)]
    command += ["--block-time", str(block_time_s)]
    log = (home.parent / f"{home.name}.log").open("ab")
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    devnet = DevnetProcess(process, url, home, httpx.Client(base_url=url, timeout=10))
    log_path = home.parent / f"{home.name}.log"

    def answering() -> bool:
        # A devnet that exited (a port taken meanwhile, a bad home) fails at once, with its own words.
        if process.poll() is not None:
            raise AssertionError(f"the devnet exited with {process.returncode}: {log_path.read_text()[-2000:]}")
        return devnet.client.get("/status").status_code == 200

    try:
        wait_until(answering, "the devnet API", 60)
    except BaseException:
        devnet.stop()
        raise
    return devnet


def devnet_in(
    tmp_path_factory: pytest.TempPathFactory, name: str, block_time_s: float = 0.3
) -> Iterator[DevnetProcess]:
    """A devnet subprocess in a fresh temporary home, stopped and removed afterwards (a fixture's body)."""
    home = tmp_path_factory.mktemp(name) / "devnet"
    process = start_devnet(home, block_time_s)
    try:
        yield process
    finally:
        process.stop()
        shutil.rmtree(home, ignore_errors=True)


def seed(devnet: DevnetProcess) -> Seeded:
    """Real activity through signed transactions; returns the keys and the hashes of what was sent."""
    keyring = Keyring(devnet.home / "keys")
    seeded = Seeded(keyring.load("operator", None), PrivateKey.generate(), PrivateKey.generate(), PrivateKey.generate())
    operator = seeded.operator.address
    alice, bob, carol = seeded.alice, seeded.bob, seeded.carol
    for name, key in (("alice", alice), ("bob", bob)):
        hashes = devnet.faucet(key.address)
        for h in hashes:
            devnet.wait_for_tx(h)
        seeded.txs[f"faucet_{name}"] = hashes[0]
    # First (older than the dashboard's latest transactions): a 2-of-3 multisig account of alice, bob and carol,
    # funded by alice, pays carol with alice's and bob's keys.
    shared = multisig_key(2, [alice.public_key, bob.public_key, carol.public_key])
    seeded.txs["fund_multisig"] = devnet.submit(alice, MsgSendCoins(address_of(shared), "ugos", 3 * GOS))
    devnet.wait_for_tx(seeded.txs["fund_multisig"])
    seeded.txs["multisig_pays"] = devnet.submit_multisig(
        [alice, bob], shared, MsgSendCoins(carol.address, "ugos", 1 * GOS)
    )
    devnet.wait_for_tx(seeded.txs["multisig_pays"])
    seeded.txs["register"] = devnet.submit(bob, MsgRegisterNode(secrets.token_bytes(32), "bob-node"))
    seeded.txs["alice_bonds"] = devnet.submit(
        alice,
        MsgVoteNode(operator, 30 * GOS),
        MsgStakeNode(operator, 10 * GOS),
        MsgLockAsset("btc", BTC // 2),
        memo="first steps",
    )
    devnet.wait_for_tx(seeded.txs["register"])
    seeded.txs["bob_stake"] = devnet.submit(bob, MsgStakeNode(bob.address, 20 * GOS))
    seeded.txs["send_carol"] = devnet.submit(alice, MsgSendCoins(carol.address, "ugos", 5 * GOS))
    seeded.txs["alice_vote_bob"] = devnet.submit(alice, MsgVoteNode(bob.address, 12 * GOS))
    seeded.txs["unvote"] = devnet.submit(alice, MsgUnvoteNode(operator, 5 * GOS))
    seeded.txs["unstake"] = devnet.submit(alice, MsgUnstakeNode(operator, 2 * GOS))
    devnet.wait_for_tx(seeded.txs["send_carol"])
    seeded.txs["carol_fails"] = devnet.submit(carol, MsgSendCoins(alice.address, "ugos", 1_000 * GOS))
    for tx_hash in seeded.txs.values():
        devnet.wait_for_tx(tx_hash)
    devnet.wait_indexed()
    return seeded
