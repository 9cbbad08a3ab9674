"""`gostaking bridge btc`: the options of sweeps, the attestation margin and the node kind, and one pass of the
command against btcd in regtest (it reads blocks, refuses a deposit seen too close to its timelock and keeps the
reason in its state file), and the command stopping in one line after a real reorganization deeper than its
confirmations (two btcd nodes)."""

import json
from pathlib import Path

import pytest
import typer
from btcd_harness import Btcd, btcd, btcd_pair, requires_btcd
from gateway_harness import ALICE, CUSTODIANS
from typer.testing import CliRunner

from gostaking.bridge.btc import CustodyLock
from gostaking.cli import bridge
from gostaking.cli.main import app as main_app
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey

__all__ = ["btcd", "btcd_pair"]

DEPOSITOR = PrivateKey((0x5000).to_bytes(32, "big"))


def root() -> typer.Typer:
    app = typer.Typer()
    app.command("version")(lambda: None)  # a second command keeps typer from collapsing the group
    bridge.register(app)
    return app


def gateway_args(tmp_path: Path, rpc: str, *extra: str) -> list[str]:
    Keyring(tmp_path / "keys").add("custodian1", CUSTODIANS[0], None)
    args = ["bridge", "btc", "--rpc", rpc, "--registry", str(tmp_path / "reg.json"), "--from", "custodian1"]
    args += ["--state", str(tmp_path / "state.json"), "--keyring", str(tmp_path / "keys"), "--network", "regtest"]
    return [*args, "--api", "http://127.0.0.1:9", "--once", *extra]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--node", "electrum"], "--node must be bitcoind or btcd"),
        (["--node", "btcd", "--wallet", "custody"], "btcd has no wallet"),
        (["--board", "board"], "need every --custodian public key and --threshold"),
    ],
)
def test_bad_option_combinations_are_refused_in_one_line(tmp_path: Path, extra: list[str], message: str) -> None:
    result = CliRunner().invoke(
        main_app, gateway_args(tmp_path, "http://127.0.0.1:9", *extra), env={"GOSTAKING_PASSPHRASE": ""}
    )
    assert result.exit_code == 1 and message in result.output and result.output.count("\n") == 1, result.output


@requires_btcd
def test_one_pass_on_btcd_refuses_a_deposit_seen_too_close_to_its_timelock(btcd: Btcd, tmp_path: Path) -> None:
    lock = CustodyLock.create([c.public_key for c in CUSTODIANS], 2, DEPOSITOR.public_key, 20)
    address_args = ["bridge", "btc-address", "--threshold", "2", "--depositor", DEPOSITOR.public_key.hex()]
    address_args += ["--recipient", ALICE.address, "--registry", str(tmp_path / "reg.json"), "--network", "regtest"]
    address_args += ["--csv-blocks", "20", *[a for c in CUSTODIANS for a in ("--custodian", c.public_key.hex())]]
    assert CliRunner().invoke(root(), address_args).exit_code == 0
    start = btcd.height() + 1
    late = btcd.fund(lock.script_pubkey, 10_000_000)
    btcd.generate(15)  # 15 deep under a 20-block lock: 5 blocks left, fewer than the 10 the default margin needs
    args = gateway_args(tmp_path, btcd.url, "--node", "btcd", "--confirmations", "3", "--start-height", str(start))
    args += ["--rpc-user", btcd.rpc_user, "--rpc-password", btcd.rpc_password]
    result = CliRunner().invoke(root(), args, env={"GOSTAKING_PASSPHRASE": ""})
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["observed"] == 0
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["cursors"]["bitcoin:blocks"].startswith(f"{btcd.height() - 2}:")
    assert "fewer than the 10 required" in state["skipped"][f"bitcoin:{late[0]}:{late[1]}"]


@requires_btcd
def test_the_gateway_command_stops_in_one_line_after_a_reorg_deeper_than_its_confirmations(
    btcd_pair: tuple[Btcd, Btcd], tmp_path: Path
) -> None:
    node_a, node_b = btcd_pair
    args = gateway_args(tmp_path, node_a.url, "--node", "btcd", "--confirmations", "3")
    args += ["--rpc-user", node_a.rpc_user, "--rpc-password", node_a.rpc_password]
    node_a.generate(5)
    result = CliRunner().invoke(main_app, args, env={"GOSTAKING_PASSPHRASE": ""})
    assert result.exit_code == 0, result.output
    cursor = json.loads((tmp_path / "state.json").read_text())["cursors"]["bitcoin:blocks"]
    height, _, read_hash = cursor.partition(":")
    assert int(height) == node_a.height() - 2
    node_b.generate(6)  # a longer branch from before A's five blocks: A's last three final blocks are replaced
    node_b.connect(node_a)
    node_a.wait_for_tip(node_b.best_block_hash())
    result = CliRunner().invoke(main_app, args, env={"GOSTAKING_PASSPHRASE": ""})
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    now = node_a.rpc.get_block_hash(int(height))
    assert result.output.startswith(f"error: bitcoin block {height} {read_hash}, the last one this watcher read")
    assert f"(block {height} is now {now}, tip {node_a.height()})" in result.output
    assert json.loads((tmp_path / "state.json").read_text())["cursors"]["bitcoin:blocks"] == cursor
