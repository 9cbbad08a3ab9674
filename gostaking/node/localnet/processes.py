"""Start, watch and stop a localnet's processes: per node one `cometbft node` and (GoStaking) one app process,
which also serves the node's REST API and block explorer (`gostaking abci --api-port`).

Every process gets its own session (process group), so stopping a node kills everything it started, and
`stop_all` never leaves a process behind. Output goes to <node home>/cometbft.log and app.log.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import gostaking
from gostaking.node.localnet.cometbft import require_cometbft
from gostaking.node.localnet.network import Localnet, LocalnetNode
from gostaking.node.localnet.rpc import CometRpc

_SOURCE_ROOT = str(Path(gostaking.__file__).resolve().parents[1])

LOCALNET_API_WORKERS = 1
"""Read workers of each localnet node's API (gostaking/api/worker.py)."""


class LocalnetProcessError(Exception):
    """A localnet process did not come up; the message names it and its log."""


def wait_for_port(
    port: int, timeout_s: float, process: subprocess.Popen[bytes] | None = None, host: str = "127.0.0.1"
) -> None:
    """Wait until something accepts TCP connections on `host`:`port` (error if `process` exits first)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise LocalnetProcessError(f"process {process.args!r} exited with code {process.returncode}")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise LocalnetProcessError(f"nothing listens on {host}:{port} after {timeout_s:g} s")


def kill_group(process: subprocess.Popen[bytes] | None, sig: int) -> None:
    """Send `sig` to the process group of `process` (its own session: see spawn_logged) if it still runs."""
    if process is not None and process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)


def spawn_logged(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    """Start `command` in a session of its own, its output appended to `log`; a Python child imports this
    checkout's gostaking (PYTHONPATH), whatever its working directory."""
    env = {**os.environ, "PYTHONPATH": _SOURCE_ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with log.open("ab") as output:
        return subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_process(process: subprocess.Popen[bytes] | None, sig: int, timeout_s: float = 15.0) -> None:
    """Send `sig` to the group of `process` and wait for it to exit; SIGKILL if it is still alive after
    `timeout_s`."""
    if process is None:
        return
    kill_group(process, sig)
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        kill_group(process, signal.SIGKILL)
        process.wait(timeout_s)


class LocalnetProcesses:
    """The running processes of a localnet. Use as a context manager: leaving it stops everything."""

    def __init__(self, localnet: Localnet, python: str = sys.executable, serve_api: bool = True) -> None:
        """Processes of `localnet` (none started yet); app processes run with `python` and serve their node's
        REST API and explorer unless `serve_api` is False (the benchmark measures the app alone)."""
        self.localnet = localnet
        self.python = python
        self.serve_api = serve_api
        self.binary = require_cometbft()
        self.apps: dict[int, subprocess.Popen[bytes]] = {}
        self.comets: dict[int, subprocess.Popen[bytes]] = {}

    def __enter__(self) -> "LocalnetProcesses":
        return self

    def __exit__(self, *_: object) -> None:
        self.stop_all()

    def node(self, index: int) -> LocalnetNode:
        """Node `index` of the localnet."""
        return self.localnet.nodes[index]

    def rpc(self, index: int, timeout_s: float = 10.0) -> CometRpc:
        """An RPC client of node `index` (close it after use)."""
        return CometRpc(self.node(index).rpc_url, timeout_s)

    def app_command(self, index: int) -> list[str]:
        """The command line of node `index`'s app process: ABCI for its cometbft, and its API if it has a port."""
        node = self.node(index)
        command = [self.python, "-m", "gostaking", "abci", "--home", node.home, "--address", node.abci_address]
        if self.serve_api and node.api_port:
            command += ["--api-port", str(node.api_port), "--api-host", "127.0.0.1", "--comet-rpc", node.rpc_url]
            # Every node of a localnet shares one machine: one read worker each keeps the explorer's reads off the
            # app's GIL without a process per core per node.
            command += ["--api-workers", str(LOCALNET_API_WORKERS)]
        return command

    def spawn_app(self, index: int) -> None:
        """Start node `index`'s app process without waiting for it (see wait_app)."""
        node = self.node(index)
        if self.localnet.app == "gostaking":
            self.apps[index] = spawn_logged(self.app_command(index), node.path / "app.log")

    def wait_app(self, index: int, timeout_s: float = 60.0) -> None:
        """Wait until node `index`'s app process serves its API (it starts first) and listens for CometBFT."""
        node = self.node(index)
        process = self.apps.get(index)
        if process is None:
            return
        try:
            if self.serve_api and node.api_port:
                wait_for_port(node.api_port, timeout_s, process)
            wait_for_port(node.abci_port, timeout_s, process)
        except LocalnetProcessError as exc:
            raise LocalnetProcessError(f"{node.name} app: {exc}; see {node.path / 'app.log'}") from None

    def start_app(self, index: int, timeout_s: float = 60.0) -> None:
        """Start node `index`'s app process and wait until it listens."""
        self.spawn_app(index)
        self.wait_app(index, timeout_s)

    def start_comet(self, index: int, timeout_s: float = 60.0) -> None:
        """Start node `index`'s cometbft and wait until its RPC listens."""
        node = self.node(index)
        process = spawn_logged([str(self.binary), "node", "--home", node.home], node.path / "cometbft.log")
        self.comets[index] = process
        try:
            wait_for_port(node.rpc_port, timeout_s, process)
        except LocalnetProcessError as exc:
            raise LocalnetProcessError(f"{node.name} cometbft: {exc}; see {node.path / 'cometbft.log'}") from None

    def start_node(self, index: int) -> None:
        """Start node `index`: the app first (CometBFT connects to it at start-up), then cometbft."""
        self.start_app(index)
        self.start_comet(index)

    def start_all(self) -> None:
        """Start every node: all app processes at once (each takes a moment to load), then each cometbft once its
        app listens. On failure, whatever was started is stopped again."""
        try:
            indexes = range(len(self.localnet.nodes))
            for index in indexes:
                self.spawn_app(index)
            for index in indexes:
                self.wait_app(index)
                self.start_comet(index)
        except BaseException:
            self.stop_all()
            raise

    def kill_app(self, index: int, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to node `index`'s app process group and wait for it to exit."""
        stop_process(self.apps.pop(index, None), sig)

    def kill_comet(self, index: int, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to node `index`'s cometbft process group and wait for it to exit."""
        stop_process(self.comets.pop(index, None), sig)

    def kill_node(self, index: int, sig: int = signal.SIGKILL) -> None:
        """Stop both processes of node `index` (kill -9 by default)."""
        self.kill_comet(index, sig)
        self.kill_app(index, sig)

    def stop_all(self, sig: int = signal.SIGTERM) -> None:
        """Stop every process: `sig` first (CometBFT before its app), SIGKILL for any still alive after 15 s."""
        for index in list(self.comets):
            self.kill_comet(index, sig)
        for index in list(self.apps):
            self.kill_app(index, sig)

    def exited(self) -> list[str]:
        """Descriptions of processes that have exited on their own."""
        out = []
        for kind, processes in (("cometbft", self.comets), ("app", self.apps)):
            for index, process in processes.items():
                if process.poll() is not None:
                    out.append(f"{self.node(index).name} {kind} (exit code {process.returncode})")
        return out


def run_localnet(localnet: Localnet, announce: Callable[[str], None] = print, poll_s: float = 1.0) -> None:
    """Start every node and keep them running until SIGINT/SIGTERM; then stop them all."""
    stop = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with LocalnetProcesses(localnet) as processes:
            processes.start_all()
            announce(f"localnet {localnet.chain_id!r}: {len(localnet.nodes)} validators ({localnet.app} app) running")
            for node in localnet.nodes:
                announce(f"  {node.name}: RPC {node.rpc_url}  ABCI {node.abci_address}  home {node.home}")
                if node.api_url:
                    announce(f"         API {node.api_url}  explorer {node.api_url}/  docs {node.api_url}/docs")
            announce(f"  keys (operators, faucet): {localnet.keys_dir}; logs: <node home>/cometbft.log, app.log")
            announce("  press Ctrl+C to stop")
            reported: set[str] = set()
            while not stop:
                for description in processes.exited():
                    if description not in reported:
                        reported.add(description)
                        announce(f"warning: {description} stopped; see its log")
                time.sleep(poll_s)
            announce("stopping…")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
