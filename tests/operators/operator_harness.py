"""Operator network helpers: nodes on their own loopback addresses (127.0.0.2…6) and homes, as on separate
machines, built through the launch flow (init, genesis set-param, gentx, collect-gentxs, validate)."""

import json
import os
import signal
import socket
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
from free_ports import free_port
from localnet_harness import wait_until
from typer.testing import CliRunner

from gostaking.cli.main import app
from gostaking.node.launch.supervisor import STATUS_FILE
from gostaking.node.localnet.cometbft import set_toml_values
from gostaking.node.localnet.processes import kill_group, spawn_logged
from gostaking.node.localnet.rpc import CometRpc
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey

HOSTS = [f"127.0.0.{last}" for last in range(2, 7)]


def _unbindable_hosts() -> list[str]:
    """The HOSTS this machine cannot listen on (Linux routes all of 127/8 to lo; other systems may not)."""
    missing = []
    for host in HOSTS:
        with socket.socket() as probe:
            try:
                probe.bind((host, 0))
            except OSError:
                missing.append(host)
    return missing


requires_loopback_hosts = pytest.mark.skipif(
    bool(_unbindable_hosts()), reason=f"cannot listen on {', '.join(_unbindable_hosts())}"
)
GOS = 10**6
EPOCH_BLOCKS = 15
CHAIN_ID = "gostaking-operators-test"
TIMEOUT_COMMIT = "200ms"
"""The networks' pause after each block (the testnet profile's is 1 s): every test waits for heights, none for a
pace, so blocks come as fast as the machine makes them (most of a block's time is then the rounds themselves)."""
LOOPBACK_GOSSIP = {"p2p": {"flush_throttle_timeout": "10ms"}, "consensus": {"peer_gossip_sleep_duration": "10ms"}}
"""CometBFT's peer messages sent within 10 ms instead of its defaults' 100 ms (made for real networks): on loopback
a round's votes then arrive at once, and a block takes about half the time (0.28 s instead of 0.52 s with 2 nodes).
Keys of config.toml that gostaking's configuration leaves alone, as an operator may tune them."""


def free_on_every_host(count: int) -> list[int]:
    """Ports that nothing uses on any of HOSTS (each node uses the same numbers on its own address)."""
    chosen: list[int] = []
    while len(chosen) < count:
        port = free_port()  # from this xdist worker's share, below the ephemeral range (free_ports.py)
        with ExitStack() as stack:
            try:
                for host in HOSTS:
                    stack.enter_context(socket.socket()).bind((host, port))
            except OSError:
                continue
        chosen.append(port)
    return chosen


def gostaking(*args: str) -> str:
    """Run a gostaking command in this process; its output, or a test failure with it."""
    result = CliRunner().invoke(app, list(args), env={"GOSTAKING_PASSPHRASE": ""})
    assert result.exit_code == 0, f"gostaking {' '.join(args)}: {result.output}"
    return result.output


class Operator:
    """One operator: a node home, a keyring and, once started, a `gostaking start` process."""

    def __init__(self, root: Path, index: int, ports: list[int]) -> None:
        self.name = f"op{index + 1}"
        self.host = HOSTS[index]
        self.home = root / self.name / "node"
        self.keyring = root / self.name / "keys"
        self.p2p, self.rpc_port, self.abci, self.api = ports
        self.service: subprocess.Popen[bytes] | None = None

    def init(self, serve_api: bool) -> None:
        gostaking(
            "init", "--moniker", self.name, "--chain-id", CHAIN_ID, "--home", str(self.home), "--profile", "testnet"
        )
        for key, value in (
            ("p2p.laddr", f"tcp://{self.host}:{self.p2p}"),
            ("p2p.addr_book_strict", "false"),  # peers on loopback and private addresses
            ("p2p.allow_duplicate_ip", "true"),  # Linux dials every 127.0.0.x from 127.0.0.1
            ("rpc.laddr", f"tcp://{self.host}:{self.rpc_port}"),
            ("abci.address", f"tcp://{self.host}:{self.abci}"),
            ("api.enabled", "true" if serve_api else "false"),
            ("api.host", self.host),
            ("api.port", str(self.api)),
            ("supervisor.restart_delay_s", "0.5"),
            ("consensus.timeout_commit", TIMEOUT_COMMIT),
        ):
            self.config(key, value)
        comet_config = self.home / "config" / "config.toml"
        comet_config.write_text(set_toml_values(comet_config.read_text(), LOOPBACK_GOSSIP))
        gostaking("keys", "add", self.name, "--no-passphrase", "--keyring", str(self.keyring))

    def config(self, key: str, value: str) -> None:
        gostaking("config", "set", key, value, "--home", str(self.home))

    @property
    def genesis(self) -> Path:
        return self.home / "config" / "genesis.json"

    @property
    def key(self) -> PrivateKey:
        return Keyring(self.keyring).load(self.name, None)

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api}"

    def rpc(self) -> CometRpc:
        return CometRpc(f"http://{self.host}:{self.rpc_port}", 10)

    def start(self) -> None:
        command = [sys.executable, "-m", "gostaking", "start", "--home", str(self.home)]
        self.service = spawn_logged(command, self.home.parent / "start.out")

    def snapshot_heights(self) -> list[int]:
        """Heights of the snapshots this node's app has written."""
        root = self.home / "snapshots"
        return [int(path.name) for path in root.iterdir() if path.name.isdigit()] if root.is_dir() else []

    def status(self) -> dict[str, dict[str, object]]:
        status: dict[str, dict[str, object]] = json.loads((self.home / STATUS_FILE).read_text())
        return status

    def stop(self) -> int:
        """SIGTERM the supervisor; its exit code (it stops its processes first)."""
        self.signal_stop()
        return self.wait_stopped()

    def signal_stop(self) -> None:
        """SIGTERM the supervisor without waiting (wait_stopped waits), so that nodes stop side by side."""
        assert self.service is not None
        self.service.send_signal(signal.SIGTERM)

    def wait_stopped(self) -> int:
        """The supervisor's exit code once it has stopped its processes and exited."""
        assert self.service is not None
        return self.service.wait(60)

    def kill_leftovers(self) -> None:
        """After a failure: kill the supervisor and whatever it had started."""
        if self.service is not None and self.service.poll() is None:
            kill_group(self.service, signal.SIGKILL)
            self.service.wait(10)
        if (self.home / STATUS_FILE).exists():
            for child in self.status().values():
                pid = child.get("pid")
                if isinstance(pid, int) and alive(pid):
                    os.killpg(pid, signal.SIGKILL)


