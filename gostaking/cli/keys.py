"""`gostaking keys add|import|list|show|export|delete`: the local keyring.

New keys are encrypted (scrypt at OWASP's parameters, AES-256-GCM) with a passphrase of at least
MIN_PASSPHRASE_LENGTH characters, or stored unencrypted with --no-passphrase. Keys written with older, cheaper
scrypt parameters are re-encrypted the next time their passphrase is used; see gostaking/wallet/keyring.py.
HD wallets (`gostaking wallet create|restore`) are keyring entries too: listed here as "HD wallet", and shown,
exported and used by `--from` as their everyday GOS key.
"""

from pathlib import Path
from typing import Annotated

import typer

from gostaking.cli.common import print_json
from gostaking.cli.errors import CliError
from gostaking.cli.options import (
    NEW_PASSPHRASE_HELP,
    HomeOption,
    JsonOption,
    KeyringOption,
    YesOption,
    load_key,
    open_keyring,
    read_new_passphrase,
    reads_passphrase,
)
from gostaking.wallet.keyring import MIN_PASSPHRASE_LENGTH, KeyInfo, Keyring
from gostaking.wallet.keys import PrivateKey

app = typer.Typer(help="Manage account keys (stored encrypted in the keyring).", no_args_is_help=True)

NameArgument = Annotated[str, typer.Argument(help="key name")]
NoPassphraseOption = Annotated[
    bool,
    typer.Option(
        "--no-passphrase",
        help="store the key UNENCRYPTED (for throwaway devnet keys only) instead of asking for a passphrase"
        f" of at least {MIN_PASSPHRASE_LENGTH} characters",
    ),
]


def _describe(info: KeyInfo) -> dict[str, object]:
    return {
        "name": info.name,
        "address": info.address,
        "public_key": info.public_key.hex(),
        "encrypted": info.encrypted,
        "hd_wallet": info.hd,
        "file": str(info.path),
    }


def ring_for_new_key(name: str, home: Path | None, keyring: Path | None) -> Keyring:
    """The keyring, once sure it holds no key `name` (checked, and the name validated, before any prompt)."""
    ring = open_keyring(home, keyring)
    if ring.path(name).exists():
        raise CliError(f"a key named {name!r} already exists in {ring.directory}")
    return ring


def _ring_once_confirmed(name: str, yes: bool, home: Path | None, keyring: Path | None, question: str) -> Keyring:
    """The keyring, once sure it holds key `name` and the user said yes to `question` (which may use {name} and
    {address}) or gave --yes."""
    ring = open_keyring(home, keyring)
    info = ring.show(name)
    if not yes:
        typer.confirm(question.format(name=repr(name), address=info.address), abort=True)
    return ring


@app.command("add")
@reads_passphrase(NEW_PASSPHRASE_HELP)
def add_key(
    name: NameArgument,
    no_passphrase: NoPassphraseOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Create a new random key."""
    ring = ring_for_new_key(name, home, keyring)
    passphrase = None if no_passphrase else read_new_passphrase()
    info = ring.add(name, PrivateKey.generate(), passphrase)
    typer.echo(f"created key {info.name!r}: {info.address}")
    typer.echo(f"  stored {'encrypted' if info.encrypted else 'UNENCRYPTED'} in {info.path}")


@app.command("import")
@reads_passphrase(NEW_PASSPHRASE_HELP)
def import_key(
    name: NameArgument,
    private_key: Annotated[
        str | None, typer.Argument(help="64 hex digits; omit to type it without echo", show_default=False)
    ] = None,
    no_passphrase: NoPassphraseOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Import an existing private key (hex)."""
    ring = ring_for_new_key(name, home, keyring)
    if private_key is None:
        private_key = str(typer.prompt("Private key (hex)", hide_input=True))
    try:
        key = PrivateKey.from_hex(private_key)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    passphrase = None if no_passphrase else read_new_passphrase()
    info = ring.add(name, key, passphrase)
    typer.echo(f"imported key {info.name!r}: {info.address}")


@app.command("list")
def list_keys(home: HomeOption = None, keyring: KeyringOption = None, as_json: JsonOption = False) -> None:
    """List the keys in the keyring."""
    ring = open_keyring(home, keyring)
    keys = ring.list()
    if as_json:
        print_json([_describe(info) for info in keys])
        return
    if not keys:
        typer.echo(f"no keys in {ring.directory} (create one with `gostaking keys add NAME`)")
        return
    width = max(len(info.name) for info in keys)
    for info in keys:
        kind = "  HD wallet (recovery phrase; `gostaking wallet show`)" if info.hd else ""
        typer.echo(f"{info.name:<{width}}  {info.address}  {'encrypted' if info.encrypted else 'unencrypted'}{kind}")


@app.command("show")
def show_key(
    name: NameArgument,
    address_only: Annotated[bool, typer.Option("--address", help="print only the address")] = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Show a key's address and public key."""
    info = open_keyring(home, keyring).show(name)
    if address_only:
        typer.echo(info.address)
    else:
        print_json(_describe(info))


@app.command("export")
@reads_passphrase()
def export_key(
    name: NameArgument,
    yes: YesOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Print a key's private key in hex (anyone who sees it controls the account)."""
    ring = _ring_once_confirmed(name, yes, home, keyring, "Print the private key of {name} in clear?")
    typer.echo(load_key(ring, name).secret.hex())


@app.command("delete")
def delete_key(
    name: NameArgument,
    yes: YesOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Delete a key file (irreversible unless you have a backup of the private key)."""
    ring = _ring_once_confirmed(name, yes, home, keyring, "Delete key {name} ({address})?")
    ring.delete(name)
    typer.echo(f"deleted key {name!r}")
