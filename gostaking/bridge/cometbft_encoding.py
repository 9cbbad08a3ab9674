"""The few CometBFT (v0.38) encodings a light client needs: header hash, validator-set hash and the bytes a
validator signs for a precommit, with the RFC 6962 Merkle tree CometBFT hashes them with.

Hand-written, not generated: the gateway must not import the node package (the import contract "the custody gateway
talks to a node only through its API") nor need Go and `make proto` on a custodian's machine, and the stubs
`make proto` generates cover the ABCI messages only, not `Header`, `CanonicalVote` or `SimpleValidator`. What is
encoded here is small and fixed by CometBFT's consensus (a change would break every light client): proto3 varints,
length-delimited fields, two sfixed64 fields, and gogoproto's rule that a non-nullable embedded message is written
even when empty. `tests/bridge/test_cometbft_light.py` checks it against real CometBFT output (the header hashes are
CometBFT's block ids, the signatures verify) and against the generated protobuf stubs where they overlap. See
docs/gateway-verification.md.
"""

import hashlib
from dataclasses import dataclass

PRECOMMIT_TYPE = 2
"""SignedMsgType of a precommit (the votes a commit is made of)."""
BLOCK_ID_FLAG_COMMIT = 2
"""CommitSig flag of a validator that voted for the committed block."""


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def uvarint(value: int) -> bytes:
    """Protobuf base-128 varint of an unsigned value (a negative int64 as its 64-bit two's complement)."""
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return uvarint(field << 3 | wire_type)


def varint_field(field: int, value: int) -> bytes:
    """A varint field (int64, uint64, uint32, enum); proto3 omits zero."""
    return _key(field, 0) + uvarint(value) if value else b""


def bytes_field(field: int, value: bytes, *, always: bool = False) -> bytes:
    """A length-delimited field (bytes, string, message); proto3 omits an empty one unless `always` (gogoproto's
    non-nullable embedded messages)."""
    if not value and not always:
        return b""
    return _key(field, 2) + uvarint(len(value)) + value


def sfixed64_field(field: int, value: int) -> bytes:
    """A sfixed64 field (little-endian, two's complement); proto3 omits zero."""
    return _key(field, 1) + (value & ((1 << 64) - 1)).to_bytes(8, "little") if value else b""


def merkle_root(items: list[bytes]) -> bytes:
    """CometBFT's `merkle.HashFromByteSlices` (RFC 6962): leaves sha256(0x00 ‖ item), inner nodes
    sha256(0x01 ‖ left ‖ right), split at the largest power of two below the count; sha256('') when empty."""
    if not items:
        return _sha256(b"")
    if len(items) == 1:
        return _sha256(b"\x00" + items[0])
    split = 1 << ((len(items) - 1).bit_length() - 1)
    return _sha256(b"\x01" + merkle_root(items[:split]) + merkle_root(items[split:]))


@dataclass(frozen=True)
class Timestamp:
    """google.protobuf.Timestamp: seconds since the Unix epoch and nanoseconds (CometBFT times are UTC)."""

    seconds: int
    nanos: int

    def encode(self) -> bytes:
        """The Timestamp message."""
        return varint_field(1, self.seconds) + varint_field(2, self.nanos)

    @property
    def unix_ns(self) -> int:
        """Nanoseconds since the Unix epoch."""
        return self.seconds * 1_000_000_000 + self.nanos


@dataclass(frozen=True)
class PartSetHeader:
    """A block's part-set header (count and Merkle root of its parts)."""

    total: int
    hash: bytes

    def encode(self) -> bytes:
        """PartSetHeader and CanonicalPartSetHeader (the same fields)."""
        return varint_field(1, self.total) + bytes_field(2, self.hash)


@dataclass(frozen=True)
class BlockId:
    """A block id: the header hash and the part-set header."""

    hash: bytes
    parts: PartSetHeader

    @property
    def is_zero(self) -> bool:
        """True for the empty id (no previous block, or a vote for nil)."""
        return not self.hash and self.parts.total == 0 and not self.parts.hash

    def encode(self) -> bytes:
        """BlockID (and CanonicalBlockID: the same fields); the part-set header is always written."""
        return bytes_field(1, self.hash) + bytes_field(2, self.parts.encode(), always=True)


@dataclass(frozen=True)
class Header:
    """A CometBFT block header (the fields its hash covers)."""

    version_block: int
    version_app: int
    chain_id: str
    height: int
    time: Timestamp
    last_block_id: BlockId
    last_commit_hash: bytes
    data_hash: bytes
    validators_hash: bytes
    next_validators_hash: bytes
    consensus_hash: bytes
    app_hash: bytes
    last_results_hash: bytes
    evidence_hash: bytes
    proposer_address: bytes

    def hash(self) -> bytes:
        """`Header.Hash()`: the Merkle root of its 14 fields, each proto-encoded (scalars in gogo wrapper types)."""
        version = varint_field(1, self.version_block) + varint_field(2, self.version_app)
        return merkle_root(
            [
                version,
                bytes_field(1, self.chain_id.encode()),  # StringValue
                varint_field(1, self.height),  # Int64Value
                self.time.encode(),
                self.last_block_id.encode(),
                *(
                    bytes_field(1, value)  # BytesValue
                    for value in (
                        self.last_commit_hash,
                        self.data_hash,
                        self.validators_hash,
                        self.next_validators_hash,
                        self.consensus_hash,
                        self.app_hash,
                        self.last_results_hash,
                        self.evidence_hash,
                        self.proposer_address,
                    )
                ),
            ]
        )


def precommit_sign_bytes(chain_id: str, height: int, round_: int, block_id: BlockId, time: Timestamp) -> bytes:
    """What a validator signs for a precommit of `block_id` (`VoteSignBytes`): the length-delimited CanonicalVote.
    A zero block id (a vote for nil) is left out, as CometBFT does."""
    vote = (
        varint_field(1, PRECOMMIT_TYPE)
        + sfixed64_field(2, height)
        + sfixed64_field(3, round_)
        + (b"" if block_id.is_zero else bytes_field(4, block_id.encode(), always=True))
        + bytes_field(5, time.encode(), always=True)
        + bytes_field(6, chain_id.encode())
    )
    return uvarint(len(vote)) + vote


def ed25519_address(public_key: bytes) -> bytes:
    """A validator's address: the first 20 bytes of sha256 of its ed25519 public key."""
    return _sha256(public_key)[:20]


def validator_bytes(public_key: bytes, power: int) -> bytes:
    """`Validator.Bytes()`: SimpleValidator{pub_key: PublicKey{ed25519}, voting_power}."""
    return bytes_field(1, bytes_field(1, public_key), always=True) + varint_field(2, power)


def validator_set_hash(validators: list[tuple[bytes, int]]) -> bytes:
    """`ValidatorSet.Hash()` of (ed25519 public key, voting power) in the set's order."""
    return merkle_root([validator_bytes(key, power) for key, power in validators])