def stop_together(operators: list[Operator]) -> list[int]:
    """SIGTERM every operator's supervisor at once (each stops its own processes), then their exit codes in order:
    stopping them one after another would wait for each node's shutdown in turn."""
    for operator in operators:
        operator.signal_stop()
    return [operator.wait_stopped() for operator in operators]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def validator_addresses(rpc: CometRpc) -> set[str]:
    return {validator["address"] for validator in rpc.call("validators")["validators"]}


def launch_flow(tmp_path: Path, operators: list[Operator], genesis_count: int, params: dict[str, int]) -> str:
    """Init every operator's home, let the first (the coordinator) set `params` in the draft genesis, collect the
    gentxs of the first `genesis_count`, and hand everyone the same validated genesis with the genesis nodes as
    peers. Returns the peers (NODE_ID@HOST:PORT, comma-separated)."""
    genesis_ops, coordinator = operators[:genesis_count], operators[0]
    for name, value in params.items():
        gostaking("genesis", "set-param", name, str(value), "--home", str(coordinator.home))
    gentx_dir = tmp_path / "collected-gentxs"
    gentx_dir.mkdir()
    for operator in genesis_ops:
        operator.genesis.write_bytes(coordinator.genesis.read_bytes())
        made = gostaking(
            "genesis",
            "gentx",
            "--from",
            operator.name,
            "--keyring",
            str(operator.keyring),
            "--home",
            str(operator.home),
        )
        path = Path(made.rsplit(" written to ", 1)[1].strip())
        (gentx_dir / path.name).write_bytes(path.read_bytes())
    collected = gostaking("genesis", "collect-gentxs", "--gentx-dir", str(gentx_dir), "--home", str(coordinator.home))
    peers = collected.rsplit("peers: ", 1)[1].strip()
    assert len(peers.split(",")) == genesis_count
    hashes = set()
    for operator in operators:
        operator.genesis.write_bytes(coordinator.genesis.read_bytes())  # the coordinator sends the file out
        checked = gostaking("genesis", "validate", "--home", str(operator.home))
        assert f"with {genesis_count} nodes" in checked
        hashes.add(checked.rsplit("sha256 ", 1)[1].strip())
        if operator is not coordinator:
            own = gostaking("node-info", "--field", "node_id", "--home", str(operator.home)).strip()
            operator.config("p2p.persistent_peers", ",".join(p for p in peers.split(",") if not p.startswith(own)))
    assert len(hashes) == 1, "every operator holds the same genesis"
    return peers


def wait_for_snapshots(operators: list[Operator], timeout_s: float = 90) -> int:
    """Wait until every one of `operators` has written a snapshot of the same height; that height."""

    def common_height() -> int | None:
        heights = [set(operator.snapshot_heights()) for operator in operators]
        shared = set.intersection(*heights)
        return max(shared) if shared else None

    return wait_until(common_height, "snapshots on the serving nodes", timeout_s)


def join_by_state_sync(newcomer: Operator, servers: list[Operator], peers: str) -> None:
    """Configure `newcomer` to join by state sync: two servers' RPCs for the light client, a trust height and hash
    from the first (`gostaking statesync trust`), the genesis nodes as peers."""
    newcomer.config("p2p.persistent_peers", peers)
    newcomer.config("statesync.rpc_servers", ",".join(f"http://{s.host}:{s.rpc_port}" for s in servers[:2]))
    newcomer.config("statesync.discovery_time", "5s")
    trusted = gostaking(
        "statesync", "trust", "--rpc", f"http://{servers[0].host}:{servers[0].rpc_port}", "--home", str(newcomer.home)
    )
    assert "trust_hash = " in trusted
    newcomer.config("statesync.enable", "true")


def restored_height(operator: Operator) -> int | None:
    """The height the operator's app restored from a snapshot (its app.log says), or None."""
    log = operator.home / "logs" / "app.log"
    text = log.read_text() if log.exists() else ""
    marker = "restored height "
    if marker not in text:
        return None
    return int(text.rsplit(marker, 1)[1].split(")", 1)[0])
