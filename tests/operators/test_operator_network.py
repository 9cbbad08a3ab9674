"""A network built the way independent operators build one, each node on its own loopback address (127.0.0.2…6)
with its own home, as on separate machines: four operators `init`, the coordinator edits the genesis, each signs
a gentx, the coordinator collects them, everyone validates the same genesis (same hash) and runs `gostaking start`.
A fifth node joins later (block sync from genesis), registers with `tx register-node`, gets votes and stake and is
elected into the mining set at the next epoch: its CometBFT becomes a validator. The supervisor restarts a killed
app process, and SIGTERM stops every process it started."""

import json
import os
import signal
import socket
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
from localnet_harness import requires_cometbft, wait_for_height, wait_included, wait_until
from typer.testing import CliRunner

from gostaking.chain.codec import tx_hash
from gostaking.chain.types.tx import Msg, MsgSendCoins, MsgStakeNode, MsgVoteNode
from gostaking.cli.main import app
from gostaking.node.launch.supervisor import STATUS_FILE
from gostaking.node.localnet.processes import kill_group, spawn_logged
from gostaking.node.localnet.rpc import CometRpc
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey, sign_tx

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
pytestmark = [requires_cometbft, requires_loopback_hosts, pytest.mark.slow, pytest.mark.timeout(300)]
GOS = 10**6
EPOCH_BLOCKS = 15
CHAIN_ID = "gostaking-operators-test"


