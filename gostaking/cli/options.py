"""Options shared by several commands, and reading keys and passphrases."""

import os
from pathlib import Path
from typing import Annotated

import typer

from gostaking.cli.client import DEFAULT_API_URL
from gostaking.wallet.keyring import Keyring, default_keyring_dir
from gostaking.wallet.keys import PrivateKey

PASSPHRASE_ENV = "GOSTAKING_PASSPHRASE"

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="GoStaking home; keys are in <home>/keys [default: $GOSTAKING_HOME or ~/.gostaking]"),
]
KeyringOption = Annotated[Path | None, typer.Option("--keyring", help="keyring directory (overrides --home)")]
ApiOption = Annotated[str, typer.Option("--api", envvar="GOSTAKING_API", help="node API URL")]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
API_DEFAULT = DEFAULT_API_URL


def open_keyring(home: Path | None, keyring: Path | None) -> Keyring:
    """The keyring chosen by --keyring, --home, $GOSTAKING_HOME or the default."""
    return Keyring(default_keyring_dir(home, keyring))


def read_new_passphrase() -> str:
    """A passphrase for a new key: $GOSTAKING_PASSPHRASE, or asked twice without echo."""
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env is not None:
        return from_env
    passphrase: str = typer.prompt(
        "Passphrase to encrypt the key", hide_input=True, confirmation_prompt="Repeat the passphrase"
    )
    return passphrase


def load_key(keyring: Keyring, name: str) -> PrivateKey:
    """Decrypt a key, asking for its passphrase (or reading $GOSTAKING_PASSPHRASE) only if it is encrypted."""
    info = keyring.show(name)
    if not info.encrypted:
        return keyring.load(name, None)
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if passphrase is None:
        passphrase = typer.prompt(f"Passphrase for key {name!r}", hide_input=True)
    return keyring.load(name, passphrase)
