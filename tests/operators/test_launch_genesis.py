"""The launch flow's checks without running a network: genesis edits that break a chain rule are refused with the
reason and change nothing, gentxs are verified at collection (signatures, chain id, duplicates, no-premine
self-stake), `genesis validate` refuses a document whose CometBFT part disagrees, and the profiles and node
configuration reach CometBFT's config.toml."""

import json
import tomllib
from pathlib import Path

import msgspec
import pytest
from free_ports import free_port
from localnet_harness import requires_cometbft
from typer.testing import CliRunner

from gostaking.chain.codec import decode_tx, sign_bytes
from gostaking.chain.types.params import BLOCKS_PER_DAY, ChainParams
from gostaking.chain.types.tx import MsgRegisterNode, MsgStakeNode
from gostaking.cli.main import app
from gostaking.node.consensus_key import ConsensusKey
from gostaking.node.launch.config import NodeConfigError, load_node_config, set_config_value
from gostaking.node.launch.genesis_file import genesis_path, read_genesis_file
from gostaking.node.launch.gentx import (
    GENTX_VERSION,
    GenesisTransaction,
    gentx_dir,
    load_priv_validator_key,
    read_gentx,
)
from gostaking.node.launch.home import apply_node_config
from gostaking.node.launch.supervisor import STATUS_FILE, NodeSupervisor
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey, sign_tx

pytestmark = [requires_cometbft]
CHAIN_ID = "gostaking-launch-test"


