"""Creating a localnet: node homes, one genesis shared by all, validators = genesis nodes, peers and ports."""

import base64
import json
from pathlib import Path

import pytest
from localnet_harness import requires_cometbft

from gostaking.chain.genesis import decode_genesis
from gostaking.node.abci.runner import comet_rpc_from_config
from gostaking.node.localnet.cometbft import CometBftError, set_toml_values
from gostaking.node.localnet.network import LocalnetError, create_localnet, load_localnet
from gostaking.node.localnet.processes import LocalnetProcesses
from gostaking.wallet.keyring import Keyring

CONFIG = """# comment
proxy_app = "tcp://127.0.0.1:26658"
moniker = "vm"

[p2p]
laddr = "tcp://0.0.0.0:26656"
pex = true

[consensus]
timeout_commit = "1s"
"""


def test_set_toml_values_edits_keys_in_their_sections() -> None:
    edited = set_toml_values(
        CONFIG, {"": {"moniker": "node0"}, "p2p": {"pex": False, "laddr": "tcp://127.0.0.1:1"}, "consensus": {}}
    )
    assert 'moniker = "node0"' in edited
    assert "pex = false" in edited and 'laddr = "tcp://127.0.0.1:1"' in edited
    assert 'proxy_app = "tcp://127.0.0.1:26658"' in edited and "# comment" in edited


def test_set_toml_values_refuses_unknown_keys() -> None:
    with pytest.raises(CometBftError, match=r"\[p2p\] seeds"):
        set_toml_values(CONFIG, {"p2p": {"seeds": ""}})
    with pytest.raises(CometBftError, match="timeout_commit"):
        set_toml_values(CONFIG, {"": {"timeout_commit": "1s"}})  # exists only under [consensus]


@requires_cometbft
def test_create_localnet(tmp_path: Path) -> None:
    home = tmp_path / "net"
    localnet = create_localnet(home, 3)
    assert load_localnet(home) == localnet
    geneses = {(Path(node.home) / "config" / "genesis.json").read_text() for node in localnet.nodes}
    assert len(geneses) == 1, "every node has the same genesis"
    comet = json.loads(geneses.pop())
    app = decode_genesis(json.dumps(comet["app_state"]).encode())
    assert comet["chain_id"] == app.chain_id == localnet.chain_id
    # CometBFT's validators are the chain's genesis nodes: same ed25519 keys (the nodes' priv_validator keys).
    validators = [(base64.b64decode(v["pub_key"]["value"]), v["power"]) for v in comet["validators"]]
    assert validators == [(node.consensus_pubkey, "10") for node in app.nodes]
    for node, validator in zip(localnet.nodes, comet["validators"], strict=True):
        key = json.loads((Path(node.home) / "config" / "priv_validator_key.json").read_text())
        assert key["pub_key"]["value"] == validator["pub_key"]["value"]
        assert node.validator_address == validator["address"]
    keyring = Keyring(localnet.keys_dir)
    assert [node.operator for node in app.nodes] == [keyring.show(f"operator{i}").address for i in range(3)]
    ports = [port for node in localnet.nodes for port in (node.p2p_port, node.rpc_port, node.abci_port, node.api_port)]
    assert len(set(ports)) == 12 and 0 not in ports
    # Each app process serves the node's REST API, and sends submitted txs to its own node's CometBFT RPC.
    for node in localnet.nodes:
        assert comet_rpc_from_config(node.path) == node.rpc_url
        assert node.api_url == f"http://127.0.0.1:{node.api_port}"
    command = LocalnetProcesses(localnet).app_command(1)
    node1 = localnet.nodes[1]
    assert command[command.index("--api-port") + 1] == str(node1.api_port)
    assert command[command.index("--comet-rpc") + 1] == node1.rpc_url
    config = (Path(localnet.nodes[0].home) / "config" / "config.toml").read_text()
    assert f'proxy_app = "{localnet.nodes[0].abci_address}"' in config
    for peer in localnet.nodes[1:]:
        assert f"{peer.node_id}@127.0.0.1:{peer.p2p_port}" in config
    assert "addr_book_strict = false" in config and "allow_duplicate_ip = true" in config
    with pytest.raises(LocalnetError, match="already holds a localnet"):
        create_localnet(home, 3)


@requires_cometbft
def test_base_port_gives_each_node_ten_ports(tmp_path: Path) -> None:
    localnet = create_localnet(tmp_path / "net", 2, base_port=27000)
    assert [(n.p2p_port, n.rpc_port, n.abci_port, n.api_port) for n in localnet.nodes] == [
        (27000, 27001, 27002, 27003),
        (27010, 27011, 27012, 27013),
    ]
    kvstore = create_localnet(tmp_path / "kv", 1, app="kvstore")
    assert kvstore.nodes[0].api_port == 0 and kvstore.nodes[0].api_url == ""


def test_bad_localnet_requests(tmp_path: Path) -> None:
    with pytest.raises(LocalnetError, match="1 to 30 validators"):
        create_localnet(tmp_path, 0)
    with pytest.raises(LocalnetError, match="holds no localnet"):
        load_localnet(tmp_path)
