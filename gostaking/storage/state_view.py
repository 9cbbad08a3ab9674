"""StateView: the committed state as ChainStore holds it, with the writes of a computed block laid over it.

The chain's paged tables read through it (`StateView` in chain/tables.py): between `compute_app_hash` and `commit`
the block's own writes are pending in ChainStore, not yet in the store, and a table must still see them.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Protocol

from .kv import StoreSnapshot

__all__ = ["CommittedView", "PendingWrites", "StateView", "close_entries"]


class _Readable(Protocol):
    def get(self, key: bytes) -> bytes | None: ...

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]: ...


class PendingWrites(dict[bytes, bytes | None]):
    """One block's state writes (None deletes) between compute_app_hash and commit, with their keys sorted once."""

    def __init__(self, writes: Mapping[bytes, bytes | None]) -> None:
        """A copy of `writes`: later changes to the caller's mapping cannot change what gets committed."""
        super().__init__(writes)
        self._sorted_keys: list[bytes] | None = None

    def sorted_keys(self) -> list[bytes]:
        """The keys in ascending order (sorted on first use: a block's scans share it). Do not modify the writes."""
        if self._sorted_keys is None:
            self._sorted_keys = sorted(self)
        return self._sorted_keys


def close_entries(entries: Iterator[tuple[bytes, bytes]]) -> None:
    """Close a store iterator now: a generator over LMDB holds its read transaction until closed."""
    close = getattr(entries, "close", None)
    if close is not None:
        close()


class StateView:
    """The committed state with the writes of a computed, not yet committed block laid over it (None: deleted).

    From `ChainStore.state_reader`. It follows its ChainStore: each call sees the latest commit plus whatever is
    pending at that moment. Use it on the thread that drives the block cycle (a scan begun before a commit may mix
    the two sides of it).
    """

    def __init__(self, store: _Readable, state_prefix: bytes, pending: Callable[[], PendingWrites | None]) -> None:
        """The view of the state kept under `state_prefix` in `store`, with `pending()`'s writes over it."""
        self._store = store
        self._store_get = store.get
        self._prefix = state_prefix
        self._pending = pending

    def get(self, key: bytes) -> bytes | None:
        """The value of state key `key`, or None."""
        pending = self._pending()
        if pending is not None and key in pending:
            return pending[key]
        return self._store_get(self._prefix + key)

    def scan(self, prefix: bytes) -> Generator[tuple[bytes, bytes], None, None]:
        """Every (state key, value) whose key starts with `prefix`, in ascending key order. Close it (or read it to
        the end) soon: it holds the store's read view (see LmdbStore.iter_prefix)."""
        pending = self._pending()
        overlay: list[tuple[bytes, bytes | None]] = []
        if pending:
            keys = pending.sorted_keys()
            position = bisect.bisect_left(keys, prefix)
            while position < len(keys) and keys[position].startswith(prefix):
                overlay.append((keys[position], pending[keys[position]]))
                position += 1
        next_write = 0
        width = len(self._prefix)
        committed = self._store.iter_prefix(self._prefix + prefix)
        try:
            for raw_key, value in committed:
                key = raw_key[width:]
                while next_write < len(overlay) and overlay[next_write][0] <= key:
                    written_key, written = overlay[next_write]
                    next_write += 1
                    if written is not None:
                        yield written_key, written
                if next_write and overlay[next_write - 1][0] == key:
                    continue  # the block wrote (or deleted) this entry: its write was handled above
                yield key, value
        finally:
            close_entries(committed)
        for written_key, written in overlay[next_write:]:
            if written is not None:
                yield written_key, written


def _nothing_pending() -> None:
    return None


class CommittedView(StateView):
    """The state of one commit, as a snapshot of the store holds it (`ChainStore.committed_view`): later blocks do
    not show, so it can be read from any thread while they are computed and committed. Close it when done."""

    def __init__(self, snapshot: StoreSnapshot, state_prefix: bytes, height: int) -> None:
        """The state kept under `state_prefix` in `snapshot`, committed at `height`."""
        super().__init__(snapshot, state_prefix, _nothing_pending)
        self.height = height
        self._snapshot = snapshot

    def close(self) -> None:
        """Release the store snapshot (reading afterwards fails)."""
        self._snapshot.close()
