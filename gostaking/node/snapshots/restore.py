"""Restoring a snapshot on a joining node: the decisions behind OfferSnapshot and ApplySnapshotChunk.

CometBFT's light client verifies the header of height H + 1 against the trust height and hash the operator gave,
and passes its app hash (the app hash of the state after block H) with OfferSnapshot. The restorer accepts a
snapshot only if its metadata promises that app hash; then checks every chunk against the hash in the metadata
as it arrives (a chunk that differs is fetched again from another peer, and its sender is dropped), and before
accepting the last chunk rebuilds the Merkle tree of the state and compares its root with that app hash. Only
then does the app persist the state (one batch) and report height H, which CometBFT checks through Info.
"""

import enum
import logging
from dataclasses import dataclass

from gostaking.chain.errors import ChainError
from gostaking.chain.genesis import decode_genesis
from gostaking.chain.state import State
from gostaking.node.app import GoStakingApp, history_start_of
from gostaking.node.blocks import decode_block
from gostaking.node.snapshots.format import (
    SNAPSHOT_FORMAT,
    SnapshotBodyDecoder,
    SnapshotFormatError,
    SnapshotMetadata,
    chunk_hash,
    decode_metadata,
)
from gostaking.storage import BucketMerkleTree

log = logging.getLogger(__name__)


class OfferResult(enum.Enum):
    """ResponseOfferSnapshot.Result."""

    ACCEPT = "ACCEPT"
    ABORT = "ABORT"
    """Stop state sync altogether (this app cannot restore anything)."""
    REJECT = "REJECT"
    """Not this snapshot; try another."""
    REJECT_FORMAT = "REJECT_FORMAT"
    """No snapshot of this format."""


class ChunkResult(enum.Enum):
    """ResponseApplySnapshotChunk.Result."""

    ACCEPT = "ACCEPT"
    ABORT = "ABORT"
    RETRY = "RETRY"
    """Fetch `refetch_chunks` again (from peers other than `reject_senders`) and apply them."""
    RETRY_SNAPSHOT = "RETRY_SNAPSHOT"
    """Start this snapshot again from OfferSnapshot."""
    REJECT_SNAPSHOT = "REJECT_SNAPSHOT"
    """This snapshot is bad: try another."""


@dataclass(frozen=True)
class ChunkOutcome:
    """The answer to one applied chunk."""

    result: ChunkResult
    refetch_chunks: tuple[int, ...] = ()
    reject_senders: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class OfferedSnapshot:
    """What OfferSnapshot carries about the snapshot (CometBFT's Snapshot message)."""

    height: int
    format: int
    chunks: int
    hash: bytes
    metadata: bytes


