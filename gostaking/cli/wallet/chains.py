"""`gostaking wallet` commands: balance, deposit and send on GOS, BTC and ETH."""

from gostaking.cli.wallet.app import app  # noqa: F401  (commands are declared on it)
