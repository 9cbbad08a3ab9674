"""A keyring of account keys: one JSON file per key in a directory that only its owner can open.

Encryption. A passphrase-protected key is sealed with AES-256-GCM under a 256-bit key that scrypt derives from
the passphrase and a random 16-byte salt; the account address is the associated data, so a ciphertext cannot be
relabelled as another key. New keys use scrypt N=2^17, r=8, p=1 (128 MiB and about a quarter of a second per
derivation): the minimum of the OWASP Password Storage Cheat Sheet ("use scrypt with a minimum CPU/memory cost
parameter of (2^17), a minimum block size of 8 (1024 bytes), and a parallelization parameter of 1",
https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html). A new encrypted key needs a
passphrase of at least MIN_PASSPHRASE_LENGTH characters. Keys can also be stored unencrypted, which is meant for
throwaway devnet keys only.

File format, version 1 (the only one so far; every file names its version and `_read` refuses others):
    {"version": 1, "name", "address", "public_key": hex,
     "crypto": null, "private_key": hex                                     (unencrypted)
     "crypto": {"kdf": "scrypt", "n", "r", "p", "salt": hex,
                "cipher": "aes-256-gcm", "nonce": hex, "ciphertext": hex}}  (encrypted)
An HD wallet (`add_wallet`) is an entry of the same format with "kind": "hd-wallet"; its secret is the BIP-39
recovery phrase and optional BIP-39 passphrase, {"mnemonic", "bip39_passphrase"}: the JSON of that object is what
the ciphertext seals (associated data "hd-wallet:" + address, so it cannot pass for a single key's), or it is
stored as "wallet": {...} when unencrypted. "address" and "public_key" are those of the wallet's everyday GOS key
(`hd.gos_key(seed)`, m/44'/118'/0'/0/0), which `load` returns, so every `--from NAME` command works with a wallet;
`load_seed` returns the seed the wallet commands derive BTC, ETH and other GOS keys from. Single-key files have no
"kind" and are read and written exactly as before; a release without HD wallets lists a wallet by its GOS address
and refuses to open it (a ciphertext of the wrong length), and a file of an unknown "kind" is refused here.
The scrypt parameters are read from each file, so files written before the OWASP parameters (N=2^15) still open,
and older gostaking releases read the files written now. Upgrade: when `load` opens a key whose parameters are
weaker than the keyring's, it re-encrypts it with the current parameters (new salt and nonce), checks that the
new file opens to the same key, and replaces the file atomically (`write_atomic`: the old file or the new one,
never a torn one; skipped if the file changed meanwhile). A failed upgrade is reported and the key still loads.
A change of layout would bump the version and add a `_convert_version_N` step here.

Permissions. The directory is created with mode 0700 and each key file with mode 0600 (set explicitly, whatever
the umask). A key file or directory that group or others may access still works, but each one read gives a
one-line warning naming it and the chmod that fixes it (through `Keyring.report`, stderr by default).

Location: `--keyring DIR` if given, else `<home>/keys` where home is `--home`, $GOSTAKING_HOME or ~/.gostaking.
"""

import json
import os
import re
import secrets
import shlex
import stat
import sys
from collections.abc import Callable
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
HD_WALLET_KIND = "hd-wallet"
KEY_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_PASSPHRASE_LENGTH = 10
DIRECTORY_MODE = 0o700
KEY_FILE_MODE = 0o600
MAX_SCRYPT_MEMORY = 2**30  # 1 GiB: a key file asking for more is refused rather than allowed to exhaust memory


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


class WeakPassphraseError(KeyringError):
    """A passphrase for a new key is empty or shorter than MIN_PASSPHRASE_LENGTH."""


class KeyFileError(KeyringError):
    """A key file is unreadable or malformed."""


class NotAWalletError(KeyringError):
    """A seed was asked of a single-key entry: only an HD wallet has one."""


