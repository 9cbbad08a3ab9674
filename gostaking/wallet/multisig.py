"""Multisig accounts for clients: the k-of-n key, its descriptor in the keyring, and the offline signing flow.

A multisig account needs no registration on chain: its address is derived from its threshold and sorted keys
(crypto.multisig_address), funds sent there are spendable once `threshold` members sign. The flow:

    unsigned = UnsignedTx(body, key)          `tx … --generate-only` (the body with sequence and fee)
    unsigned = add_signature(unsigned, key)   each member, `wallet sign`, on their own copy or in turn
    complete = combine([a, b, …])             `wallet combine`: the signatures of every copy, checked
    complete.wire_bytes()                     `tx broadcast`: exactly `threshold` signatures, as the chain wants

Descriptor file (public data only), `<keyring>/multisig/<name>.json`, version 1:
    {"version": 1, "kind": "gostaking-multisig", "name", "address", "threshold", "pubkeys": [hex, …]}
The address is recomputed when read, so an edited file is refused rather than trusted.

Transaction file (unsigned or partially signed), version 1 (docs/multisig.md has an example):
    {"version": 1, "kind": "gostaking-multisig-tx",
     "body": {the TxBody exactly as it is on the wire: canonical field order, bytes in base64},
     "multisig": {"threshold": k, "pubkeys": [hex, …]},
     "signatures": [{"index": i, "signature": hex}, …]}          (ascending index, each checked when read)
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import msgspec

from gostaking.chain.codec import decode_tx, encode, encode_tx, sign_bytes
from gostaking.chain.crypto import (
    address_from_pubkey,
    is_valid_pubkey,
    multisig_address,
    recover_signer,
    require_valid_multisig_key,
)
from gostaking.chain.errors import ChainError
from gostaking.chain.types.tx import KeySignature, MultisigPubKey, MultisigSignature, Tx, TxBody
from gostaking.files import write_atomic
from gostaking.wallet.descriptors import DescriptorFolder, json_file_bytes, read_versioned_json
from gostaking.wallet.keys import PrivateKey

DESCRIPTOR_VERSION = 1
DESCRIPTOR_KIND = "gostaking-multisig"
TX_FILE_VERSION = 1
TX_FILE_KIND = "gostaking-multisig-tx"
DIRECTORY_NAME = "multisig"
"""Descriptors live in this subdirectory of the keyring, apart from the key files the keyring lists."""


class MultisigError(Exception):
    """Bad multisig input: the message is one line a person can act on."""


def multisig_key(threshold: int, pubkeys: Sequence[bytes]) -> MultisigPubKey:
    """The k-of-n key of `pubkeys` (any order: they are sorted, as the address requires), checked as the chain
    checks it, every key a secp256k1 point."""
    ordered = sorted(pubkeys)
    for first, second in pairwise(ordered):
        if first == second:
            raise MultisigError(f"public key {first.hex()} is given twice: a multisig needs distinct keys")
    key = MultisigPubKey(threshold, ordered)
    try:
        require_valid_multisig_key(key)
    except ChainError as error:
        raise MultisigError(str(error)) from None
    for pubkey in ordered:
        if not is_valid_pubkey(pubkey):
            raise MultisigError(f"{pubkey.hex()} is not a compressed secp256k1 public key")
    return key


def parse_pubkey(text: str) -> bytes:
    """A 33-byte compressed public key written as 66 hex digits (as `gostaking keys show` prints it)."""
    try:
        pubkey = bytes.fromhex(text.strip())
    except ValueError:
        pubkey = b""
    if len(pubkey) != 33 or not is_valid_pubkey(pubkey):
        raise MultisigError(f"{text!r} is not a public key: expected 66 hex digits of a compressed secp256k1 key")
    return pubkey


def address_of(key: MultisigPubKey) -> str:
    """The gos1… address of a multisig key."""
    return multisig_address(key.threshold, key.pubkeys)


def describe_key(key: MultisigPubKey) -> str:
    """E.g. '2-of-3 multisig gos1…'."""
    return f"{key.threshold}-of-{len(key.pubkeys)} multisig {address_of(key)}"


@dataclass(frozen=True)
class MultisigAccount:
    """A named multisig account kept in the keyring directory (public keys only)."""

    name: str
    key: MultisigPubKey

    @property
    def address(self) -> str:
        return address_of(self.key)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": DESCRIPTOR_VERSION,
            "kind": DESCRIPTOR_KIND,
            "name": self.name,
            "address": self.address,
            "threshold": self.key.threshold,
            "pubkeys": [pubkey.hex() for pubkey in self.key.pubkeys],
        }


class MultisigStore(DescriptorFolder):
    """The multisig descriptors of one keyring directory."""

    def __init__(self, keyring_directory: Path) -> None:
        """Descriptors under `<keyring_directory>/multisig/`."""
        super().__init__(keyring_directory, DIRECTORY_NAME)

    def add(self, name: str, key: MultisigPubKey) -> MultisigAccount:
        """Store a new descriptor; MultisigError if the name is taken (a descriptor is never overwritten)."""
        account = MultisigAccount(name, key)
        try:
            self.create(name, account.to_json())
        except FileExistsError:
            raise MultisigError(f"a multisig named {name!r} already exists in {self.directory}") from None
        return account

    def show(self, name: str) -> MultisigAccount:
        """The descriptor `name`; MultisigError if missing or damaged."""
        path = self.path(name)
        document = _read_document(
            path,
            DESCRIPTOR_KIND,
            DESCRIPTOR_VERSION,
            missing=f"no multisig named {name!r} in {self.directory}",
            other_kind=f"{path} is not a multisig descriptor",
        )
        return _account_from_json(document, path)

    def list(self) -> list[MultisigAccount]:
        """Every readable descriptor, by name."""
        if not self.directory.is_dir():
            return []
        accounts = []
        for path in sorted(self.directory.glob("*.json")):
            try:
                accounts.append(self.show(path.stem))
            except (MultisigError, ValueError):
                continue
        return accounts

    def find(self, name_or_address: str) -> MultisigAccount:
        """The descriptor named `name_or_address`, or the one with that gos1… address."""
        if not name_or_address.startswith("gos1"):
            return self.show(name_or_address)
        for account in self.list():
            if account.address == name_or_address:
                return account
        raise MultisigError(
            f"no multisig with address {name_or_address} in {self.directory}: add it with "
            "`gostaking wallet multisig create`"
        )


def _read_document(path: Path, kind: str, version: int, *, missing: str, other_kind: str) -> dict[str, Any]:
    """The JSON document of `kind` and `version` at `path` (descriptors and transaction files alike); MultisigError
    with `missing` or `other_kind` as the message when absent or not such a file."""
    return read_versioned_json(
        path,
        kind,
        version,
        MultisigError,
        missing=missing,
        unreadable=f"cannot read {path} as JSON",
        other_kind=other_kind,
    )


def _account_from_json(document: dict[str, Any], path: Path) -> MultisigAccount:
    key = _key_from_json(document, path)
    account = MultisigAccount(str(document.get("name")), key)
    if document.get("address") != account.address:
        raise MultisigError(f"{path} records address {document.get('address')}, but its keys make {account.address}")
    return account


def _key_from_json(document: dict[str, Any], where: Path | str) -> MultisigPubKey:
    threshold, pubkeys = document.get("threshold"), document.get("pubkeys")
    if not isinstance(threshold, int) or not isinstance(pubkeys, list) or not all(isinstance(k, str) for k in pubkeys):
        raise MultisigError(f"{where}: the multisig needs an integer threshold and a list of hex public keys")
    key = multisig_key(threshold, [parse_pubkey(text) for text in pubkeys])
    if key.pubkeys != [bytes.fromhex(text) for text in pubkeys]:
        raise MultisigError(f"{where}: the multisig's public keys are not in ascending order")
    return key


@dataclass(frozen=True)
class UnsignedTx:
    """A multisig account's transaction body and the member signatures collected so far (each checked)."""

    body: TxBody
    key: MultisigPubKey
    signatures: dict[int, bytes] = field(default_factory=dict)
    """Key index → 65-byte signature over sign_bytes(body)."""

    def __post_init__(self) -> None:
        if self.body.sender != address_of(self.key):
            raise MultisigError(
                f"the transaction's sender {self.body.sender} is not the {describe_key(self.key)} it carries"
            )
        digest = sign_bytes(self.body)
        for index, signature in self.signatures.items():
            if not 0 <= index < len(self.key.pubkeys):
                raise MultisigError(
                    f"a signature names key {index}; the multisig has keys 0..{len(self.key.pubkeys) - 1}"
                )
            if _signer(digest, signature) != self.key.pubkeys[index]:
                raise MultisigError(f"the signature of key {index} is not by that key over this transaction")

    @property
    def missing(self) -> int:
        """How many more signatures the chain needs."""
        return max(0, self.key.threshold - len(self.signatures))

    def wire_bytes(self) -> bytes:
        """The transaction as the chain takes it: the first `threshold` signatures by index. MultisigError while
        fewer are collected."""
        if self.missing:
            raise MultisigError(
                f"{len(self.signatures)} of the {self.key.threshold} signatures a {describe_key(self.key)} needs: "
                f"{self.missing} more to collect"
            )
        chosen = sorted(self.signatures.items())[: self.key.threshold]
        multisig = MultisigSignature(self.key, [KeySignature(index, signature) for index, signature in chosen])
        return encode_tx(Tx(body=self.body, signature=b"", multisig=multisig))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": TX_FILE_VERSION,
            "kind": TX_FILE_KIND,
            "body": json.loads(encode(self.body)),
            "multisig": {"threshold": self.key.threshold, "pubkeys": [k.hex() for k in self.key.pubkeys]},
            "signatures": [
                {"index": index, "signature": signature.hex()} for index, signature in sorted(self.signatures.items())
            ],
        }


