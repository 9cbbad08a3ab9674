"""`gostaking wallet` commands: 2FA wallets co-signed by a cosigner service."""

from gostaking.cli.wallet.app import app  # noqa: F401  (commands are declared on it)
