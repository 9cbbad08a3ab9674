"""`gostaking genesis …`: agree a network's genesis (the Cosmos SDK launch flow). Operators edit their draft
<home>/config/genesis.json, each signs a gentx, a coordinator collects them, everyone validates the result and
compares its hash. Every edit is checked with the chain's genesis rules before the file is saved."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gostaking.chain.genesis import Genesis
from gostaking.chain.types.lock import Asset
from gostaking.cli.amounts import parse_amount, parse_gos_amount
from gostaking.cli.common import parse_weight
from gostaking.cli.errors import CliError
from gostaking.cli.operator import NodeHomeOption, node_home
from gostaking.cli.options import FromOption, KeyringOption, load_key, open_keyring, reads_passphrase

if TYPE_CHECKING:
    from gostaking.node.launch.genesis_file import GenesisEdit

app = typer.Typer(help="Build and check a network's genesis: accounts, assets, roles, gentxs.")


def _edit(home: Path | None, change_name: str, change: "GenesisEdit") -> Genesis:
    from gostaking.node.launch.genesis_file import edit_genesis, genesis_path

    updated: Genesis = edit_genesis(genesis_path(node_home(home)), change)
    typer.echo(f"genesis: {change_name}")
    return updated


def _asset_decimals(home: Path | None) -> dict[str, int]:
    from gostaking.node.launch.genesis_file import genesis_path, read_genesis_file

    genesis = read_genesis_file(genesis_path(node_home(home))).genesis
    return {asset.denom: asset.decimals for asset in genesis.assets}


@app.command("add-account")
def add_account(
    address: Annotated[str, typer.Argument(help="gos1… address")],
    amount: Annotated[str, typer.Argument(help="amount of a listed asset, e.g. 2.5btc (never GOS: no premine)")],
    home: NodeHomeOption = None,
) -> None:
    """Give an account a genesis balance of an external asset."""
    from gostaking.node.launch import genesis_file

    denom, units = parse_amount(amount, _asset_decimals(home))
    _edit(home, f"{address} holds {amount} more", lambda g: genesis_file.add_account(g, address, denom, units))


@app.command("add-asset")
def add_asset(
    denom: Annotated[str, typer.Argument(help="denomination, e.g. btc")],
    decimals: Annotated[int, typer.Option("--decimals", help="base-unit decimals (8 for satoshi)")],
    hosted_chain: Annotated[str, typer.Option("--hosted-chain", help="where it is custodied, e.g. bitcoin")],
    weight: Annotated[str, typer.Option("--weight", help="hash-power weight, e.g. 0.1 or 100000ppm")],
    price: Annotated[str, typer.Option("--price", help="price of one whole unit in GOS, e.g. 10000gos")],
    home: NodeHomeOption = None,
) -> None:
    """List an external asset that can be locked for hash power."""
    from gostaking.node.launch import genesis_file

    asset = Asset(denom.lower(), decimals, hosted_chain, parse_weight(weight), parse_gos_amount(price))
    _edit(home, f"asset {asset.denom} listed", lambda g: genesis_file.add_asset(g, asset))


@app.command("add-custodian")
def add_custodian(
    address: Annotated[str, typer.Argument(help="gos1… address of the custodian")],
    threshold: Annotated[
        int | None,
        typer.Option("--threshold", help="attestations needed (m of the n custodians) \\[default: unchanged, ≥ 1]"),
    ] = None,
    home: NodeHomeOption = None,
) -> None:
    """Add a custodian of external assets."""
    from gostaking.node.launch import genesis_file

    _edit(home, f"custodian {address} added", lambda g: genesis_file.add_custodian(g, address, threshold))


@app.command("set-council")
def set_council(
    members: Annotated[list[str], typer.Argument(help="gos1… addresses of the compliance council")],
    threshold: Annotated[int, typer.Option("--threshold", help="approvals that execute a decision (m of n)")],
    home: NodeHomeOption = None,
) -> None:
    """Set the compliance council (freezes, sanctions list, held transfers)."""
    from gostaking.node.launch import genesis_file

    council = tuple(members)
    _edit(
        home,
        f"council of {len(council)}, {threshold} deciding",
        lambda g: genesis_file.set_council(g, council, threshold),
    )


@app.command("set-param")
def set_param(
    name: Annotated[str, typer.Argument(help="SECTION.FIELD of the genesis params, e.g. nodes.epoch_blocks")],
    value: Annotated[int, typer.Argument(help="the integer value")],
    home: NodeHomeOption = None,
) -> None:
    """Set one integer chain parameter."""
    from gostaking.node.launch import genesis_file

    _edit(home, f"{name} = {value}", lambda g: genesis_file.set_param(g, name, value))


@app.command("set-time")
def set_time(
    moment: Annotated[str, typer.Argument(help="ISO 8601 time, e.g. 2027-01-15T12:00:00Z (UTC if no zone)")],
    home: NodeHomeOption = None,
) -> None:
    """Set the genesis time: nodes wait for it before the first block (give operators time to start)."""
    from datetime import UTC, datetime

    from gostaking.node.launch import genesis_file

    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        raise CliError(f"{moment!r} is not an ISO 8601 time such as 2027-01-15T12:00:00Z") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    time_ms = int(parsed.timestamp() * 1000)
    _edit(home, f"genesis time {parsed.isoformat()}", lambda g: genesis_file.set_genesis_time(g, time_ms))


@app.command("gentx")
@reads_passphrase()
def gentx(
    from_name: FromOption,
    moniker: Annotated[str | None, typer.Option("--moniker", help="\\[default: the node configuration's]")] = None,
    stake: Annotated[
        str | None,
        typer.Option("--stake", help="self-stake, e.g. 100gos (needs GOS the genesis gives the operator)"),
    ] = None,
    p2p_address: Annotated[
        str | None,
        typer.Option("--p2p-address", help="HOST:PORT peers dial \\[default: p2p.external_address, else p2p.laddr]"),
    ] = None,
    home: NodeHomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Sign this node's genesis transaction: the --from account registers the node with its consensus key (and
    self-stake); the file goes to <home>/config/gentx/ for the coordinator."""
    from gostaking.node.launch.config import load_node_config
    from gostaking.node.launch.gentx import create_gentx
    from gostaking.node.launch.home import node_identity

    root = node_home(home)
    identity = node_identity(root)
    address = p2p_address or identity.p2p_address
    if not address:
        raise CliError("say where peers reach this node: --p2p-address HOST:PORT (or set p2p.external_address)")
    operator = load_key(open_keyring(None, keyring), from_name)
    name = moniker or load_node_config(root).moniker
    stake_ugos = parse_gos_amount(stake) if stake is not None else 0
    path, made = create_gentx(root, operator, name, f"{identity.node_id}@{address}", stake_ugos)
    typer.echo(f"gentx of {made.moniker!r} (operator {made.operator}, peer {made.peer}) written to {path}")