class SnapshotRestorer:
    """Restores one snapshot at a time into an app that has committed nothing yet.

    `genesis_json` is the genesis document of this node's own genesis file (the operator checked its hash): the
    restored node saves it as if InitChain had run, since under state sync CometBFT never calls InitChain."""

    def __init__(self, app: GoStakingApp, genesis_json: bytes | None) -> None:
        """A restorer into `app`."""
        self.app = app
        self.genesis_json = genesis_json
        self.restored_height = 0
        """The height restored, once the last chunk is accepted."""
        self._metadata: SnapshotMetadata | None = None
        self._decoder: SnapshotBodyDecoder | None = None
        self._next_chunk = 0

    def offer(self, snapshot: OfferedSnapshot, trusted_app_hash: bytes) -> tuple[OfferResult, str]:
        """Whether to restore `snapshot`, whose state must hash to `trusted_app_hash` (light-client verified)."""
        self._metadata = self._decoder = None
        if self.app.height != 0:
            return OfferResult.ABORT, f"the app already holds height {self.app.height}: state sync needs no app-data"
        if snapshot.format != SNAPSHOT_FORMAT:
            return OfferResult.REJECT_FORMAT, f"format {snapshot.format} (this version reads {SNAPSHOT_FORMAT})"
        try:
            metadata = decode_metadata(snapshot.metadata)
        except SnapshotFormatError as exc:
            return OfferResult.REJECT, str(exc)
        if (metadata.format, metadata.height, len(metadata.chunk_hashes), metadata.hash) != (
            snapshot.format,
            snapshot.height,
            snapshot.chunks,
            snapshot.hash,
        ):
            return OfferResult.REJECT, "the metadata does not match the snapshot's height, chunk count or hash"
        if metadata.app_hash != trusted_app_hash:
            return OfferResult.REJECT, (
                f"the snapshot's app hash {metadata.app_hash.hex()} is not the verified {trusted_app_hash.hex()}"
            )
        self._metadata = metadata
        self._decoder = SnapshotBodyDecoder(metadata)
        self._next_chunk = 0
        return OfferResult.ACCEPT, f"height {metadata.height}, {metadata.entries} entries, {snapshot.chunks} chunks"

    def apply_chunk(self, index: int, chunk: bytes, sender: str) -> ChunkOutcome:
        """Check chunk `index` against its hash and decode it; the last one completes the restore."""
        metadata, decoder = self._metadata, self._decoder
        if metadata is None or decoder is None:
            return ChunkOutcome(ChunkResult.ABORT, reason="a chunk arrived but no snapshot was accepted")
        if index != self._next_chunk:
            return ChunkOutcome(
                ChunkResult.RETRY_SNAPSHOT, reason=f"chunk {index} arrived, {self._next_chunk} was expected"
            )
        if chunk_hash(chunk) != metadata.chunk_hashes[index]:
            # Only this peer's copy is bad (the hash comes from the metadata every peer of this snapshot shares).
            return ChunkOutcome(
                ChunkResult.RETRY,
                refetch_chunks=(index,),
                reject_senders=(sender,) if sender else (),
                reason=f"chunk {index} from peer {sender or '?'} does not match its hash in the snapshot's metadata",
            )
        try:
            decoder.feed(chunk)
        except SnapshotFormatError as exc:
            return self._reject(str(exc))
        self._next_chunk += 1
        if self._next_chunk < len(metadata.chunk_hashes):
            return ChunkOutcome(ChunkResult.ACCEPT)
        return self._complete(metadata, decoder)

    def _reject(self, reason: str) -> ChunkOutcome:
        self._metadata = self._decoder = None
        return ChunkOutcome(ChunkResult.REJECT_SNAPSHOT, reason=reason)

    def _complete(self, metadata: SnapshotMetadata, decoder: SnapshotBodyDecoder) -> ChunkOutcome:
        """Rebuild and check the state, then persist it through the app."""
        try:
            raw_block, items = decoder.finish()
            block = decode_block(raw_block)
        except (SnapshotFormatError, ChainError, ValueError) as exc:
            return self._reject(f"the snapshot's body is unreadable: {exc}")
        tree = BucketMerkleTree.build(items)
        if tree.root != metadata.app_hash:
            return self._reject(
                f"the restored state hashes to {tree.root.hex()}, not the snapshot's app hash {metadata.app_hash.hex()}"
            )
        if block.height != metadata.height or block.header.app_hash != metadata.app_hash:
            return self._reject(f"the snapshot's block is not block {metadata.height} of that state")
        state = State()
        try:
            state.load_items(iter(items))
        except (ValueError, ChainError) as exc:
            # The state is the network's (its hash matched), so this software is what cannot read it.
            self._metadata = self._decoder = None
            return ChunkOutcome(ChunkResult.ABORT, reason=f"this version cannot load the network's state: {exc}")
        problem = self._state_problem(state, metadata.height)
        if problem:
            return self._reject(problem)
        self.app.restore_state(tree, items, block, self.genesis_json, history_start_of(state, block))
        self.restored_height = metadata.height
        self._metadata = self._decoder = None
        return ChunkOutcome(ChunkResult.ACCEPT, reason=f"restored height {metadata.height}")

    def _state_problem(self, state: State, height: int) -> str:
        """Why a state whose hash matched still cannot be this node's ('' if none): the wrong chain."""
        if state.height.get() != height:
            return f"the snapshot's state is at height {state.height.get()}, not {height}"
        if self.genesis_json is not None:
            chain_id = decode_genesis(self.genesis_json).chain_id
            if state.chain_id.get() != chain_id:
                return f"the snapshot is of chain {state.chain_id.get()!r}, this node's genesis is {chain_id!r}"
        return ""
