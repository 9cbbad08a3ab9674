"""Hashes, addresses and signature checks (secp256k1, bech32 `gos1…`).

Signatures are 65-byte recoverable ECDSA signatures (r ‖ s ‖ recovery id) over sha256 of the canonical
transaction body. The sender's public key is recovered from the signature, so transactions do not carry it.
High-s signatures are rejected so that a transaction has exactly one valid encoding (no hash malleability).
"""

import hashlib
from functools import lru_cache

import bech32
import coincurve

from gostaking.chain.errors import InvalidAddressError, InvalidSignatureError, fail, require

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
    require(len(raw) == ADDRESS_BYTES, InvalidAddressError, f"address must be {ADDRESS_BYTES} bytes")
    words = bech32.convertbits(raw, 8, 5)
    if words is None:
        fail(InvalidAddressError, "address bytes do not convert to bech32 words")
    return str(bech32.bech32_encode(ADDRESS_HRP, words))


@lru_cache(maxsize=1 << 16)
def address_from_pubkey(pubkey: bytes) -> str:
    """Derive the account address of a compressed secp256k1 public key: bech32(sha256(pubkey)[:20])."""
    require(len(pubkey) == PUBKEY_BYTES, InvalidAddressError, "public key must be 33 bytes (compressed)")
    return encode_address(sha256(pubkey)[:ADDRESS_BYTES])


@lru_cache(maxsize=1 << 16)
def is_valid_address(address: str) -> bool:
    """True when `address` is a canonical (lower-case) `gos1…` bech32 address of 20 bytes."""
    if not isinstance(address, str) or address != address.lower():
        return False
    hrp, words = bech32.bech32_decode(address)
    if hrp != ADDRESS_HRP or words is None:
        return False
    raw = bech32.convertbits(words, 5, 8, False)
    return raw is not None and len(raw) == ADDRESS_BYTES


def require_address(address: str, what: str = "address") -> None:
    """Raise InvalidAddressError with a clear message unless `address` is a valid gos1… address."""
    require(is_valid_address(address), InvalidAddressError, f"{what} {address!r} is not a valid gos1… address")


def multisig_address(threshold: int, pubkeys: list[bytes]) -> str:
    """Address of a k-of-n multisig account: bech32(sha256('multisig/' ‖ k ‖ n ‖ sorted keys)[:20]).

    k and n are one byte each; the caller has checked the keys (33 bytes, distinct, ascending, n ≤ 16).
    """
    preimage = b"multisig/" + bytes([threshold, len(pubkeys)]) + b"".join(pubkeys)
    return encode_address(sha256(preimage)[:ADDRESS_BYTES])


def module_address(module_name: str) -> str:
    """Address of a module account (no private key exists for it): bech32(sha256('module/' + name)[:20])."""
    return encode_address(sha256(b"module/" + module_name.encode())[:ADDRESS_BYTES])


def consensus_address(consensus_pubkey: bytes) -> str:
    """Hex consensus address of a node key, as CometBFT derives it: sha256(pubkey)[:20] in upper-case hex."""
    return sha256(consensus_pubkey)[:ADDRESS_BYTES].hex().upper()


def recover_signer(message_hash: bytes, signature: bytes) -> bytes:
    """Recover the compressed public key that produced `signature` over `message_hash`.

    Raises InvalidSignatureError for malformed or high-s signatures.
    """
    require(len(signature) == SIGNATURE_BYTES, InvalidSignatureError, "signature must be 65 bytes")
    s = int.from_bytes(signature[32:64], "big")
    require(0 < s <= _HALF_ORDER, InvalidSignatureError, "signature s value is not canonical (low-s)")
    require(signature[64] in (0, 1), InvalidSignatureError, "signature recovery id must be 0 or 1")
    try:
        public_key = coincurve.PublicKey.from_signature_and_message(signature, message_hash, hasher=None)
    except Exception as exc:  # coincurve raises plain Exception/ValueError on bad input
        fail(InvalidSignatureError, f"signature does not recover a public key: {exc}")
    return bytes(public_key.format(compressed=True))


def is_valid_consensus_pubkey(pubkey: bytes) -> bool:
    """True for a 32-byte ed25519 public key (the key type CometBFT validators use)."""
    return isinstance(pubkey, bytes) and len(pubkey) == 32
