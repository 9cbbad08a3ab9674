"""The journaled tables: atomic rollback restores data, dirty keys and secondary indexes exactly."""

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sortedcontainers import SortedDict

from gostaking.chain.tables import PagedTable, Table, TableSet

from simulation import CommittedView

ops = st.lists(st.tuples(st.sampled_from(["put", "delete", "fail"]), st.integers(0, 6), st.integers(0, 3)), max_size=30)


class Boom(Exception):
    pass


def make() -> tuple[TableSet, Table[tuple[int, int], int]]:
    tables = TableSet()
    # Two indexes, so that some rewrites (1 → 3) move an entry in one index and leave the other's in place.
    indexes = {"by_value": lambda key, value: (value, key[0]), "by_parity": lambda key, value: (value % 2,)}
    table = tables.table("t", tuple[int, int], int, indexes=indexes)
    return tables, table


def expected_index(table: Table[tuple[int, int], int]) -> list[tuple[int, int]]:
    data = dict(table.items_sorted())
    return [key for _, _, key in sorted((value, key[0], key) for key, value in data.items())]


def expected_parity_index(table: Table[tuple[int, int], int]) -> list[tuple[int, int]]:
    return [key for _, key in sorted((value % 2, key) for key, value in table.items_sorted())]


@given(batches=st.lists(ops, max_size=6))
def test_indexes_follow_puts_deletes_and_rollbacks(batches: list[list[tuple[str, int, int]]]) -> None:
    tables, table = make()
    for batch in batches:
        before = table.items_sorted()
        failed = False
        try:
            with tables.atomic():
                for op, key, value in batch:
                    if op == "put":
                        table.put((key, key), value)
                    elif op == "delete":
                        table.delete((key, key))
                    else:
                        raise Boom
        except Boom:
            failed = True
        if failed:
            assert table.items_sorted() == before
        keys_in_index = [k for v in range(4) for k in table.scan_index("by_value", (v,))]
        assert keys_in_index == expected_index(table)
        assert table.scan_index("by_parity", ()) == expected_parity_index(table)


@given(batches=st.lists(ops, max_size=6))
def test_a_block_writes_only_what_its_committed_scopes_wrote(batches: list[list[tuple[str, int, int]]]) -> None:
    """A reverted scope leaves no trace in the block's writes: not even a key rewritten with its old value."""
    tables, table = make()
    touched: set[tuple[int, int]] = set()
    for batch in batches:
        written: set[tuple[int, int]] = set()
        try:
            with tables.atomic():
                for op, key, value in batch:
                    if op == "fail":
                        raise Boom
                    if op == "put" or (key, key) in table:
                        written.add((key, key))
                    if op == "put":
                        table.put((key, key), value)
                    else:
                        table.delete((key, key))
        except Boom:
            continue
        touched |= written
    expected = {
        table.storage_key(key): None if (value := table.get(key)) is None else msgspec.json.encode(value)
        for key in touched
    }
    assert tables.take_block_writes() == dict(sorted(expected.items()))


def test_undo_records_go_when_the_outermost_open_scope_succeeds() -> None:
    """A block writes outside any scope first (its height, begin-block hooks); each transaction's scope is then the
    outermost open one, and drops its undo records on success instead of keeping them to the block's end. A scope
    nested in another keeps them, for the outer one to revert (as a simulated transaction's are)."""
    tables, table = make()
    table.put((0, 0), 1)  # unscoped, as a block's first writes
    for key in range(1, 4):
        with tables.atomic():
            table.put((key, key), key)
        assert tables.journal.entries == [] and tables.journal.open_scopes == 0
    with pytest.raises(Boom), tables.atomic():
        with tables.atomic():
            table.put((1, 1), 10)
            table.delete((2, 2))
        assert len(tables.journal.entries) == 2  # the inner scope succeeded inside the outer one: kept
        raise Boom
    assert dict(table.items_sorted()) == {(0, 0): 1, (1, 1): 1, (2, 2): 2, (3, 3): 3}
    assert tables.journal.entries == [] and tables.journal.open_scopes == 0


def test_writes_of_a_block_and_loading_them_back_rebuild_the_same_index() -> None:
    tables, table = make()
    with tables.atomic():
        for key in range(5):
            table.put((key, key), key % 2)
        table.delete((3, 3))
    writes = tables.take_block_writes()
    restored, restored_table = make()
    restored.load_items([(k, v) for k, v in writes.items() if v is not None])
    assert restored_table.scan_index("by_value", (1,)) == table.scan_index("by_value", (1,)) == [(1, 1)]
    assert restored_table.scan_index("by_value", (0,)) == [(0, 0), (2, 2), (4, 4)]
    with pytest.raises(ValueError, match="no index"):
        table.scan_index("nope", ())


