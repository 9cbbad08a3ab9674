"""The state-sync snapshot format (version 1): what a serving node writes and a joining node verifies.

A snapshot of height H is one byte stream, the body, cut into chunks of `chunk_bytes` (the last one shorter):

    body   = u32 BE len(block) ‖ block ‖ entry*           (block: the stored block of height H)
    entry  = u32 BE len(key) ‖ key ‖ u32 BE len(value) ‖ value   (every state entry, ascending key order)

The metadata (CometBFT's `Snapshot.metadata`, msgpack) carries the format, H, the app hash of the state at H, the
entry count, the body length and each chunk's sha256; the snapshot's hash (CometBFT's `Snapshot.hash`) is
sha256 of the chunk hashes in order. Everything is a function of the committed state and block of H and of
`chunk_bytes`, so every node with the same `chunk_bytes` offers the same snapshot and a joining node can fetch
its chunks from all of them. The block is the one part not covered by the app hash: the restorer checks its
height and app hash; the rest of it (transactions, events) is what the snapshot's peers say it is.
"""

import hashlib
from collections.abc import Callable, Iterator

import msgspec

SNAPSHOT_FORMAT = 1
"""The one body layout this version writes and reads (CometBFT's `Snapshot.format`)."""
MIN_CHUNK_BYTES = 256
MAX_CHUNK_BYTES = 10 * 1024 * 1024
"""CometBFT's p2p layer carries at most 16 MB per chunk message; stay well below."""
DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024
MAX_CHUNKS = 100_000
"""The metadata (32 bytes per chunk) must fit CometBFT's 4 MB snapshot message."""
_LENGTH = 4


class SnapshotFormatError(ValueError):
    """Snapshot bytes that do not follow the format (the message says where)."""


class SnapshotMetadata(msgspec.Struct, frozen=True, array_like=True, forbid_unknown_fields=True):
    """What CometBFT passes around as `Snapshot.metadata`: enough to verify every chunk before using it."""

    format: int
    height: int
    app_hash: bytes
    entries: int
    body_bytes: int
    chunk_hashes: tuple[bytes, ...]

    @property
    def hash(self) -> bytes:
        """The snapshot's hash: sha256 of its chunk hashes in order."""
        return snapshot_hash(self.chunk_hashes)


def snapshot_hash(chunk_hashes: tuple[bytes, ...]) -> bytes:
    """sha256 of the chunk hashes, in order."""
    return hashlib.sha256(b"".join(chunk_hashes)).digest()


def chunk_hash(chunk: bytes) -> bytes:
    """sha256 of one chunk."""
    return hashlib.sha256(chunk).digest()


def encode_metadata(metadata: SnapshotMetadata) -> bytes:
    """The metadata's bytes (msgpack)."""
    return msgspec.msgpack.encode(metadata)


def decode_metadata(raw: bytes) -> SnapshotMetadata:
    """Decode and check the metadata's own consistency; SnapshotFormatError otherwise."""
    try:
        metadata = msgspec.msgpack.decode(raw, type=SnapshotMetadata)
    except msgspec.DecodeError as exc:
        raise SnapshotFormatError(f"snapshot metadata is not readable: {exc}") from None
    if metadata.height < 1 or metadata.entries < 0 or metadata.body_bytes < _LENGTH:
        raise SnapshotFormatError("snapshot metadata: height, entry count or body length out of range")
    if len(metadata.app_hash) != 32 or any(len(hash_) != 32 for hash_ in metadata.chunk_hashes):
        raise SnapshotFormatError("snapshot metadata: the app hash and chunk hashes must be 32 bytes each")
    if not 0 < len(metadata.chunk_hashes) <= MAX_CHUNKS:
        raise SnapshotFormatError(f"snapshot metadata: 1..{MAX_CHUNKS} chunks, not {len(metadata.chunk_hashes)}")
    return metadata


def check_chunk_bytes(chunk_bytes: int) -> None:
    """ValueError unless `chunk_bytes` is within MIN_CHUNK_BYTES..MAX_CHUNK_BYTES."""
    if not MIN_CHUNK_BYTES <= chunk_bytes <= MAX_CHUNK_BYTES:
        raise ValueError(f"chunk_bytes must be {MIN_CHUNK_BYTES}..{MAX_CHUNK_BYTES}, not {chunk_bytes}")


def _length(size: int) -> bytes:
    return size.to_bytes(_LENGTH, "big")


