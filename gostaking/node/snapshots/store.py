"""Snapshots on disk, and the background thread that takes them every `interval_blocks` after a commit.

<home>/snapshots/<height>/metadata.msgpack   the SnapshotMetadata (format.py)
<home>/snapshots/<height>/chunk-<index>      the chunks, numbered from 0

A snapshot is written into `<height>.partial/` and renamed when complete, so a listed snapshot is always whole
(a crash leaves a `.partial` directory, deleted at the next start). The newest `keep_recent` are kept.
"""

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gostaking.files import write_atomic
from gostaking.node.snapshots.format import (
    DEFAULT_CHUNK_BYTES,
    SnapshotFormatError,
    SnapshotMetadata,
    check_chunk_bytes,
    decode_metadata,
    encode_metadata,
    encode_snapshot,
)
from gostaking.storage import StateExport

SNAPSHOT_DIR = "snapshots"
CORRUPT_CHUNKS_ENV = "GOSTAKING_TEST_CORRUPT_SNAPSHOT_CHUNKS"
"""A test-only fault (off unless set to 1 in the app process's environment): the node serves every snapshot chunk
with its last byte changed, so that joining nodes must refuse it and fetch the chunk from another peer."""
METADATA_FILE = "metadata.msgpack"
_PARTIAL = ".partial"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SnapshotSettings:
    """When to take snapshots and how to cut them (the node configuration's [snapshots])."""

    interval_blocks: int = 0
    """Take one after every commit of a multiple of this height; 0 = never (the node still restores)."""
    keep_recent: int = 2
    chunk_bytes: int = DEFAULT_CHUNK_BYTES

    def __post_init__(self) -> None:
        """Refuse settings that cannot work."""
        if self.interval_blocks < 0 or self.keep_recent < 1:
            raise ValueError("interval_blocks must be >= 0 and keep_recent >= 1")
        check_chunk_bytes(self.chunk_bytes)


def _chunk_name(index: int) -> str:
    return f"chunk-{index:05d}"


class SnapshotStore:
    """The snapshots of one node home. Listing and loading are safe from any thread while one is written."""

    def __init__(self, root: Path, *, corrupt_served_chunks: bool = False) -> None:
        """Snapshots under `root` (created if missing); leftovers of an interrupted write are deleted.
        `corrupt_served_chunks` is the test fault of CORRUPT_CHUNKS_ENV."""
        self.root = root
        self.corrupt_served_chunks = corrupt_served_chunks
        root.mkdir(parents=True, exist_ok=True)
        for leftover in root.glob(f"*{_PARTIAL}"):
            shutil.rmtree(leftover, ignore_errors=True)

    def heights(self) -> list[int]:
        """Heights of the complete snapshots, newest first."""
        return sorted((int(path.name) for path in self.root.iterdir() if path.name.isdigit()), reverse=True)

    def metadata(self, height: int) -> SnapshotMetadata | None:
        """The metadata of the snapshot of `height`, or None (absent, deleted meanwhile, or unreadable)."""
        try:
            return decode_metadata((self.root / str(height) / METADATA_FILE).read_bytes())
        except (OSError, SnapshotFormatError):
            return None

    def snapshots(self) -> list[SnapshotMetadata]:
        """Every complete snapshot's metadata, newest first."""
        found = (self.metadata(height) for height in self.heights())
        return [metadata for metadata in found if metadata is not None]

    def load_chunk(self, height: int, index: int) -> bytes:
        """Chunk `index` of the snapshot of `height`, or b"" when there is no such chunk (any more)."""
        if index < 0:
            return b""
        try:
            chunk = (self.root / str(height) / _chunk_name(index)).read_bytes()
        except OSError:
            return b""
        if self.corrupt_served_chunks and chunk:
            chunk = chunk[:-1] + bytes([chunk[-1] ^ 0xFF])
        return chunk

    def write(self, export: StateExport, chunk_bytes: int) -> SnapshotMetadata:
        """Write the snapshot of `export` (consuming its items) and make it visible once complete."""
        final = self.root / str(export.height)
        partial = self.root / f"{export.height}{_PARTIAL}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()

        def emit(index: int, chunk: bytes) -> None:
            (partial / _chunk_name(index)).write_bytes(chunk)

        try:
            metadata = encode_snapshot(export.height, export.app_hash, export.block, export.items, chunk_bytes, emit)
            write_atomic(partial / METADATA_FILE, encode_metadata(metadata))
            shutil.rmtree(final, ignore_errors=True)
            partial.rename(final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return metadata

    def prune(self, keep_recent: int) -> list[int]:
        """Delete all but the newest `keep_recent` snapshots; the heights deleted."""
        dropped = self.heights()[keep_recent:]
        for height in dropped:
            shutil.rmtree(self.root / str(height), ignore_errors=True)
        return dropped


@dataclass(frozen=True)
class SnapshotTaken:
    """One snapshot the taker wrote, and what it cost."""

    metadata: SnapshotMetadata
    seconds: float


class SnapshotTaker:
    """Takes a snapshot after each commit of a multiple of `settings.interval_blocks`, on a thread of its own.

    `after_commit(export_state)` runs on the committing thread: it only opens the store's read view of the height
    just committed (`export_state`, cheap) and hands it to the thread, so the next block does not wait for the
    snapshot. While one snapshot is being written the next due one is skipped (and logged)."""

    def __init__(
        self,
        store: SnapshotStore,
        settings: SnapshotSettings,
        on_taken: Callable[[SnapshotTaken], None] | None = None,
    ) -> None:
        """Take snapshots into `store` as `settings` say; `on_taken` hears of each one written."""
        self.store = store
        self.settings = settings
        self.on_taken = on_taken
        self.failures = 0
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        """A snapshot is being written."""
        return self._thread is not None and self._thread.is_alive()

    def due(self, height: int) -> bool:
        """A snapshot of `height` should be taken."""
        interval = self.settings.interval_blocks
        return interval > 0 and height > 0 and height % interval == 0

    def after_commit(self, height: int, export_state: Callable[[], StateExport]) -> bool:
        """Start the snapshot of `height` if one is due and none is in progress; True if started."""
        if not self.due(height):
            return False
        if self.busy:
            log.warning("snapshot of height %d skipped: the previous one is still being written", height)
            return False
        try:
            export = export_state()
        except Exception:  # a snapshot that cannot be taken must never stop the commit (CometBFT would halt)
            self.failures += 1
            log.exception("snapshot of height %d could not be started", height)
            return False
        self._thread = threading.Thread(target=self._take, args=(export,), name="snapshot-taker", daemon=True)
        self._thread.start()
        return True

    def wait(self, timeout_s: float | None = None) -> None:
        """Wait for the snapshot in progress (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _take(self, export: StateExport) -> None:
        started = time.perf_counter()
        try:
            metadata = self.store.write(export, self.settings.chunk_bytes)
        except Exception:
            self.failures += 1
            log.exception("snapshot of height %d failed", export.height)
            return
        taken = SnapshotTaken(metadata, time.perf_counter() - started)
        dropped = self.store.prune(self.settings.keep_recent)
        log.info(
            "snapshot of height %d taken in %.2f s: %d entries, %d chunks of up to %d bytes%s",
            metadata.height,
            taken.seconds,
            metadata.entries,
            len(metadata.chunk_hashes),
            self.settings.chunk_bytes,
            f"; deleted the snapshots of {', '.join(map(str, dropped))}" if dropped else "",
        )
        if self.on_taken is not None:
            self.on_taken(taken)
