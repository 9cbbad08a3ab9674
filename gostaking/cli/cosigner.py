"""`gostaking cosigner`: the 2FA co-signing service of 2-of-3 wallets (see gostaking/cosigner)."""

import typer

app = typer.Typer(help="Run the 2FA cosigner: it co-signs a wallet's transactions after a TOTP code or passkey.")