def run(*args: str) -> tuple[int, str]:
    """A gostaking command's exit code and its output (stdout and stderr)."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def ok(*args: str) -> str:
    code, output = run(*args)
    assert code == 0, output
    return output


def make_home(root: Path, name: str, profile: str = "testnet", chain_id: str = CHAIN_ID) -> Path:
    home = root / name
    ok("init", "--moniker", name, "--chain-id", chain_id, "--home", str(home), "--profile", profile)
    ok("config", "set", "p2p.laddr", "tcp://127.0.0.2:26656", "--home", str(home))
    return home


def make_gentx(home: Path, operator: PrivateKey, keyring: Path, name: str) -> Path:
    Keyring(keyring).add(name, operator, None)
    output = ok("genesis", "gentx", "--from", name, "--keyring", str(keyring), "--home", str(home))
    return Path(output.rsplit(" written to ", 1)[1].strip())


@pytest.fixture
def home(tmp_path: Path) -> Path:
    node = make_home(tmp_path, "coordinator")
    ok(
        "genesis", "add-asset", "btc", "--decimals", "8", "--hosted-chain", "bitcoin", "--weight", "0.1",
        "--price", "10000gos", "--home", str(node),
    )  # fmt: skip
    return node


ADDRESS = PrivateKey((7).to_bytes(32, "big")).address
OTHER = PrivateKey((8).to_bytes(32, "big")).address


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (["add-account", ADDRESS, "10gos"], "no premine: genesis cannot hold GOS balances"),
        (["add-account", "gos1notanaddress", "1btc"], "is not a valid gos1… address"),
        (["add-asset", "btc", "--decimals", "8", "--hosted-chain", "bitcoin", "--weight", "0.1", "--price", "1gos"],
         "asset btc already registered"),
        (["set-param", "nodes.epoch_blocks", "0"], "epoch must be ≥ 1 block"),
        (["set-param", "rewards.users_ppm", "900000"], "reward split must be non-negative and sum to 1,000,000 ppm"),
        (["set-param", "staking.vote_unbonding_blocks", "0"], "unbonding ≥ 1 block"),
        (["set-param", "nodes.no_such_field", "1"], "unknown parameter 'nodes.no_such_field'"),
        (["set-council", ADDRESS, OTHER, "--threshold", "3"], "council threshold must be within 1..council size"),
        (["add-custodian", ADDRESS, "--threshold", "2"], "custody threshold must be within 1..number of custodians"),
    ],
)  # fmt: skip
def test_an_edit_that_breaks_a_rule_is_refused_with_the_reason_and_changes_nothing(
    home: Path, command: list[str], reason: str
) -> None:
    before = genesis_path(home).read_bytes()
    code, output = run("genesis", *command, "--home", str(home))
    assert code == 1
    assert reason in output
    assert genesis_path(home).read_bytes() == before


def test_edits_that_keep_the_rules_are_saved(home: Path) -> None:
    ok("genesis", "add-account", ADDRESS, "1.5btc", "--home", str(home))
    ok("genesis", "add-account", ADDRESS, "0.5btc", "--home", str(home))
    ok("genesis", "add-custodian", ADDRESS, "--home", str(home))
    ok("genesis", "set-council", ADDRESS, OTHER, "--threshold", "2", "--home", str(home))
    ok("genesis", "set-param", "nodes.epoch_blocks", "10", "--home", str(home))
    ok("genesis", "set-time", "2030-01-02T03:04:05Z", "--home", str(home))
    code, output = run("genesis", "set-time", "next tuesday", "--home", str(home))
    assert code == 1 and "is not an ISO 8601 time" in output
    file = read_genesis_file(genesis_path(home))
    assert file.document["genesis_time"] == "2030-01-02T03:04:05.000000000Z"
    genesis = file.genesis
    assert genesis.genesis_time_ms == 1_893_553_445_000
    assert [(b.address, b.denom, b.amount) for b in genesis.balances] == [(ADDRESS, "btc", 2 * 10**8)]
    assert (genesis.params.custody.custodians, genesis.params.custody.threshold) == ((ADDRESS,), 1)
    assert (genesis.params.compliance.council, genesis.params.compliance.council_threshold) == ((ADDRESS, OTHER), 2)
    assert genesis.params.nodes.epoch_blocks == 10
    assert [asset.denom for asset in genesis.assets] == ["btc"]


def _collect(home: Path, directory: Path) -> tuple[int, str]:
    return run("genesis", "collect-gentxs", "--gentx-dir", str(directory), "--home", str(home))


def test_collect_gentxs_verifies_each_and_refuses_bad_or_duplicate_ones(home: Path, tmp_path: Path) -> None:
    operators = [PrivateKey((100 + i).to_bytes(32, "big")) for i in range(3)]
    homes = [home, make_home(tmp_path, "second"), make_home(tmp_path, "third")]
    for other in homes[1:]:
        genesis_path(other).write_bytes(genesis_path(home).read_bytes())
    paths = [
        make_gentx(h, key, tmp_path / f"keys{i}", f"op{i}")
        for i, (h, key) in enumerate(zip(homes, operators, strict=True))
    ]
    collected = tmp_path / "collected"
    collected.mkdir()
    for path in paths[:2]:
        (collected / path.name).write_bytes(path.read_bytes())

    before = genesis_path(home).read_bytes()

    def refused(name: str, content: bytes, reason: str) -> None:
        (collected / name).write_bytes(content)
        code, output = _collect(home, collected)
        assert code == 1, output
        assert reason in output
        assert genesis_path(home).read_bytes() == before
        (collected / name).unlink()

    # The same gentx twice (under another file name), one signed for another chain, one whose peer address was
    # changed after signing, one whose consensus key did not sign (registering another operator's validator key).
    refused("copy.json", paths[0].read_bytes(), f"{paths[0].name}: same operator as copy.json")
    foreign = make_home(tmp_path, "foreign", chain_id="another-chain")
    foreign_path = make_gentx(foreign, operators[2], tmp_path / "keys-foreign", "opf")
    refused(foreign_path.name, foreign_path.read_bytes(), "signed for chain 'another-chain'")
    gentx = read_gentx(paths[2])
    tampered = msgspec.structs.replace(gentx, tx=gentx.tx.replace(b"@127.0.0.2:26656", b"@127.0.0.9:26656"))
    refused("tampered.json", msgspec.json.encode(tampered), "tampered.json: signature is by")
    forged = msgspec.structs.replace(gentx, consensus_signature=ConsensusKey.generate().sign(b"\x00" * 32))
    refused("forged.json", msgspec.json.encode(forged), "did not sign this gentx")
    refused("junk.json", b"{}", "junk.json: not a gentx")

    output = ok("genesis", "collect-gentxs", "--gentx-dir", str(collected), "--home", str(home))
    genesis = read_genesis_file(genesis_path(home)).genesis
    assert sorted(node.operator for node in genesis.nodes) == sorted(key.address for key in operators[:2])
    assert "sha256" in output
    ok("genesis", "validate", "--home", str(home))


def test_a_self_stake_needs_gos_the_genesis_does_not_give(home: Path, tmp_path: Path) -> None:
    operator = PrivateKey((200).to_bytes(32, "big"))
    Keyring(tmp_path / "keys").add("op", operator, None)
    code, output = run(
        "genesis",
        "gentx",
        "--from",
        "op",
        "--stake",
        "100gos",
        "--keyring",
        str(tmp_path / "keys"),
        "--home",
        str(home),
    )
    assert code == 1
    assert "self-stakes 100 GOS but the genesis gives it 0 ugos (no premine" in output
    assert not gentx_dir(home).exists() or not list(gentx_dir(home).iterdir())

    # The same refusal at collection for a gentx made by hand.
    consensus = load_priv_validator_key(home)
    node_id = json.loads(ok("node-info", "--home", str(home)))["node_id"]
    msgs = [MsgRegisterNode(consensus.public_key, "staker"), MsgStakeNode(operator.address, 100 * 10**6)]
    raw = sign_tx(operator, CHAIN_ID, 0, msgs, fee=0, memo=f"{node_id}@127.0.0.2:26656")
    gentx = GenesisTransaction(GENTX_VERSION, raw, consensus.sign(sign_bytes(decode_tx(raw).body)))
    collected = tmp_path / "collected"
    collected.mkdir()
    (collected / "staker.json").write_bytes(msgspec.json.encode(gentx))
    code, output = _collect(home, collected)
    assert code == 1 and "staker.json" in output and "no premine" in output


def test_validate_refuses_a_genesis_whose_cometbft_part_disagrees(home: Path, tmp_path: Path) -> None:
    make_gentx(home, PrivateKey((300).to_bytes(32, "big")), tmp_path / "keys", "op")
    ok("genesis", "collect-gentxs", "--home", str(home))
    path = genesis_path(home)
    document = json.loads(path.read_text())
    for change, reason in (
        (lambda d: d["validators"][0].update(power="20"), "CometBFT validators differ from the genesis nodes"),
        (lambda d: d.update(chain_id="other"), "CometBFT chain_id 'other' differs from the app genesis"),
        (lambda d: d.update(genesis_time="2020-01-01T00:00:00.000000000Z"), "CometBFT genesis_time"),
        (lambda d: d["app_state"]["params"]["emission"].update(burn_denominator=1), "bad burn schedule"),
        (lambda d: d["app_state"].update(nodes=[]), "genesis has no nodes"),
    ):
        broken = json.loads(json.dumps(document))
        change(broken)
        target = tmp_path / "broken.json"
        target.write_text(json.dumps(broken))
        code, output = run("genesis", "validate", str(target))
        assert code == 1, output
        assert reason in output


def test_profiles_set_the_block_target_and_the_unbonding_periods(tmp_path: Path) -> None:
    mainnet = make_home(tmp_path, "main", profile="mainnet")
    testnet = make_home(tmp_path, "test", profile="testnet")
    main_genesis = read_genesis_file(genesis_path(mainnet)).genesis
    assert main_genesis.params == ChainParams()
    assert main_genesis.params.staking.vote_unbonding_blocks == 7 * BLOCKS_PER_DAY
    assert main_genesis.params.staking.stake_unbonding_blocks == 21 * BLOCKS_PER_DAY
    main_comet = tomllib.loads((mainnet / "config" / "config.toml").read_text())["consensus"]
    assert (main_comet["timeout_commit"], main_comet["timeout_propose"]) == ("29s", "3s")
    assert load_node_config(mainnet).api.block_time_s == 30.0
    test_genesis = read_genesis_file(genesis_path(testnet)).genesis
    assert test_genesis.params.staking.vote_unbonding_blocks < main_genesis.params.staking.vote_unbonding_blocks
    assert test_genesis.params.nodes.epoch_blocks < main_genesis.params.nodes.epoch_blocks
    assert tomllib.loads((testnet / "config" / "config.toml").read_text())["consensus"]["timeout_commit"] == "1s"


def test_node_configuration_refuses_bad_values_and_reaches_cometbft(tmp_path: Path) -> None:
    node = make_home(tmp_path, "node")
    config = load_node_config(node)
    for key, value, reason in (
        ("p2p.persistent_peers", "not-a-peer", "is not NODE_ID@HOST:PORT"),
        ("rpc.laddr", "127.0.0.1", "is not tcp://HOST:PORT"),
        ("api.enabled", "maybe", "true or false"),
        ("snapshots.interval_blocks", "-1", "0 .no snapshots. or more"),
        ("snapshots.chunk_bytes", "100", "chunk_bytes must be"),
        ("statesync.trust_hash", "abc", "64 hex digits"),
        ("statesync.trust_period", "a week", "is not a duration"),
        ("statesync.rpc_servers", "not a url", "is not a URL"),
        ("statesync.enable", "true", "at least two RPC servers"),
        ("consensus.timeout_commit", "soon", "is not a duration"),
        ("nothing.here", "1", "unknown key"),
        ("profile", "devnet", "unknown profile 'devnet'"),
    ):
        with pytest.raises(NodeConfigError, match=reason):
            set_config_value(config, key, value)
    code, output = run("config", "set", "p2p.seeds", "bad", "--home", str(node))
    assert code == 1 and "p2p.seeds" in output
    assert load_node_config(node) == config
    peer = f"{'ab' * 20}@10.0.0.1:26656"
    ok("config", "set", "p2p.persistent_peers", peer, "--home", str(node))
    ok("config", "set", "pruning.discard_abci_responses", "true", "--home", str(node))
    ok("config", "set", "snapshots.interval_blocks", "1000", "--home", str(node))
    servers = "http://10.0.0.1:26657,http://10.0.0.2:26657"
    ok("config", "set", "statesync.rpc_servers", servers, "--home", str(node))
    code, output = run("config", "set", "statesync.enable", "true", "--home", str(node))
    assert code == 1 and "statesync trust" in output, "no trust height and hash yet"
    ok("config", "set", "statesync.trust_height", "42", "--home", str(node))
    ok("config", "set", "statesync.trust_hash", "AB" * 32, "--home", str(node))
    ok("config", "set", "statesync.enable", "true", "--home", str(node))
    apply_node_config(node, load_node_config(node))
    comet = tomllib.loads((node / "config" / "config.toml").read_text())
    assert comet["p2p"]["persistent_peers"] == peer
    assert comet["storage"]["discard_abci_responses"] is True
    statesync = comet["statesync"]
    assert (statesync["enable"], statesync["rpc_servers"], statesync["trust_height"]) == (True, servers, 42)
    assert statesync["trust_hash"] == "ab" * 32
    code, output = run("init", "--moniker", "again", "--chain-id", CHAIN_ID, "--home", str(node))
    assert code == 1 and "is already a node home" in output
    code, output = run("init", "--moniker", "x", "--chain-id", "has space", "--home", str(tmp_path / "other"))
    assert code == 1 and "use 1-64 characters without spaces" in output


def test_start_refuses_a_genesis_without_nodes(tmp_path: Path) -> None:
    home = tmp_path / "node"
    ok("init", "--moniker", "alone", "--chain-id", CHAIN_ID, "--home", str(home))
    code, output = run("start", "--home", str(home))
    assert code == 1 and "genesis has no nodes" in output
    assert not (home / STATUS_FILE).exists()


def test_statesync_trust_says_when_the_node_cannot_be_read() -> None:
    port = free_port()  # a port nothing listens on
    code, output = run("statesync", "trust", "--rpc", f"http://127.0.0.1:{port}")
    assert code == 1 and f"cannot read the latest block from http://127.0.0.1:{port}" in output


def test_the_app_s_memory_budget_is_a_config_key_that_reaches_the_app_process(tmp_path: Path) -> None:
    node = make_home(tmp_path, "node")
    assert "[state]\nmapped_memory_mib = 1024\n" in (node / "config" / "gostaking.toml").read_text()
    for value in ("100", "255"):
        code, output = run("config", "set", "state.mapped_memory_mib", value, "--home", str(node))
        assert code == 1 and f"state.mapped_memory_mib: 0 (no budget) or at least 256 MiB, got {value}" in output
    ok("config", "set", "state.mapped_memory_mib", "512", "--home", str(node))
    config = load_node_config(node)
    assert config.state.mapped_memory_mib == 512
    command = NodeSupervisor(node, config).app_command("python")
    assert command[command.index("--mapped-memory-mib") + 1] == "512"
    code, output = run("abci", "--home", str(node), "--mapped-memory-mib", "100")
    assert code == 1 and "--mapped-memory-mib: 0 (no budget) or at least 256 MiB, got 100" in output
