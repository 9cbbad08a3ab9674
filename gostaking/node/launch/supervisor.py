"""`gostaking start`: run one node, its app process and its `cometbft node`, as a service (cosmovisor-style).

The app starts first (CometBFT connects to it at start-up), then CometBFT. A process that exits is started again
after a wait that doubles from `supervisor.restart_delay_s` up to `max_restart_delay_s` (back to the start once
it had run `stable_after_s`): CometBFT cannot run without its app, so when the app exits CometBFT is stopped too
and both start again in order; when only CometBFT exits, only it restarts. SIGTERM or SIGINT stops CometBFT, then
the app (SIGKILL for one still alive after 15 s). Each process writes to <home>/logs/<name>.log; what the
supervisor does goes to supervisor.log (and stdout), and <home>/supervisor.json names the running pids.
"""

import json
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen
from typing import Any

from gostaking.node.launch.config import NodeConfig, tcp_host_port
from gostaking.node.launch.home import LOG_DIR, apply_node_config
from gostaking.node.localnet.cometbft import require_cometbft
from gostaking.node.localnet.processes import LocalnetProcessError, spawn_logged, stop_process, wait_for_port

STATUS_FILE = "supervisor.json"
READY_TIMEOUT_S = 120.0
POLL_S = 0.5


def _dial_host(host: str) -> str:
    """Where to connect to a listener bound to `host` (every address → loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "", "::", "[::]") else host


@dataclass
class Supervised:
    """One child process and its restart state."""

    name: str
    command: list[str]
    ready_ports: list[tuple[str, int]]
    """(host, port) pairs that accept connections once the process is up."""
    log: Path
    process: Popen[bytes] | None = None
    started_at: float = 0.0
    delay_s: float = 0.0
    restarts: int = 0
    history: list[int] = field(default_factory=list)
    """Exit codes of the runs that ended on their own."""

    def exited(self) -> bool:
        """The process was started and has exited."""
        return self.process is not None and self.process.poll() is not None


class NodeSupervisor:
    """Supervise the node of `home`, configured by `config`. `run` returns when `stop` is set."""

    def __init__(
        self,
        home: Path,
        config: NodeConfig,
        *,
        python: str = sys.executable,
        announce: Callable[[str], None] = print,
    ) -> None:
        """Prepare (not start) the app and CometBFT processes of `home`."""
        self.home = home
        self.config = config
        self.stop = threading.Event()
        self._announce = announce
        logs = home / LOG_DIR
        logs.mkdir(exist_ok=True)
        self._supervisor_log = logs / "supervisor.log"
        abci_host, abci_port = tcp_host_port(config.abci.address, "abci.address")
        rpc_host, rpc_port = tcp_host_port(config.rpc.laddr, "rpc.laddr")
        self.rpc_url = f"http://{_dial_host(rpc_host)}:{rpc_port}"
        app_ready = [(_dial_host(abci_host), abci_port)]
        if config.api.enabled:
            app_ready.insert(0, (_dial_host(config.api.host), config.api.port))  # the API starts first
        self.app = Supervised("app", self.app_command(python), app_ready, logs / "app.log")
        comet = [str(require_cometbft()), "node", "--home", str(home)]
        self.comet = Supervised("cometbft", comet, [(_dial_host(rpc_host), rpc_port)], logs / "cometbft.log")

    def app_command(self, python: str) -> list[str]:
        """The app process: ABCI for this node's CometBFT (taking state-sync snapshots as config.snapshots says), and
        the API/explorer when enabled."""
        config = self.config
        command = [python, "-m", "gostaking", "abci", "--home", str(self.home), "--address", config.abci.address]
        snapshots = config.snapshots
        command += ["--snapshot-interval", str(snapshots.interval_blocks)]
        command += ["--snapshot-keep", str(snapshots.keep_recent), "--snapshot-chunk-bytes", str(snapshots.chunk_bytes)]
        command += ["--keep-recent-blocks", str(config.pruning.keep_recent_blocks)]
        command += ["--mapped-memory-mib", str(config.state.mapped_memory_mib)]
        if config.api.enabled:
            command += ["--api-port", str(config.api.port), "--api-host", config.api.host]
            command += ["--comet-rpc", self.rpc_url, "--block-time", repr(config.api.block_time_s)]
            if config.api.index_url:
                command += ["--index-url", config.api.index_url]
            command += ["--api-workers", str(config.api.workers)]
        return command

    def say(self, line: str) -> None:
        """Report what the supervisor does (stdout and supervisor.log)."""
        stamped = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}"
        with self._supervisor_log.open("a") as log:
            log.write(stamped + "\n")
        self._announce(line)

    def _write_status(self) -> None:
        status: dict[str, Any] = {
            child.name: {
                "pid": child.process.pid if child.process is not None else None,
                "restarts": child.restarts,
                "exit_codes": child.history,
            }
            for child in (self.app, self.comet)
        }
        # Written aside and renamed: a reader never sees half a file.
        staged = self.home / (STATUS_FILE + ".tmp")
        staged.write_text(json.dumps(status, indent=2) + "\n")
        staged.replace(self.home / STATUS_FILE)

    def _start(self, child: Supervised) -> bool:
        """Start `child` and wait until it listens; False (and the child stopped) if it does not come up."""
        child.process = spawn_logged(child.command, child.log)
        child.started_at = time.monotonic()
        self._write_status()
        problem = self._wait_ready(child)
        if problem:
            self.say(f"{child.name} did not come up: {problem}; see {child.log}")
            stop_process(child.process, signal.SIGTERM)
            return False
        self.say(f"{child.name} running (pid {child.process.pid}), log {child.log}")
        return True

    def _wait_ready(self, child: Supervised) -> str:
        """'' once every ready port of `child` accepts connections; otherwise why not (it exited, it took longer
        than READY_TIMEOUT_S, or a stop was asked for meanwhile)."""
        assert child.process is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        for host, port in child.ready_ports:
            while True:
                if self.stop.is_set():
                    return "stopping"
                try:
                    wait_for_port(port, POLL_S, child.process, host=host)
                    break
                except LocalnetProcessError as exc:
                    if child.process.poll() is not None or time.monotonic() > deadline:
                        return str(exc)
        return ""

    def _next_delay(self, child: Supervised) -> float:
        settings = self.config.supervisor
        ran_s = time.monotonic() - child.started_at
        if child.delay_s == 0 or ran_s >= settings.stable_after_s:
            child.delay_s = settings.restart_delay_s
        else:
            child.delay_s = min(child.delay_s * 2, settings.max_restart_delay_s)
        return child.delay_s

    def _record_exit(self, child: Supervised) -> float:
        assert child.process is not None
        code = child.process.returncode
        child.history.append(code)
        delay = self._next_delay(child)
        self.say(f"{child.name} exited with code {code}; starting it again in {delay:g} s")
        return delay

    def _start_both(self) -> None:
        """Start the app, then CometBFT; on a failure, wait the app's backoff and try again until stopped."""
        while not self.stop.is_set():
            if self._start(self.app):
                if self._start(self.comet):
                    return
                stop_process(self.app.process, signal.SIGTERM)
            self.stop.wait(self._next_delay(self.app))

    def run(self) -> None:
        """Write CometBFT's config from the node configuration, start both processes and keep them running until
        `stop` is set; then stop CometBFT and the app."""
        apply_node_config(self.home, self.config)
        self.say(f"starting node {self.config.moniker!r} in {self.home} (profile {self.config.profile})")
        try:
            self._start_both()
            while not self.stop.wait(POLL_S):
                if self.app.exited():
                    delay = self._record_exit(self.app)
                    stop_process(self.comet.process, signal.SIGTERM)  # it cannot run without its app
                    self.app.restarts += 1
                    if not self.stop.wait(delay):
                        self._start_both()
                elif self.comet.exited():
                    delay = self._record_exit(self.comet)
                    self.comet.restarts += 1
                    if not self.stop.wait(delay):
                        self._start(self.comet)  # one that does not come up exits: the next pass waits longer
        finally:
            self.say("stopping: cometbft, then the app")
            stop_process(self.comet.process, signal.SIGTERM)
            stop_process(self.app.process, signal.SIGTERM)
            self.app.process = self.comet.process = None
            self._write_status()
            self.say("stopped")
