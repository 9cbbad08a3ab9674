"""Hashes, addresses and signature checks (secp256k1, bech32 `gos1…`).

Signatures are 65-byte recoverable ECDSA signatures (r ‖ s ‖ recovery id) over sha256 of the canonical
transaction body. The sender's public key is recovered from the signature, so transactions do not carry it.
High-s signatures are rejected so that a transaction has exactly one valid encoding (no hash malleability).

A multisig sender (k of n keys) carries its key set and exactly k member signatures over the same digest; see
`multisig_signer` and docs/multisig.md.
"""

import hashlib
from functools import lru_cache

import coincurve

from gostaking.chain.address_bech32 import decode_payload, encode_payload
from gostaking.chain.errors import InvalidAddressError, InvalidSignatureError, fail, require
from gostaking.chain.types.tx import MAX_MULTISIG_KEYS, MultisigPubKey, MultisigSignature

ADDRESS_HRP = "gos"
ADDRESS_BYTES = 20
SIGNATURE_BYTES = 65
PUBKEY_BYTES = 33
_SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_ORDER = _SECP256K1_ORDER // 2


def sha256(data: bytes) -> bytes:
    """Return the SHA-256 digest of `data`."""
    return hashlib.sha256(data).digest()


def encode_address(raw: bytes) -> str:
    """Encode 20 raw bytes as a bech32 `gos1…` address."""
    if len(raw) != ADDRESS_BYTES:
        fail(InvalidAddressError, f"address must be {ADDRESS_BYTES} bytes")
    return encode_payload(raw)


@lru_cache(maxsize=1 << 16)
def address_from_pubkey(pubkey: bytes) -> str:
    """Derive the account address of a compressed secp256k1 public key: bech32(sha256(pubkey)[:20])."""
    require(len(pubkey) == PUBKEY_BYTES, InvalidAddressError, "public key must be 33 bytes (compressed)")
    return encode_address(sha256(pubkey)[:ADDRESS_BYTES])


@lru_cache(maxsize=1 << 16)
def is_valid_address(address: str) -> bool:
    """True when `address` is a canonical (lower-case) `gos1…` bech32 address of 20 bytes."""
    return decode_payload(address) is not None


def require_address(address: str, what: str = "address") -> None:
    """Raise InvalidAddressError with a clear message unless `address` is a valid gos1… address."""
    if not is_valid_address(address):  # not `require`: the message is formatted only when it is raised
        fail(InvalidAddressError, f"{what} {address!r} is not a valid gos1… address")


def multisig_address(threshold: int, pubkeys: list[bytes]) -> str:
    """Address of a k-of-n multisig account: bech32(sha256('multisig/' ‖ k ‖ n ‖ sorted keys)[:20]).

    k and n are one byte each; the caller has checked the keys (33 bytes, distinct, ascending, n ≤ 16): see
    `require_valid_multisig_key`.
    """
    return _multisig_address(threshold, tuple(pubkeys))


@lru_cache(maxsize=1 << 12)
def _multisig_address(threshold: int, pubkeys: tuple[bytes, ...]) -> str:
    # Cached as address_from_pubkey is: a busy multisig account's every transaction would re-encode its bech32.
    preimage = b"multisig/" + bytes([threshold, len(pubkeys)]) + b"".join(pubkeys)
    return encode_address(sha256(preimage)[:ADDRESS_BYTES])


def require_valid_multisig_key(key: MultisigPubKey) -> None:
    """Raise InvalidSignatureError unless `key` names exactly one account: 1 ≤ k ≤ n ≤ MAX_MULTISIG_KEYS, every
    key a 33-byte compressed point, distinct and in ascending byte order (so one key set has one encoding)."""
    count, threshold = len(key.pubkeys), key.threshold
    require(
        1 <= count <= MAX_MULTISIG_KEYS,
        InvalidSignatureError,
        f"a multisig has 1..{MAX_MULTISIG_KEYS} keys, this one has {count}",
    )
    require(
        1 <= threshold <= count,
        InvalidSignatureError,
        f"multisig threshold {threshold} is outside 1..{count} (its number of keys)",
    )
    for index, pubkey in enumerate(key.pubkeys):
        require(
            len(pubkey) == PUBKEY_BYTES,
            InvalidSignatureError,
            f"key {index} of the multisig is {len(pubkey)} bytes, not {PUBKEY_BYTES} (compressed)",
        )
    for index in range(1, count):
        require(
            key.pubkeys[index - 1] < key.pubkeys[index],
            InvalidSignatureError,
            f"keys of the multisig must be distinct and in ascending byte order: key {index} is not above "
            f"key {index - 1}",
        )


