"""`gostaking abci` and `gostaking localnet`: running the app under CometBFT (and the --block-time bounds the devnet
shares with abci)."""

from pathlib import Path
from typing import Annotated

import typer

from gostaking.cli.errors import CliError
from gostaking.node.settings import (
    DEFAULT_API_HOST,
    DEFAULT_API_WORKERS,
    DEFAULT_BLOCK_TIME_S,
    DEFAULT_MAPPED_MEMORY_MIB,
    MAX_API_WORKERS,
    MIN_MAPPED_MEMORY_MIB,
    mapped_store_budget,
)

ABCI_DEFAULT_ADDRESS = "tcp://127.0.0.1:26658"


def check_block_time(seconds: float) -> None:
    """Refuse a --block-time outside 0.01..3600 seconds (`gostaking devnet` and `gostaking abci` take one)."""
    if not 0.01 <= seconds <= 3600:
        raise CliError("--block-time must be between 0.01 and 3600 seconds")


def _require_abci_stubs() -> None:
    """Refuse to run under CometBFT without usable ABCI protobuf stubs, saying how to make them."""
    from gostaking.node.abci.proto import stubs_problem

    problem = stubs_problem()
    if problem is not None:
        raise CliError(problem)


ApiWorkersOption = Annotated[
    int,
    typer.Option(
        "--api-workers",
        min=0,
        max=MAX_API_WORKERS,
        help="processes serving the explorer's index reads beside the node process (0 = all in the node process)",
    ),
]


def abci(
    home: Annotated[Path, typer.Option("--home", help="node home (the app keeps its store in <home>/app-data)")],
    address: Annotated[
        str, typer.Option("--address", help="ABCI listen address: tcp://HOST:PORT or unix://PATH")
    ] = ABCI_DEFAULT_ADDRESS,
    api_port: Annotated[
        int | None,
        typer.Option(
            "--api-port",
            min=0,
            max=65535,
            help="also serve the REST API and block explorer on this port (0 = any free port) \\[default: no API]",
        ),
    ] = None,
    api_host: Annotated[str, typer.Option("--api-host", help="API listen address")] = DEFAULT_API_HOST,
    comet_rpc: Annotated[
        str | None,
        typer.Option(
            "--comet-rpc",
            help="this node's CometBFT RPC, where POST /txs sends transactions "
            "\\[default: \\[rpc] laddr of <home>/config/config.toml, else http://127.0.0.1:26657]",
        ),
    ] = None,
    index_url: Annotated[
        str | None,
        typer.Option("--index-url", help="explorer index database \\[default: <home>/index.sqlite]"),
    ] = None,
    api_workers: ApiWorkersOption = DEFAULT_API_WORKERS,
    block_time: Annotated[
        float | None,
        typer.Option(
            "--block-time",
            help="expected seconds between blocks, for the API's time estimates "
            "\\[default: \\[consensus] timeout_commit of <home>/config/config.toml, else 1]",
        ),
    ] = None,
    snapshot_interval: Annotated[
        int,
        typer.Option("--snapshot-interval", min=0, help="take a state-sync snapshot every N blocks (0 = none)"),
    ] = 0,
    snapshot_keep: Annotated[int, typer.Option("--snapshot-keep", min=1, help="snapshots kept (the newest)")] = 2,
    snapshot_chunk_bytes: Annotated[
        int, typer.Option("--snapshot-chunk-bytes", help="bytes per snapshot chunk (256 B..10 MiB)")
    ] = 4 * 1024 * 1024,
    keep_recent_blocks: Annotated[
        int,
        typer.Option(
            "--keep-recent-blocks", help="prune blocks older than the N latest (0 = keep all; else at least 100)"
        ),
    ] = 0,
    mapped_memory_mib: Annotated[
        int,
        typer.Option(
            "--mapped-memory-mib",
            help="MiB of its store's pages the app keeps resident; above it each commit gives them back to the "
            f"page cache (0 = no limit; else at least {MIN_MAPPED_MEMORY_MIB})",
        ),
    ] = DEFAULT_MAPPED_MEMORY_MIB,
) -> None:
    """Serve the app to CometBFT over the ABCI socket (CometBFT's proxy_app must point here).

    With --api-port it also serves the node's REST API and explorer, as the devnet does (POST /txs goes to CometBFT).
    """
    from functools import partial

    from gostaking import __version__
    from gostaking.node.abci.relay import DEFAULT_COMET_RPC
    from gostaking.node.abci.runner import AbciApiSettings, block_time_from_config, comet_rpc_from_config, run_abci
    from gostaking.node.abci.server import AddressError, parse_address

    _require_abci_stubs()
    try:
        parse_address(address)
    except AddressError as exc:
        raise CliError(str(exc)) from None
    from gostaking.node.snapshots.store import SnapshotSettings

    try:
        snapshots = SnapshotSettings(snapshot_interval, snapshot_keep, snapshot_chunk_bytes)
    except ValueError as exc:
        raise CliError(f"snapshot options: {exc}") from None
    from gostaking.node.pruning import PruningConfigError, check_keep_recent_blocks

    try:
        check_keep_recent_blocks(keep_recent_blocks)
    except PruningConfigError as exc:
        raise CliError(f"--keep-recent-blocks: {exc}") from None
    try:
        budget = mapped_store_budget(mapped_memory_mib)
    except ValueError as exc:
        raise CliError(f"--mapped-memory-mib: {exc}") from None
    root = home.expanduser().resolve()
    run = partial(
        run_abci,
        root,
        address,
        announce=lambda line: typer.echo(line),
        version=__version__,
        snapshots=snapshots,
        keep_recent_blocks=keep_recent_blocks,
        mapped_store_budget=budget,
    )
    if api_port is None:
        run()
        return
    from gostaking.api.main import create_api
    from gostaking.indexer import default_index_url

    if block_time is None:
        block_time = block_time_from_config(root) or DEFAULT_BLOCK_TIME_S
    else:
        check_block_time(block_time)
    settings = AbciApiSettings(
        port=api_port,
        host=api_host,
        comet_rpc=comet_rpc or comet_rpc_from_config(root) or DEFAULT_COMET_RPC,
        block_time_s=block_time,
    )
    explorer_api = partial(create_api, index_url=index_url or default_index_url(root), read_workers=api_workers)
    run(api=settings, create_api=explorer_api)


