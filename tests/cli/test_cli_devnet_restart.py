"""`python -m gostaking devnet` survives kill -9: it restarts at the same height and app hash and goes on;
SIGTERM stops it cleanly."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from free_ports import free_port

from gostaking.chain.types.tx import Msg, MsgSendCoins, MsgVoteNode
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey, sign_tx

REPO = Path(__file__).resolve().parents[2]
GOS = 10**6


def start_devnet(home: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [
        sys.executable,
        "-m",
        "gostaking",
        "devnet",
        "--home",
        str(home),
        "--port",
        str(port),
        "--block-time",
        "0.2",
    ]
    with log.open("ab") as output:
        # A new session makes the node its own process group, so the whole group can be killed.
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_until(condition: Any, what: str, timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = condition()
            if value:
                return value
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


@pytest.mark.slow
def test_kill_9_and_restart_resumes_at_the_same_state(tmp_path: Path) -> None:
    home, port, log = tmp_path / "devnet", free_port(), tmp_path / "devnet.log"
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5)
    process = start_devnet(home, port, log)
    try:
        wait_until(lambda: api.get("/status").status_code == 200, "the API")
        operator = Keyring(home / "keys").load("operator", None)
        users = [PrivateKey((100 + n).to_bytes(32, "big")) for n in range(3)]
        chain_id = api.get("/status").json()["chain_id"]
        wait_until(lambda: api.get(f"/accounts/{operator.address}").json()["gos"]["ugos"] >= 40 * GOS, "mined GOS")

        def submit(msg: Msg) -> str:
            sequence = api.get(f"/accounts/{operator.address}").json()["next_sequence"]
            response = api.post("/txs", json={"tx": sign_tx(operator, chain_id, sequence, [msg], 1_000).hex()})
            assert response.status_code == 202, response.text
            tx_hash: str = response.json()["tx_hash"]
            return tx_hash

        hashes = [submit(MsgSendCoins(user.address, "ugos", (n + 1) * GOS)) for n, user in enumerate(users)]
        hashes.append(submit(MsgVoteNode(operator.address, 7 * GOS)))
        for tx_hash in hashes:
            wait_until(lambda h=tx_hash: api.get(f"/txs/{h}").json()["status"] == "included", "inclusion")
            assert api.get(f"/txs/{tx_hash}").json()["code"] == 0
        height = api.get("/status").json()["height"]
        block = api.get(f"/blocks/{height}").json()
        balances = [api.get(f"/accounts/{user.address}").json()["gos"]["ugos"] for user in users]
        assert balances == [GOS, 2 * GOS, 3 * GOS]

        kill_group(process)
        process = start_devnet(home, port, log)
        status = wait_until(lambda: api.get("/status").json(), "the restarted API")
        assert status["height"] >= height
        assert api.get(f"/blocks/{height}").json() == block
        assert [api.get(f"/accounts/{user.address}").json()["gos"]["ugos"] for user in users] == balances
        node = api.get(f"/nodes/{operator.address}").json()
        assert node["votes"]["gos"] == "7"
        for tx_hash in hashes:
            assert api.get(f"/txs/{tx_hash}").json()["status"] == "included"
        restarted_at = status["height"]
        wait_until(lambda: api.get("/status").json()["height"] >= restarted_at + 3, "new blocks after restart")

        process.send_signal(signal.SIGTERM)  # a clean stop: the producer finishes its block, the store closes
        assert process.wait(10) == 0
        assert "stopped at height" in log.read_text().splitlines()[-1]
    finally:
        kill_group(process)
        api.close()
        print(log.read_text())
