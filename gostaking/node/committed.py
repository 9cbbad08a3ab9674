"""CommittedStates: the last committed state for readers, who never wait for a block and never keep one waiting.

The node computes a block on its State in place, under the state lock (GoStakingApp). A reader holding that lock
keeps the block waiting, and a block in flight keeps every reader waiting until it commits. Readers that only
show the committed state (the API) read here instead, without that lock:

- two read-only States, `current` and `spare`, hold the resident tables as copies of the node's State's dicts and
  indexes (sharing its values, which are immutable), and page the other tables through a snapshot of the store
  taken at their commit (an LMDB read transaction: later commits do not show in it);
- a reader takes `current` and counts itself in and out under a lock held for a few instructions;
- after each commit the block's thread brings `spare` up to that commit (it takes on the block's changes as
  values, `State.follow`, and a new store snapshot) and makes it `current`; the copy that was current becomes the
  spare, one block behind, and its readers finish on it undisturbed;
- a spare that still has readers (a read that began two commits ago) is not touched: it is retired, closed by its
  last reader, and a new copy made in its place from the node's State (at that commit: the block's thread is
  between blocks). Blocks never wait.

Cost a block: the block's changes applied twice (once to each copy) and a store snapshot: 2–5 ms of CPU for a
block of 5,000 transfers, ~1% of applying it (benchmarks/bench_transfers.py, "readers' copies").
Memory: two more copies of the resident tables' dicts and indexes (their values are shared), and two caches of
the paged tables' entries readers asked for, trimmed to `cache_entries` each as the copy is brought up to date.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from contextlib import contextmanager

from gostaking.chain.state import State
from gostaking.chain.tables import BlockChanges
from gostaking.storage.chainstore import ChainStore
from gostaking.storage.state_view import CommittedView

__all__ = ["CommittedStates"]


class _SwitchedView:
    """The committed view a read-only State's paged tables read through: a copy's tables keep this one object,
    and bringing the copy up to date points it at the next commit's view."""

    def __init__(self, view: CommittedView) -> None:
        self.current = view

    def get(self, key: bytes) -> bytes | None:
        """The value of state key `key` at the copy's commit, or None."""
        return self.current.get(key)

    def scan(self, prefix: bytes) -> Generator[tuple[bytes, bytes], None, None]:
        """Every (state key, value) under `prefix` at the copy's commit, in key order."""
        return self.current.scan(prefix)


class _Copy:
    """One read-only State, the commit it shows, its readers and the committed blocks it has yet to take on."""

    def __init__(self, view: CommittedView, node_state: State) -> None:
        """A copy of `node_state`, which must be at the commit `view` shows and between blocks."""
        self.view = _SwitchedView(view)
        self.state = State(view=self.view)
        self.state.copy_resident(node_state)
        self.readers = 0
        self.behind: list[BlockChanges] = []
        self.retired = False
        """Replaced while it had readers: its last reader closes it."""

    @property
    def height(self) -> int:
        """The commit it shows: its view's."""
        return self.view.current.height

    def catch_up(self, view: CommittedView, cache_entries: int) -> None:
        """Take on every block it is behind by and read `view` (of the last of them) from now on. No readers."""
        for changes in self.behind:
            self.state.follow(changes)
        self.behind.clear()
        previous, self.view.current = self.view.current, view
        previous.close()
        self.state.trim_caches(cache_entries)

    def close(self) -> None:
        """Release its store snapshot (no reader may use it afterwards)."""
        self.view.current.close()


class CommittedStates:
    """The committed state of a ChainStore for readers on any thread (see the module docstring). `advance` after
    each commit, from the thread that commits; `read` from anywhere."""

    def __init__(self, chain: ChainStore, node_state: State, cache_entries: int) -> None:
        """Copies of `chain`'s committed state (it must hold a commit) as `node_state` holds it between blocks, their
        paged caches trimmed to `cache_entries` entries each time they are brought up to date."""
        self._chain = chain
        self._cache_entries = cache_entries
        self._lock = threading.Lock()  # held only to pick a copy and count readers in and out
        self._current = _Copy(chain.committed_view(), node_state)
        self._spare = _Copy(chain.committed_view(), node_state)
        self.copies_made = 2
        """Copies made of the node's State (two at the start, one more each time a spare was still being read)."""

    @property
    def height(self) -> int:
        """The commit readers see now."""
        return self._current.height

    @contextmanager
    def read(self) -> Iterator[State]:
        """The state at the last commit `advance` was told of, read-only. Never waits for a block; a block never
        waits for it. Keep it short all the same: a read that outlasts two commits costs the second a new copy."""
        with self._lock:
            copy = self._current
            copy.readers += 1
        try:
            yield copy.state
        finally:
            with self._lock:
                copy.readers -= 1
                close = copy.retired and copy.readers == 0
            if close:
                copy.close()

    def advance(self, changes: BlockChanges, node_state: State) -> None:
        """After the chain committed a block whose changes are `changes` (State.take_block_changes): make readers
        see it. `node_state` is the node's State, now at that commit."""
        self._current.behind.append(changes)
        spare = self._spare
        spare.behind.append(changes)
        with self._lock:
            if spare.readers:
                spare.retired = True
        if spare.retired:
            spare = _Copy(self._chain.committed_view(), node_state)
            self.copies_made += 1
        else:
            spare.catch_up(self._chain.committed_view(), self._cache_entries)
        with self._lock:
            self._spare, self._current = self._current, spare

    def close(self) -> None:
        """Release both copies' store snapshots once their readers are done (the app is closing or replacing its
        state)."""
        for copy in (self._current, self._spare):
            with self._lock:
                copy.retired = True
                idle = copy.readers == 0
            if idle:
                copy.close()
