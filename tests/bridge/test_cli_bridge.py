"""`gostaking bridge` / `gostaking feeder` commands (registered on a root app as main.py will do)."""

import json
from pathlib import Path

import typer
from gateway_harness import ALICE, CUSTODIANS
from typer.testing import CliRunner

from gostaking.cli import bridge
from gostaking.cli.main import app as main_app
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey

FIXTURES = Path(__file__).parent / "fixtures"


def root() -> typer.Typer:
    app = typer.Typer()
    app.command("version")(lambda: None)  # a second command keeps typer from collapsing the group
    bridge.register(app)
    return app


def test_btc_address_registers_and_prints_the_descriptor(tmp_path: Path) -> None:
    depositor = PrivateKey((0x5000).to_bytes(32, "big")).public_key.hex()
    args = [
        "bridge",
        "btc-address",
        "--threshold",
        "2",
        "--depositor",
        depositor,
        "--recipient",
        ALICE.address,
        "--registry",
        str(tmp_path / "reg.json"),
        "--network",
        "regtest",
        "--csv-blocks",
        "144",
    ]
    for custodian in CUSTODIANS:
        args += ["--custodian", custodian.public_key.hex()]
    result = CliRunner().invoke(root(), args)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["address"].startswith("bcrt1q") and document["descriptor"].startswith("wsh(or_d(multi(2,")
    assert json.loads((tmp_path / "reg.json").read_text())[0]["recipient"] == ALICE.address


def test_sanctions_import_needs_the_node_and_says_so_in_one_line(tmp_path: Path) -> None:
    # The import diffs against the chain's list (tests/cli/test_cli_compliance.py runs it on a live devnet).
    Keyring(tmp_path / "keys").add("council1", CUSTODIANS[0], None)
    args = ["bridge", "sanctions-import", str(FIXTURES / "sdn.xml"), "--snapshot", str(tmp_path / "snap.json")]
    args += ["--from", "council1", "--keyring", str(tmp_path / "keys"), "--chain", "ethereum", "--dry-run"]
    result = CliRunner().invoke(main_app, [*args, "--api", "http://127.0.0.1:9"], env={"GOSTAKING_PASSPHRASE": ""})
    assert result.exit_code == 1, result.output
    assert "GET /custody/sanctions" in result.output and result.output.count("\n") == 1, result.output
    assert not (tmp_path / "snap.json").exists()
