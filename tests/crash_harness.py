"""Crash-loop harness shared by tests/node/test_node_crash_loop.py (devnet) and
tests/localnet/test_localnet_crash_loop.py (a CometBFT validator), in three modules: this one (sizes from the
environment, waiting, the devnet subprocess and its process group, logs), crash_load.py (the load sent through a
node's REST API and the follower of its blocks) and crash_checks.py (the checks after each kill -9).

Importable from any test directory: tests/conftest.py puts tests/ on sys.path.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
LOG_TAIL_LINES = 150


def env_int(name: str, default: int) -> int:
    """An integer from the environment (CI sizes by default, nightly sizes when set), e.g. GOSTAKING_CRASH_KILLS."""
    text = os.environ.get(name, "").strip()
    return int(text) if text else default


def wait_until(condition: Callable[[], T | None], what: str, timeout_s: float = 60.0, poll_s: float = 0.05) -> T:
    """Poll `condition` until it returns a truthy value; HTTP errors count as not yet."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            last_error = exc
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what} (last error: {last_error!r})")
        time.sleep(poll_s)


def get_json(api: httpx.Client, path: str) -> Any:
    """GET a JSON document (HTTPStatusError for an error answer, which wait_until retries)."""
    response = api.get(path)
    response.raise_for_status()
    return response.json()


def wait_index_height(api: httpx.Client, height: int, timeout_s: float = 60.0) -> None:
    """Wait until the node's explorer index (a thread of the node, killed with it) has indexed `height`."""
    wait_until(
        lambda: int(get_json(api, "/explorer/index")["indexed_height"]) >= height,
        f"the explorer index of {api.base_url} to reach height {height}",
        timeout_s,
    )


def wait_api_height(api: httpx.Client, height: int, timeout_s: float = 60.0) -> int:
    """Wait until the node behind `api` has committed `height`; returns its height then."""
    return wait_until(
        lambda: (h := int(get_json(api, "/status")["height"])) >= height and h,
        f"{api.base_url} to commit height {height}",
        timeout_s,
    )


_ROUTINE_LINE = re.compile(r"block \d+: \d+ txs \(0 failed\)")
"""The devnet's line for a block whose transactions all succeeded: left out of failure output."""


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last `lines` lines of a log file but the devnet's routine block lines, headed by its name (for failure
    output)."""
    if not path.exists():
        return f"----- {path}: missing -----"
    text = [line for line in path.read_text(errors="replace").splitlines() if not _ROUTINE_LINE.fullmatch(line)]
    return "\n".join([f"----- {path} (last {min(lines, len(text))} lines shown) -----", *text[-lines:]])


# --- the devnet process ---


class DevnetProcess:
    """`python -m gostaking devnet` as a subprocess in its own process group (session), output appended to `log`."""

    def __init__(self, home: Path, port: int, log: Path, block_time_s: float, source_root: Path) -> None:
        """A devnet on `home` serving its API on 127.0.0.1:`port` (not started yet)."""
        self.home, self.port, self.log = home, port, log
        self.block_time_s = block_time_s
        self.source_root = source_root
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        """The API's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        """The LMDB chain store."""
        return self.home / "data"

    def start(self, timeout_s: float = 60.0) -> None:
        """Start the devnet and wait until its API answers /status."""
        process = self.spawn()
        with httpx.Client(base_url=self.url, timeout=2) as api:

            def up() -> bool:
                if process.poll() is not None:
                    raise AssertionError(f"the devnet exited with code {process.returncode} while starting")
                return api.get("/status").status_code == 200

            wait_until(up, "the devnet's API", timeout_s)

    def spawn(self) -> subprocess.Popen[bytes]:
        """Start the devnet without waiting for it."""
        assert self.process is None, "the devnet is already running"
        env = {**os.environ, "PYTHONPATH": str(self.source_root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        command = [sys.executable, "-m", "gostaking", "devnet", "--home", str(self.home), "--port", str(self.port)]
        command += ["--block-time", str(self.block_time_s)]
        with self.log.open("ab") as output:
            output.write(f"===== start {self.starts + 1} =====\n".encode())
            output.flush()
            self.process = subprocess.Popen(
                command,
                cwd=self.source_root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killpg reaches everything it started
            )
        self.starts += 1
        return self.process

    def kill9(self) -> None:
        """SIGKILL the devnet's process group and reap it."""
        process, self.process = self.process, None
        if process is not None:
            kill_group(process, signal.SIGKILL)

    def stop(self, timeout_s: float = 20.0) -> int:
        """SIGTERM (a clean stop: the producer finishes its block, the store closes); returns the exit code."""
        process, self.process = self.process, None
        assert process is not None, "the devnet is not running"
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            kill_group(process, signal.SIGKILL)
            raise AssertionError(f"the devnet did not stop within {timeout_s:g} s of SIGTERM") from None

    def close(self) -> None:
        """Kill whatever is still running (teardown)."""
        self.kill9()


def kill_group(process: subprocess.Popen[bytes], sig: int, timeout_s: float = 15.0) -> None:
    """Send `sig` to the process group led by `process` and wait for it to exit (SIGKILL after `timeout_s`)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout_s)
