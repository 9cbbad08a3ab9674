"""LmdbStore and MemoryStore: the same KVStore contract, plus LMDB persistence."""

import sys
from collections.abc import Iterator
from pathlib import Path

import lmdb
import pytest

from gostaking.storage.kv import MAX_KEY_SIZE, KVStore, LmdbStore, MemoryStore, _LmdbSnapshot


@pytest.fixture(params=["lmdb", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KVStore]:
    kv: KVStore = LmdbStore(tmp_path / "db", map_size=2**24) if request.param == "lmdb" else MemoryStore()
    yield kv
    kv.close()


def test_round_trip_and_delete(store: KVStore) -> None:
    store.write_batch({b"a": b"1", b"b": b"2", b"empty-value": b""})
    assert store.get(b"a") == b"1"
    assert store.get(b"empty-value") == b""
    assert store.get(b"missing") is None
    assert store.get(b"") is None

    store.write_batch({b"a": None, b"never-existed": None, b"b": b"22"})
    assert store.get(b"a") is None
    assert store.get(b"b") == b"22"


def test_iter_prefix_is_ordered_and_bounded(store: KVStore) -> None:
    store.write_batch({b"p\xff": b"4", b"p": b"0", b"p\x00": b"1", b"pa": b"2", b"q": b"x", b"o\xff": b"y"})
    assert list(store.iter_prefix(b"p")) == [(b"p", b"0"), (b"p\x00", b"1"), (b"pa", b"2"), (b"p\xff", b"4")]
    assert list(store.iter_prefix(b"zz")) == []
    assert [key for key, _ in store.iter_prefix(b"")] == [b"o\xff", b"p", b"p\x00", b"pa", b"p\xff", b"q"]


def test_iter_prefix_on_empty_store(store: KVStore) -> None:
    assert list(store.iter_prefix(b"")) == []
    assert list(store.iter_prefix(b"x")) == []


def test_iter_prefix_ending_in_0xff_bytes(store: KVStore) -> None:
    # The LMDB store stops at the least key above the prefix (b"p\xff" -> b"q"); an all-0xff prefix has none.
    store.write_batch({b"p\xfe\xff": b"0", b"p\xff": b"1", b"p\xff\x00": b"2", b"p\xff\xff\x07": b"3", b"q": b"4"})
    store.write_batch({b"\xff": b"5", b"\xff\xff": b"6", b"\xff\xff\x01": b"7"})
    assert [key for key, _ in store.iter_prefix(b"p\xff")] == [b"p\xff", b"p\xff\x00", b"p\xff\xff\x07"]
    assert [key for key, _ in store.iter_prefix(b"p\xff\xff")] == [b"p\xff\xff\x07"]
    assert [key for key, _ in store.iter_prefix(b"\xff\xff")] == [b"\xff\xff", b"\xff\xff\x01"]
    assert [key for key, _ in store.iter_prefix(b"\xff")] == [b"\xff", b"\xff\xff", b"\xff\xff\x01"]


def test_a_snapshot_keeps_what_the_store_held_when_it_was_taken(store: KVStore) -> None:
    held = {b"p\xfe\xff": b"0", b"p\xff": b"1", b"p\xff\x00": b"2", b"p\xff\xff\x07": b"3", b"q": b"4", b"\xff": b"5"}
    store.write_batch(held)
    snapshot = store.snapshot()
    store.write_batch({b"p\xff": b"changed", b"q": None, b"p\xff\x01": b"new", b"\xff\xff": b"new"})
    assert [snapshot.get(key) for key in (b"p\xff", b"q", b"p\xff\x01", b"")] == [b"1", b"4", None, None]
    assert store.get(b"p\xff") == b"changed" and store.get(b"q") is None
    for prefix in (b"", b"p", b"p\xff", b"p\xff\xff", b"\xff", b"zz"):
        expected = sorted((key, value) for key, value in held.items() if key.startswith(prefix))
        assert list(snapshot.iter_prefix(prefix)) == expected, prefix
    snapshot.close()


def test_an_lmdb_snapshot_scans_in_steps_that_other_readers_and_writes_come_between(tmp_path: Path) -> None:
    """A scan longer than SCAN_STEP takes the snapshot's lock per step: between two steps a write batch commits and
    another scan and a read of the same snapshot run, and the first scan still gives exactly the snapshot's
    entries, keys one \\x00 apart included."""
    with LmdbStore(tmp_path / "db", map_size=2**24) as store:
        entries = {b"k%04d" % n: b"%d" % n for n in range(3 * _LmdbSnapshot.SCAN_STEP + 5)}
        entries.update({b"k0127\x00": b"a", b"k0127\x00\x00": b"b", b"j": b"before", b"l": b"after"})
        entries[b"k0252" + b"x" * (MAX_KEY_SIZE - 5)] = b"longest"  # the second step ends on a key of the largest size
        store.write_batch(entries)
        snapshot = store.snapshot()
        scan = snapshot.iter_prefix(b"k")
        first = [next(scan) for _ in range(_LmdbSnapshot.SCAN_STEP + 1)]  # into the second step
        store.write_batch({b"k0300": None, b"k0301": b"changed", b"k0200\x00": b"added"})
        assert snapshot.get(b"k0301") == b"301" and len(list(snapshot.iter_prefix(b"k02"))) == 101
        expected = sorted((key, value) for key, value in entries.items() if key.startswith(b"k"))
        assert first + list(scan) == expected
        snapshot.close()
        with pytest.raises(lmdb.Error):
            snapshot.get(b"k0001")


@pytest.mark.parametrize("bad_key", [b"", b"k" * (MAX_KEY_SIZE + 1)])
def test_bad_keys_reject_the_whole_batch(store: KVStore, bad_key: bytes) -> None:
    with pytest.raises(ValueError, match="key length"):
        store.write_batch({b"good": b"1", bad_key: b"2"})
    assert store.get(b"good") is None


def test_lmdb_reopen_keeps_committed_data(tmp_path: Path) -> None:
    path = tmp_path / "db"
    with LmdbStore(path, map_size=2**24) as kv:
        kv.write_batch({b"x": b"1", b"y": b"2"})
        kv.write_batch({b"y": None})
    with LmdbStore(str(path), map_size=2**24) as kv:
        assert kv.get(b"x") == b"1"
        assert kv.get(b"y") is None
        assert list(kv.iter_prefix(b"")) == [(b"x", b"1")]


def test_lmdb_failed_batch_leaves_no_trace(tmp_path: Path) -> None:
    class Boom(Exception):
        pass

    class ExplodingMapping(dict[bytes, bytes | None]):
        def items(self):  # type: ignore[no-untyped-def]
            yield b"first", b"written"
            raise Boom

    with LmdbStore(tmp_path / "db", map_size=2**24) as kv:
        with pytest.raises(Boom):
            kv.write_batch(ExplodingMapping())
        assert kv.get(b"first") is None


def test_large_batch(tmp_path: Path) -> None:
    batch: dict[bytes, bytes | None] = {i.to_bytes(4, "big"): b"v" * 40 for i in range(20_000)}
    with LmdbStore(tmp_path / "db", map_size=2**26) as kv:
        kv.write_batch(batch)
        assert sum(1 for _ in kv.iter_prefix(b"")) == 20_000
        assert kv.get((19_999).to_bytes(4, "big")) == b"v" * 40


def mapped_rss(path: Path) -> int:
    """Resident bytes of this process's mappings of the file at `path` (/proc/self/smaps)."""
    resolved, rss, inside = str(path.resolve()), 0, False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            fields = line.split(maxsplit=5)
            if "-" in fields[0]:  # a mapping's header line: start-end perms offset dev inode [pathname]
                inside = len(fields) == 6 and fields[5].rstrip("\n") == resolved
            elif inside and fields[0] == "Rss:":
                rss += int(fields[1]) * 1024
    return rss


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; the release is a no-op elsewhere")
def test_lmdb_release_takes_the_map_out_of_resident_memory_and_keeps_every_value(tmp_path: Path) -> None:
    """~80 MB read through LMDB's map stay resident until released; afterwards every value reads back the same and
    the store takes writes that survive a reopen."""
    path = tmp_path / "db"
    values = {index.to_bytes(4, "big"): index.to_bytes(4, "big") * 250 for index in range(80_000)}
    with LmdbStore(path, map_size=2**30, durable=False) as kv:
        kv.write_batch(values)  # written through write(): in the page cache, not mapped yet
        assert dict(kv.iter_prefix(b"")) == values
        resident = mapped_rss(path / "data.mdb")
        assert resident > 60 * 10**6

        assert not kv.release_mapped_pages(2**62)  # within budget: nothing done
        assert mapped_rss(path / "data.mdb") == resident
        assert kv.release_mapped_pages(0)
        assert mapped_rss(path / "data.mdb") < 10**6

        assert dict(kv.iter_prefix(b"")) == values
        assert all(kv.get(key) == value for key, value in values.items())
        assert kv.release_mapped_pages(0)
        kv.write_batch({b"new": b"after the release", (7).to_bytes(4, "big"): None})
        assert kv.get(b"new") == b"after the release"
    assert not kv.release_mapped_pages(0)  # closed: its map is gone, nothing to release

    expected = {**values, b"new": b"after the release"}
    del expected[(7).to_bytes(4, "big")]
    with LmdbStore(path, map_size=2**30) as kv:
        assert dict(kv.iter_prefix(b"")) == expected


def test_memory_store_maps_nothing_to_release() -> None:
    assert not MemoryStore().release_mapped_pages(0)