def _signer(digest: bytes, signature: bytes) -> bytes | None:
    try:
        return recover_signer(digest, signature)
    except ChainError:
        return None


def member_index(unsigned: "UnsignedTx", pubkey: bytes) -> int:
    """The index of `pubkey` in the transaction's multisig; MultisigError for a key outside it or one that has
    already signed."""
    address = address_from_pubkey(pubkey)
    if pubkey not in unsigned.key.pubkeys:
        raise MultisigError(f"key {address} is not one of the keys of {describe_key(unsigned.key)}")
    index = unsigned.key.pubkeys.index(pubkey)
    if index in unsigned.signatures:
        raise MultisigError(f"key {address} (key {index} of the multisig) has already signed this transaction")
    return index


def add_signature(unsigned: UnsignedTx, key: PrivateKey) -> UnsignedTx:
    """`unsigned` with `key`'s signature added; MultisigError for a key outside the multisig or one that signed."""
    index = member_index(unsigned, key.public_key)
    signature = key.sign_digest(sign_bytes(unsigned.body))
    return replace(unsigned, signatures={**unsigned.signatures, index: signature})


def combine(parts: Sequence[tuple[str, UnsignedTx]]) -> UnsignedTx:
    """The signatures of every (label, part) in one transaction, which must then be complete.

    Refused (MultisigError): parts for a different body or multisig, a key's signature in two parts, and fewer
    than `threshold` signatures in all. Each part's signatures were checked when it was read.
    """
    if not parts:
        raise MultisigError("nothing to combine: give the signed transaction files")
    first_label, first = parts[0]
    signatures: dict[int, tuple[str, bytes]] = {}
    for label, part in parts:
        if part.key != first.key:
            raise MultisigError(f"{label} is for {describe_key(part.key)}, {first_label} for {describe_key(first.key)}")
        if encode(part.body) != encode(first.body):
            raise MultisigError(f"{label} and {first_label} are different transactions (their bodies differ)")
        for index, signature in part.signatures.items():
            if index in signatures:
                raise MultisigError(
                    f"key {index} ({address_from_pubkey(first.key.pubkeys[index])}) signed in both "
                    f"{signatures[index][0]} and {label}: give each signature once"
                )
            signatures[index] = (label, signature)
    combined = replace(first, signatures={index: signature for index, (_, signature) in signatures.items()})
    combined.wire_bytes()  # refuses fewer than threshold signatures, with the count
    return combined


