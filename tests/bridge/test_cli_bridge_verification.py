"""`gostaking bridge evm|btc` verification options: how the app hash is confirmed (--comet-rpc light client,
--verify-node quorum, both, or a devnet node alone), and every inconsistent combination refused in one line before
the gateway starts."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_harness import CUSTODIANS
from typer.testing import CliRunner

from gostaking.bridge.cometbft_light import CometLightClient
from gostaking.bridge.errors import StateVerificationError
from gostaking.bridge.node_client import NodeClient
from gostaking.bridge.trust import AllOfTrust, QuorumTrust, SingleNodeTrust
from gostaking.cli import bridge
from gostaking.cli.main import app as main_app
from gostaking.wallet.keyring import Keyring

NOWHERE = "http://127.0.0.1:9"


def gateway_args(tmp_path: Path, *extra: str) -> list[str]:
    Keyring(tmp_path / "keys").add("custodian1", CUSTODIANS[0], None)
    args = ["bridge", "btc", "--rpc", NOWHERE, "--registry", str(tmp_path / "reg.json"), "--from", "custodian1"]
    args += ["--state", str(tmp_path / "state.json"), "--keyring", str(tmp_path / "keys"), "--network", "regtest"]
    return [*args, "--api", NOWHERE, "--once", *extra]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--trust-height", "1", "--trust-hash", "ab" * 32], "give --comet-rpc too"),
        (["--quorum", "2"], "--quorum counts --verify-node nodes"),
        (["--comet-rpc", NOWHERE], "holds no trusted header yet: give --trust-height and --trust-hash"),
        (["--comet-rpc", NOWHERE, "--trust-height", "1"], "give both --trust-height and --trust-hash"),
        (["--comet-rpc", NOWHERE, "--trust-height", "1", "--trust-hash", "xyz"], "a 64-hex-digit header hash"),
        (["--verify-node", "http://a:1", "--quorum", "2"], "a quorum of 2 needs 1..1"),
        (["--verify-node", "http://a:1", "--verify-node", "http://a:1"], "each quorum node must be given once"),
    ],
)
def test_inconsistent_verification_options_are_refused_in_one_line(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    result = CliRunner().invoke(main_app, gateway_args(tmp_path, *extra), env={"GOSTAKING_PASSPHRASE": ""})
    assert result.exit_code == 1 and message in result.output and result.output.count("\n") == 1, result.output


def test_the_evm_gateway_takes_the_same_verification_options(tmp_path: Path) -> None:
    Keyring(tmp_path / "keys").add("custodian1", CUSTODIANS[0], None)
    args = ["bridge", "evm", "--rpc", NOWHERE, "--vault", "0x" + "11" * 20, "--from", "custodian1"]
    args += ["--state", str(tmp_path / "state.json"), "--keyring", str(tmp_path / "keys"), "--api", NOWHERE, "--once"]
    result = CliRunner().invoke(main_app, [*args, "--quorum", "2"], env={"GOSTAKING_PASSPHRASE": ""})
    assert result.exit_code == 1 and result.output == "error: --quorum counts --verify-node nodes: name them\n"
    with pytest.raises(TypeError, match="must take `verification: Verification`"):
        bridge.verified_command("no-verification")(lambda once: None)


def test_the_options_choose_the_trust_anchor(tmp_path: Path) -> None:
    node = NodeClient(NOWHERE)
    state = tmp_path / "gateway.json"
    light = bridge.Verification(comet_rpc=[NOWHERE], trust_height=1, trust_hash="ab" * 32)
    anchor = bridge._verifier(node, state, light).anchor
    assert isinstance(anchor, CometLightClient) and anchor.state_path == tmp_path / "gateway.light-client.json"
    quorum = bridge.Verification(verify_node=["http://a:1", "http://b:1", "http://c:1"], quorum=2)
    anchor = bridge._verifier(node, state, quorum).anchor
    assert isinstance(anchor, QuorumTrust) and anchor.required == 2 and len(anchor.nodes) == 3
    both = bridge.Verification(comet_rpc=[NOWHERE], trust_height=1, trust_hash="ab" * 32, verify_node=["http://a:1"])
    anchor = bridge._verifier(node, state, both).anchor
    assert isinstance(anchor, AllOfTrust) and "2/3" in anchor.describe() and "1 of 1 nodes" in anchor.describe()
    assert isinstance(bridge._verifier(node, state, bridge.Verification()).anchor, SingleNodeTrust)


def status_node(document: dict[str, Any], asked: list[str]) -> NodeClient:
    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(200, json=document)

    return NodeClient(http=httpx.Client(transport=httpx.MockTransport(answer), base_url="http://node"))


def test_one_node_alone_is_trusted_only_on_a_devnet_unless_the_operator_says_so() -> None:
    asked: list[str] = []
    comet = status_node({"consensus": "cometbft"}, asked)
    with pytest.raises(StateVerificationError, match="runs cometbft, not a devnet: give --comet-rpc"):
        SingleNodeTrust("http://node", devnet_only=comet).confirm(5, b"\x00" * 32)
    SingleNodeTrust("http://node").confirm(5, b"\x00" * 32)  # --trust-node: the operator's choice, no question
    devnet = SingleNodeTrust("http://node", devnet_only=status_node({"consensus": "embedded"}, asked))
    devnet.confirm(5, b"\x00" * 32)
    devnet.confirm(6, b"\x00" * 32)
    assert asked == ["/status", "/status"]  # the devnet is asked once
    assert "TRUSTS" in devnet.describe()
