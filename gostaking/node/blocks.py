"""Stored block records: what the node keeps per height besides state, and how a block is hashed.

The block hash is sha256 of the canonical JSON encoding (msgspec, declared field order) of the header.
The header commits to the previous block hash, the transactions, their results and the app hash of the
state *after* the block (the embedded producer executes and commits in one step, so unlike CometBFT the
header carries the block's own resulting app hash, not the previous one).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable

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


class DecodedBlocks:
    """The blocks read last, decoded, up to `max_blocks` of them and `max_bytes` of their stored bytes: the API's
    /txs/{hash} reads the same recent blocks again and again, and decoding a block of 50 transactions took a third
    of that route's time (~0.07 ms). A committed block never changes; the caller asks only for heights it stores."""

    def __init__(self, max_blocks: int = 64, max_bytes: int = 8 * 2**20) -> None:
        self.max_blocks = max_blocks
        self.max_bytes = max_bytes
        self._blocks: OrderedDict[int, tuple[StoredBlock, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # API threads and the event loop read at once

    def get(self, height: int, read: Callable[[int], bytes | None]) -> StoredBlock | None:
        """The block at `height`, decoded from `read(height)` unless it is kept (None when `read` finds none)."""
        with self._lock:
            kept = self._blocks.get(height)
            if kept is not None:
                self._blocks.move_to_end(height)
                return kept[0]
        raw = read(height)
        if raw is None:
            return None
        block = decode_block(raw)
        if len(raw) <= self.max_bytes:
            with self._lock:
                if height not in self._blocks:
                    self._blocks[height] = (block, len(raw))
                    self._bytes += len(raw)
                while len(self._blocks) > self.max_blocks or self._bytes > self.max_bytes:
                    self._bytes -= self._blocks.popitem(last=False)[1][1]
        return block

    def clear(self) -> None:
        """Forget every block (the store now holds another history)."""
        with self._lock:
            self._blocks.clear()
            self._bytes = 0
