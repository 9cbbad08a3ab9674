"""Create a localnet on 127.0.0.1: N CometBFT node homes with one genesis, peers, ports and app keys.

<home>/localnet.json     what was created: chain id, app, and per node its home, ports, node id, keys
<home>/keys/             keyring: operator0…operatorN-1 (the genesis nodes' operators) and faucet (unencrypted)
<home>/nodeI/            a CometBFT home (config/, data/) that the app process also uses (<home>/nodeI/app-data,
                         and its explorer index <home>/nodeI/index.sqlite)

Node I's consensus key is CometBFT's priv_validator_key.json of that home, so the GoStaking genesis nodes and the
CometBFT genesis validators are the same keys, each with the mining-node power. The GoStaking genesis document
is embedded as `app_state` in every node's CometBFT genesis.json.
"""

import json
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import msgspec

from gostaking.chain.genesis import Genesis, GenesisBalance, GenesisNode, encode_genesis
from gostaking.node.comet_genesis import (
    CometGenesisError,
    GenesisValidator,
    comet_genesis_document,
    format_comet_genesis,
    read_comet_genesis,
)
from gostaking.node.localnet.cometbft import CometBftError, configure_home, free_ports, init_home, require_cometbft
from gostaking.node.runtime import load_or_create_key
from gostaking.node.settings import FAUCET_KEY_NAME, devnet_assets, devnet_faucet_balances, devnet_params
from gostaking.wallet.keyring import Keyring

LOCALNET_CHAIN_ID = "gostaking-localnet"
MANIFEST = "localnet.json"
MAX_VALIDATORS = 30
AppKind = Literal["gostaking", "kvstore"]


class LocalnetError(Exception):
    """The localnet cannot be created or loaded; the message says why."""


class LocalnetNode(msgspec.Struct, frozen=True):
    """One node of the localnet: a CometBFT process and (for the GoStaking app) an app process."""

    name: str
    home: str
    p2p_port: int
    rpc_port: int
    abci_port: int
    node_id: str
    validator_address: str
    operator: str = ""
    """gos1 address of the genesis node's operator (key `operatorI` in <home>/keys); '' for kvstore."""
    api_port: int = 0
    """The app process's REST API and block explorer; 0 = none (kvstore, or a manifest from before the API)."""

    @property
    def rpc_url(self) -> str:
        """CometBFT RPC of this node."""
        return f"http://127.0.0.1:{self.rpc_port}"

    @property
    def api_url(self) -> str:
        """REST API (and block explorer at /) of this node's app process; '' when it serves none."""
        return f"http://127.0.0.1:{self.api_port}" if self.api_port else ""

    @property
    def abci_address(self) -> str:
        """Where this node's app process listens for CometBFT."""
        return f"tcp://127.0.0.1:{self.abci_port}"

    @property
    def path(self) -> Path:
        """The node home as a Path."""
        return Path(self.home)


class Localnet(msgspec.Struct, frozen=True):
    """What `create_localnet` made (saved as <home>/localnet.json)."""

    home: str
    chain_id: str
    app: AppKind
    nodes: tuple[LocalnetNode, ...]

    @property
    def keys_dir(self) -> Path:
        """Keyring with the operators' and the faucet's keys."""
        return Path(self.home) / "keys"


PORTS_PER_NODE = 4
"""p2p, CometBFT RPC, ABCI, REST API (at base+10I, +1, +2, +3)."""


def _ports(validators: int, base_port: int) -> Iterator[tuple[int, ...]]:
    if base_port:
        if not 1024 <= base_port <= 65535 - 10 * validators:
            raise LocalnetError(f"--base-port {base_port} leaves no room for {validators} nodes (10 ports each)")
        for index in range(validators):
            yield tuple(base_port + 10 * index + offset for offset in range(PORTS_PER_NODE))
        return
    free = iter(free_ports(PORTS_PER_NODE * validators))
    for _ in range(validators):
        yield tuple(next(free) for _ in range(PORTS_PER_NODE))


