"""A node home, as `gostaking init` makes it (one per machine; CometBFT's layout, which the app shares):

<home>/config/config.toml              CometBFT's configuration, rewritten from gostaking.toml at every start
<home>/config/gostaking.toml           the node configuration the operator edits (config.py)
<home>/config/genesis.json             CometBFT's genesis with the GoStaking genesis as app_state (genesis_file.py)
<home>/config/priv_validator_key.json  the consensus key (ed25519) the node signs blocks with, as CometBFT keeps it
<home>/config/node_key.json            the p2p key (its id is the node id in peer addresses)
<home>/config/gentx/                   genesis transactions (gentx.py)
<home>/data/                           CometBFT's block store and state
<home>/app-data/, index.sqlite         the app's chain store and the explorer index
<home>/logs/                           app.log, cometbft.log and supervisor.log of `gostaking start`
"""

import time
from dataclasses import dataclass
from pathlib import Path

from gostaking.chain.crypto import consensus_address
from gostaking.chain.genesis import Genesis
from gostaking.node.comet_genesis import CometGenesisError, comet_genesis_document, read_comet_genesis
from gostaking.node.launch.config import (
    NodeConfig,
    NodeConfigError,
    comet_config_values,
    config_path,
    default_node_config,
    load_node_config,
    p2p_address,
    save_node_config,
)
from gostaking.node.launch.genesis_file import GenesisFile, genesis_path, with_genesis, write_genesis_file
from gostaking.node.launch.profiles import NetworkProfile
from gostaking.node.localnet.cometbft import (
    configure_home,
    init_home,
    read_validator_key,
    require_cometbft,
    run_cometbft,
)

LOG_DIR = "logs"


class NodeHomeError(Exception):
    """The node home cannot be created or is not one; the message says why."""


@dataclass(frozen=True)
class NodeIdentity:
    """What other operators need to know about a node."""

    moniker: str
    node_id: str
    consensus_pubkey: bytes
    p2p_address: str
    """HOST:PORT other nodes dial, or '' when the configuration does not say (p2p.external_address unset)."""

    @property
    def consensus_address(self) -> str:
        """The consensus key's address as CometBFT shows it."""
        return consensus_address(self.consensus_pubkey)

    @property
    def peer(self) -> str:
        """NODE_ID@HOST:PORT ('' without a p2p address)."""
        return f"{self.node_id}@{self.p2p_address}" if self.p2p_address else ""


def check_chain_id(chain_id: str) -> None:
    """Refuse a chain id that is not 1..64 characters without spaces."""
    if not 0 < len(chain_id) <= 64 or any(character.isspace() for character in chain_id):
        raise NodeHomeError(f"chain id {chain_id!r}: use 1-64 characters without spaces")


def init_node_home(home: Path, moniker: str, chain_id: str, profile: NetworkProfile) -> NodeIdentity:
    """Create a node home: CometBFT's keys and files (`cometbft init`), a draft genesis for `chain_id` with the
    profile's parameters and no nodes yet, and gostaking.toml with the profile's timing."""
    check_chain_id(chain_id)
    config = default_node_config(moniker, profile)
    if config_path(home).exists():
        raise NodeHomeError(f"{home} is already a node home ({config_path(home)} exists)")
    binary = require_cometbft()
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    init_home(binary, home)  # keeps keys and data a previous init left
    try:
        template = read_comet_genesis(genesis_path(home))
    except CometGenesisError as exc:
        raise NodeHomeError(f"cannot read the genesis cometbft init wrote: {exc}") from None
    genesis = Genesis(chain_id=chain_id, genesis_time_ms=time.time_ns() // 1_000_000, params=profile.params)
    document = comet_genesis_document(template, chain_id, genesis.genesis_time_ms, [], None)
    write_genesis_file(genesis_path(home), with_genesis(GenesisFile(document, genesis), genesis))
    save_node_config(home, config)
    apply_node_config(home, config)
    (home / LOG_DIR).mkdir(exist_ok=True)
    return node_identity(home)


def apply_node_config(home: Path, config: NodeConfig) -> None:
    """Write the node configuration's CometBFT keys into <home>/config/config.toml."""
    configure_home(home, comet_config_values(config))


def node_identity(home: Path) -> NodeIdentity:
    """The node's moniker, node id, consensus key and p2p address, from its home."""
    config = load_node_config(home)
    validator = read_validator_key(home)
    node_id = run_cometbft(require_cometbft(), "show-node-id", "--home", str(home)).strip()
    try:
        address = p2p_address(config)
    except NodeConfigError:
        address = ""  # listens on every address and no external_address: the operator must say
    return NodeIdentity(config.moniker, node_id, validator.public_key, address)