def require_multisig_signed(message_hash: bytes, multisig: MultisigSignature, sender: str) -> None:
    """Raise InvalidSignatureError, naming the first fault, unless `threshold` members of the multisig account
    `sender` signed `message_hash`.

    The key must be well formed (require_valid_multisig_key) and make the address `sender`; there must be exactly
    `threshold` signatures, in strictly ascending key-index order, each canonical and recovering to the key at its
    index. Exactly, not at least: a signer set then has one encoding (one tx id) and nobody pays for surplus
    bytes. The cheap checks (sizes, order, address, encodings) all come before the costly recoveries.
    """
    key = multisig.pubkey
    require_valid_multisig_key(key)
    count, threshold, signatures = len(key.pubkeys), key.threshold, multisig.signatures
    address = multisig_address(threshold, key.pubkeys)
    require(
        address == sender,
        InvalidSignatureError,
        f"the multisig's keys and threshold make address {address}, not sender {sender}",
    )
    require(
        len(signatures) == threshold,
        InvalidSignatureError,
        f"{len(signatures)} signatures for a {threshold}-of-{count} multisig (exactly {threshold} are needed)",
    )
    previous = -1
    for position, member in enumerate(signatures):
        require(
            0 <= member.index < count,
            InvalidSignatureError,
            f"signature {position} names key {member.index}, but the multisig has keys 0..{count - 1}",
        )
        require(
            member.index > previous,
            InvalidSignatureError,
            f"signature {position} names key {member.index} after key {previous}: key indices must be strictly "
            "ascending (one signature per key)",
        )
        require_canonical_signature(member.signature, f"signature {position}")
        previous = member.index
    for index, pubkey in enumerate(key.pubkeys):
        require(is_valid_pubkey(pubkey), InvalidSignatureError, f"key {index} of the multisig is not a secp256k1 point")
    for position, member in enumerate(signatures):
        signer = recover_signer(message_hash, member.signature)
        require(
            signer == key.pubkeys[member.index],
            InvalidSignatureError,
            f"signature {position} is by {address_from_pubkey(signer)}, which is not key {member.index} of the "
            "multisig",
        )


@lru_cache(maxsize=1 << 12)
def is_valid_pubkey(pubkey: bytes) -> bool:
    """True when `pubkey` is a compressed secp256k1 point."""
    try:
        coincurve.PublicKey(pubkey)
    except Exception:  # coincurve raises plain ValueError/Exception for bytes that are not a point
        return False
    return True


def module_address(module_name: str) -> str:
    """Address of a module account (no private key exists for it): bech32(sha256('module/' + name)[:20])."""
    return encode_address(sha256(b"module/" + module_name.encode())[:ADDRESS_BYTES])


def consensus_address(consensus_pubkey: bytes) -> str:
    """Hex consensus address of a node key, as CometBFT derives it: sha256(pubkey)[:20] in upper-case hex."""
    return sha256(consensus_pubkey)[:ADDRESS_BYTES].hex().upper()


def require_canonical_signature(signature: bytes, what: str = "signature") -> None:
    """Raise InvalidSignatureError (naming it `what`) unless `signature` is 65 bytes, low-s, recovery id 0 or 1."""
    # `if ...: fail(...)` rather than `require`: the messages are formatted only when raised (every tx comes here).
    if len(signature) != SIGNATURE_BYTES:
        fail(InvalidSignatureError, f"{what} must be {SIGNATURE_BYTES} bytes")
    if not 0 < int.from_bytes(signature[32:64], "big") <= _HALF_ORDER:
        fail(InvalidSignatureError, f"{what} s value is not canonical (low-s)")
    if signature[64] not in (0, 1):
        fail(InvalidSignatureError, f"{what} recovery id must be 0 or 1")


def recover_signer(message_hash: bytes, signature: bytes) -> bytes:
    """Recover the compressed public key that produced `signature` over `message_hash`.

    Raises InvalidSignatureError for malformed or high-s signatures.
    """
    require_canonical_signature(signature)
    try:
        public_key = coincurve.PublicKey.from_signature_and_message(signature, message_hash, hasher=None)
    except Exception as exc:  # coincurve raises plain Exception/ValueError on bad input
        fail(InvalidSignatureError, f"signature does not recover a public key: {exc}")
    return bytes(public_key.format(compressed=True))


def is_valid_consensus_pubkey(pubkey: bytes) -> bool:
    """True for a 32-byte ed25519 public key (the key type CometBFT validators use)."""
    return isinstance(pubkey, bytes) and len(pubkey) == 32
