"""PendingTxJournal: accepted transactions on disk in arrival order, forgotten in one batch, across reopenings."""

from pathlib import Path

from gostaking.storage import ChainStore, LmdbStore, MemoryStore, PendingTxJournal


def test_load_gives_arrival_order_and_keep_only_forgets_the_rest() -> None:
    store = MemoryStore()
    journal = PendingTxJournal(store)
    for n in (3, 1, 2):  # arrival order is not hash order
        journal.record(bytes([n]) * 32, f"tx{n}".encode())
    assert journal.load() == [b"tx3", b"tx1", b"tx2"] and len(journal) == 3
    journal.keep_only({bytes([1]) * 32})
    assert journal.load() == [b"tx1"] and len(journal) == 1
    journal.keep_only(frozenset())
    assert journal.load() == [] and len(journal) == 0


def test_a_reopened_journal_continues_after_the_last_arrival(tmp_path: Path) -> None:
    with LmdbStore(tmp_path / "data") as store:
        journal = PendingTxJournal(store)
        journal.record(b"a" * 32, b"first")
        journal.record(b"b" * 32, b"second")
        journal.keep_only({b"b" * 32})
    with LmdbStore(tmp_path / "data") as store:
        journal = PendingTxJournal(store)
        assert journal.load() == [b"second"]
        journal.record(b"c" * 32, b"third")  # after "second", not before it
        assert journal.load() == [b"second", b"third"]
        journal.keep_only({b"c" * 32})
        assert journal.load() == [b"third"]


def test_the_journal_does_not_touch_the_committed_chain() -> None:
    store = MemoryStore()
    journal = PendingTxJournal(store)
    journal.record(b"a" * 32, b"tx")
    chain = ChainStore.open(store)  # the state under b"s" still hashes to the (absent) app hash
    assert chain.height == 0 and list(chain.state_items()) == []
