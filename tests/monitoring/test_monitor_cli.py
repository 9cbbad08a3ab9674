"""`gostaking monitor` on the command line: bad options and a damaged state file are refused in one line (and the
file is left as it was); one round (--once) against a node that does not answer records the alert. And a gateway's
--metrics-port: a port in use is refused in one line, and the listener ends with the command."""

import json
import socket
from pathlib import Path

from free_ports import free_port
from gateway_harness import CUSTODIANS
from typer.testing import CliRunner

from gostaking.cli.main import app
from gostaking.wallet.keyring import Keyring

NOWHERE = "http://127.0.0.1:9"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["monitor", *args])
    return result.exit_code, result.output


def test_bad_options_are_refused_in_one_line(tmp_path: Path) -> None:
    state = str(tmp_path / "state.json")
    cases = {
        ("--node", "127.0.0.1:26603"): "is not a node API URL",
        ("--node", "http://127.0.0.1:1", "--node", "http://127.0.0.1:1/"): "the same --node is given twice",
        ("--node", "http://127.0.0.1:1", "--webhook", "nowhere"): "is not a node API URL",
        ("--node", "http://127.0.0.1:1", "--missed-window", "5", "--missed-blocks", "6"): "cannot exceed",
    }
    for args, message in cases.items():
        code, output = run(*args, "--state", state, "--once")
        assert code != 0 and message in output, (args, output)
        assert len(output.strip().splitlines()) == 1, output
    assert not Path(state).exists()


def test_a_damaged_state_file_is_refused_and_kept(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text('{"version": 1, "active": [}')
    code, output = run("--node", "http://127.0.0.1:1", "--state", str(state), "--once")
    assert code != 0 and "cannot read the monitor state" in output
    assert state.read_text() == '{"version": 1, "active": [}'


def test_one_round_records_an_unreachable_node(tmp_path: Path) -> None:
    node = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    state = tmp_path / "state.json"
    code, output = run("--node", node, "--state", str(state), "--once")
    assert code == 0, output
    saved = json.loads(state.read_text())
    assert list(saved["active"]) == [f"unreachable:{node}"]
    assert saved["active"][f"unreachable:{node}"]["kind"] == "unreachable"


def gateway(tmp_path: Path, *extra: str) -> tuple[int, str]:
    """`gostaking bridge btc --once` against nodes that do not answer, with `extra` options."""
    Keyring(tmp_path / "keys").add("custodian1", CUSTODIANS[0], None)
    args = ["bridge", "btc", "--rpc", NOWHERE, "--registry", str(tmp_path / "reg.json"), "--from", "custodian1"]
    args += ["--state", str(tmp_path / "state.json"), "--keyring", str(tmp_path / "keys"), "--network", "regtest"]
    result = CliRunner().invoke(app, [*args, "--api", NOWHERE, "--once", *extra], env={"GOSTAKING_PASSPHRASE": ""})
    return result.exit_code, result.output


def test_a_gateway_refuses_a_metrics_port_in_use_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = gateway(tmp_path, "--metrics-port", str(port))
    assert code == 1 and output.count("\n") == 1, output
    assert f"cannot serve metrics on 127.0.0.1:{port}" in output and "choose another --metrics-port" in output


def test_a_gateway_s_metrics_listener_ends_with_the_command(tmp_path: Path) -> None:
    port = free_port()
    code, _ = gateway(tmp_path, "--metrics-port", str(port))  # the pass fails: the node does not answer
    assert code != 0
    with socket.socket() as again:  # the listener was closed on the way out
        again.bind(("127.0.0.1", port))