def create_localnet(
    home: Path,
    validators: int,
    *,
    app: AppKind = "gostaking",
    base_port: int = 0,
    timeout_commit: str = "500ms",
    chain_id: str | None = None,
) -> Localnet:
    """Create the node homes, keys, genesis and configs of a `validators`-node localnet under `home`.

    `base_port` 0 picks free ports; otherwise node I uses base+10I (p2p), +1 (RPC), +2 (ABCI) and +3 (the app
    process's REST API and explorer; GoStaking app only).
    `app` 'kvstore' makes CometBFT's built-in kvstore app the app instead (for the benchmark's baseline).
    `chain_id` None gives the localnet one of its own (`gostaking-localnet-<8 hex>`), so that a transaction signed
    for one localnet is refused by every other.
    Raises LocalnetError if `home` already holds a localnet, CometBftError if cometbft is missing.
    """
    if not 1 <= validators <= MAX_VALIDATORS:
        raise LocalnetError(f"a localnet has 1 to {MAX_VALIDATORS} validators, not {validators}")
    if (home / MANIFEST).exists():
        raise LocalnetError(f"{home} already holds a localnet (use it as it is, or start over with --reset)")
    binary = require_cometbft()
    if chain_id is None:
        chain_id = f"{LOCALNET_CHAIN_ID}-{secrets.token_hex(4)}"
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    keyring = Keyring(home / "keys")
    nodes: list[LocalnetNode] = []
    public_keys: list[bytes] = []
    for index, (p2p, rpc, abci, api) in enumerate(_ports(validators, base_port)):
        node_home = home / f"node{index}"
        if node_home.exists():
            shutil.rmtree(node_home)  # left over from an interrupted creation (no manifest was written)
        validator, node_id = init_home(binary, node_home)
        operator = load_or_create_key(keyring, f"operator{index}").address if app == "gostaking" else ""
        api_port = api if app == "gostaking" else 0
        nodes.append(
            LocalnetNode(f"node{index}", str(node_home), p2p, rpc, abci, node_id, validator.address, operator, api_port)
        )
        public_keys.append(validator.public_key)
    genesis_time_ms = time.time_ns() // 1_000_000
    app_state: Any = None
    if app == "gostaking":
        faucet = load_or_create_key(keyring, FAUCET_KEY_NAME)
        genesis = Genesis(
            chain_id=chain_id,
            genesis_time_ms=genesis_time_ms,
            params=devnet_params(),
            assets=devnet_assets(),
            balances=[
                GenesisBalance(faucet.address, denom, amount) for denom, amount in devnet_faucet_balances().items()
            ],
            nodes=[GenesisNode(node.operator, key, node.name) for node, key in zip(nodes, public_keys, strict=True)],
        )
        app_state = json.loads(encode_genesis(genesis))
    comet_genesis = _comet_genesis(Path(nodes[0].home), chain_id, genesis_time_ms, nodes, public_keys, app_state)
    for node in nodes:
        (node.path / "config" / "genesis.json").write_text(comet_genesis)
        configure_home(node.path, _config_values(node, nodes, app, timeout_commit))
    localnet = Localnet(str(home), chain_id, app, tuple(nodes))
    (home / MANIFEST).write_bytes(msgspec.json.format(msgspec.json.encode(localnet), indent=2) + b"\n")
    return localnet


def load_localnet(home: Path) -> Localnet:
    """Read <home>/localnet.json (LocalnetError if missing or damaged)."""
    path = home / MANIFEST
    try:
        return msgspec.json.decode(path.read_bytes(), type=Localnet)
    except FileNotFoundError:
        raise LocalnetError(f"{home} holds no localnet ({MANIFEST} is missing)") from None
    except msgspec.DecodeError as exc:
        raise LocalnetError(f"{path} is damaged: {exc}") from None


def _comet_genesis(
    first_home: Path,
    chain_id: str,
    genesis_time_ms: int,
    nodes: list[LocalnetNode],
    public_keys: list[bytes],
    app_state: Any,
) -> str:
    # Start from what `cometbft init` wrote, to keep its default consensus params.
    try:
        template = read_comet_genesis(first_home / "config" / "genesis.json")
    except CometGenesisError as exc:
        raise CometBftError(f"cannot read the genesis cometbft init wrote: {exc}") from None
    validators = [GenesisValidator(key, node.name) for node, key in zip(nodes, public_keys, strict=True)]
    return format_comet_genesis(comet_genesis_document(template, chain_id, genesis_time_ms, validators, app_state))


def _config_values(
    node: LocalnetNode, nodes: list[LocalnetNode], app: AppKind, timeout_commit: str
) -> dict[str, dict[str, str | int | bool]]:
    peers = ",".join(f"{peer.node_id}@127.0.0.1:{peer.p2p_port}" for peer in nodes if peer is not node)
    return {
        "": {
            "proxy_app": node.abci_address if app == "gostaking" else "kvstore",
            "moniker": node.name,
            # Block heights, commits and replays are logged; peer chatter only when it fails.
            "log_level": "state:info,consensus:info,*:error",
        },
        "rpc": {"laddr": f"tcp://127.0.0.1:{node.rpc_port}"},
        "p2p": {
            "laddr": f"tcp://127.0.0.1:{node.p2p_port}",
            "persistent_peers": peers,
            "addr_book_strict": False,  # peers are on 127.0.0.1, which a strict address book refuses
            "allow_duplicate_ip": True,
            "pex": False,  # the persistent peers are the whole network
        },
        "consensus": {
            "timeout_commit": timeout_commit,
            "timeout_propose": "1s",  # a stopped node's turn to propose costs 1 s, not 3 s
            "create_empty_blocks": True,
        },
        # Room for benchmark bursts; CometBFT's defaults are 5,000 txs and a 10,000-entry cache.
        "mempool": {"size": 50_000, "cache_size": 100_000},
    }