def localnet(
    validators: Annotated[int, typer.Option("--validators", "-n", help="number of validator nodes (1-30)")] = 4,
    home: Annotated[
        Path | None,
        typer.Option("--home", help="localnet home \\[default: $GOSTAKING_HOME/localnet or ~/.gostaking/localnet]"),
    ] = None,
    base_port: Annotated[
        int,
        typer.Option(
            "--base-port",
            help="node I uses ports base+10I (p2p), +1 (CometBFT RPC), +2 (ABCI), +3 (REST API and explorer); "
            "0 picks free ports",
        ),
    ] = 26600,
    timeout_commit: Annotated[str, typer.Option("--timeout-commit", help="CometBFT pause after each block")] = "1s",
    reset: Annotated[bool, typer.Option("--reset", help="delete the localnet home and create a new network")] = False,
) -> None:
    """Run a CometBFT network on 127.0.0.1: N cometbft nodes, each with its own GoStaking app process.

    The first run creates keys, genesis and configs under --home; later runs restart the same network.
    """
    import shutil

    from gostaking.node.localnet.network import MANIFEST, create_localnet, load_localnet
    from gostaking.node.localnet.processes import run_localnet
    from gostaking.wallet.keyring import gostaking_home

    _require_abci_stubs()
    root = (home or gostaking_home() / "localnet").expanduser().resolve()
    if reset and root.exists():
        shutil.rmtree(root)
    if (root / MANIFEST).exists():
        network = load_localnet(root)
        if len(network.nodes) != validators:
            raise CliError(
                f"{root} holds a {len(network.nodes)}-node localnet; use --validators {len(network.nodes)} "
                "or --reset to create a new one"
            )
        typer.echo(f"restarting the localnet in {root}")
    else:
        if not timeout_commit.strip() or not timeout_commit.strip()[0].isdigit():
            raise CliError(f"--timeout-commit {timeout_commit!r} is not a duration such as 500ms or 1s")
        network = create_localnet(root, validators, base_port=base_port, timeout_commit=timeout_commit)
        typer.echo(f"created a {validators}-node localnet in {root}")
    run_localnet(network, announce=lambda line: typer.echo(line))
