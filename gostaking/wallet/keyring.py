"""A keyring of account keys: one JSON file per key in a directory, readable only by its owner (mode 0600).

Keys are encrypted with a passphrase: scrypt derives a 256-bit key from it, and AES-256-GCM seals the
private key with the account address as associated data (so a ciphertext cannot be relabelled as another
key). Keys can also be stored unencrypted, which is meant for throwaway devnet keys only.

Location: `--keyring DIR` if given, else `<home>/keys` where home is `--home`, $GOSTAKING_HOME or ~/.gostaking.
"""

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from gostaking.files import write_atomic
from gostaking.wallet.keys import PrivateKey

HOME_ENV = "GOSTAKING_HOME"
KEY_FILE_VERSION = 1
KEY_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SCRYPT_N = 2**15  # ~100 ms and 32 MiB per derivation: slows guessing, still quick for a person
SCRYPT_R = 8
SCRYPT_P = 1


class KeyringError(Exception):
    """Base of keyring errors; messages are meant for the user as they are."""


class InvalidKeyNameError(KeyringError):
    """A key name is empty, too long or has characters outside letters, digits, '_', '.', '-'."""


class KeyNotFoundError(KeyringError):
    """No key of that name is in the keyring."""


class KeyExistsError(KeyringError):
    """A key of that name is already in the keyring."""


class WrongPassphraseError(KeyringError):
    """The passphrase does not decrypt the key."""


class PassphraseRequiredError(KeyringError):
    """The key is encrypted and no passphrase was given."""


class KeyFileError(KeyringError):
    """A key file is unreadable or malformed."""


@dataclass(frozen=True)
class KeyInfo:
    """The public part of a stored key."""

    name: str
    address: str
    public_key: bytes
    encrypted: bool
    path: Path


def gostaking_home(home: str | Path | None = None) -> Path:
    """The GoStaking home directory: `home` if given, else $GOSTAKING_HOME, else ~/.gostaking."""
    if home is not None:
        return Path(home).expanduser()
    env = os.environ.get(HOME_ENV)
    return Path(env).expanduser() if env else Path.home() / ".gostaking"


def default_keyring_dir(home: str | Path | None = None, keyring: str | Path | None = None) -> Path:
    """The keyring directory: `keyring` if given, else `<home>/keys` (see gostaking_home)."""
    if keyring is not None:
        return Path(keyring).expanduser()
    return gostaking_home(home) / "keys"


