"""Typed key-value tables with a journal for atomic transactions and a dirty set per block.

Every table maps a key (str, int, or tuple of them) to an immutable msgspec Struct or int. Writes go through
`put`/`delete`, which record the previous value in the journal so `State.atomic()` can roll a failed
transaction back exactly, and mark the key dirty so the node persists only what a block changed.
Storage keys are `table name ‖ b"/" ‖ json(key)` and values are compact JSON, both canonical (msgspec writes
struct fields in declared order, no whitespace), so every node computes the same app hash. JSON rather than
msgpack because reward accumulators are integers far beyond 64 bits, which msgpack cannot carry.
"""

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, Generic, Protocol, TypeVar

import msgspec
from sortedcontainers import SortedList

K = TypeVar("K")
V = TypeVar("V")

_MISSING: Any = object()


class _AfterAll:
    """Sorts after every value: `(*prefix, _AFTER_ALL)` bounds the index entries that start with `prefix`."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True


_AFTER_ALL = _AfterAll()


class StateView(Protocol):
    """The committed state as the node's store holds it, which a paged table reads through (see PagedTable).

    Storage keys and values as `Table.storage_key` and `take_writes` encode them. The node's view lays the block
    writes it has taken but not yet committed over the store, so a table never sees its own writes go missing.
    The chain only calls it; the reading itself (disk, cache) is the node's."""

    def get(self, key: bytes) -> bytes | None:
        """The value stored under `key`, or None."""
        ...

    def scan(self, prefix: bytes) -> Generator[tuple[bytes, bytes], None, None]:
        """Every (key, value) whose key starts with `prefix`, in ascending key order. A generator, so that the
        reader can close it early (a store's scan may hold a read transaction until then)."""
        ...


BlockChanges = dict[str, dict[Any, Any]]
"""What a block changed, as values: table name → key → new value (a deleted key: the tables' own marker of a missing
entry, which only `follow` reads)."""

IndexKey = Callable[[K, V], tuple[Any, ...]]
"""Maps an entry to its position in a secondary index (the key is appended to keep entries unique)."""
_ENCODER = msgspec.json.Encoder()