@given(
    values=st.dictionaries(st.integers(0, 30), st.integers(0, 3), max_size=25),
    prefix=st.sampled_from([(), (0,), (2,), (3, 5)]),
    offset=st.integers(0, 30),
    limit=st.integers(1, 10),
    reverse=st.booleans(),
)
def test_index_pages_are_slices_of_the_full_scan(
    values: dict[int, int], prefix: tuple[int, ...], offset: int, limit: int, reverse: bool
) -> None:
    """count_index and page_index agree with scanning the whole index, in both directions, for any offset."""
    tables, table = make()
    with tables.atomic():
        for key, value in values.items():
            table.put((key, key), value)
    every = table.scan_index("by_value", prefix)
    ordered = list(reversed(every)) if reverse else every
    assert table.count_index("by_value", prefix) == len(every)
    assert table.page_index("by_value", prefix, offset, limit, reverse=reverse) == (
        len(every),
        ordered[offset : offset + limit],
    )


# --- paged tables: a table read through a view of the committed state gives what a table holding everything does ---

block_ops = st.lists(
    st.tuples(st.sampled_from(["put", "delete", "fail", "read"]), st.integers(0, 9), st.integers(1, 3)), max_size=12
)


def paged_pair(committed: "SortedDict[bytes, bytes]") -> tuple[TableSet, TableSet]:
    """A table set holding everything, and one whose table `t` is paged through a view of `committed`."""
    resident, paged = TableSet(), TableSet(CommittedView(committed))
    resident.table("t", int, int)
    paged.table("t", int, int)
    return resident, paged


def apply_block_ops(tables: TableSet, ops: list[tuple[str, int, int]]) -> list[int | None]:
    """Apply one block's ops, each in its own atomic scope; the values read."""
    table = tables._tables["t"]
    read: list[int | None] = []
    for op, key, value in ops:
        try:
            with tables.atomic():
                if op == "put":
                    table.put(key, value)
                    table.put(key + 10, value)  # two writes, so a failed scope reverts more than one
                elif op == "delete":
                    table.delete(key)
                elif op == "fail":
                    table.put(key, value + 100)
                    table.delete(key + 10)
                    raise Boom
                else:
                    read.append(table.get(key))
        except Boom:
            pass
    return read


@given(blocks=st.lists(block_ops, max_size=6), keep=st.integers(0, 4))
def test_a_paged_table_reads_and_writes_what_a_resident_one_does(
    blocks: list[list[tuple[str, int, int]]], keep: int
) -> None:
    """The same blocks on a resident table and on a paged one with a `keep`-entry cache: the same reads, whole-table
    visits (before and after the block's writes are collected) and block writes. The committed pairs are what the
    paged table's view reads, so its misses and trims see what a node's store would hold."""
    committed: SortedDict[bytes, bytes] = SortedDict()
    resident, paged = paged_pair(committed)
    for ops in blocks:
        assert apply_block_ops(resident, ops) == apply_block_ops(paged, ops)
        resident_table, paged_table = resident._tables["t"], paged._tables["t"]
        assert paged_table.items_sorted() == resident_table.items_sorted()
        assert paged_table.keys_sorted() == resident_table.keys_sorted()
        assert sorted(paged_table.values()) == sorted(resident_table.values())
        assert (len(paged_table), bool(paged_table)) == (len(resident_table), bool(resident_table))
        assert [key in paged_table for key in range(20)] == [key in resident_table for key in range(20)]
        writes = resident.take_block_writes()
        assert paged.take_block_writes() == writes
        for key, raw in writes.items():
            if raw is None:
                committed.pop(key, None)
            else:
                committed[key] = raw
        paged.trim_caches(keep)
        assert len(paged_table._cache) <= keep  # type: ignore[attr-defined]
        assert paged_table.items_sorted() == resident_table.items_sorted()


def test_a_paged_table_refuses_to_trim_uncollected_writes() -> None:
    """Trimming drops entries the view is trusted to hold: before the block's writes are collected (and committed)
    it would drop a write, so it refuses."""
    _, paged = paged_pair(SortedDict())
    paged._tables["t"].put(1, 1)
    with pytest.raises(RuntimeError, match="uncollected writes"):
        paged.trim_caches(0)


def test_indexed_tables_and_singletons_stay_resident_with_a_view() -> None:
    """Secondary indexes need every entry in memory, and singletons are read every transaction."""
    tables = TableSet(CommittedView(SortedDict()))
    indexed = tables.table("i", int, int, indexes={"by_value": lambda key, value: (value,)})
    tables.singleton("s", int, lambda: 0)
    paged = tables.table("p", int, int)
    assert not isinstance(indexed, PagedTable) and isinstance(paged, PagedTable)
    assert tables.resident_prefixes() == [b"i/", b"s/"]
