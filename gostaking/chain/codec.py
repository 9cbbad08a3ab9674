"""Canonical encoding of transactions and their hashes.

Transactions are compact JSON written by msgspec (fields in declared order, no whitespace, bytes as base64).
JSON rather than msgpack because amounts of 18-decimal assets (wei) exceed 64 bits. Only the canonical
encoding of a transaction is accepted, so a transaction has exactly one id. Which messages a transaction may
carry is the registry's business: it decodes straight into the registered message types.
"""

from typing import TYPE_CHECKING, Any

import msgspec

from gostaking.chain.crypto import sha256
from gostaking.chain.errors import DecodeError, fail
from gostaking.chain.types.tx import Tx, TxBody

if TYPE_CHECKING:
    from gostaking.chain.module import Registry

_encoder = msgspec.json.Encoder()


def encode(value: Any) -> bytes:
    """Canonical JSON bytes of a struct (field order fixed by the type, no whitespace)."""
    return _encoder.encode(value)


def encode_tx(tx: Tx) -> bytes:
    """Wire bytes of a signed transaction."""
    return _encoder.encode(tx)


def decode_tx(raw: bytes, registry: "Registry | None" = None) -> Tx:
    """Parse wire bytes into a Tx whose messages are `registry`'s (the app's by default), raising DecodeError
    with the reason when malformed."""
    if registry is None:
        from gostaking.chain.state import registry_of  # here: the module list imports the whole chain

        registry = registry_of(None)
    try:
        wire = registry.tx_decoder.decode(raw)
    except msgspec.DecodeError as exc:
        fail(DecodeError, f"malformed transaction: {exc}")
    body = wire.body
    tx = Tx(
        body=TxBody(body.chain_id, body.sender, body.sequence, body.fee, body.msgs, body.memo),
        signature=wire.signature,
        multisig=wire.multisig,
    )
    if _encoder.encode(tx) != raw:
        # JSON allows several spellings of one value (spaces, escapes, an explicit "multisig":null); only the
        # canonical one keeps ids unique.
        fail(DecodeError, "transaction is not canonically encoded")
    return tx


def sign_bytes(body: TxBody) -> bytes:
    """The 32-byte digest a sender signs: sha256 of the canonical body encoding."""
    return sha256(_encoder.encode(body))


def tx_hash(raw: bytes) -> bytes:
    """Transaction id: sha256 of the wire bytes (unique because signatures are canonical low-s)."""
    return sha256(raw)
