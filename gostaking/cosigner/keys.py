"""The operator's secret: a BIP-39 recovery phrase in the seed file, from which every user's cosigner key and the
key sealing TOTP secrets derive (so the database holds no private key).

User n's cosigner key is the GOS key at m/44'/118'/n'/0/0 of the seed: a hardened account per user, so one leaked
user key reveals no other. TOTP secrets are sealed with AES-256-GCM under HKDF-SHA256(seed, "gostaking-cosigner/
totp-secrets"), bound to the wallet's address. The seed file must be dedicated to the cosigner (not a wallet's).
"""

import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gostaking.cosigner.errors import CosignerError
from gostaking.wallet.hd import MnemonicError, generate_mnemonic, gos_key, seed_from_mnemonic
from gostaking.wallet.keys import PrivateKey

SEED_FILE_MODE = 0o600


class CosignerKeys:
    """The operator's secret seed: each user's cosigner key and the key that seals TOTP secrets."""

    def __init__(self, seed: bytes) -> None:
        """Keys of the 64-byte BIP-39 seed `seed`."""
        self._seed = seed
        sealing = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"gostaking-cosigner/totp-secrets")
        self._sealer = AESGCM(sealing.derive(seed))

    def user_key(self, user_id: int) -> PrivateKey:
        """User `user_id`'s cosigner key: m/44'/118'/user_id'/0/0 of the seed."""
        return gos_key(self._seed, account=user_id, index=0)

    def seal(self, secret: str, address: str) -> bytes:
        """A TOTP secret encrypted for the database (nonce ‖ ciphertext), bound to its wallet's address."""
        nonce = secrets.token_bytes(12)
        return nonce + self._sealer.encrypt(nonce, secret.encode(), address.encode())

    def unseal(self, sealed: bytes, address: str) -> str:
        """The TOTP secret of `address`; CosignerError if the seed is not the one that sealed it."""
        try:
            return self._sealer.decrypt(sealed[:12], sealed[12:], address.encode()).decode()
        except InvalidTag:
            raise CosignerError("the seed did not seal this wallet's TOTP secret: wrong --seed-file?") from None


def write_seed_file(path: Path) -> None:
    """Write a new random mnemonic to `path` (created, mode 0600); FileExistsError if it exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SEED_FILE_MODE)
    with open(descriptor, "w") as handle:
        handle.write(generate_mnemonic(24) + "\n")


def read_seed_file(path: Path) -> bytes:
    """The seed of the mnemonic in `path`; ValueError with a one-line reason if missing or invalid."""
    try:
        text = path.read_text()
    except OSError as error:
        raise ValueError(f"cannot read the seed file {path}: {error.strerror}") from None
    try:
        return seed_from_mnemonic(text)
    except MnemonicError as error:
        raise ValueError(f"the seed file {path} does not hold a valid recovery phrase: {error}") from None
