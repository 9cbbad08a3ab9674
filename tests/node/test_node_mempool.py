"""Mempool: FIFO order, per-sender sequences, limits, duplicates and eviction after a commit."""

import pytest

from gostaking.node.mempool import DuplicateTxError, Mempool, MempoolFullError, MempoolTx


def tx(sender: str, sequence: int, fee: int = 10, size: int = 100) -> MempoolTx:
    raw = f"{sender}:{sequence}:".encode().ljust(size, b".")
    return MempoolTx(raw=raw, tx_hash=f"{sender}-{sequence}-{size}".encode(), sender=sender, sequence=sequence, fee=fee)


def test_reap_is_fifo_and_does_not_remove() -> None:
    pool = Mempool()
    txs = [tx("a", 0), tx("b", 0), tx("a", 1), tx("c", 5)]
    for item in txs:
        pool.add(item)
    assert pool.reap(10, 10_000) == [item.raw for item in txs]
    assert pool.reap(2, 10_000) == [txs[0].raw, txs[1].raw]
    assert len(pool) == 4 and pool.size_bytes == 400


def test_reap_respects_bytes_and_keeps_each_senders_order() -> None:
    pool = Mempool()
    pool.add(tx("a", 0, size=100))
    pool.add(tx("b", 0, size=300))
    pool.add(tx("b", 1, size=50))
    pool.add(tx("c", 0, size=50))
    # b/0 does not fit, so b/1 must not jump ahead of it; c/0 still fits.
    assert pool.reap(10, 250) == [tx("a", 0).raw, tx("c", 0, size=50).raw]


def test_next_sequence_and_pending_fees_track_each_sender() -> None:
    pool = Mempool()
    assert pool.next_sequence("a") is None and pool.pending_fees("a") == 0
    pool.add(tx("a", 3, fee=5))
    pool.add(tx("a", 4, fee=7))
    assert pool.next_sequence("a") == 5
    assert pool.pending_fees("a") == 12
    with pytest.raises(ValueError, match="does not follow"):
        pool.add(tx("a", 7))


def test_duplicates_are_rejected() -> None:
    pool = Mempool()
    pool.add(tx("a", 0))
    with pytest.raises(DuplicateTxError) as info:
        pool.add(tx("a", 0))
    assert info.value.code == 102
    assert pool.get(tx("a", 0).tx_hash) == tx("a", 0)


def test_count_and_byte_limits() -> None:
    pool = Mempool(max_txs=2, max_bytes=10_000)
    pool.add(tx("a", 0))
    pool.add(tx("b", 0))
    with pytest.raises(MempoolFullError, match="2 transactions"):
        pool.add(tx("c", 0))
    small = Mempool(max_txs=100, max_bytes=250)
    small.add(tx("a", 0))
    small.add(tx("b", 0))
    with pytest.raises(MempoolFullError, match="250 bytes"):
        small.add(tx("c", 0))
    with pytest.raises(ValueError):
        Mempool(max_txs=0)


def test_update_drops_included_and_now_invalid_txs() -> None:
    pool = Mempool()
    for item in [tx("a", 0), tx("a", 1), tx("a", 2), tx("b", 4), tx("b", 5), tx("c", 0, fee=60), tx("c", 1, fee=60)]:
        pool.add(item)
    sequences = {"a": 1, "b": 5, "c": 0}  # a/0 was included; b/4's sequence was used by another tx
    spendable = {"a": 10**9, "b": 10**9, "c": 100}  # c can now pay only one of its fees
    dropped = pool.update([tx("a", 0).tx_hash], sequences.__getitem__, spendable.__getitem__)
    assert dropped == 3
    assert pool.reap(100, 10**9) == [tx("a", 1).raw, tx("a", 2).raw, tx("b", 5).raw, tx("c", 0, fee=60).raw]
    assert pool.next_sequence("a") == 3 and pool.next_sequence("c") == 1
    assert pool.pending_fees("c") == 60


def test_update_cuts_a_sender_whose_queue_no_longer_lines_up() -> None:
    pool = Mempool()
    pool.add(tx("a", 3))
    pool.add(tx("a", 4))
    # The account moved to sequence 2 only (its pending 3, 4 now have a gap): both go.
    assert pool.update([], lambda _: 2, lambda _: 10**9) == 2
    assert len(pool) == 0 and pool.size_bytes == 0 and pool.next_sequence("a") is None


def test_drop_removes_a_tx_and_the_senders_later_ones() -> None:
    pool = Mempool()
    for item in (tx("a", 0), tx("b", 0), tx("a", 1), tx("a", 2)):
        pool.add(item)
    assert pool.drop(b"nope") == 0
    assert pool.drop(tx("a", 1).tx_hash) == 2
    assert pool.hashes() == [tx("a", 0).tx_hash, tx("b", 0).tx_hash]
    assert pool.next_sequence("a") == 1 and pool.size_bytes == 200
    assert pool.drop(tx("a", 0).tx_hash) == 1 and pool.next_sequence("a") is None
