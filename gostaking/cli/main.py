"""The `gostaking` command."""

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from gostaking.cli import aml, bridge, compliance, cosigner, custody, dex, gov, keys, network, oracle, query, tx, wallet
from gostaking.cli import genesis as genesis_commands
from gostaking.cli import operator as operator_commands
from gostaking.cli.book import register as register_book_commands
from gostaking.cli.client import open_api, wait_until_included
from gostaking.cli.errors import CliError, FriendlyGroup
from gostaking.cli.liquid import app as liquid_app
from gostaking.cli.monitor import monitor as monitor_command
from gostaking.cli.options import API_DEFAULT, ApiOption, HomeOption, KeyringOption, open_keyring
from gostaking.cli.tx import resolve_address
from gostaking.client import ApiError, NodeApi
from gostaking.node.settings import (
    DEFAULT_API_HOST,
    DEFAULT_API_PORT,
    DEFAULT_API_WORKERS,
    DEFAULT_BLOCK_TIME_S,
    DevnetSettings,
    default_devnet_home,
)

DEVNET_CHAIN_ID_ENV = "GOSTAKING_DEVNET_CHAIN_ID"

app = typer.Typer(
    name="gostaking",
    help="GoStaking: run a devnet, manage keys, send transactions and query the chain.",
    cls=FriendlyGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(wallet.app, name="wallet")
app.add_typer(keys.app, name="keys")
app.add_typer(tx.app, name="tx")
app.add_typer(query.app, name="query")
app.add_typer(aml.app, name="aml")
app.add_typer(gov.app, name="gov")
app.add_typer(custody.app, name="custody")
app.add_typer(oracle.app, name="oracle")
app.add_typer(compliance.app, name="compliance")
register_book_commands(dex.app)
app.add_typer(dex.app, name="dex")
app.add_typer(liquid_app, name="liquid")
app.add_typer(cosigner.app, name="cosigner")
app.command("abci")(network.abci)
app.command("localnet")(network.localnet)
app.command("monitor")(monitor_command)
bridge.register(app)
operator_commands.register(app)
genesis_commands.register(app)


@app.command("devnet")
def devnet(
    home: Annotated[
        Path | None,
        typer.Option("--home", help="devnet home \\[default: $GOSTAKING_HOME/devnet or ~/.gostaking/devnet]"),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="API listen address")] = DEFAULT_API_HOST,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="API port")] = DEFAULT_API_PORT,
    block_time: Annotated[float, typer.Option("--block-time", help="seconds between blocks")] = DEFAULT_BLOCK_TIME_S,
    reset: Annotated[
        bool, typer.Option("--reset", help="delete the chain data and start again from genesis (keys are kept)")
    ] = False,
    index_url: Annotated[
        str | None,
        typer.Option(
            "--index-url",
            help="explorer index database, e.g. postgresql+psycopg://user:pw@host/db \\[default: <home>/index.sqlite]",
        ),
    ] = None,
    api_workers: network.ApiWorkersOption = DEFAULT_API_WORKERS,
    chain_id: Annotated[
        str | None,
        typer.Option(
            "--chain-id",
            envvar=DEVNET_CHAIN_ID_ENV,
            help="chain id of a new devnet home (an existing home keeps its own)"
            " \\[default: gostaking-devnet-<8 random hex digits>]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run a single-node devnet: block producer + REST API + block explorer (+ faucet) in one process."""
    from functools import partial

    from gostaking.api.main import create_api
    from gostaking.indexer import default_index_url
    from gostaking.node.runtime import devnet_chain_id, run_devnet

    network.check_block_time(block_time)
    devnet_home = (home or default_devnet_home()).expanduser().resolve()
    if chain_id is not None:
        if not 0 < len(chain_id) <= 64 or any(character.isspace() for character in chain_id):
            raise CliError(f"--chain-id {chain_id!r}: use 1-64 characters without spaces")
        existing = devnet_chain_id(devnet_home)
        if existing is not None and existing != chain_id:
            raise CliError(
                f"{devnet_home} already holds devnet {existing!r} and keeps its chain id;"
                f" --chain-id {chain_id!r} applies to a new home (choose another --home)"
            )
    settings = DevnetSettings(
        home=devnet_home,
        host=host,
        port=port,
        block_time_s=block_time,
        chain_id=chain_id,  # None: a new home draws a chain id of its own
        reset=reset,
    )
    explorer_api = partial(
        create_api, index_url=index_url or default_index_url(settings.home), read_workers=api_workers
    )
    run_devnet(settings, explorer_api, announce=lambda line: typer.echo(line))


FAUCET_NOT_FUNDED_YET = "FaucetNotFundedYetError"
FAUCET_RETRY_S = 2.0


@app.command("faucet")
def faucet(
    address: Annotated[str, typer.Argument(help="address (gos1…) or key name to fund")],
    api: ApiOption = API_DEFAULT,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="wait until the transfers are in a block (so the GOS can pay fees)")
    ] = True,
    max_wait: Annotated[
        float,
        typer.Option(
            "--max-wait", min=0, help="seconds to wait for the operator's block rewards to cover a grant (new devnet)"
        ),
    ] = 120.0,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Ask a devnet node's faucet for test GOS and assets."""
    resolved = resolve_address(address, open_keyring(home, keyring), "address")
    with open_api(api) as client:
        grant = _request_grant(client, resolved, max_wait)
        for item in grant["sent"]:
            typer.echo(f"sent {item['display']} {item['display_denom']} to {resolved}")
        for note in grant["notes"]:
            typer.echo(f"note: {note}")
        for tx_hash in grant["tx_hashes"]:
            if wait:
                found = wait_until_included(client, tx_hash, 30.0)
                typer.echo(f"tx {tx_hash} included at height {found['height']} (code {found['code']})")
            else:
                typer.echo(f"tx {tx_hash} pending")


def _request_grant(client: NodeApi, address: str, max_wait_s: float) -> dict[str, Any]:
    """POST /faucet, asking again while a new devnet's block rewards do not cover a grant yet (the faucet sends
    nothing then, and the address's cooldown does not start), for up to `max_wait_s` seconds."""
    deadline = time.monotonic() + max_wait_s
    said_so = False
    while True:
        try:
            grant: dict[str, Any] = client.post("/faucet", {"address": address})
            return grant
        except ApiError as error:
            if error.error != FAUCET_NOT_FUNDED_YET or time.monotonic() + FAUCET_RETRY_S > deadline:
                raise
            if not said_so:
                typer.echo(f"waiting up to {max_wait_s:g} s for the faucet: {error.message}", err=True)
                said_so = True
            time.sleep(FAUCET_RETRY_S)