@app.command("collect-gentxs")
def collect_gentxs(
    gentx_dir: Annotated[
        Path | None, typer.Option("--gentx-dir", help="where the gentx files are \\[default: <home>/config/gentx]")
    ] = None,
    home: NodeHomeOption = None,
) -> None:
    """Coordinator: verify every gentx, make their nodes the genesis nodes and validators, and save the genesis;
    this node's configuration gets the others as persistent peers. Send the genesis file to every operator."""
    from gostaking.node.launch.config import load_node_config, save_node_config, set_config_value
    from gostaking.node.launch.genesis_file import genesis_hash, genesis_path
    from gostaking.node.launch.gentx import collect_gentxs as collect
    from gostaking.node.launch.home import node_identity

    root = node_home(home)
    _, gentxs = collect(root, gentx_dir)
    own_id = node_identity(root).node_id
    peers = ",".join(g.peer for g in gentxs)
    save_node_config(
        root,
        set_config_value(
            load_node_config(root), "p2p.persistent_peers", ",".join(g.peer for g in gentxs if g.node_id != own_id)
        ),
    )
    for made in gentxs:
        typer.echo(f"genesis node {made.moniker!r}: operator {made.operator}, peer {made.peer}")
    typer.echo(f"genesis: {genesis_path(root)}  sha256 {genesis_hash(genesis_path(root))}")
    typer.echo(f"peers: {peers}")


@app.command("validate")
def validate(
    file: Annotated[Path | None, typer.Argument(help="a genesis.json \\[default: <home>/config/genesis.json]")] = None,
    home: NodeHomeOption = None,
) -> None:
    """Check a genesis: every chain rule and parameter, genesis nodes, and CometBFT's part agreeing with it."""
    from gostaking.node.launch.genesis_file import (
        genesis_hash,
        genesis_path,
        read_genesis_file,
        validate_genesis_file,
    )

    path = file or genesis_path(node_home(home))
    document = read_genesis_file(path)
    validate_genesis_file(document)
    genesis = document.genesis
    typer.echo(
        f"{path}: valid genesis of chain {genesis.chain_id!r} with {len(genesis.nodes)} nodes; "
        f"sha256 {genesis_hash(path)}"
    )


def register(root: typer.Typer) -> None:
    """Add `gostaking genesis` to the `gostaking` command."""
    root.add_typer(app, name="genesis")
