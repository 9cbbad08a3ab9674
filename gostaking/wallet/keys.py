"""secp256k1 private keys and transaction signing for clients (CLI, tests, benchmarks)."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import coincurve

from gostaking.chain.codec import encode_tx, sign_bytes
from gostaking.chain.crypto import address_from_pubkey
from gostaking.chain.types.tx import Tx, TxBody, TxMsg


@dataclass(frozen=True)
class PrivateKey:
    """An account key. `secret` is the 32-byte scalar."""

    secret: bytes

    @classmethod
    def generate(cls) -> "PrivateKey":
        """A new random key from the OS CSPRNG."""
        while True:
            secret = secrets.token_bytes(32)
            if _valid(secret):
                return cls(secret)

    @classmethod
    def from_hex(cls, text: str) -> "PrivateKey":
        """Parse a 64-hex-digit key, raising ValueError with a clear message."""
        try:
            secret = bytes.fromhex(text.strip())
        except ValueError as exc:
            raise ValueError("private key must be 64 hexadecimal digits") from exc
        if len(secret) != 32 or not _valid(secret):
            raise ValueError("private key must be a valid 32-byte secp256k1 scalar")
        return cls(secret)

    @property
    def public_key(self) -> bytes:
        """Compressed 33-byte public key."""
        return bytes(coincurve.PrivateKey(self.secret).public_key.format(compressed=True))

    @property
    def address(self) -> str:
        """The gos1… account address."""
        return address_from_pubkey(self.public_key)

    def sign_digest(self, digest: bytes) -> bytes:
        """65-byte recoverable signature (r ‖ s ‖ v), low-s as the chain requires."""
        return bytes(coincurve.PrivateKey(self.secret).sign_recoverable(digest, hasher=None))


def _valid(secret: bytes) -> bool:
    try:
        coincurve.PrivateKey(secret)
    except Exception:  # coincurve rejects zero and scalars ≥ the group order
        return False
    return True


def sign_tx(key: PrivateKey, chain_id: str, sequence: int, msgs: Sequence[TxMsg], fee: int, memo: str = "") -> bytes:
    """Build and sign a transaction of any registered messages (a later module's too); returns its wire bytes."""
    # TxBody's annotation names the launch modules' messages (its static decoder's); any TxMsg encodes the same way.
    messages: list[Any] = list(msgs)
    body = TxBody(chain_id=chain_id, sender=key.address, sequence=sequence, fee=fee, msgs=messages, memo=memo)
    return encode_tx(Tx(body=body, signature=key.sign_digest(sign_bytes(body))))