def read_tx_file(path: Path) -> UnsignedTx:
    """A transaction file (unsigned, partly or fully signed); MultisigError, naming the file, if it is not one."""
    document = _read_document(
        path,
        TX_FILE_KIND,
        TX_FILE_VERSION,
        missing=f"no such file: {path}",
        other_kind=f"{path} is not a multisig transaction file (made by `tx … --generate-only`)",
    )
    multisig = document.get("multisig")
    if not isinstance(multisig, dict):
        raise MultisigError(f"{path} carries no multisig key")
    key = _key_from_json(multisig, path)
    try:
        # The body goes through the chain's own decoder (and its canonical-encoding check), as a node would read it.
        body = decode_tx(msgspec.json.encode({"body": document.get("body"), "signature": ""})).body
    except ChainError as error:
        raise MultisigError(f"{path}: the transaction body is not valid: {error}") from None
    signatures: dict[int, bytes] = {}
    entries = document.get("signatures", [])
    for entry in entries if isinstance(entries, list) else [None]:
        index, signature = _signature_entry(entry, path)
        if index in signatures:
            raise MultisigError(f"{path} holds two signatures of key {index}")
        signatures[index] = signature
    return UnsignedTx(body, key, signatures)


def _signature_entry(entry: Any, path: Path) -> tuple[int, bytes]:
    try:
        index, signature = entry["index"], bytes.fromhex(entry["signature"])
    except (TypeError, KeyError, ValueError):
        raise MultisigError(f"{path}: each signature must be {{'index': N, 'signature': HEX}}") from None
    if not isinstance(index, int):
        raise MultisigError(f"{path}: a signature's index must be an integer")
    return index, signature


def write_tx_file(path: Path, unsigned: UnsignedTx) -> None:
    """Write (or replace) a transaction file atomically."""
    write_atomic(path, json_file_bytes(unsigned.to_json()), mode=0o644)
