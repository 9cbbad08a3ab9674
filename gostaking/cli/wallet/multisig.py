"""`gostaking wallet` commands: multisig accounts, sign and combine."""

from gostaking.cli.wallet.app import app  # noqa: F401  (commands are declared on it)