def _free_on_every_host(count: int) -> list[int]:
    """Ports that nothing uses on any of HOSTS (each node uses the same numbers on its own address)."""
    chosen: list[int] = []
    while len(chosen) < count:
        with socket.socket() as probe:
            probe.bind((HOSTS[0], 0))
            port = int(probe.getsockname()[1])
        with ExitStack() as stack:
            try:
                for host in HOSTS[1:]:
                    stack.enter_context(socket.socket()).bind((host, port))
            except OSError:
                continue
        if port not in chosen:
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
        ):
            self.config(key, value)
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

    def status(self) -> dict[str, dict[str, object]]:
        status: dict[str, dict[str, object]] = json.loads((self.home / STATUS_FILE).read_text())
        return status

    def stop(self) -> int:
        """SIGTERM the supervisor; its exit code (it stops its processes first)."""
        assert self.service is not None
        self.service.send_signal(signal.SIGTERM)
        return self.service.wait(60)

    def kill_leftovers(self) -> None:
        """After a failure: kill the supervisor and whatever it had started."""
        if self.service is not None and self.service.poll() is None:
            kill_group(self.service, signal.SIGKILL)
            self.service.wait(10)
        if (self.home / STATUS_FILE).exists():
            for child in self.status().values():
                pid = child.get("pid")
                if isinstance(pid, int) and _alive(pid):
                    os.killpg(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _validator_addresses(rpc: CometRpc) -> set[str]:
    return {validator["address"] for validator in rpc.call("validators")["validators"]}


def test_operators_launch_a_network_and_a_fifth_node_is_elected(tmp_path: Path) -> None:
    ports = _free_on_every_host(4)
    operators = [Operator(tmp_path, index, ports) for index in range(5)]
    genesis_ops, coordinator, newcomer = operators[:4], operators[0], operators[4]
    try:
        for operator in operators:
            operator.init(serve_api=operator in (coordinator, newcomer))  # the API switch: on for two nodes only
        # The coordinator's draft genesis: short epochs and low node thresholds for the test; everyone signs
        # their gentx against a copy of it.
        for name, value in (
            ("nodes.epoch_blocks", EPOCH_BLOCKS),
            ("nodes.min_votes_ugos", GOS),
            ("nodes.min_stake_ugos", GOS),
        ):
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
        collected = gostaking(
            "genesis", "collect-gentxs", "--gentx-dir", str(gentx_dir), "--home", str(coordinator.home)
        )
        peers = collected.rsplit("peers: ", 1)[1].strip()
        assert len(peers.split(",")) == 4
        hashes = set()
        for operator in operators:
            operator.genesis.write_bytes(coordinator.genesis.read_bytes())  # the coordinator sends the file out
            checked = gostaking("genesis", "validate", "--home", str(operator.home))
            assert "with 4 nodes" in checked
            hashes.add(checked.rsplit("sha256 ", 1)[1].strip())
            if operator is not coordinator:
                own = gostaking("node-info", "--field", "node_id", "--home", str(operator.home)).strip()
                operator.config("p2p.persistent_peers", ",".join(p for p in peers.split(",") if not p.startswith(own)))
        assert len(hashes) == 1, "every operator holds the same genesis"

        for operator in genesis_ops:
            operator.start()
        rpcs = [operator.rpc() for operator in operators]
        for rpc in rpcs[:4]:
            wait_for_height(rpc, 3, timeout_s=90)
        genesis_validators = _validator_addresses(rpcs[0])
        assert len(genesis_validators) == 4

        # The genesis operators, paid as mining nodes, vote and stake on their own nodes so they stay elected, and
        # the coordinator funds the newcomer's operator.
        keys = [operator.key for operator in operators]

        def included(index: int, sequence: int, *msgs: Msg) -> None:
            # An operator's first GOS arrive with the blocks its node signs: retry until it can pay the fee.
            raw = sign_tx(keys[index], CHAIN_ID, sequence, list(msgs), fee=1_000)
            wait_until(lambda: rpcs[index].broadcast_tx_sync(raw)["code"] == 0, f"{operators[index].name} to afford")
            result = wait_included(rpcs[index], [tx_hash(raw)])[0]["tx_result"]
            assert result["code"] == 0, result["log"]

        for index in range(4):
            included(index, 0, MsgVoteNode(keys[index].address, GOS), MsgStakeNode(keys[index].address, GOS))
        wait_for_height(rpcs[0], rpcs[0].latest_height() + 3)  # 2.5 GOS a block for each mining node
        included(0, 1, MsgSendCoins(keys[4].address, "ugos", 5 * GOS))

        # The fifth node joins: same genesis, the genesis nodes as peers, block sync from height 1.
        newcomer.config("p2p.persistent_peers", peers)
        newcomer.start()
        wait_for_height(rpcs[4], rpcs[0].latest_height(), timeout_s=90)
        assert rpcs[4].call("block", height="1")["block"]["header"]["chain_id"] == CHAIN_ID
        consensus_pubkey = gostaking("node-info", "--field", "consensus_pubkey", "--home", str(newcomer.home)).strip()
        consensus_address = gostaking("node-info", "--field", "consensus_address", "--home", str(newcomer.home)).strip()
        tx_options = ["--from", newcomer.name, "--keyring", str(newcomer.keyring), "--api", newcomer.api_url, "--json"]
        registration = ["tx", "register-node", "--moniker", newcomer.name, "--consensus-pubkey", consensus_pubkey]
        for command in (registration, ["tx", "stake", keys[4].address, "1gos"]):
            result = json.loads(gostaking(*command, *tx_options))
            assert (result["status"], result["code"]) == ("included", 0), result
        included(0, 2, MsgVoteNode(keys[4].address, GOS))

        # Elected at the next epoch: CometBFT's validator set (on a genesis node and on the newcomer) has it.
        wait_until(lambda: consensus_address in _validator_addresses(rpcs[0]), "the fifth node to be a validator", 90)
        assert _validator_addresses(rpcs[0]) == genesis_validators | {consensus_address}
        assert consensus_address in _validator_addresses(rpcs[4])
        signed_by_newcomer = wait_until(
            lambda: any(
                sig["validator_address"] == consensus_address
                for sig in rpcs[0].call("commit")["signed_header"]["commit"]["signatures"]
            ),
            "a block signed by the fifth node",
            60,
        )
        assert signed_by_newcomer

        # kill -9 node 2's app process: the supervisor starts it (and its cometbft) again and the node catches up.
        victim = operators[1]
        old_pid = victim.status()["app"]["pid"]
        assert isinstance(old_pid, int)
        os.killpg(old_pid, signal.SIGKILL)
        wait_until(
            lambda: victim.status()["app"]["restarts"] == 1 and victim.status()["app"]["pid"] not in (None, old_pid),
            "the app to be restarted",
            60,
        )
        target = rpcs[0].latest_height()
        wait_for_height(rpcs[1], target + 2, timeout_s=90)
        supervisor_log = (victim.home / "logs" / "supervisor.log").read_text()
        assert "app exited with code -9" in supervisor_log
        assert (victim.home / "logs" / "app.log").read_text().count("GoStaking ABCI app on") == 2

        # kill -9 only node 3's cometbft: it alone is started again, its app keeps running.
        victim = operators[2]
        app_pid, comet_pid = victim.status()["app"]["pid"], victim.status()["cometbft"]["pid"]
        assert isinstance(comet_pid, int)
        os.killpg(comet_pid, signal.SIGKILL)
        wait_until(lambda: victim.status()["cometbft"]["pid"] not in (None, comet_pid), "cometbft to be restarted", 60)
        assert (victim.status()["app"]["pid"], victim.status()["app"]["restarts"]) == (app_pid, 0)
        wait_for_height(rpcs[2], rpcs[0].latest_height() + 2, timeout_s=90)

        # SIGTERM stops each node cleanly: the supervisor exits 0 and leaves no process behind.
        for rpc in rpcs:
            rpc.close()
        for operator in operators:
            pids = [child["pid"] for child in operator.status().values()]
            assert operator.stop() == 0
            assert not any(isinstance(pid, int) and _alive(pid) for pid in pids)
            assert (operator.home / "logs" / "cometbft.log").stat().st_size > 0
    finally:
        for operator in operators:
            operator.kill_leftovers()