class Table(Generic[K, V]):
    """One typed table of the state. Reads are dict lookups; writes are journaled and marked dirty."""

    get: Callable[[K], V | None]
    """`get(key)`: the value under `key`, or None."""
    get_or: Callable[[K, V], V]
    """`get_or(key, default)`: the value under `key`, or `default`."""

    def __init__(
        self,
        journal: "Journal",
        name: str,
        key_type: Any,
        value_type: Any,
        indexes: dict[str, "IndexKey[K, V]"] | None = None,
    ) -> None:
        self.name = name
        self.prefix = name.encode() + b"/"
        self._journal = journal
        self._undo = journal.entries
        """The journal's undo records, appended to directly: `put` and `delete` run for every write of a block."""
        self._data: dict[K, V] = {}
        # The reads are the dict's own method, not Python methods calling it: a block reads tables ~10^5 times.
        self.get = self.get_or = self._data.get
        self._dirty: dict[K, V] = {}
        """Key → value of every entry the block wrote (_MISSING: deleted), so that collecting the block's writes
        reads nothing else."""
        self._key_decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(key_type)
        self._value_decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(value_type)
        # Optional ordered secondary indexes, derived from the entries and kept only in memory (never persisted,
        # so they cannot disagree with state): they let a module visit e.g. one node's stakers, or a query one
        # account's delegations, without scanning the table.
        self._indexes: dict[str, SortedList] = {name: SortedList() for name in indexes or {}}
        self._index_upkeep: tuple[tuple[IndexKey[K, V], SortedList], ...] = tuple(
            (index_key, self._indexes[name]) for name, index_key in (indexes or {}).items()
        )
        """(position function, entries) of each index: what every write of an indexed table walks."""

    def __contains__(self, key: K) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def put(self, key: K, value: V) -> None:
        """Store `value` under `key` (journaled)."""
        data, dirty = self._data, self._dirty
        old = data.get(key, _MISSING)
        self._undo.append((self, key, old, key in dirty))  # an undo record (Journal.entries)
        if self._index_upkeep:
            if old is _MISSING:
                self._index(key, value)
            else:
                self._reindex(key, old, value)
        data[key] = value
        dirty[key] = value

    def delete(self, key: K) -> None:
        """Remove `key` if present (journaled)."""
        data, dirty = self._data, self._dirty
        if key in data:
            old = data.pop(key)
            self._undo.append((self, key, old, key in dirty))  # an undo record (Journal.entries)
            if self._index_upkeep:
                self._unindex(key, old)
            dirty[key] = _MISSING

    def insert_next(self, counter: "Singleton[int]", value: V) -> int:
        """Store `value` under the next id of a table of records numbered 0, 1, 2… (their count is `counter`);
        returns its id."""
        record_id = counter.get()
        counter.set(record_id + 1)
        self.put(record_id, value)  # type: ignore[arg-type]  # K is int for numbered tables
        return record_id

    def keys_sorted(self) -> list[K]:
        """All keys in ascending order. O(n log n): for elections, queries and invariants, never per tx."""
        return sorted(self._data)  # type: ignore[type-var]

    def items_sorted(self) -> list[tuple[K, V]]:
        """All (key, value) pairs in ascending key order (see keys_sorted for cost)."""
        data = self._data
        return [(k, data[k]) for k in self.keys_sorted()]

    def values(self) -> Iterator[V]:
        """Values in unspecified order: only for order-independent aggregates (sums, invariants)."""
        return iter(self._data.values())

    def scan_index(self, index: str, prefix: tuple[Any, ...]) -> list[K]:
        """Keys whose entry in `index` starts with `prefix`, in index order. O(log n + matches)."""
        entries = self._indexes.get(index)
        if entries is None:
            raise ValueError(f"table {self.name} has no index {index!r}")
        width = len(prefix)
        out = []
        for entry in entries.irange(minimum=prefix):
            if entry[:width] != prefix:
                break
            out.append(entry[-1])
        return out

    def count_index(self, index: str, prefix: tuple[Any, ...]) -> int:
        """How many entries of `index` start with `prefix`. O(log n)."""
        low, high = self._index_range(index, prefix)
        return high - low

    def page_index(
        self, index: str, prefix: tuple[Any, ...], offset: int, limit: int, *, reverse: bool = False
    ) -> tuple[int, list[K]]:
        """(matches, keys): how many entries of `index` start with `prefix`, and the keys of `limit` of them from
        `offset` on, in index order (last first with `reverse`). O(log n + limit): list pages never sort or scan."""
        low, high = self._index_range(index, prefix)
        if reverse:
            start, stop = max(high - offset - limit, low), max(high - offset, low)
        else:
            start, stop = min(low + offset, high), min(low + offset + limit, high)
        entries = self._indexes[index].islice(start, stop, reverse=reverse)
        return high - low, [entry[-1] for entry in entries]

    def page_numbered(
        self, count: int, filters: dict[str, Any], offset: int, limit: int, *, newest_first: bool
    ) -> tuple[int, list[K]]:
        """(matches, ids) of a page of records numbered 0 .. count - 1, by id, keeping those whose fields equal the
        `filters` that are not None (name → value). Filtered pages read the index named `by_<name>_<name>` of the
        active filters, in the order given; unfiltered ones are a range of ids. O(log n + limit)."""
        active = [(name, value) for name, value in filters.items() if value is not None]
        if not active:
            return count, list(numbered_page(count, offset, limit, newest_first=newest_first))  # type: ignore[arg-type]
        index = "by_" + "_".join(name for name, _ in active)
        return self.page_index(index, tuple(value for _, value in active), offset, limit, reverse=newest_first)

    def rows(self, keys: list[K]) -> list[tuple[K, V]]:
        """(key, value) of the keys that have a value, in the order given."""
        data = self._data
        return [(key, data[key]) for key in keys if key in data]

    def _index_range(self, index: str, prefix: tuple[Any, ...]) -> tuple[int, int]:
        entries = self._indexes.get(index)
        if entries is None:
            raise ValueError(f"table {self.name} has no index {index!r}")
        return entries.bisect_left(prefix), entries.bisect_left((*prefix, _AFTER_ALL))

    def _index(self, key: K, value: V) -> None:
        for index_key, entries in self._index_upkeep:
            entries.add((*index_key(key, value), key))

    def _unindex(self, key: K, value: V) -> None:
        for index_key, entries in self._index_upkeep:
            entries.remove((*index_key(key, value), key))

    def _reindex(self, key: K, old: V, new: V) -> None:
        """Move `key`'s index entries from where `old` put them to where `new` does. An entry whose position does
        not change stays as it is: most rewrites keep every position (an order after a partial fill keeps its owner
        and price level)."""
        for index_key, entries in self._index_upkeep:
            old_position, new_position = index_key(key, old), index_key(key, new)
            if old_position != new_position:
                entries.remove((*old_position, key))
                entries.add((*new_position, key))

    def _move_entries(self, key: K, current: V, replacement: V) -> None:
        """Index upkeep for `key` going from `current` to `replacement`, either of them _MISSING (no entry)."""
        if current is _MISSING:
            if replacement is not _MISSING:
                self._index(key, replacement)
        elif replacement is _MISSING:
            self._unindex(key, current)
        else:
            self._reindex(key, current, replacement)

    def _restore(self, key: K, old: V, was_dirty: bool) -> None:
        if was_dirty:
            self._dirty[key] = old  # the block's write of it is again the one before the reverted scope
        else:
            # Written first inside the reverted scope: the block no longer writes it at all (its value is back).
            self._dirty.pop(key, None)
        self._put_back(key, old)

    def _put_back(self, key: K, old: V) -> None:
        """Make `old` (_MISSING: no entry) the value of `key` again, without journaling (a revert)."""
        current = self._data.get(key, _MISSING)
        if self._index_upkeep:
            self._move_entries(key, current, old)
        if old is _MISSING:
            self._data.pop(key, None)
        else:
            self._data[key] = old

    # --- persistence (used by the node through State) ---

    def storage_key(self, key: K) -> bytes:
        """Canonical storage key of `key`."""
        return self.prefix + _ENCODER.encode(key)

    def take_writes(self, out: dict[bytes, bytes | None]) -> dict[K, V]:
        """Move this table's dirty entries into `out` as encoded (key, value-or-None), in storage key order, and
        start a new dirty set; returns the one taken (key → value, or the missing-entry marker for a deleted key),
        which a reader's copy of the state can follow (`follow`)."""
        dirty = self._dirty
        if not dirty:
            return dirty
        prefix, encode = self.prefix, _ENCODER.encode
        encoded = {
            prefix + encode(key): None if value is _MISSING else encode(value)  # storage_key, inlined
            for key, value in dirty.items()
        }
        for storage_key in sorted(encoded):
            out[storage_key] = encoded[storage_key]
        self._dirty = {}
        return dirty

    def follow(self, changes: dict[K, V]) -> None:
        """Take on the committed `changes` of a block (`take_writes`' answer), without journaling: a read-only copy
        of the state following the one that computes blocks."""
        for key, value in changes.items():
            self._put_back(key, value)

    def copy_from(self, other: "Table[K, V]") -> None:
        """Hold exactly `other`'s entries (the same values: they are immutable) and index entries, without
        journaling. The dict and index objects stay the ones the table's readers hold (`get`, Singleton)."""
        self._data.clear()
        self._data.update(other._data)
        for name, entries in self._indexes.items():
            entries.clear()
            entries.update(other._indexes[name])

    def load(self, raw_key: bytes, raw_value: bytes) -> None:
        """Insert a persisted entry without journaling (state loading at start-up)."""
        key = self._key_decoder.decode(raw_key)
        value = self._value_decoder.decode(raw_value)
        if self._index_upkeep:
            self._move_entries(key, self._data.get(key, _MISSING), value)
        self._data[key] = value


