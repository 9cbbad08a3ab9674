"""`gostaking wallet`: importing the package registers every wallet command on `app`."""

from gostaking.cli.wallet import chains, hd, multisig, twofactor  # noqa: F401  (each module registers commands)
from gostaking.cli.wallet.app import app

__all__ = ["app"]
