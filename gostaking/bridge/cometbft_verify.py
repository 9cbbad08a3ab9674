"""The checks of a CometBFT (v0.38) light client, as pure functions over parsed headers, commits and validator
sets: CometBFT's `light/verifier.go` (`Verify`: adjacent and skipping verification) and `types/validation.go`
(`VerifyCommitLight`, `VerifyCommitLightTrusting` at the default trust level 1/3), plus the parsing of CometBFT's
RPC JSON. The encodings they hash and sign are in cometbft_encoding.py; the client that fetches, bisects and keeps
the trusted header is cometbft_light.py.
"""

import base64
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gostaking.bridge.cometbft_encoding import (
    BLOCK_ID_FLAG_COMMIT,
    BlockId,
    Header,
    PartSetHeader,
    Timestamp,
    ed25519_address,
    precommit_sign_bytes,
    validator_set_hash,
)
from gostaking.bridge.errors import StateVerificationError

BLOCK_PROTOCOL = 11
"""CometBFT v0.38's block protocol version (`version.BlockProtocol`)."""
_ED25519 = "tendermint/PubKeyEd25519"


class HeaderVerificationError(StateVerificationError):
    """A header, its commit or its validator set fails a check: the CometBFT RPC (or the network) lies."""


class NotEnoughTrustError(HeaderVerificationError):
    """Too little of the trusted validators' power signed a later header to accept it directly (bisect)."""


@dataclass(frozen=True)
class Validator:
    """A validator: ed25519 public key and voting power."""

    public_key: bytes
    power: int

    @property
    def address(self) -> bytes:
        """Its consensus address."""
        return ed25519_address(self.public_key)


@dataclass(frozen=True)
class CommitSig:
    """One validator's entry in a commit."""

    flag: int
    address: bytes
    timestamp: Timestamp
    signature: bytes


@dataclass(frozen=True)
class Commit:
    """The precommits that committed a block."""

    height: int
    round: int
    block_id: BlockId
    signatures: tuple[CommitSig, ...]


@dataclass(frozen=True)
class SignedHeader:
    """A header and the commit that signs it."""

    header: Header
    commit: Commit


@dataclass(frozen=True)
class LightBlock:
    """A signed header and the validator set of its height."""

    signed_header: SignedHeader
    validators: tuple[Validator, ...]

    @property
    def height(self) -> int:
        """The header's height."""
        return self.signed_header.header.height


class TrustedHeader(msgspec.Struct, frozen=True):
    """A verified header as the client keeps it (hex hashes): what later headers are verified from."""

    height: int
    hash: str
    time_ns: int
    app_hash: str
    last_block_hash: str
    next_validators_hash: str
    validators: list[tuple[str, int]]
    """The validator set of this height: (ed25519 public key hex, power), in the set's order."""

    @classmethod
    def of(cls, block: LightBlock) -> "TrustedHeader":
        """The trusted form of a verified light block."""
        header = block.signed_header.header
        return cls(
            height=header.height,
            hash=header.hash().hex(),
            time_ns=header.time.unix_ns,
            app_hash=header.app_hash.hex(),
            last_block_hash=header.last_block_id.hash.hex(),
            next_validators_hash=header.next_validators_hash.hex(),
            validators=[(v.public_key.hex(), v.power) for v in block.validators],
        )

    def validator_set(self) -> tuple[Validator, ...]:
        """Its validators as Validator values."""
        return tuple(Validator(bytes.fromhex(key), power) for key, power in self.validators)


# --- parsing CometBFT's JSON -------------------------------------------------------------------------------------


def parse_time(text: str) -> Timestamp:
    """An RFC 3339 UTC time with up to nanoseconds ('2024-05-01T12:00:00.123456789Z')."""
    if not text.endswith("Z"):
        raise ValueError(f"not a UTC time: {text!r}")
    whole, _, fraction = text[:-1].partition(".")
    moment = datetime.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.UTC)
    if fraction and not (fraction.isdecimal() and len(fraction) <= 9):
        raise ValueError(f"bad fraction of a second in {text!r}")
    seconds = (moment - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)) // datetime.timedelta(seconds=1)
    return Timestamp(seconds, int(fraction.ljust(9, "0")) if fraction else 0)