class PagedTable(Table[K, V]):
    """A table read through a cache over the committed state (a StateView) instead of held whole in memory.

    The state of a chain grows with every account, and accounts are cheap to make, so the node keeps only what
    blocks touch: a read that misses the cache reads the view and remembers the answer (absence too), a write
    goes to the cache and the dirty set as in any table, and `trim_cache` forgets clean entries between blocks.
    Reads and writes give exactly what a table holding everything would, so app hashes do not change (the
    tests run both). What costs more is a whole-table visit (`keys_sorted`, `items_sorted`, `values`, `len`):
    it scans the view, for invariants and queries only, never per transaction. A paged table has no secondary
    indexes (they need every entry in memory): declare indexes only on tables whose size fees or stakes bound.
    """

    def __init__(self, journal: "Journal", name: str, key_type: Any, value_type: Any, view: StateView) -> None:
        super().__init__(journal, name, key_type, value_type)
        self._view = view
        self._cache: dict[K, V | None] = self._data  # type: ignore[assignment]  # None: known to be absent
        self.get = self.get_or = self._read  # type: ignore[assignment]

    def _read(self, key: K, default: V | None = None) -> V | None:
        value = self._cache.get(key, _MISSING)
        if value is _MISSING:
            raw = self._view.get(self.storage_key(key))
            value = self._cache[key] = None if raw is None else self._value_decoder.decode(raw)
        return default if value is None else value

    def __contains__(self, key: K) -> bool:
        return self._read(key) is not None

    def __len__(self) -> int:
        """O(n): counts the entries by scanning the view."""
        return sum(1 for _ in self._entries())

    def __bool__(self) -> bool:
        entries = self._entries()
        try:
            return next(entries, None) is not None
        finally:
            entries.close()  # the view's scan may hold a read transaction until closed

    def put(self, key: K, value: V) -> None:
        """Store `value` under `key` (journaled)."""
        old = self._read(key)
        self._undo.append((self, key, _MISSING if old is None else old, key in self._dirty))
        self._cache[key] = value
        self._dirty[key] = value

    def delete(self, key: K) -> None:
        """Remove `key` if present (journaled)."""
        old = self._read(key)
        if old is not None:
            self._undo.append((self, key, old, key in self._dirty))
            self._cache[key] = None
            self._dirty[key] = _MISSING

    def _put_back(self, key: K, old: V) -> None:
        self._cache[key] = None if old is _MISSING else old

    def keys_sorted(self) -> list[K]:
        """All keys in ascending order: a scan of the view (see the class docstring for cost)."""
        return sorted(key for key, _ in self._entries())  # type: ignore[type-var]

    def items_sorted(self) -> list[tuple[K, V]]:
        """All (key, value) pairs in ascending key order (see keys_sorted for cost)."""
        return sorted(self._entries(), key=_first)

    def values(self) -> Iterator[V]:
        """Values in unspecified order: only for order-independent aggregates (sums, invariants)."""
        return (value for _, value in self._entries())

    def rows(self, keys: list[K]) -> list[tuple[K, V]]:
        """(key, value) of the keys that have a value, in the order given."""
        found = ((key, self._read(key)) for key in keys)
        return [(key, value) for key, value in found if value is not None]

    def _entries(self) -> Generator[tuple[K, V], None, None]:
        """Every entry: the view's, except those this block wrote (its dirty set), then this block's."""
        dirty, width = self._dirty, len(self.prefix)
        decode_key, decode_value = self._key_decoder.decode, self._value_decoder.decode
        scan = self._view.scan(self.prefix)
        try:
            for raw_key, raw_value in scan:
                key = decode_key(raw_key[width:])
                if key not in dirty:
                    yield key, decode_value(raw_value)
        finally:
            scan.close()
        for key, value in dirty.items():
            if value is not _MISSING:
                yield key, value

    def follow(self, changes: dict[K, V]) -> None:
        """Forget the cached entries the committed `changes` replace: the view, a later commit's, has them."""
        cache = self._cache
        for key in changes:
            cache.pop(key, None)

    def load(self, raw_key: bytes, raw_value: bytes) -> None:
        """Remember a persisted entry without journaling (a restored snapshot's entries)."""
        self._cache[self._key_decoder.decode(raw_key)] = self._value_decoder.decode(raw_value)

    def trim_cache(self, keep: int) -> None:
        """Forget the oldest-read clean entries until at most `keep` remain. Between blocks only: the view must
        already hold everything the cache knows (the block's writes are committed)."""
        if self._dirty:
            raise RuntimeError(f"table {self.name}: trim_cache with uncollected writes")
        cache = self._cache
        excess = len(cache) - keep
        if excess > 0:
            for key in list(islice(cache, excess)):
                del cache[key]


