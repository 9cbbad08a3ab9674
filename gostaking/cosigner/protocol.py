"""What the 2FA wallet and its cosigner agree on, shared by both sides: the 2-of-3 key, the digests the user's key
signs to authenticate a request, and the wire form of a transaction body. (Combining the signatures into a
transaction is the multisig flow's: gostaking.wallet.multisig.UnsignedTx.)

Pure: no clock, no IO, so the client and the service compute the same bytes.
"""

from functools import cache
from typing import Any

import msgspec

from gostaking.chain.codec import encode
from gostaking.chain.crypto import recover_signer, require_canonical_signature, sha256
from gostaking.chain.errors import ChainError
from gostaking.chain.state import registry_of
from gostaking.chain.types.tx import MultisigPubKey, TxBody
from gostaking.wallet.multisig import MultisigError, address_of, multisig_key

TWO_FACTOR_THRESHOLD = 2
"""Any two of the three keys sign: user + cosigner every day, user + backup to leave without the cosigner."""
REQUEST_DOMAIN = b"gostaking-cosigner/v1/"
"""Prefix of every request digest, so a request signature can never be a transaction signature (those sign
sha256 of a JSON body, which starts with '{')."""


class ProtocolError(ValueError):
    """A request or answer does not follow the protocol; the message says what is wrong, in one line."""


def two_factor_key(user_pubkey: bytes, backup_pubkey: bytes, cosigner_pubkey: bytes) -> MultisigPubKey:
    """The 2-of-3 key of a 2FA wallet: the three compressed keys in ascending byte order (the chain's rule)."""
    keys = [user_pubkey, backup_pubkey, cosigner_pubkey]
    if len(set(keys)) != 3:
        raise ProtocolError("the user, backup and cosigner keys must be three different keys")
    try:
        return multisig_key(TWO_FACTOR_THRESHOLD, keys)
    except MultisigError as error:
        raise ProtocolError(str(error)) from None


def two_factor_address(key: MultisigPubKey) -> str:
    """The gos1… address of the 2-of-3 account."""
    return address_of(key)


def request_digest(action: str, subject: str, payload: bytes = b"") -> bytes:
    """The digest a user key signs to authenticate a request: sha256(domain ‖ action ‖ 0 ‖ subject ‖ 0 ‖ payload).

    `subject` is the wallet's address (or, at enrolment, the hex of the two user keys); `payload` the request's
    canonical content (e.g. the policy's JSON), so a signature authorises exactly one request.
    """
    return sha256(REQUEST_DOMAIN + action.encode() + b"\0" + subject.encode() + b"\0" + payload)


def enrolment_subject(user_pubkey: bytes, backup_pubkey: bytes) -> str:
    """The subject of an enrolment request: the two user keys in hex (no address exists yet)."""
    return f"{user_pubkey.hex()}:{backup_pubkey.hex()}"


def signer_of(digest: bytes, signature: bytes) -> bytes:
    """The compressed public key that signed `digest`, or ProtocolError if the signature is malformed."""
    try:
        require_canonical_signature(signature)
        return recover_signer(digest, signature)
    except ChainError as error:
        raise ProtocolError(f"the signature is invalid: {error}") from None


def encode_body(body: TxBody) -> bytes:
    """The canonical wire bytes of a transaction body (what `codec.sign_bytes` hashes)."""
    return encode(body)


@cache
def _body_decoder() -> msgspec.json.Decoder[Any]:
    """JSON decoder of a body whose messages are those of the chain's module registry (every module's, as
    `codec.decode_tx` decodes them), not only the launch messages of the static TxBody."""
    wire_body = next(
        field.type for field in msgspec.structs.fields(registry_of(None).tx_wire_type) if field.name == "body"
    )
    return msgspec.json.Decoder(wire_body)


def decode_body(raw: bytes) -> TxBody:
    """A transaction body from its canonical bytes; ProtocolError if malformed or not canonical (one body, one
    encoding, so the digest the user signed is the one the cosigner checks)."""
    try:
        wire = _body_decoder().decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise ProtocolError(f"the transaction body is malformed: {error}") from None
    body = TxBody(wire.chain_id, wire.sender, wire.sequence, wire.fee, wire.msgs, wire.memo)
    if encode(body) != raw:
        raise ProtocolError("the transaction body is not canonically encoded")
    return body
