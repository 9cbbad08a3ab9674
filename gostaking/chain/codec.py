"""Canonical encoding of transactions (msgpack via msgspec) and their hashes."""

from typing import Any

import msgspec

from gostaking.chain.crypto import sha256
from gostaking.chain.errors import DecodeError, fail
from gostaking.chain.types.tx import Tx, TxBody

_encoder = msgspec.msgpack.Encoder()
_tx_decoder = msgspec.msgpack.Decoder(Tx)
_body_decoder = msgspec.msgpack.Decoder(TxBody)


def encode(value: Any) -> bytes:
    """Canonical msgpack bytes of a struct (field order fixed by the type, no maps with free order)."""
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
        # msgpack allows several encodings of one value; accepting only the canonical one keeps tx hashes unique.
        fail(DecodeError, "transaction is not canonically encoded")
    return tx


def sign_bytes(body: TxBody) -> bytes:
    """The 32-byte digest a sender signs: sha256 of the canonical body encoding."""
    return sha256(_encoder.encode(body))


def tx_hash(raw: bytes) -> bytes:
    """Transaction id: sha256 of the wire bytes (unique because signatures are canonical low-s)."""
    return sha256(raw)
