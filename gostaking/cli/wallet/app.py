"""The `gostaking wallet` command group; each file of this package declares its commands on `app`."""

import typer

app = typer.Typer(
    help="Your wallet: one recovery phrase for GOS, BTC and ETH, multisig accounts and 2FA.",
    no_args_is_help=True,
)