@dataclass(frozen=True)
class ScryptParams:
    """scrypt's cost parameters: N (CPU and memory), r (block size), p (parallelism). Defaults: OWASP's minimum."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    @property
    def memory_bytes(self) -> int:
        """What one derivation allocates (128·N·r bytes)."""
        return 128 * self.n * self.r

    def problem(self) -> str | None:
        """Why these parameters cannot be used (None if they can)."""
        if not (self.n >= 2 and self.n & (self.n - 1) == 0 and self.r >= 1 and 1 <= self.p <= 16):
            return "N must be a power of 2 and at least 2, r at least 1, p from 1 to 16"
        if self.memory_bytes > MAX_SCRYPT_MEMORY:
            return f"they need {self.memory_bytes >> 20} MiB, more than {MAX_SCRYPT_MEMORY >> 20} MiB"
        return None

    def weaker_than(self, other: "ScryptParams") -> bool:
        """True if a derivation with these costs less memory or less work than with `other`."""
        return self.n * self.r < other.n * other.r or self.n * self.r * self.p < other.n * other.r * other.p

    def derive(self, passphrase: str, salt: bytes) -> bytes:
        """The 256-bit AES key of `passphrase` and `salt`."""
        return Scrypt(salt=salt, length=32, n=self.n, r=self.r, p=self.p).derive(passphrase.encode())

    def describe(self) -> str:
        """E.g. 'scrypt N=2^17, r=8, p=1'."""
        n = f"2^{self.n.bit_length() - 1}" if self.n > 0 and self.n & (self.n - 1) == 0 else str(self.n)
        return f"scrypt N={n}, r={self.r}, p={self.p}"


OWASP_SCRYPT = ScryptParams()


@dataclass(frozen=True)
class KeyInfo:
    """The public part of a stored key."""

    name: str
    address: str
    public_key: bytes
    encrypted: bool
    path: Path
    hd: bool = False
    """True for an HD wallet (a recovery phrase; `address` and `public_key` are its everyday GOS key's)."""


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


def check_new_passphrase(passphrase: str) -> None:
    """Raise WeakPassphraseError unless `passphrase` may encrypt a new key (MIN_PASSPHRASE_LENGTH characters)."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise WeakPassphraseError(
            f"the passphrase must have at least {MIN_PASSPHRASE_LENGTH} characters"
            " (use --no-passphrase for an unencrypted throwaway key)"
        )


def _print_to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


@dataclass(frozen=True)
class WalletSecret:
    """What an HD wallet file keeps secret: its recovery phrase and the optional BIP-39 passphrase."""

    mnemonic: str
    bip39_passphrase: str = ""

    def seed(self) -> bytes:
        """The 64-byte BIP-39 seed."""
        from gostaking.wallet.hd import seed_from_mnemonic  # see _everyday_key

        return seed_from_mnemonic(self.mnemonic, self.bip39_passphrase)

    def to_json(self) -> dict[str, str]:
        return {"mnemonic": self.mnemonic, "bip39_passphrase": self.bip39_passphrase}

    @classmethod
    def from_json(cls, value: Any) -> "WalletSecret":
        """The secret stored as `to_json` wrote it (TypeError/KeyError/MnemonicError if it is not)."""
        if not isinstance(value, dict) or not all(
            isinstance(value[field], str) for field in ("mnemonic", "bip39_passphrase")
        ):
            raise TypeError("'wallet' must hold the strings 'mnemonic' and 'bip39_passphrase'")
        from gostaking.wallet.hd import normalize_mnemonic  # see _everyday_key

        return cls(normalize_mnemonic(value["mnemonic"]), value["bip39_passphrase"])


@dataclass(frozen=True)
class _Opened:
    """A decrypted keyring entry: its GOS key and, for an HD wallet, its secret and seed."""

    key: PrivateKey
    wallet: WalletSecret | None
    seed: bytes | None


def _label(info: KeyInfo) -> str:
    """How messages name an entry: "key 'alice'" or "wallet 'savings'"."""
    return f"{'wallet' if info.hd else 'key'} {info.name!r}"


def _associated_data(address: str, hd: bool) -> bytes:
    """AES-GCM's associated data: the address, so a ciphertext cannot be relabelled as another entry's, and for a
    wallet the kind too, so a wallet's ciphertext cannot be passed off as a single key's (or the reverse)."""
    return f"{HD_WALLET_KIND}:{address}".encode() if hd else address.encode()


def _seal(key: PrivateKey, passphrase: str, params: ScryptParams) -> dict[str, Any]:
    """The `crypto` object of a key file: `key` encrypted under `passphrase` with `params`."""
    return _seal_bytes(key.secret, _associated_data(key.address, False), passphrase, params)


def _seal_wallet(wallet: WalletSecret, address: str, passphrase: str, params: ScryptParams) -> dict[str, Any]:
    """The `crypto` object of a wallet file: `wallet`'s secret (JSON) encrypted under `passphrase` with `params`."""
    return _seal_bytes(_wallet_plaintext(wallet), _associated_data(address, True), passphrase, params)


def _wallet_plaintext(wallet: WalletSecret) -> bytes:
    return json.dumps(wallet.to_json()).encode()


def _seal_bytes(plaintext: bytes, associated: bytes, passphrase: str, params: ScryptParams) -> dict[str, Any]:
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(params.derive(passphrase, salt)).encrypt(nonce, plaintext, associated)
    return {
        "kdf": "scrypt",
        "n": params.n,
        "r": params.r,
        "p": params.p,
        "salt": salt.hex(),
        "cipher": "aes-256-gcm",
        "nonce": nonce.hex(),
        "ciphertext": sealed.hex(),
    }


def _scrypt_params(crypto: dict[str, Any], path: Path) -> ScryptParams:
    """The scrypt parameters recorded in a file's `crypto` object (KeyFileError if unusable)."""
    if crypto.get("kdf") != "scrypt" or crypto.get("cipher") != "aes-256-gcm":
        raise KeyFileError(f"key file {path} uses {crypto.get('kdf')!r}/{crypto.get('cipher')!r}, not scrypt/AES-GCM")
    values = (crypto["n"], crypto["r"], crypto["p"])
    if not all(type(value) is int for value in values):
        raise KeyFileError(f"key file {path} is malformed: scrypt parameters must be integers")
    params = ScryptParams(*values)
    problem = params.problem()
    if problem is not None:
        raise KeyFileError(f"key file {path} has unusable scrypt parameters ({params.describe()}): {problem}")
    return params


def _unseal(crypto: dict[str, Any], passphrase: str, info: KeyInfo) -> bytes:
    """The plaintext sealed in `crypto` (WrongPassphraseError if the passphrase, or the address, does not fit)."""
    params = _scrypt_params(crypto, info.path)
    salt, nonce, ciphertext = (bytes.fromhex(crypto[field]) for field in ("salt", "nonce", "ciphertext"))
    # A single key is 32 bytes, a wallet's secret some JSON; both are followed by GCM's 16-byte tag.
    ciphertext_fits = len(ciphertext) > 16 if info.hd else len(ciphertext) == 32 + 16
    if len(salt) < 16 or len(nonce) != 12 or not ciphertext_fits:
        raise KeyFileError(f"key file {info.path} is damaged: its salt, nonce or ciphertext has the wrong length")
    try:
        return AESGCM(params.derive(passphrase, salt)).decrypt(
            nonce, ciphertext, _associated_data(info.address, info.hd)
        )
    except InvalidTag:
        raise WrongPassphraseError(f"wrong passphrase for {_label(info)}") from None


class Keyring:
    """Key files in one directory."""

    def __init__(
        self,
        directory: str | Path,
        *,
        kdf: ScryptParams = OWASP_SCRYPT,
        report: Callable[[str], None] = _print_to_stderr,
    ) -> None:
        """A keyring over `directory` (created with mode 0700 on first write).

        `kdf`: scrypt parameters for new keys, and the level older keys are upgraded to when loaded (tests pass
        cheaper ones). `report`: where the one-line permission warnings and upgrade notes go (stderr by default).
        """
        problem = kdf.problem()
        if problem is not None:
            raise ValueError(f"unusable scrypt parameters ({kdf.describe()}): {problem}")
        self.directory = Path(directory)
        self.kdf = kdf
        self.report = report
        self._checked: set[Path] = set()  # files and the directory already checked for loose permissions

    def path(self, name: str) -> Path:
        """File of the key `name`."""
        check_key_name(name)
        return self.directory / f"{name}.json"

    def add(self, name: str, key: PrivateKey, passphrase: str | None) -> KeyInfo:
        """Store `key` under `name`, encrypted with `passphrase` (None stores it unencrypted).

        Raises KeyExistsError if the name is taken (an existing file is never overwritten), WeakPassphraseError
        for a passphrase shorter than MIN_PASSPHRASE_LENGTH.
        """
        path = self._new_path(name, passphrase)
        if passphrase is None:
            return self._store(path, key, {"crypto": None, "private_key": key.secret.hex()})
        return self._store(path, key, {"crypto": _seal(key, passphrase, self.kdf)})

    def add_wallet(self, name: str, mnemonic: str, passphrase: str | None, bip39_passphrase: str = "") -> KeyInfo:
        """Store an HD wallet under `name`: the recovery phrase `mnemonic` and its optional BIP-39 passphrase (the
        "25th word", part of the seed), encrypted with the keyring `passphrase` (None stores them unencrypted).

        The file records the address and public key of the wallet's everyday GOS key (`gos_key(seed)`), which is
        what `load` returns. Raises MnemonicError for an invalid phrase, and as `add` does otherwise.
        """
        path = self._new_path(name, passphrase)
        from gostaking.wallet.hd import normalize_mnemonic  # see _everyday_key

        secret = WalletSecret(normalize_mnemonic(mnemonic), bip39_passphrase)
        key = _everyday_key(secret.seed())
        if passphrase is None:
            return self._store(path, key, {"crypto": None, "wallet": secret.to_json()}, kind=HD_WALLET_KIND)
        crypto = _seal_wallet(secret, key.address, passphrase, self.kdf)
        return self._store(path, key, {"crypto": crypto}, kind=HD_WALLET_KIND)

    def list(self) -> list[KeyInfo]:
        """Every key and wallet in the keyring, by name. Unreadable files are skipped."""
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
        """Public information of the key or wallet `name`."""
        path = self.path(name)
        return self._info(name, self._read(name, path)[0], path)

    def load(self, name: str, passphrase: str | None) -> PrivateKey:
        """Decrypt and return the private key `name` (for an HD wallet, its everyday GOS key `gos_key(seed)`),
        upgrading its file to the keyring's scrypt parameters if they are weaker (see the module docstring).

        Raises KeyNotFoundError, PassphraseRequiredError, WrongPassphraseError or KeyFileError.
        """
        return self._open(name, passphrase, wallet_only=False).key

    def load_seed(self, name: str, passphrase: str | None) -> bytes:
        """The 64-byte BIP-39 seed of the HD wallet `name` (NotAWalletError for a single key), otherwise as `load`."""
        seed = self._open(name, passphrase, wallet_only=True).seed
        assert seed is not None  # wallet_only: _open returned a wallet or raised
        return seed

    def load_wallet(self, name: str, passphrase: str | None) -> WalletSecret:
        """The recovery phrase and BIP-39 passphrase of the HD wallet `name` (for a backup), as `load_seed`."""
        wallet = self._open(name, passphrase, wallet_only=True).wallet
        assert wallet is not None
        return wallet

    def delete(self, name: str) -> None:
        """Remove the key `name` (KeyNotFoundError if absent)."""
        path = self.path(name)
        try:
            path.unlink()
        except FileNotFoundError:
            raise KeyNotFoundError(f"no key named {name!r} in {self.directory}") from None

    def _store(self, path: Path, key: PrivateKey, secret: dict[str, Any], *, kind: str | None = None) -> KeyInfo:
        """Write a new entry's file: its GOS key's public part, `secret` (the crypto object, or the clear secret)
        and for a wallet its `kind`. Single-key files keep the exact layout they always had."""
        document: dict[str, Any] = {
            "version": KEY_FILE_VERSION,
            **({} if kind is None else {"kind": kind}),
            "name": path.stem,
            "address": key.address,
            "public_key": key.public_key.hex(),
            **secret,
        }
        self._write(path, _encode(document), new=True)
        return self._info(path.stem, document, path)

    def _new_path(self, name: str, passphrase: str | None) -> Path:
        """The file for a new entry `name`, once sure it is free and `passphrase` (if any) is long enough."""
        path = self.path(name)
        if path.exists():
            raise KeyExistsError(f"a key named {name!r} already exists in {self.directory}")
        if passphrase is not None:
            check_new_passphrase(passphrase)
        return path

    def _open(self, name: str, passphrase: str | None, *, wallet_only: bool) -> _Opened:
        """Decrypt the entry `name` and check it against its recorded address and public key; upgrade its
        encryption if weaker than the keyring's. With `wallet_only`, a single key is refused before decryption."""
        path = self.path(name)
        document, raw = self._read(name, path)
        info = self._info(name, document, path)
        if wallet_only and not info.hd:
            raise NotAWalletError(f"{name!r} is a single key, not an HD wallet")
        wallet = seed = None
        try:
            crypto = document["crypto"]
            if crypto is None:
                plaintext = None
                if info.hd:
                    wallet = WalletSecret.from_json(document["wallet"])
                else:
                    key = PrivateKey.from_hex(document["private_key"])
            else:
                if passphrase is None:
                    raise PassphraseRequiredError(f"{_label(info)} is encrypted: a passphrase is required")
                plaintext = _unseal(crypto, passphrase, info)
                if info.hd:
                    wallet = WalletSecret.from_json(json.loads(plaintext))
                else:
                    key = PrivateKey.from_hex(plaintext.hex())
            if wallet is not None:
                seed = wallet.seed()
                key = _everyday_key(seed)
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyFileError(f"key file {path} is malformed: {exc}") from exc
        if key.address != info.address:
            raise KeyFileError(f"key file {path} holds a key for {key.address}, not {info.address}")
        if key.public_key != info.public_key:
            raise KeyFileError(f"key file {path} records a public key that is not its key's")
        if plaintext is not None and passphrase is not None and _scrypt_params(crypto, path).weaker_than(self.kdf):
            self._upgrade(info, raw, document, _Opened(key, wallet, seed), passphrase)
        return _Opened(key, wallet, seed)

    def _upgrade(self, info: KeyInfo, raw: bytes, document: dict[str, Any], opened: _Opened, passphrase: str) -> None:
        """Re-encrypt entry `info` with the keyring's scrypt parameters, replacing its file atomically once the new
        content is known to open to the same secret, and only if the file still holds `raw`."""
        path = info.path
        old = _scrypt_params(document["crypto"], path)
        if opened.wallet is None:
            crypto, plaintext = _seal(opened.key, passphrase, self.kdf), opened.key.secret
        else:
            crypto = _seal_wallet(opened.wallet, info.address, passphrase, self.kdf)
            plaintext = _wallet_plaintext(opened.wallet)
        upgraded = {**document, "crypto": crypto}
        failure = f"warning: could not re-encrypt key file {path} with {self.kdf.describe()}"
        if _unseal(upgraded["crypto"], passphrase, info) != plaintext:
            self.report(f"{failure}: the new encryption did not open to the same key (file unchanged)")
            return
        try:
            if path.read_bytes() != raw:
                return  # changed (or re-encrypted) by someone else meanwhile: leave it to them
            self._write(path, _encode(upgraded), new=False)
        except OSError as exc:
            self.report(f"{failure}: {exc.strerror} (the key is unaffected)")
            return
        self.report(f"note: {_label(info)} re-encrypted with {self.kdf.describe()} (was {old.describe()}) in {path}")

    def _read(self, name: str, path: Path) -> tuple[dict[str, Any], bytes]:
        """A key file's document and its bytes; warns once about loose permissions on it or its directory."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise KeyNotFoundError(f"no key named {name!r} in {self.directory}") from None
        except OSError as exc:
            raise KeyFileError(f"cannot read key file {path}: {exc.strerror}") from exc
        self._warn_if_loose(self.directory, "keyring directory", DIRECTORY_MODE)
        self._warn_if_loose(path, "key file", KEY_FILE_MODE)
        try:
            document = json.loads(raw)
        except ValueError as exc:
            raise KeyFileError(f"key file {path} is not valid JSON (damaged or truncated?)") from exc
        if not isinstance(document, dict):
            raise KeyFileError(f"key file {path} has an unknown format")
        version = document.get("version")
        if version != KEY_FILE_VERSION:
            if type(version) is int and version > KEY_FILE_VERSION:
                raise KeyFileError(
                    f"key file {path} has format version {version}, newer than this gostaking reads"
                    f" ({KEY_FILE_VERSION}): upgrade gostaking"
                )
            raise KeyFileError(f"key file {path} has an unknown format")
        if document.get("kind", HD_WALLET_KIND) != HD_WALLET_KIND:
            raise KeyFileError(
                f"key file {path} holds a {document['kind']!r}, which this gostaking does not know: upgrade gostaking"
            )
        return document, raw

    def _info(self, name: str, document: dict[str, Any], path: Path) -> KeyInfo:
        try:
            crypto = document["crypto"]
            if crypto is not None and not isinstance(crypto, dict):
                raise TypeError("'crypto' must be an object or null")
            return KeyInfo(
                name=name,
                address=str(document["address"]),
                public_key=bytes.fromhex(document["public_key"]),
                encrypted=crypto is not None,
                path=path,
                hd=document.get("kind") == HD_WALLET_KIND,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyFileError(f"key file {path} is malformed: {exc}") from exc

    def _warn_if_loose(self, path: Path, what: str, wanted: int) -> None:
        """Report once if group or others have any permission on `path`."""
        if path in self._checked:
            return
        self._checked.add(path)
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            return
        if mode & 0o077:
            self.report(
                f"warning: {what} {path} is accessible to other users (mode {mode:04o}):"
                f" run `chmod {wanted:o} {shlex.quote(str(path))}`"
            )

    def _write(self, path: Path, content: bytes, *, new: bool) -> None:
        """Write `content` to `path` atomically with mode 0600 (no partial file ever). With `new`, fail with
        KeyExistsError if `path` exists; otherwise replace it. Creates the directory with mode 0700."""
        if not self.directory.is_dir():
            self.directory.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
            os.chmod(self.directory, DIRECTORY_MODE)  # mkdir's mode is cut by the umask: set it exactly
            self._checked.add(self.directory)
        else:
            self._warn_if_loose(self.directory, "keyring directory", DIRECTORY_MODE)
        try:
            write_atomic(path, content, mode=KEY_FILE_MODE, exclusive=new)
        except FileExistsError:
            raise KeyExistsError(f"a key named {path.stem!r} already exists in {self.directory}") from None
        os.chmod(path, KEY_FILE_MODE)  # as above; the umask can only have removed bits, so it was never looser


def _encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2).encode() + b"\n"


def _everyday_key(seed: bytes) -> PrivateKey:
    """A wallet's everyday GOS key (`hd.gos_key(seed)`, m/44'/118'/0'/0/0): the key `load` returns."""
    # The wallet module is imported on first use: bip-utils takes about 0.1 s to load, and node and API processes
    # that only read single keys (the devnet's operator, the faucet) never need it.
    from gostaking.wallet.hd import EVERYDAY_ACCOUNT, gos_key

    return gos_key(seed, EVERYDAY_ACCOUNT, 0)