def _hex(value: Any) -> bytes:
    return bytes.fromhex(str(value))


def _block_id(document: Any) -> BlockId:
    parts = document["parts"]
    return BlockId(_hex(document["hash"]), PartSetHeader(int(parts["total"]), _hex(parts["hash"])))


def parse_header(document: Any) -> Header:
    """A header from CometBFT's JSON."""
    version = document["version"]
    return Header(
        version_block=int(version["block"]),
        version_app=int(version.get("app") or 0),
        chain_id=str(document["chain_id"]),
        height=int(document["height"]),
        time=parse_time(str(document["time"])),
        last_block_id=_block_id(document["last_block_id"]),
        last_commit_hash=_hex(document["last_commit_hash"]),
        data_hash=_hex(document["data_hash"]),
        validators_hash=_hex(document["validators_hash"]),
        next_validators_hash=_hex(document["next_validators_hash"]),
        consensus_hash=_hex(document["consensus_hash"]),
        app_hash=_hex(document["app_hash"]),
        last_results_hash=_hex(document["last_results_hash"]),
        evidence_hash=_hex(document["evidence_hash"]),
        proposer_address=_hex(document["proposer_address"]),
    )


def parse_signed_header(document: Any) -> SignedHeader:
    """A signed header from the `signed_header` of CometBFT's /commit answer."""
    commit = document["commit"]
    signatures = tuple(
        CommitSig(
            flag=int(sig["block_id_flag"]),
            address=_hex(sig.get("validator_address") or ""),
            timestamp=parse_time(str(sig["timestamp"])),
            signature=base64.b64decode(sig.get("signature") or "", validate=True),
        )
        for sig in commit["signatures"]
    )
    return SignedHeader(
        parse_header(document["header"]),
        Commit(int(commit["height"]), int(commit["round"]), _block_id(commit["block_id"]), signatures),
    )


def parse_validators(documents: Sequence[Any]) -> tuple[Validator, ...]:
    """Validators from CometBFT's /validators answer (ed25519 keys only, as GoStaking's consensus keys are)."""
    validators = []
    for document in documents:
        key = document["pub_key"]
        if key["type"] != _ED25519:
            raise ValueError(f"validator key of type {key['type']!r}: GoStaking validators use ed25519")
        public_key = base64.b64decode(key["value"], validate=True)
        if len(public_key) != 32:
            raise ValueError("an ed25519 public key has 32 bytes")
        validators.append(Validator(public_key, int(document["voting_power"])))
    return tuple(validators)


# --- verification (CometBFT light/verifier.go and types/validation.go) --------------------------------------------


def verify_signed_header(signed: SignedHeader, chain_id: str) -> None:
    """The header belongs to `chain_id` and the commit is of this very header (its hash is the block id)."""
    header, commit = signed.header, signed.commit
    if header.chain_id != chain_id:
        raise HeaderVerificationError(f"header {header.height} is of chain {header.chain_id!r}, not {chain_id!r}")
    if header.version_block != BLOCK_PROTOCOL or header.height < 1 or len(header.proposer_address) != 20:
        raise HeaderVerificationError(f"header {header.height} is malformed")
    if commit.height != header.height or commit.round < 0:
        raise HeaderVerificationError(f"the commit of height {commit.height} is served for header {header.height}")
    if commit.block_id.hash != header.hash():
        raise HeaderVerificationError(
            f"header {header.height} hashes to {header.hash().hex()}, but its commit signs block "
            f"{commit.block_id.hash.hex()}: the header was altered"
        )