def _first(item: tuple[Any, Any]) -> Any:
    return item[0]


class Singleton(Generic[V]):
    """A table holding exactly one value (parameters, totals, cursors)."""

    def __init__(self, table: Table[str, V], default: Callable[[], V]) -> None:
        self._table = table
        self._data = table._data  # read directly: parameters and totals are read several times per transaction
        self._default = default

    def get(self) -> V:
        """Current value (the default before the first write)."""
        value = self._data.get("")
        return self._default() if value is None else value

    def set(self, value: V) -> None:
        """Replace the value (journaled)."""
        self._table.put("", value)


class Journal:
    """Undo log shared by all tables of one State."""

    def __init__(self) -> None:
        self.entries: list[tuple[Table[Any, Any], Any, Any, bool]] = []
        """(table, key, value before the write, whether the block had written the key already), one per write.
        Never replaced, only appended to and emptied: every table's `put` and `delete` append to this very list."""
        self.open_scopes = 0
        """Atomic scopes entered and not yet left."""

    def revert_to(self, mark: int) -> None:
        """Undo every write after `mark`, newest first."""
        entries = self.entries
        while len(entries) > mark:
            table, key, old, was_dirty = entries.pop()
            table._restore(key, old, was_dirty)


class AtomicScope:
    """The scope of `TableSet.atomic()`: remembers the journal's length on entry; on an exception reverts every
    write made since (and lets the exception through); when the outermost scope succeeds, drops the undo records.
    A class rather than a generator context manager: every transaction opens two."""

    __slots__ = ("_journal", "_mark")

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._mark = 0

    def __enter__(self) -> None:
        journal = self._journal
        self._mark = len(journal.entries)
        journal.open_scopes += 1

    def __exit__(self, error_type: type[BaseException] | None, error: BaseException | None, traceback: Any) -> None:
        journal = self._journal
        journal.open_scopes -= 1
        if error_type is not None:
            journal.revert_to(self._mark)  # and the exception goes on (None: not suppressed)
        elif not journal.open_scopes:
            # The outermost open scope succeeded: no scope can revert its writes, nor the unscoped ones before it
            # (a scope reverts only what came after its entry), so every undo record goes. Counted by open scopes,
            # not by an empty journal at entry: a block's first writes (its height, begin-block hooks) are made
            # outside any scope, and each transaction's records would otherwise pile up until the block's end.
            journal.entries.clear()


