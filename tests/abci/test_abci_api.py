"""`gostaking abci --api-port`: the app process also serves the REST API and explorer (no CometBFT needed to
check that): status before genesis, its index under the home, no faucet, POST /txs to an absent CometBFT, and
the CometBFT RPC read from the home's config.toml; SIGTERM stops it cleanly."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from abci_harness import requires_stubs
from free_ports import free_port

from gostaking.node.abci.runner import block_time_from_config, comet_rpc_from_config
from gostaking.node.abci.trace import TRACE_ENV

REPO = Path(__file__).resolve().parents[2]


def test_comet_rpc_from_config(tmp_path: Path) -> None:
    assert comet_rpc_from_config(tmp_path) is None
    (tmp_path / "config").mkdir()
    config = tmp_path / "config" / "config.toml"
    config.write_text('proxy_app = "tcp://127.0.0.1:26658"\n\n[rpc]\nladdr = "tcp://0.0.0.0:26657"\n')
    assert comet_rpc_from_config(tmp_path) == "http://127.0.0.1:26657"
    config.write_text('[rpc]\nladdr = "tcp://10.0.0.5:1234"\n')
    assert comet_rpc_from_config(tmp_path) == "http://10.0.0.5:1234"
    config.write_text('[rpc]\nladdr = "unix:///tmp/rpc.sock"\n')
    assert comet_rpc_from_config(tmp_path) is None
    config.write_text("not toml [")
    assert comet_rpc_from_config(tmp_path) is None


@pytest.mark.parametrize(
    ("timeout_commit", "seconds"),
    [("1s", 1.0), ("500ms", 0.5), ("1m0s", 60.0), ("1.5s", 1.5), ("0s", None), ("soon", None), ("1s!", None)],
)
def test_block_time_from_config(tmp_path: Path, timeout_commit: str, seconds: float | None) -> None:
    assert block_time_from_config(tmp_path) is None
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text(f'[consensus]\ntimeout_commit = "{timeout_commit}"\n')
    assert block_time_from_config(tmp_path) == seconds


def read_line_with(process: subprocess.Popen[str], words: str, timeout_s: float = 60.0) -> str:
    """The first line of the process's output containing `words` (the output so far if it exits first)."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout_s
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"exited with {process.wait()} before printing {words!r}: {''.join(seen)}")
        seen.append(line)
        if words in line:
            return line
    raise AssertionError(f"no line with {words!r} after {timeout_s:g} s: {''.join(seen)}")


@requires_stubs
@pytest.mark.slow
def test_the_app_process_serves_the_api(tmp_path: Path) -> None:
    home = tmp_path / "node"
    (home / "config").mkdir(parents=True)
    rpc_port = free_port()  # nothing listens there: CometBFT is "down"
    (home / "config" / "config.toml").write_text(f'[rpc]\nladdr = "tcp://127.0.0.1:{rpc_port}"\n')
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "PYTHONUNBUFFERED": "1",
        TRACE_ENV: str(tmp_path / "trace"),
    }
    command = [sys.executable, "-m", "gostaking", "abci", "--home", str(home), "--address", "tcp://127.0.0.1:0"]
    process = subprocess.Popen(
        [*command, "--api-port", "0", "--block-time", "0.5"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        url = read_line_with(process, "API: http://").split("API: ")[1].split()[0]
        assert f"CometBFT RPC http://127.0.0.1:{rpc_port}" in read_line_with(process, "POST /txs goes to")
        with httpx.Client(base_url=url, timeout=10) as api:
            status = api.get("/status").json()
            assert (status["height"], status["consensus"], status["faucet_enabled"]) == (0, "cometbft", False)
            assert status["block_time_seconds"] == 0.5
            index = api.get("/explorer/index").json()
            assert index["url"] == f"sqlite:///{home / 'index.sqlite'}" and index["follower_running"]
            assert api.post("/faucet", json={"address": "gos1x"}).json()["error"] == "FaucetDisabled"
            refused = api.post("/txs", json={"tx": "00" * 40})
            assert refused.status_code == 503 and refused.json()["error"] == "ConsensusUnavailable"
            assert api.get("/").status_code == 200  # the explorer
        process.send_signal(signal.SIGTERM)
        assert "stopped at height 0" in read_line_with(process, "stopped at height")
        assert process.wait(30) == 0
        # The trace asked for is written at a clean stop; the state loaded at start-up is out of the GC's sight.
        (trace,) = tmp_path.glob("trace.*.json")
        assert json.loads(trace.read_text())["gc_frozen_objects"] > 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
