"""The JSON files a keyring directory keeps beside its keys: multisig and 2FA wallet descriptors
(`<keyring>/<folder>/<name>.json`) and multisig transaction files.

Each is one document that names its `kind` and `version`. Multisig accounts (wallet/multisig.py) and 2FA wallets
(wallet/cosigner_client.py) store and read them the one way written here, so that a descriptor is never overwritten,
its folder is as private as the keyring, and a missing, unreadable, foreign or newer file gets the same kind of
one-line error whichever wallet reads it.
"""

import json
from pathlib import Path
from typing import Any

from gostaking.files import write_atomic
from gostaking.wallet.keyring import check_key_name


def json_file_bytes(document: dict[str, Any]) -> bytes:
    """`document` as these files hold it: indented JSON and a final newline."""
    return json.dumps(document, indent=2).encode() + b"\n"


def read_versioned_json(
    path: Path,
    kind: str,
    version: int,
    error: type[Exception],
    *,
    missing: str,
    unreadable: str,
    other_kind: str,
) -> dict[str, Any]:
    """The JSON document of `kind` and `version` at `path`. Raises `error` with `missing` or `other_kind` as the
    message when the file is absent or of another kind, `unreadable` followed by the reason when it is not JSON,
    and a message naming both versions when it is of another version."""
    try:
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise error(missing) from None
    except (OSError, ValueError) as exc:
        raise error(f"{unreadable}: {exc}") from None
    if not isinstance(document, dict) or document.get("kind") != kind:
        raise error(other_kind)
    if document.get("version") != version:
        raise error(f"{path} has version {document.get('version')!r}; this release reads version {version}")
    return document


class DescriptorFolder:
    """The descriptors of one kind in a keyring directory: `<keyring_directory>/<folder>/<name>.json`."""

    def __init__(self, keyring_directory: Path, folder: str) -> None:
        """Descriptors under `<keyring_directory>/<folder>/`."""
        self.directory = Path(keyring_directory) / folder

    def path(self, name: str) -> Path:
        """The descriptor file of `name` (a valid key name, else the keyring's error)."""
        check_key_name(name)
        return self.directory / f"{name}.json"

    def create(self, name: str, document: dict[str, Any]) -> None:
        """Store the new descriptor `name`; FileExistsError if there is one (a descriptor is never overwritten)."""
        # Mode 0700 like the keyring's own, should this create it (the umask can only narrow it).
        self.directory.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.directory.mkdir(mode=0o700, exist_ok=True)
        write_atomic(self.path(name), json_file_bytes(document), mode=0o644, exclusive=True)
