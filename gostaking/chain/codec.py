"""Canonical encoding of transactions and their hashes.

Transactions are compact JSON written by msgspec (fields in declared order, no whitespace, bytes as base64).
JSON rather than msgpack because amounts of 18-decimal assets (wei) exceed 64 bits. Only the canonical
encoding of a transaction is accepted, so a transaction has exactly one id.
"""

from typing import Any

import msgspec

from gostaking.chain.crypto import sha256
from gostaking.chain.errors import DecodeError, fail
from gostaking.chain.types.tx import Tx, TxBody

_encoder = msgspec.json.Encoder()
_tx_decoder = msgspec.json.Decoder(Tx)


def encode(value: Any) -> bytes:
    """Canonical JSON bytes of a struct (field order fixed by the type, no whitespace)."""
    return _encoder.encode(value)


def encode_tx(tx: Tx) -> bytes:
    """Wire bytes of a signed transaction."""
    return _encoder.encode(tx)


def decode_tx(raw: bytes) -> Tx:
    """Parse wire bytes into a Tx, raising DecodeError with the reason when malformed."""
    try:
        tx = _tx_decoder.decode(raw)
    except msgspec.DecodeError as exc:
        fail(DecodeError, f"malformed transaction: {exc}")
    if _encoder.encode(tx) != raw:
        # JSON allows several spellings of one value (spaces, escapes); only the canonical one keeps ids unique.
        fail(DecodeError, "transaction is not canonically encoded")
    return tx


def sign_bytes(body: TxBody) -> bytes:
    """The 32-byte digest a sender signs: sha256 of the canonical body encoding."""
    return sha256(_encoder.encode(body))


def tx_hash(raw: bytes) -> bytes:
    """Transaction id: sha256 of the wire bytes (unique because signatures are canonical low-s)."""
    return sha256(raw)
