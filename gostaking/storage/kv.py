"""Durable key-value stores over raw bytes: LMDB for nodes, an in-memory dict for unit tests.

Both stores share one contract (`KVStore`): point reads, ordered prefix scans, and atomic batches
where a None value deletes. Keys must be 1..MAX_KEY_SIZE bytes, LMDB's default limit; `MemoryStore`
enforces the same limit so code tested in memory does not fail later on disk.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Iterable, Iterator, Mapping
from functools import partial
from itertools import islice, takewhile
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

import lmdb

from .mapped import mapped_file_bytes, release_mapped_file

__all__ = ["DEFAULT_MAP_SIZE", "MAX_KEY_SIZE", "KVStore", "LmdbStore", "MemoryStore", "StoreSnapshot"]

# LMDB reserves address space, not disk: a large map costs nothing until pages are written, and
# growing it later would require all readers to stop, so it is sized generously up front.
DEFAULT_MAP_SIZE = 64 * 1024**3
MAX_KEY_SIZE = 511


class KVStore(Protocol):
    """Minimal durable key-value store: what ChainStore needs and nothing more."""

    def get(self, key: bytes) -> bytes | None:
        """Value under `key`, or None."""
        ...

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """All (key, value) pairs whose key starts with `prefix`, in ascending key order."""
        ...

    def write_batch(self, puts: Mapping[bytes, bytes | None]) -> None:
        """Apply all writes atomically (None deletes; deleting a missing key is fine)."""
        ...

    def snapshot(self) -> StoreSnapshot:
        """The store as it is now, readable from any thread while later batches are written. Close it when done."""
        ...

    def write_entries(self, entries: Iterable[tuple[bytes, bytes | None]]) -> None:
        """`write_batch` of distinct (key, value) entries read once as they come, for a batch too large to hold as
        one mapping (a state-sync restore: ~4 × 10^7 entries at 10^7 accounts). All or nothing, as write_batch."""
        ...

    def release_mapped_pages(self, budget: int) -> bool:
        """If this process's resident pages of mapped files exceed `budget` bytes, take the store's own out of its
        resident memory (they stay in the operating system's cache); True if it did. A no-op for a store that maps
        nothing."""
        ...

    def close(self) -> None:
        """Release the store; it must not be used afterwards."""
        ...


class StoreSnapshot(Protocol):
    """A store's contents at one moment (`KVStore.snapshot`): later writes do not show. Safe to read from several
    threads at once."""

    def get(self, key: bytes) -> bytes | None:
        """Value under `key` at the snapshot's moment, or None."""
        ...

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """All (key, value) pairs whose key starts with `prefix` at the snapshot's moment, in ascending key order."""
        ...

    def close(self) -> None:
        """Release the snapshot (for LMDB, its read transaction); reading it afterwards fails."""
        ...


class _ClosedOnExit:
    """`with store:` closes the store on the way out, whether or not the block raised."""

    def close(self) -> None:
        """Release the store (each store says what that means)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _prefix_end(prefix: bytes) -> bytes | None:
    """The least key above every key that starts with `prefix`; None when there is none (empty or all 0xff)."""
    stem = prefix.rstrip(b"\xff")
    return stem[:-1] + bytes((stem[-1] + 1,)) if stem else None


def _check_key(key: bytes) -> None:
    if not 1 <= len(key) <= MAX_KEY_SIZE:
        raise ValueError(f"key length must be 1..{MAX_KEY_SIZE} bytes, got {len(key)}")


class LmdbStore(_ClosedOnExit):
    """KVStore on an LMDB environment in directory `path` (created if missing).

    Every write batch is one LMDB write transaction, flushed with fsync (sync and metasync on) before
    `write_batch` returns: a batch that returned survives kill -9 and power loss, and a batch
    interrupted midway is never visible. Only one process may open the environment for writing.
    """

    def __init__(self, path: str | Path, map_size: int = DEFAULT_MAP_SIZE, durable: bool = True) -> None:
        """Open (or create) the store at directory `path`. `durable=False` skips the fsync of each batch: a batch
        that returned still survives the process being killed (it is in the operating system's cache), not a
        power loss or a kernel crash — for data a node can do without (its mempool journal), not for the chain."""
        self.path = Path(path)
        self._map_lock = threading.Lock()  # a release never runs on a map that close() is removing
        self._closed = False
        self._env = lmdb.open(
            str(self.path),
            map_size=map_size,
            subdir=True,
            sync=durable,
            metasync=durable,
            lock=True,
            max_dbs=0,
        )

    def get(self, key: bytes) -> bytes | None:
        """Value under `key`, or None."""
        if not key:
            # LMDB rejects zero-length keys outright; no such key can ever be stored, so it is absent.
            return None
        with self._env.begin() as txn:
            value: bytes | None = txn.get(key)
        return value

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """All (key, value) pairs whose key starts with `prefix`, in ascending key order.

        Reads one consistent snapshot; the read transaction stays open until the iterator is exhausted
        or closed, so do not park a half-consumed iterator (it pins old pages and grows the file).
        """
        with self._env.begin() as txn, txn.cursor() as cursor:
            positioned = cursor.set_range(prefix) if prefix else cursor.first()
            if not positioned:
                return
            end = _prefix_end(prefix)
            if end is None:  # every key from here on starts with the prefix (it is empty or all 0xff)
                yield from cursor.iternext()
                return
            # takewhile with a C predicate (`(end,) > (key, value)` holds while key < end) steps the cursor in C, not
            # a Python loop: a Merkle bucket listing (~150 entries at 10^7 keys) is read per key a block writes.
            yield from takewhile(partial(operator.gt, (end,)), cursor.iternext())

    def write_batch(self, puts: Mapping[bytes, bytes | None]) -> None:
        """Apply all writes in a single durable write transaction (None deletes; missing keys are fine)."""
        self.write_entries(puts.items())

    def write_entries(self, entries: Iterable[tuple[bytes, bytes | None]]) -> None:
        """Apply the entries in a single durable write transaction as they come. A bad key (or any failure) part-way
        aborts the transaction, so nothing of the batch is applied."""
        with self._env.begin(write=True) as txn:
            for key, value in entries:
                _check_key(key)
                if value is None:
                    txn.delete(key)
                else:
                    txn.put(key, value)

    def snapshot(self) -> StoreSnapshot:
        """A read transaction begun now: what the store holds now, whatever batches are written after (LMDB keeps
        the pages it reads until it is closed, so close it within a block or two)."""
        return _LmdbSnapshot(self._env.begin())

    def release_mapped_pages(self, budget: int) -> bool:
        """If this process's resident pages of mapped files (mapped.py) exceed `budget` bytes, take the pages of this
        store's map out of the process's resident memory: LMDB reads through a shared read-only map of its file, so
        every page reads touched stays resident until then. The pages stay in the kernel's page cache and the map
        stays valid (later reads map them back, without disk reads while cached; see mapped.py for why this is safe
        while other threads read). True if it released; always False off Linux. The check costs ~20 µs, the
        release ~0.2 µs a resident page."""
        used = mapped_file_bytes()
        if used is None or used <= budget:
            return False
        with self._map_lock:
            if self._closed:
                return False
            return release_mapped_file(self.path / "data.mdb") > 0

    def close(self) -> None:
        """Close the environment; further calls fail."""
        with self._map_lock:
            self._closed = True
            self._env.close()


class _LmdbSnapshot:
    """One LMDB read transaction shared by the threads that read it. LMDB lets a read transaction move between
    threads (py-lmdb opens environments MDB_NOTLS) but not be used by two at once: each read, and each step of a
    scan, holds a lock for the microseconds it takes."""

    SCAN_STEP = 128
    """Entries a scan reads per turn of the lock: a long scan lets other readers in between its steps."""

    def __init__(self, txn: lmdb.Transaction[bytes]) -> None:
        self._txn = txn
        self._lock = threading.Lock()

    def get(self, key: bytes) -> bytes | None:
        """Value under `key` at the snapshot's moment, or None."""
        if not key:
            return None
        with self._lock:
            value: bytes | None = self._txn.get(key)
        return value

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """All (key, value) pairs whose key starts with `prefix`, in ascending key order, read SCAN_STEP at a time."""
        end = _prefix_end(prefix)
        below_end = partial(operator.gt, (end,)) if end is not None else None
        with self._lock:
            cursor = self._txn.cursor()
        try:
            last: bytes | None = None
            while True:
                with self._lock:
                    if last is None:
                        positioned = cursor.set_range(prefix) if prefix else cursor.first()
                    else:  # just after the last key read (it is still there: the snapshot does not change)
                        positioned = cursor.set_range(last) and cursor.next()
                    step = list(islice(cursor.iternext(), self.SCAN_STEP)) if positioned else []
                if below_end is not None:
                    step = list(takewhile(below_end, step))
                yield from step
                if len(step) < self.SCAN_STEP:
                    return
                last = step[-1][0]
        finally:
            with self._lock:
                cursor.close()

    def close(self) -> None:
        """Abort the read transaction: LMDB may reuse the pages it kept."""
        with self._lock:
            self._txn.abort()


class MemoryStore(_ClosedOnExit):
    """KVStore in a dict, for unit tests; "durability" lasts as long as the object."""

    def __init__(self) -> None:
        """Create an empty store."""
        self._data: dict[bytes, bytes] = {}

    def get(self, key: bytes) -> bytes | None:
        """Value under `key`, or None."""
        return self._data.get(key)

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """All (key, value) pairs whose key starts with `prefix`, in ascending key order.

        Sorts on every call (O(n log n)): fine for tests, which is all this store is for.
        """
        matching = sorted(item for item in self._data.items() if item[0].startswith(prefix))
        return iter(matching)

    def write_entries(self, entries: Iterable[tuple[bytes, bytes | None]]) -> None:
        """Apply the entries all or nothing (held as one batch: this store is in memory anyway)."""
        self.write_batch(dict(entries))

    def write_batch(self, puts: Mapping[bytes, bytes | None]) -> None:
        """Apply all writes (None deletes; missing keys are fine)."""
        for key in puts:  # all checked before any write: a bad key leaves nothing half-applied
            _check_key(key)
        for key, value in puts.items():
            if value is None:
                self._data.pop(key, None)
            else:
                self._data[key] = value

    def snapshot(self) -> StoreSnapshot:
        """A copy of the store as it is now (O(n): this store is for tests)."""
        copy = MemoryStore()
        copy._data = dict(self._data)
        return copy

    def release_mapped_pages(self, budget: int) -> bool:
        """No-op: nothing is mapped."""
        return False

    def close(self) -> None:
        """No-op: nothing to release."""
