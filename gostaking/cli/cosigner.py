"""`gostaking cosigner`: the 2FA co-signing service of 2-of-3 wallets (see gostaking/cosigner, docs/cosigner.md)."""

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from gostaking.cli.errors import CliError
from gostaking.cosigner.keys import CosignerKeys, read_seed_file, write_seed_file

app = typer.Typer(help="Run the 2FA cosigner: it co-signs a wallet's transactions after a TOTP code or passkey.")

SeedFileOption = Annotated[
    Path, typer.Option("--seed-file", help="the cosigner's secret recovery phrase (its keys derive from it)")
]


@app.command("init")
def init(seed_file: SeedFileOption) -> None:
    """Write a new random recovery phrase to --seed-file (mode 0600; an existing file is never replaced). Back it
    up offline: without it the cosigner cannot sign, and users must recover with their backup keys."""
    try:
        write_seed_file(seed_file)
    except FileExistsError:
        raise CliError(f"{seed_file} exists: the cosigner's seed is never replaced") from None
    except OSError as error:
        raise CliError(f"cannot write {seed_file}: {error.strerror}") from None
    typer.echo(f"wrote a new cosigner seed to {seed_file}; back it up offline")


@app.command("serve")
def serve(
    seed_file: SeedFileOption,
    db: Annotated[str, typer.Option("--db", help="database URL: sqlite:///path/cosigner.db or postgresql+psycopg://…")],
    host: Annotated[str, typer.Option("--host", help="listen address")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="listen port")] = 8650,
    rp_id: Annotated[
        str, typer.Option("--rp-id", help="passkey relying party: the host name users open (not an IP address)")
    ] = "localhost",
    origin: Annotated[
        str | None, typer.Option("--origin", help="the exact origin of the pages \\[default: http://<rp-id>:<port>]")
    ] = None,
    chain_id: Annotated[
        str | None, typer.Option("--chain-id", help="co-sign only transactions of this chain \\[default: any]")
    ] = None,
    issuer: Annotated[str, typer.Option("--issuer", help="name shown in authenticator apps")] = "GoStaking",
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin",
            help="an origin whose pages may call the API and run passkey ceremonies (the browser wallet's, e.g. "
            "http://localhost:26657; repeat) \\[default: none]",
        ),
    ] = None,
) -> None:
    """Serve the cosigner's API and its passkey pages until interrupted."""
    # The server's stack (FastAPI, SQLAlchemy, WebAuthn, uvicorn) is imported here, not with the module: every other
    # `gostaking` command would otherwise load it at start-up (about 0.4 s each).
    import uvicorn

    from gostaking.cosigner.app import create_app
    from gostaking.cosigner.passkeys import RelyingParty
    from gostaking.cosigner.service import CosignerService, CosignerSettings
    from gostaking.cosigner.store import StoreError, open_store

    app_origins = tuple(_origin(text) for text in cors_origin or [])
    try:
        seed = read_seed_file(seed_file)
    except ValueError as error:
        raise CliError(str(error)) from None
    try:
        sessions = open_store(db)
    except StoreError as error:
        raise CliError(str(error)) from None
    party = RelyingParty(rp_id=rp_id, name=issuer, origin=origin or f"http://{rp_id}:{port}", app_origins=app_origins)
    service = CosignerService(sessions, CosignerKeys(seed), CosignerSettings(party, issuer, chain_id))
    typer.echo(f"cosigner on http://{host}:{port} (passkeys for {', '.join(party.expected_origins)})", err=True)
    uvicorn.run(create_app(service, app_origins), host=host, port=port, log_level="warning")


def _origin(text: str) -> str:
    """An origin as browsers write it (scheme://host[:port], no path or trailing slash), or CliError."""
    parsed = urlsplit(text)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.path or parsed.query or parsed.fragment:
        raise CliError(f"--cors-origin {text!r} is not an origin like https://wallet.example or http://localhost:8080")
    return f"{parsed.scheme}://{parsed.netloc.lower()}"
