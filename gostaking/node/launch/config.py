"""The node configuration an operator edits: <home>/config/gostaking.toml (version 1).

`gostaking init` writes it from the network profile; `gostaking start` reads it, writes what CometBFT needs into
CometBFT's own config.toml (so the operator edits one file), and runs the app process with the rest. One key is
changed with `gostaking config set SECTION.KEY VALUE`, which checks the value before saving.
"""

import re
import tomllib
from pathlib import Path
from typing import Any

import msgspec

from gostaking.node.abci.server import AddressError, parse_address
from gostaking.node.launch.profiles import NetworkProfile, UnknownProfileError, get_profile
from gostaking.node.localnet.cometbft import toml_value
from gostaking.node.pruning import PruningConfigError, check_keep_recent_blocks
from gostaking.node.settings import (
    DEFAULT_API_WORKERS,
    DEFAULT_MAPPED_MEMORY_MIB,
    MAX_API_WORKERS,
    mapped_store_budget,
)
from gostaking.node.snapshots.format import DEFAULT_CHUNK_BYTES, check_chunk_bytes

CONFIG_VERSION = 1
CONFIG_FILE = "gostaking.toml"


class NodeConfigError(Exception):
    """The node configuration is missing, malformed or breaks a rule; the message says which key and why."""


class P2pConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """CometBFT's peer-to-peer layer."""

    laddr: str = "tcp://0.0.0.0:26656"
    external_address: str = ""
    """HOST:PORT other nodes dial (given in the genesis transaction); '' = the laddr's host if it is not 0.0.0.0."""
    persistent_peers: str = ""
    """Comma-separated NODE_ID@HOST:PORT, always kept connected (collect-gentxs fills in the genesis nodes)."""
    seeds: str = ""
    """Comma-separated NODE_ID@HOST:PORT asked for more peers at start-up."""
    pex: bool = True
    addr_book_strict: bool = True
    """Refuse private and loopback peer addresses (false for a network on one machine or a private LAN)."""
    allow_duplicate_ip: bool = False
    """Accept several peers from one IP address (nodes behind one NAT; nodes on one machine's loopback addresses,
    whose connections all come from 127.0.0.1)."""


class RpcConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """CometBFT's RPC (status, blocks, broadcast); keep it on 127.0.0.1 unless a proxy guards it."""

    laddr: str = "tcp://127.0.0.1:26657"


class AbciConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where the app process listens for its CometBFT."""

    address: str = "tcp://127.0.0.1:26658"


class ConsensusConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """CometBFT's timeouts (set from the profile; every node of a network should use the same)."""

    timeout_commit: str = "29s"
    timeout_propose: str = "3s"


class ApiConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The REST API served by the app process, with the block explorer at / and the browser wallet at /app."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 8645
    index_url: str = ""
    """The explorer's index database ('' = <home>/index.sqlite)."""
    workers: int = DEFAULT_API_WORKERS
    """Processes serving the explorer's index reads beside the app process (0 = all in the app process)."""
    block_time_s: float = 30.0
    """The block target, for the API's time estimates."""


class PruningConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the node may forget. The app keeps one state (the latest: there are no older states to prune). With
    `keep_recent_blocks` N > 0 the app returns retain height h − N from Commit (lowered to keep CometBFT's evidence
    window, the snapshots it serves and what the explorer index has not read: node/pruning.py), CometBFT deletes its
    blocks below it and the app its own blocks and tx index. CometBFT's ABCI results of old blocks can be dropped
    on their own (`discard_abci_responses`)."""

    keep_recent_blocks: int = 0
    """0 = keep every block (an archive node); otherwise at least MIN_KEEP_RECENT_BLOCKS."""
    discard_abci_responses: bool = False


class SnapshotConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """State-sync snapshots the app process takes of the committed state and serves to joining nodes."""

    interval_blocks: int = 0
    """After every commit of a multiple of this height (0 = none). Snapshots run beside block production."""
    keep_recent: int = 2
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    """Bytes per chunk (256 B..10 MiB); nodes that use the same value offer identical snapshots."""


class StateSyncConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Join by state sync: a new node restores a recent snapshot (verified by CometBFT's light client against
    `trust_height`/`trust_hash`) instead of replaying every block. `gostaking statesync trust --rpc URL` prints a
    height and hash from a node you trust. CometBFT uses it only while its own data is empty."""

    enable: bool = False
    rpc_servers: str = ""
    """Comma-separated CometBFT RPC URLs (two or more; the light client cross-checks them)."""
    trust_height: int = 0
    trust_hash: str = ""
    """Hex hash of the block at trust_height."""
    trust_period: str = "168h0m0s"
    """How long a trusted header stays usable: less than the unbonding period."""
    discovery_time: str = "15s"
    """How long to gather snapshots from peers before choosing one."""


class StateConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The app's hold on memory: the chain state lives in its store on disk (it may be far larger than memory), and
    the store's pages that blocks read are mapped into the app process."""

    mapped_memory_mib: int = DEFAULT_MAPPED_MEMORY_MIB
    """MiB of the store's mapped pages that may stay in the app process's resident memory: above it, each commit
    gives them back to the operating system's page cache (node/app.py MAPPED_STORE_BUDGET says what budgets cost).
    0 = no budget (the pages read stay resident); else at least MIN_MAPPED_MEMORY_MIB."""


class SupervisorConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How `gostaking start` restarts a process that exits: after a wait that doubles from `restart_delay_s` up
    to `max_restart_delay_s`, and is back at the start once the process had run `stable_after_s`."""

    restart_delay_s: float = 1.0
    max_restart_delay_s: float = 60.0
    stable_after_s: float = 60.0


class NodeConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Everything `gostaking start` needs beside CometBFT's keys and the genesis."""

    moniker: str
    profile: str = "mainnet"
    version: int = CONFIG_VERSION
    p2p: P2pConfig = P2pConfig()
    rpc: RpcConfig = RpcConfig()
    abci: AbciConfig = AbciConfig()
    consensus: ConsensusConfig = ConsensusConfig()
    api: ApiConfig = ApiConfig()
    pruning: PruningConfig = PruningConfig()
    snapshots: SnapshotConfig = SnapshotConfig()
    statesync: StateSyncConfig = StateSyncConfig()
    state: StateConfig = StateConfig()
    supervisor: SupervisorConfig = SupervisorConfig()


def config_path(home: Path) -> Path:
    """<home>/config/gostaking.toml."""
    return home / "config" / CONFIG_FILE


def default_node_config(moniker: str, profile: NetworkProfile) -> NodeConfig:
    """A new node's configuration: default ports and the profile's timing."""
    return NodeConfig(
        moniker=moniker,
        profile=profile.name,
        consensus=ConsensusConfig(timeout_commit=profile.timeout_commit, timeout_propose=profile.timeout_propose),
        api=ApiConfig(block_time_s=profile.block_time_s),
    )


_GO_DURATION = re.compile(r"^(\d+(ms|s|m))+$")
_PEER = re.compile(r"^[0-9a-f]{40}@[^@:\s]+:\d{1,5}$")


def tcp_host_port(address: str, key: str) -> tuple[str, int]:
    """(host, port) of a tcp://HOST:PORT address; NodeConfigError naming `key` otherwise."""
    try:
        kind, host, port = parse_address(address)
    except AddressError as exc:
        raise NodeConfigError(f"{key}: {exc}") from None
    if kind != "tcp" or not address.startswith("tcp://") or not 0 < port < 65536:
        raise NodeConfigError(f"{key}: {address!r} is not tcp://HOST:PORT")
    return host, port


def _check_peers(text: str, key: str) -> None:
    for peer in filter(None, (part.strip() for part in text.split(","))):
        if not _PEER.match(peer):
            raise NodeConfigError(f"{key}: {peer!r} is not NODE_ID@HOST:PORT (40 hex digits of node id)")