def encode_snapshot(
    height: int,
    app_hash: bytes,
    block: bytes,
    items: Iterator[tuple[bytes, bytes]],
    chunk_bytes: int,
    emit: Callable[[int, bytes], None],
) -> SnapshotMetadata:
    """Write the body of a snapshot as chunks (`emit(index, chunk)` for each, in order) and return its metadata.

    `items` are the state entries in ascending key order; streamed, so memory holds about one chunk."""
    check_chunk_bytes(chunk_bytes)
    buffer = bytearray(_length(len(block)))
    buffer += block
    hashes: list[bytes] = []
    entries = 0
    body_bytes = 0

    def cut(chunk: bytes) -> None:
        nonlocal body_bytes
        if len(hashes) == MAX_CHUNKS:
            raise SnapshotFormatError(f"the state needs more than {MAX_CHUNKS} chunks: raise chunk_bytes")
        emit(len(hashes), chunk)
        hashes.append(chunk_hash(chunk))
        body_bytes += len(chunk)

    for key, value in items:
        buffer += _length(len(key))
        buffer += key
        buffer += _length(len(value))
        buffer += value
        entries += 1
        if len(buffer) >= chunk_bytes:
            view = memoryview(buffer)
            whole = len(buffer) - len(buffer) % chunk_bytes
            for start in range(0, whole, chunk_bytes):
                cut(bytes(view[start : start + chunk_bytes]))
            view.release()
            del buffer[:whole]
    if buffer:
        cut(bytes(buffer))
    return SnapshotMetadata(SNAPSHOT_FORMAT, height, app_hash, entries, body_bytes, tuple(hashes))


class SnapshotBodyDecoder:
    """Reads a snapshot's body back from its chunks, fed in order: the block, then the state entries.

    Each chunk must already be checked against its hash (`chunk_hash`); this checks the structure: lengths that
    fit, keys strictly ascending (so no entry appears twice), and at the end nothing left over and the entry
    count and body length the metadata promised."""

    def __init__(self, metadata: SnapshotMetadata) -> None:
        """A decoder for the snapshot `metadata` describes."""
        self.metadata = metadata
        self.block: bytes | None = None
        self.items: list[tuple[bytes, bytes]] = []
        self._buffer = bytearray()
        self._previous_key = b""
        self._fed_bytes = 0

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk; SnapshotFormatError when the body breaks the format."""
        self._fed_bytes += len(chunk)
        if self._fed_bytes > self.metadata.body_bytes:
            raise SnapshotFormatError(f"the chunks hold more than the {self.metadata.body_bytes} bytes announced")
        buffer = self._buffer
        buffer += chunk
        view = memoryview(buffer)
        offset = 0
        try:
            if self.block is None:
                if len(buffer) < _LENGTH:
                    return
                size = int.from_bytes(view[:_LENGTH], "big")
                if len(buffer) < _LENGTH + size:
                    return
                self.block = bytes(view[_LENGTH : _LENGTH + size])
                offset = _LENGTH + size
            offset = self._read_entries(view, offset)
        finally:
            view.release()
        del buffer[:offset]

    def _read_entries(self, view: memoryview, offset: int) -> int:
        items = self.items
        previous = self._previous_key
        end = len(view)
        while end - offset >= _LENGTH:
            key_size = int.from_bytes(view[offset : offset + _LENGTH], "big")
            value_at = offset + _LENGTH + key_size
            if end - value_at < _LENGTH:
                break
            value_size = int.from_bytes(view[value_at : value_at + _LENGTH], "big")
            next_offset = value_at + _LENGTH + value_size
            if next_offset > end:
                break
            key = bytes(view[offset + _LENGTH : value_at])
            if not key or key <= previous:
                raise SnapshotFormatError(f"state entry {len(items)}: keys must be non-empty and strictly ascending")
            items.append((key, bytes(view[value_at + _LENGTH : next_offset])))
            previous = key
            offset = next_offset
        self._previous_key = previous
        return offset

    def finish(self) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        """(block, state entries) once every chunk is fed; SnapshotFormatError if the body is incomplete."""
        if self.block is None or self._buffer:
            raise SnapshotFormatError("the snapshot body ends in the middle of a record")
        if self._fed_bytes != self.metadata.body_bytes or len(self.items) != self.metadata.entries:
            raise SnapshotFormatError(
                f"the body has {self._fed_bytes} bytes and {len(self.items)} entries, the metadata says "
                f"{self.metadata.body_bytes} and {self.metadata.entries}"
            )
        return self.block, self.items


class HistoryStart(msgspec.Struct, frozen=True, array_like=True, forbid_unknown_fields=True):
    """Where a node restored from a snapshot begins its history: it holds the block of `height` and every block
    after, none before. What the explorer's index needs to start there (its running values at `height`)."""

    height: int
    block_hash: bytes
    gos_index: int
    """The GOS share index after block `height`."""
    validators: tuple[str, ...]
    """Consensus addresses of the mining set elected as of `height` (the signers the index expects next)."""


def encode_history_start(start: HistoryStart) -> bytes:
    """HistoryStart as stored (msgpack)."""
    return msgspec.msgpack.encode(start)


def decode_history_start(raw: bytes) -> HistoryStart:
    """HistoryStart from its stored bytes."""
    return msgspec.msgpack.decode(raw, type=HistoryStart)
