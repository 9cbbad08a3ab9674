"""`gostaking wallet` commands: create, restore, show, addresses, export-xpub (HD wallet)."""

from gostaking.cli.wallet.app import app  # noqa: F401  (commands are declared on it)