def validate_node_config(config: NodeConfig) -> None:
    """Raise NodeConfigError naming the first key that breaks its rule."""
    if config.version != CONFIG_VERSION:
        raise NodeConfigError(f"version: this gostaking reads version {CONFIG_VERSION}, not {config.version}")
    try:
        get_profile(config.profile)
    except UnknownProfileError as exc:
        raise NodeConfigError(f"profile: {exc}") from None
    if not 0 < len(config.moniker.encode()) <= 64 or not config.moniker.isprintable():
        raise NodeConfigError("moniker: 1..64 bytes of printable text")
    tcp_host_port(config.p2p.laddr, "p2p.laddr")
    tcp_host_port(config.rpc.laddr, "rpc.laddr")
    tcp_host_port(config.abci.address, "abci.address")
    if config.p2p.external_address and not re.match(r"^[^@:\s/]+:\d{1,5}$", config.p2p.external_address):
        raise NodeConfigError("p2p.external_address: HOST:PORT (no scheme), or empty")
    _check_peers(config.p2p.persistent_peers, "p2p.persistent_peers")
    _check_peers(config.p2p.seeds, "p2p.seeds")
    for key, value in (
        ("timeout_commit", config.consensus.timeout_commit),
        ("timeout_propose", config.consensus.timeout_propose),
    ):
        if not _GO_DURATION.match(value):
            raise NodeConfigError(f"consensus.{key}: {value!r} is not a duration such as 29s or 500ms")
    if not 0 < config.api.port < 65536:
        raise NodeConfigError("api.port: 1..65535")
    if not 0 <= config.api.workers <= MAX_API_WORKERS:
        raise NodeConfigError(f"api.workers: 0..{MAX_API_WORKERS} processes serving the explorer's index reads")
    if not 0.01 <= config.api.block_time_s <= 3600:
        raise NodeConfigError("api.block_time_s: 0.01..3600 seconds")
    if config.snapshots.interval_blocks < 0:
        raise NodeConfigError("snapshots.interval_blocks: 0 (no snapshots) or more")
    if config.snapshots.keep_recent < 1:
        raise NodeConfigError("snapshots.keep_recent: at least 1")
    try:
        check_chunk_bytes(config.snapshots.chunk_bytes)
    except ValueError as exc:
        raise NodeConfigError(f"snapshots.{exc}") from None
    try:
        check_keep_recent_blocks(config.pruning.keep_recent_blocks)
    except PruningConfigError as exc:
        raise NodeConfigError(f"pruning.keep_recent_blocks: {exc}") from None
    _check_statesync(config.statesync)
    try:
        mapped_store_budget(config.state.mapped_memory_mib)
    except ValueError as exc:
        raise NodeConfigError(f"state.mapped_memory_mib: {exc}") from None
    supervisor = config.supervisor
    if not 0 < supervisor.restart_delay_s <= supervisor.max_restart_delay_s or supervisor.stable_after_s <= 0:
        raise NodeConfigError("supervisor: 0 < restart_delay_s <= max_restart_delay_s, and stable_after_s > 0")


_TRUST_HASH = re.compile(r"^[0-9A-Fa-f]{64}$")
_GO_LONG_DURATION = re.compile(r"^(\d+(h|m|s|ms))+$")


def _check_statesync(statesync: StateSyncConfig) -> None:
    """The [statesync] rules CometBFT would otherwise only report when the node starts (or not at all)."""
    for key, value in (("trust_period", statesync.trust_period), ("discovery_time", statesync.discovery_time)):
        if not _GO_LONG_DURATION.match(value):
            raise NodeConfigError(f"statesync.{key}: {value!r} is not a duration such as 168h0m0s or 15s")
    if statesync.trust_height < 0:
        raise NodeConfigError("statesync.trust_height: 0 or more")
    if statesync.trust_hash and not _TRUST_HASH.match(statesync.trust_hash):
        raise NodeConfigError("statesync.trust_hash: 64 hex digits (a block hash)")
    servers = [server.strip() for server in statesync.rpc_servers.split(",") if server.strip()]
    for server in servers:
        if not re.match(r"^(https?|tcp)://[^\s/]+(:\d{1,5})?/?$", server):
            raise NodeConfigError(f"statesync.rpc_servers: {server!r} is not a URL such as http://HOST:26657")
    if statesync.enable:
        if len(servers) < 2:
            raise NodeConfigError("statesync.rpc_servers: state sync needs at least two RPC servers (comma-separated)")
        if statesync.trust_height < 1 or not statesync.trust_hash:
            raise NodeConfigError(
                "statesync: set trust_height and trust_hash (`gostaking statesync trust --rpc URL` prints them)"
            )


def load_node_config(home: Path) -> NodeConfig:
    """Read and check <home>/config/gostaking.toml."""
    path = config_path(home)
    try:
        document = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise NodeConfigError(f"{path} does not exist: run `gostaking init` for this home first") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NodeConfigError(f"{path} is not readable TOML: {exc}") from None
    try:
        config = msgspec.convert(document, NodeConfig)
    except msgspec.ValidationError as exc:
        raise NodeConfigError(f"{path}: {exc}") from None
    validate_node_config(config)
    return config


