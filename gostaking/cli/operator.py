"""Node operators' commands: `gostaking init` (a node home), `gostaking start` (the node as a service),
`gostaking node-info` and `gostaking config` (the node configuration). The genesis commands are in genesis.py."""

import json
import signal
from pathlib import Path
from typing import Annotated

import typer

from gostaking.cli.errors import CliError
from gostaking.wallet.keyring import gostaking_home

NodeHomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="node home \\[default: $GOSTAKING_HOME/node or ~/.gostaking/node]"),
]
PROFILE_HELP = "network profile: mainnet (30 s blocks, the chain's default parameters) or testnet (fast, short)"


def node_home(home: Path | None) -> Path:
    """The node home chosen by --home, else <gostaking home>/node."""
    return (home or gostaking_home() / "node").expanduser().resolve()


def init(
    moniker: Annotated[str, typer.Option("--moniker", help="the node's display name")],
    chain_id: Annotated[str, typer.Option("--chain-id", help="the network's chain id (every operator uses the same)")],
    home: NodeHomeOption = None,
    profile: Annotated[str, typer.Option("--profile", help=PROFILE_HELP)] = "mainnet",
) -> None:
    """Create a node home: CometBFT keys and config, a draft genesis and the node configuration (gostaking.toml)."""
    from gostaking.node.launch.home import init_node_home
    from gostaking.node.launch.profiles import get_profile

    root = node_home(home)
    identity = init_node_home(root, moniker, chain_id, get_profile(profile))
    typer.echo(f"initialized node {moniker!r} for chain {chain_id!r} ({profile}) in {root}")
    typer.echo(f"  node id        {identity.node_id}")
    typer.echo(f"  consensus key  {identity.consensus_pubkey.hex()} (address {identity.consensus_address})")
    typer.echo(f"  configuration  {root / 'config' / 'gostaking.toml'}")
    typer.echo(f"  draft genesis  {root / 'config' / 'genesis.json'}")


def start(home: NodeHomeOption = None) -> None:
    """Run the node as a service: its app process and its cometbft, restarted when they exit, stopped together on
    SIGTERM or Ctrl+C. Logs go to <home>/logs/."""
    from gostaking.node.abci.proto import stubs_problem
    from gostaking.node.launch.config import load_node_config
    from gostaking.node.launch.genesis_file import genesis_path, read_genesis_file, validate_genesis_file
    from gostaking.node.launch.supervisor import NodeSupervisor

    problem = stubs_problem()
    if problem is not None:
        raise CliError(problem)
    root = node_home(home)
    config = load_node_config(root)
    validate_genesis_file(read_genesis_file(genesis_path(root)))
    supervisor = NodeSupervisor(root, config, announce=lambda line: typer.echo(line))

    def request_stop(_signum: int, _frame: object) -> None:
        supervisor.stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, request_stop)
    supervisor.run()


def node_info(
    home: NodeHomeOption = None,
    field: Annotated[
        str | None,
        typer.Option(
            "--field", help="print only this field: moniker, node_id, consensus_pubkey, consensus_address, peer"
        ),
    ] = None,
) -> None:
    """Show what other operators need: node id, consensus key (for `tx register-node --consensus-pubkey`), peer."""
    from gostaking.node.launch.home import node_identity

    identity = node_identity(node_home(home))
    document = {
        "moniker": identity.moniker,
        "node_id": identity.node_id,
        "consensus_pubkey": identity.consensus_pubkey.hex(),
        "consensus_address": identity.consensus_address,
        "p2p_address": identity.p2p_address,
        "peer": identity.peer,
    }
    if field is None:
        typer.echo(json.dumps(document, indent=2))
        return
    if field not in document:
        raise CliError(f"--field {field!r}: choose one of {', '.join(document)}")
    if not document[field]:
        raise CliError(f"{field} is unknown: set p2p.external_address (`gostaking config set`)")
    typer.echo(document[field])


config_app = typer.Typer(help="Show or change the node configuration (<home>/config/gostaking.toml).")


@config_app.command("show")
def config_show(home: NodeHomeOption = None) -> None:
    """Print the node configuration."""
    from gostaking.node.launch.config import load_node_config, render_node_config

    typer.echo(render_node_config(load_node_config(node_home(home))), nl=False)


@config_app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(help="SECTION.KEY, e.g. p2p.persistent_peers, api.enabled, moniker")],
    value: Annotated[str, typer.Argument(help="the new value (true/false for switches)")],
    home: NodeHomeOption = None,
) -> None:
    """Change one key; the value is checked before the file is saved. `gostaking start` applies it."""
    from gostaking.node.launch.config import load_node_config, save_node_config, set_config_value

    root = node_home(home)
    save_node_config(root, set_config_value(load_node_config(root), key, value))
    typer.echo(f"{key} = {value}")


statesync_app = typer.Typer(help='Join a network by state sync (docs/operators.md, "Join by state sync").')


@statesync_app.command("trust")
def statesync_trust(
    rpc: Annotated[str, typer.Option("--rpc", help="CometBFT RPC of a node you trust, e.g. http://HOST:26657")],
    home: Annotated[
        Path | None,
        typer.Option("--home", help="also write them into this node home's statesync.trust_height and trust_hash"),
    ] = None,
) -> None:
    """Print a recent block height and hash from a node you trust: the light client's root of trust
    ([statesync] trust_height and trust_hash), from which it verifies the snapshot a new node restores."""
    import httpx

    from gostaking.node.launch.config import load_node_config, save_node_config, set_config_value
    from gostaking.node.localnet.rpc import CometRpc, CometRpcError

    try:
        with CometRpc(rpc, 10) as client:
            height = client.latest_height()
            block_hash = str(client.call("block", height=str(height))["block_id"]["hash"])
    except (CometRpcError, httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise CliError(f"cannot read the latest block from {rpc}: {exc}") from None
    if height < 1 or len(block_hash) != 64:
        raise CliError(f"{rpc} has no block yet")
    typer.echo(f"trust_height = {height}")
    typer.echo(f"trust_hash = {block_hash}")
    if home is not None:
        root = node_home(home)
        config = set_config_value(load_node_config(root), "statesync.trust_height", str(height))
        save_node_config(root, set_config_value(config, "statesync.trust_hash", block_hash))
        typer.echo(f"written to {root / 'config' / 'gostaking.toml'} [statesync]")


def register(app: typer.Typer) -> None:
    """Add the operator commands to the `gostaking` command."""
    app.command("init")(init)
    app.command("start")(start)
    app.command("node-info")(node_info)
    app.add_typer(config_app, name="config")
    app.add_typer(statesync_app, name="statesync")
