"""The journaled tables: atomic rollback restores data, dirty keys and secondary indexes exactly."""

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gostaking.chain.tables import Table, TableSet

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