def _prefix_of(table: Table[Any, Any]) -> bytes:
    return table.prefix


def numbered_page(count: int, offset: int, limit: int, *, newest_first: bool) -> range:
    """The ids of one page of records numbered 0 .. count - 1 (withdrawals, proposals, council actions), newest
    (highest id) first or oldest first. O(1): a page of numbered records is a range of ids."""
    if newest_first:
        return range(count - 1 - offset, max(count - 1 - offset - limit, -1), -1)
    return range(offset, min(offset + limit, count))


@dataclass(frozen=True, eq=False, slots=True)
class TableSpec(Generic[K, V]):
    """A table as a module declares it (its `tables.py`): name, key and value types, secondary indexes.

    The spec is the handle chain code reads and writes the table through: `state[BALANCES]` is the State's
    `Table` for the spec `BALANCES`. Compared and hashed by identity, so the lookup is a plain dict access.
    """

    name: str
    key_type: type[K]
    value_type: type[V]
    indexes: dict[str, "IndexKey[K, V]"] | None = None
    doc: str = ""
    resident: bool = False
    """Held whole in memory on a node rather than paged through its store (see PagedTable): for tables whose
    size governance bounds (listed assets, pools, markets) and that blocks visit whole. Indexed tables always are."""


@dataclass(frozen=True, eq=False, slots=True)
class SingletonSpec(Generic[V]):
    """A single-value table as a module declares it (parameters, totals, cursors); `default` before a write."""

    name: str
    value_type: type[V]
    default: Callable[[], V]
    doc: str = ""


AnySpec = TableSpec[Any, Any] | SingletonSpec[Any]