def check_key_name(name: str) -> None:
    """Raise InvalidKeyNameError unless `name` can name a key file safely."""
    if not KEY_NAME_PATTERN.match(name):
        raise InvalidKeyNameError(
            f"invalid key name {name!r}: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


class Keyring:
    """Key files in one directory."""

    def __init__(self, directory: str | Path) -> None:
        """A keyring over `directory` (created with mode 0700 on first write)."""
        self.directory = Path(directory)

    def path(self, name: str) -> Path:
        """File of the key `name`."""
        check_key_name(name)
        return self.directory / f"{name}.json"

    def add(self, name: str, key: PrivateKey, passphrase: str | None) -> KeyInfo:
        """Store `key` under `name`, encrypted with `passphrase` (None stores it unencrypted).

        Raises KeyExistsError if the name is taken; an existing file is never overwritten.
        """
        path = self.path(name)
        if path.exists():
            raise KeyExistsError(f"a key named {name!r} already exists in {self.directory}")
        if passphrase is not None and not passphrase:
            raise KeyringError("passphrase must not be empty (use --no-passphrase for an unencrypted key)")
        document: dict[str, Any] = {
            "version": KEY_FILE_VERSION,
            "name": name,
            "address": key.address,
            "public_key": key.public_key.hex(),
        }
        if passphrase is None:
            document["crypto"] = None
            document["private_key"] = key.secret.hex()
        else:
            salt = secrets.token_bytes(16)
            nonce = secrets.token_bytes(12)
            sealed = AESGCM(_derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)).encrypt(
                nonce, key.secret, key.address.encode()
            )
            document["crypto"] = {
                "kdf": "scrypt",
                "n": SCRYPT_N,
                "r": SCRYPT_R,
                "p": SCRYPT_P,
                "salt": salt.hex(),
                "cipher": "aes-256-gcm",
                "nonce": nonce.hex(),
                "ciphertext": sealed.hex(),
            }
        self._write_new(path, json.dumps(document, indent=2).encode() + b"\n")
        return self._info(name, document, path)

    def list(self) -> list[KeyInfo]:
        """Every key in the keyring, by name. Unreadable files are skipped."""
        if not self.directory.is_dir():
            return []
        out = []
        for path in sorted(self.directory.glob("*.json")):
            name = path.stem
            if not KEY_NAME_PATTERN.match(name):
                continue
            try:
                out.append(self.show(name))
            except KeyringError:
                continue
        return out

    def show(self, name: str) -> KeyInfo:
        """Public information of the key `name`."""
        path = self.path(name)
        return self._info(name, self._read(name, path), path)

    def load(self, name: str, passphrase: str | None) -> PrivateKey:
        """Decrypt and return the private key `name`.

        Raises KeyNotFoundError, PassphraseRequiredError, WrongPassphraseError or KeyFileError.
        """
        path = self.path(name)
        document = self._read(name, path)
        info = self._info(name, document, path)
        try:
            crypto = document["crypto"]
            if crypto is None:
                key = PrivateKey.from_hex(document["private_key"])
            else:
                if passphrase is None:
                    raise PassphraseRequiredError(f"key {name!r} is encrypted: a passphrase is required")
                derived = _derive(passphrase, bytes.fromhex(crypto["salt"]), crypto["n"], crypto["r"], crypto["p"])
                try:
                    secret = AESGCM(derived).decrypt(
                        bytes.fromhex(crypto["nonce"]), bytes.fromhex(crypto["ciphertext"]), info.address.encode()
                    )
                except InvalidTag:
                    raise WrongPassphraseError(f"wrong passphrase for key {name!r}") from None
                key = PrivateKey.from_hex(secret.hex())
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyFileError(f"key file {path} is malformed: {exc}") from exc
        if key.address != info.address:
            raise KeyFileError(f"key file {path} holds a key for {key.address}, not {info.address}")
        return key

    def delete(self, name: str) -> None:
        """Remove the key `name` (KeyNotFoundError if absent)."""
        path = self.path(name)
        try:
            path.unlink()
        except FileNotFoundError:
            raise KeyNotFoundError(f"no key named {name!r} in {self.directory}") from None

    def _read(self, name: str, path: Path) -> dict[str, Any]:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise KeyNotFoundError(f"no key named {name!r} in {self.directory}") from None
        except OSError as exc:
            raise KeyFileError(f"cannot read key file {path}: {exc.strerror}") from exc
        try:
            document = json.loads(raw)
        except ValueError as exc:
            raise KeyFileError(f"key file {path} is not valid JSON") from exc
        if not isinstance(document, dict) or document.get("version") != KEY_FILE_VERSION:
            raise KeyFileError(f"key file {path} has an unknown format")
        return document

    def _info(self, name: str, document: dict[str, Any], path: Path) -> KeyInfo:
        try:
            return KeyInfo(
                name=name,
                address=str(document["address"]),
                public_key=bytes.fromhex(document["public_key"]),
                encrypted=document["crypto"] is not None,
                path=path,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyFileError(f"key file {path} is malformed: {exc}") from exc

    def _write_new(self, path: Path, content: bytes) -> None:
        """Write `content` to `path` atomically, failing if `path` exists (no overwrite, no partial file)."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            write_atomic(path, content, mode=0o600, exclusive=True)
        except FileExistsError:
            raise KeyExistsError(f"a key named {path.stem!r} already exists in {self.directory}") from None
