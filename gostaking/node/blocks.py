"""Stored block records: what the node keeps per height besides state, and how a block is hashed.

The block hash is sha256 of the canonical JSON encoding (msgspec, declared field order) of the header.
The header commits to the previous block hash, the transactions, their results and the app hash of the
state *after* the block (the embedded producer executes and commits in one step, so unlike CometBFT the
header carries the block's own resulting app hash, not the previous one).
"""

import msgspec

from gostaking.chain.codec import tx_hash
from gostaking.chain.crypto import sha256
from gostaking.chain.types.block import Event, TxResult, ValidatorUpdate

ZERO_HASH = bytes(32)
"""Previous-block hash of block 1."""


class BlockHeader(msgspec.Struct, frozen=True, array_like=True):
    """The hashed part of a block."""

    chain_id: str
    height: int
    time_ms: int
    proposer: str
    """Consensus address (upper-case hex) of the proposer."""
    previous_hash: bytes
    txs_hash: bytes
    """sha256 over the concatenated tx hashes, in block order."""
    results_hash: bytes
    """sha256 of the canonical encoding of the tx results."""
    app_hash: bytes
    """State root after executing this block."""


class StoredBlock(msgspec.Struct, frozen=True):
    """One committed block as persisted by the node."""

    header: BlockHeader
    signers: tuple[str, ...]
    """Consensus addresses that signed the previous block (the block's LastCommit)."""
    txs: tuple[bytes, ...]
    tx_results: tuple[TxResult, ...]
    events: tuple[Event, ...]
    """Block-level events (begin and end block): rewards, burns, unbondings, elections."""
    validator_updates: tuple[ValidatorUpdate, ...]

    @property
    def height(self) -> int:
        """Height of the block."""
        return self.header.height

    @property
    def hash(self) -> bytes:
        """sha256 of the encoded header."""
        return compute_block_hash(self.header)


# JSON like the chain's own encodings: integers (fees, event amounts) are not limited to 64 bits.
_encoder = msgspec.json.Encoder()
_block_decoder = msgspec.json.Decoder(StoredBlock)


def compute_block_hash(header: BlockHeader) -> bytes:
    """Hash identifying a block: sha256 of its canonical header encoding."""
    return sha256(_encoder.encode(header))


def compute_txs_hash(txs: tuple[bytes, ...] | list[bytes]) -> bytes:
    """Commitment to the block's transactions and their order."""
    return sha256(b"".join(tx_hash(raw) for raw in txs))


def compute_results_hash(results: tuple[TxResult, ...]) -> bytes:
    """Commitment to the outcome of every transaction of the block."""
    return sha256(_encoder.encode(results))


def encode_block(block: StoredBlock) -> bytes:
    """Canonical bytes of a stored block."""
    return _encoder.encode(block)


def decode_block(raw: bytes) -> StoredBlock:
    """Parse stored block bytes (raises msgspec.DecodeError when damaged)."""
    return _block_decoder.decode(raw)