class TableSet:
    """Base for State: owns the journal and knows every table by name.

    Without a view every table holds all its entries (genesis, tests, tools). With a view (a node's committed
    state) the tables that can grow without bound are paged through it (PagedTable), and the node loads only the
    resident ones: singletons, indexed tables and those declared `resident` (`load_resident`)."""

    def __init__(self, view: StateView | None = None) -> None:
        self.journal = Journal()
        self._tables: dict[str, Table[Any, Any]] = {}
        self._view = view

    def table(
        self,
        name: str,
        key_type: Any,
        value_type: Any,
        indexes: dict[str, "IndexKey[Any, Any]"] | None = None,
        *,
        resident: bool = False,
    ) -> Table[Any, Any]:
        """Declare a table; names must be unique and never change (they are part of the storage keys).
        `indexes` adds in-memory ordered indexes: name → function of (key, value) (see Table.scan_index); an
        indexed or `resident` table is held whole in memory even when the set has a view."""
        if name in self._tables or "/" in name:
            raise ValueError(f"bad or duplicate table name {name!r}")
        table: Table[Any, Any]
        if self._view is None or indexes or resident:
            table = Table(self.journal, name, key_type, value_type, indexes)
        else:
            table = PagedTable(self.journal, name, key_type, value_type, self._view)
        self._tables[name] = table
        return table

    def singleton(self, name: str, value_type: Any, default: Callable[[], V]) -> Singleton[V]:
        """Declare a single-value table (always resident: it is read several times per transaction)."""
        return Singleton(self.table(name, str, value_type, resident=True), default)

    def declare(self, spec: AnySpec) -> Table[Any, Any] | Singleton[Any]:
        """Declare the table of a module's spec."""
        if isinstance(spec, SingletonSpec):
            return self.singleton(spec.name, spec.value_type, spec.default)
        return self.table(spec.name, spec.key_type, spec.value_type, spec.indexes, resident=spec.resident)

    def atomic(self) -> "AtomicScope":
        """Run a block of writes atomically (`with state.atomic(): ...`): any exception reverts every write made
        inside it."""
        return AtomicScope(self.journal)

    def take_block_writes(self) -> dict[bytes, bytes | None]:
        """Encoded writes of everything changed since the last call (one block), sorted by storage key."""
        return self.take_block_changes()[0]

    def take_block_changes(self) -> tuple[dict[bytes, bytes | None], "BlockChanges"]:
        """`take_block_writes`, and the same changes as values (BlockChanges) for a reader's copy of the state to
        `follow` once they are committed."""
        out: dict[bytes, bytes | None] = {}
        changes: BlockChanges = {}
        # Table prefixes (`name/`) are prefix-free, so the tables' writes, each sorted, concatenated in prefix
        # order are sorted as a whole.
        for table in sorted(self._tables.values(), key=_prefix_of):
            taken = table.take_writes(out)
            if taken:
                changes[table.name] = taken
        self.journal.entries.clear()
        return out, changes

    def copy_resident(self, other: "TableSet") -> None:
        """Make the resident tables hold what `other`'s hold, a State of the same modules between blocks (no
        uncollected writes): a read-only copy of a node's State at its last commit (node/committed.py), made
        without reading or decoding the store. The paged tables read their view as before."""
        for name, table in self._tables.items():
            if not isinstance(table, PagedTable):
                table.copy_from(other._tables[name])

    def follow(self, changes: "BlockChanges") -> None:
        """Take on a committed block's `changes` (`take_block_changes`' second answer, from a State of the same
        modules): how a read-only State follows the chain (node/committed.py). Its paged tables must read a view of
        the store that has the block."""
        tables = self._tables
        for name, table_changes in changes.items():
            tables[name].follow(table_changes)

    def load_items(self, items: Iterator[tuple[bytes, bytes]] | list[tuple[bytes, bytes]]) -> None:
        """Fill the tables from persisted (storage key, value) pairs."""
        tables = self._tables
        for raw_key, raw_value in items:
            name, _, key = raw_key.partition(b"/")
            table = tables.get(name.decode())
            if table is None:
                raise ValueError(f"persisted state has an unknown table {name!r}")
            table.load(key, raw_value)

    def resident_prefixes(self) -> list[bytes]:
        """Storage-key prefixes of the tables held whole in memory, which a node with a view loads at start."""
        return [table.prefix for table in self._tables.values() if not isinstance(table, PagedTable)]

    def load_resident(self, items_of: Callable[[bytes], Iterator[tuple[bytes, bytes]]]) -> None:
        """Fill the resident tables from `items_of(prefix)`: the persisted (storage key, value) pairs under a prefix.
        The paged tables read the view when they need to."""
        for prefix in self.resident_prefixes():
            self.load_items(items_of(prefix))

    def trim_caches(self, keep: int) -> None:
        """Let every paged table forget clean entries beyond `keep` (between blocks, after the commit)."""
        for table in self._tables.values():
            if isinstance(table, PagedTable):
                table.trim_cache(keep)

    def table_names(self) -> list[str]:
        """Names of all declared tables, sorted."""
        return sorted(self._tables)