def render_node_config(config: NodeConfig) -> str:
    """The TOML text of `config`: top-level keys, then one table per section, each key with its comment."""
    lines = [
        "# GoStaking node configuration: `gostaking start` reads it and rewrites CometBFT's config.toml from it.",
        "",
    ]
    sections: list[tuple[str, msgspec.Struct]] = []
    for field in msgspec.structs.fields(config):
        value = getattr(config, field.name)
        if isinstance(value, msgspec.Struct):
            sections.append((field.name, value))
        else:
            lines.append(f"{field.name} = {toml_value(value)}")
    for name, section in sections:
        lines += ["", f"[{name}]"]
        for field in msgspec.structs.fields(section):
            lines.append(f"{field.name} = {_toml_scalar(getattr(section, field.name))}")
    return "\n".join(lines) + "\n"


def _toml_scalar(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return toml_value(value)


def save_node_config(home: Path, config: NodeConfig) -> None:
    """Check `config` and write it to <home>/config/gostaking.toml."""
    validate_node_config(config)
    config_path(home).write_text(render_node_config(config))


def set_config_value(config: NodeConfig, key: str, text: str) -> NodeConfig:
    """`config` with SECTION.KEY (or a top-level KEY) set to `text` read as that key's type; checked."""
    section_name, _, field_name = key.rpartition(".")
    owner: Any = getattr(config, section_name, None) if section_name else config
    if not isinstance(owner, msgspec.Struct) or field_name not in owner.__struct_fields__:
        raise NodeConfigError(f"unknown key {key!r}: see {CONFIG_FILE} for the keys")
    current = getattr(owner, field_name)
    if isinstance(current, msgspec.Struct):
        raise NodeConfigError(f"{key!r} is a section: set one of its keys")
    value = _parse_like(current, text, key)
    if section_name:
        updated = msgspec.structs.replace(
            config, **{section_name: msgspec.structs.replace(owner, **{field_name: value})}
        )
    else:
        updated = msgspec.structs.replace(config, **{field_name: value})
    validate_node_config(updated)
    return updated


def _parse_like(current: Any, text: str, key: str) -> Any:
    if isinstance(current, bool):
        if text.lower() not in ("true", "false"):
            raise NodeConfigError(f"{key}: true or false, not {text!r}")
        return text.lower() == "true"
    try:
        if isinstance(current, int):
            return int(text)
        if isinstance(current, float):
            return float(text)
    except ValueError:
        raise NodeConfigError(f"{key}: {text!r} is not a {type(current).__name__}") from None
    return text


def comet_config_values(config: NodeConfig) -> dict[str, dict[str, str | int | bool]]:
    """The keys of CometBFT's config.toml that the node configuration sets."""
    return {
        "": {
            "proxy_app": config.abci.address,
            "moniker": config.moniker,
            # Block heights, commits and replays are logged; other modules only when something fails.
            "log_level": "state:info,consensus:info,*:error",
        },
        "rpc": {"laddr": config.rpc.laddr},
        "p2p": {
            "laddr": config.p2p.laddr,
            "external_address": config.p2p.external_address,
            "persistent_peers": config.p2p.persistent_peers,
            "seeds": config.p2p.seeds,
            "pex": config.p2p.pex,
            "addr_book_strict": config.p2p.addr_book_strict,
            "allow_duplicate_ip": config.p2p.allow_duplicate_ip,
        },
        "consensus": {
            "timeout_commit": config.consensus.timeout_commit,
            "timeout_propose": config.consensus.timeout_propose,
            "create_empty_blocks": True,  # every block mints its reward: the chain's clock is its height
        },
        "storage": {"discard_abci_responses": config.pruning.discard_abci_responses},
        "statesync": {
            "enable": config.statesync.enable,
            "rpc_servers": ",".join(s.strip() for s in config.statesync.rpc_servers.split(",") if s.strip()),
            "trust_height": config.statesync.trust_height,
            "trust_hash": config.statesync.trust_hash.lower(),
            "trust_period": config.statesync.trust_period,
            "discovery_time": config.statesync.discovery_time,
        },
    }


def p2p_address(config: NodeConfig) -> str:
    """HOST:PORT where other nodes reach this one: external_address, else the laddr unless it is 0.0.0.0."""
    if config.p2p.external_address:
        return config.p2p.external_address
    host, port = tcp_host_port(config.p2p.laddr, "p2p.laddr")
    if host in ("0.0.0.0", "::", "[::]"):
        raise NodeConfigError(
            "p2p.external_address is empty and p2p.laddr listens on every address: "
            "set p2p.external_address to the HOST:PORT other nodes dial"
        )
    return f"{host}:{port}"