def _signature_ok(chain_id: str, commit: Commit, sig: CommitSig, validator: Validator) -> bool:
    message = precommit_sign_bytes(chain_id, commit.height, commit.round, commit.block_id, sig.timestamp)
    try:
        Ed25519PublicKey.from_public_bytes(validator.public_key).verify(sig.signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_commit(chain_id: str, validators: Sequence[Validator], signed: SignedHeader) -> None:
    """More than 2/3 of the power of `validators` (the header's own set, in order) signed the header's commit, and
    every signature counted is valid (`VerifyCommitLight`, checking each signature)."""
    commit = signed.commit
    if len(commit.signatures) != len(validators):
        raise HeaderVerificationError(
            f"the commit of height {commit.height} has {len(commit.signatures)} entries for "
            f"{len(validators)} validators"
        )
    total = sum(v.power for v in validators)
    tallied = 0
    for index, (sig, validator) in enumerate(zip(commit.signatures, validators, strict=True)):
        if sig.flag != BLOCK_ID_FLAG_COMMIT:
            continue
        if sig.address != validator.address:
            raise HeaderVerificationError(f"commit entry {index} of height {commit.height} is not its validator's")
        if not _signature_ok(chain_id, commit, sig, validator):
            raise HeaderVerificationError(f"wrong signature of validator {validator.address.hex()} on {commit.height}")
        tallied += validator.power
    if tallied <= total * 2 // 3:
        raise HeaderVerificationError(
            f"only {tallied} of {total} voting power signed header {commit.height}: more than 2/3 is needed"
        )


def verify_commit_trusting(chain_id: str, trusted: Sequence[Validator], signed: SignedHeader) -> None:
    """More than 1/3 of the trusted validators' power is among the valid signers of the commit
    (`VerifyCommitLightTrusting` with the default trust level): NotEnoughTrustError otherwise."""
    commit = signed.commit
    by_address = {v.address: v for v in trusted}
    seen: set[bytes] = set()
    total = sum(v.power for v in trusted)
    tallied = 0
    for sig in commit.signatures:
        validator = by_address.get(sig.address)
        if sig.flag != BLOCK_ID_FLAG_COMMIT or validator is None:
            continue
        if sig.address in seen:
            raise HeaderVerificationError(f"validator {sig.address.hex()} signed commit {commit.height} twice")
        seen.add(sig.address)
        if not _signature_ok(chain_id, commit, sig, validator):
            raise HeaderVerificationError(f"wrong signature of validator {sig.address.hex()} on {commit.height}")
        tallied += validator.power
    if tallied <= total // 3:
        raise NotEnoughTrustError(
            f"only {tallied} of the trusted validators' {total} power signed header {commit.height}"
        )


def verify_light_block(
    chain_id: str,
    trusted: TrustedHeader,
    untrusted: LightBlock,
    now_ns: int,
    trusting_period_ns: int,
    max_clock_drift_ns: int,
) -> None:
    """Accept `untrusted` (above the trusted header) as CometBFT's `light.Verify` does, or raise
    HeaderVerificationError (NotEnoughTrustError: verify a header in between first)."""
    signed = untrusted.signed_header
    header = signed.header
    if trusted.time_ns + trusting_period_ns <= now_ns:
        raise HeaderVerificationError(
            f"the trusted header {trusted.height} is older than the trusting period: give a recent trusted header "
            "(--trust-height and --trust-hash) from a source you trust"
        )
    verify_signed_header(signed, chain_id)
    if header.height <= trusted.height:
        raise HeaderVerificationError(f"header {header.height} is not above the trusted header {trusted.height}")
    if header.time.unix_ns <= trusted.time_ns:
        raise HeaderVerificationError(f"header {header.height} is not later than the trusted header {trusted.height}")
    if header.time.unix_ns >= now_ns + max_clock_drift_ns:
        raise HeaderVerificationError(f"header {header.height} is dated in the future")
    validators = [(v.public_key, v.power) for v in untrusted.validators]
    if header.validators_hash != validator_set_hash(validators):
        raise HeaderVerificationError(f"the validator set served for height {header.height} is not the header's")
    if header.height == trusted.height + 1:
        if header.validators_hash.hex() != trusted.next_validators_hash:
            raise HeaderVerificationError(
                f"header {header.height}'s validators are not the next validators header {trusted.height} named"
            )
    else:
        verify_commit_trusting(chain_id, trusted.validator_set(), signed)
    verify_commit(chain_id, untrusted.validators, signed)
