"""Mempool: fee priority (FIFO among equal fees), per-sender sequences and limits, eviction of lower fees when
full, duplicates, and what a commit drops — with the reason remembered."""

import pytest

from gostaking.node.mempool import (
    DuplicateTxError,
    Mempool,
    MempoolFullError,
    MempoolTx,
    SenderLimitError,
)


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


def test_pending_fees_follow_every_way_a_transaction_leaves() -> None:
    pool = Mempool(max_txs=6)
    for sequence, fee in enumerate([5, 7, 11, 13]):
        pool.add(tx("a", sequence, fee=fee))
    for sequence in range(2):
        pool.add(tx("b", sequence, fee=3))
    assert (pool.pending_fees("a"), pool.pending_fees("b")) == (36, 6)
    pool.add(tx("c", 0, fee=50))  # full: evicts b's newest (the lowest fee)
    assert (pool.pending_fees("b"), pool.pending_fees("c")) == (3, 50)
    pool.drop(tx("a", 2, fee=11).tx_hash, "test")  # a/2 and the later a/3
    assert pool.pending_fees("a") == 12
    # a/0 included; b can no longer pay its fee, c still can.
    pool.update(
        [tx("a", 0, fee=5).tx_hash], lambda sender: 1 if sender == "a" else 0, lambda sender: 0 if sender == "b" else 50
    )
    assert (pool.pending_fees("a"), pool.pending_fees("b"), pool.pending_fees("c")) == (7, 0, 50)
    pool.clear()
    assert [pool.pending_fees(sender) for sender in "abc"] == [0, 0, 0]


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
    # c/0 pays the most, so it goes first; the others keep their arrival order.
    assert pool.reap(100, 10**9) == [tx("c", 0, fee=60).raw, tx("a", 1).raw, tx("a", 2).raw, tx("b", 5).raw]
    assert pool.next_sequence("a") == 3 and pool.next_sequence("c") == 1
    assert pool.pending_fees("c") == 60
    assert pool.dropped_reason(tx("a", 0).tx_hash) is None  # included, not dropped
    assert pool.dropped_reason(tx("b", 4).tx_hash) == "sequence 4 was used by another transaction of b"
    assert pool.dropped_reason(tx("c", 1, fee=60).tx_hash) == "c can no longer pay the fees of its waiting transactions"


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
    assert pool.drop(b"nope", "gone") == 0
    assert pool.drop(tx("a", 1).tx_hash, "invalid now") == 2
    assert pool.hashes() == [tx("a", 0).tx_hash, tx("b", 0).tx_hash]
    assert pool.next_sequence("a") == 1 and pool.size_bytes == 200
    assert pool.dropped_reason(tx("a", 1).tx_hash) == "invalid now"
    assert "no longer follows" in str(pool.dropped_reason(tx("a", 2).tx_hash))
    assert pool.drop(tx("a", 0).tx_hash, "invalid now") == 1 and pool.next_sequence("a") is None


# --- fee priority ----------------------------------------------------------------------------------------------


def test_reap_takes_the_highest_fee_first_and_keeps_each_senders_sequence_order() -> None:
    pool = Mempool()
    for item in (tx("a", 0, fee=10), tx("b", 0, fee=30), tx("a", 1, fee=50), tx("c", 0, fee=20), tx("d", 0, fee=30)):
        pool.add(item)
    # a/1 pays the most but must follow a/0, which pays the least: a/1 is taken right after a/0 is.
    order = [raw.split(b":")[0] + b"/" + raw.split(b":")[1] for raw in pool.reap(10, 10**9)]
    assert order == [b"b/0", b"d/0", b"c/0", b"a/0", b"a/1"]  # b before d: equal fees keep arrival order
    assert pool.reap(2, 10**9) == [tx("b", 0).raw, tx("d", 0).raw]


def test_a_sender_with_more_than_its_share_waiting_is_refused() -> None:
    pool = Mempool(max_per_sender=3)
    for sequence in range(3):
        pool.add(tx("a", sequence))
    with pytest.raises(SenderLimitError, match="a already has 3 transactions waiting") as info:
        pool.add(tx("a", 3, fee=10**6))  # a higher fee does not buy more room for one sender
    assert info.value.code == 104 and isinstance(info.value, MempoolFullError)
    pool.add(tx("b", 0))  # other senders still get in
    assert pool.update([tx("a", 0).tx_hash], lambda s: {"a": 1, "b": 0}[s], lambda _: 10**9) == 1
    pool.add(tx("a", 3))  # room again once a block has included one


def test_a_full_pool_evicts_the_lowest_fee_newest_tail_for_a_higher_fee() -> None:
    pool = Mempool(max_txs=4)
    for item in (tx("a", 0, fee=10), tx("a", 1, fee=10), tx("b", 0, fee=10), tx("c", 0, fee=40)):
        pool.add(item)
    # Equal lowest fees: b/0 arrived after a/1, so it goes first; a/0 cannot go before a/1 (a/1 follows it).
    assert pool.add(tx("d", 0, fee=11)) == [tx("b", 0, fee=10)]
    assert pool.add(tx("e", 0, fee=50)) == [tx("a", 1, fee=10)]
    assert pool.next_sequence("a") == 1
    assert pool.dropped_reason(tx("b", 0).tx_hash) == (
        "evicted from a full mempool by a transaction paying more than 10"
    )
    assert sorted(pool.hashes()) == sorted(t.tx_hash for t in (tx("a", 0), tx("c", 0), tx("d", 0), tx("e", 0)))


def test_a_full_pool_refuses_a_fee_no_higher_than_any_it_holds() -> None:
    pool = Mempool(max_txs=2)
    pool.add(tx("a", 0, fee=10))
    pool.add(tx("b", 0, fee=20))
    with pytest.raises(MempoolFullError, match="paying at least 10 ugos"):
        pool.add(tx("c", 0, fee=10))  # equal is not enough: the earlier one keeps its place
    with pytest.raises(MempoolFullError):
        pool.check_room("c", 10, 100)
    pool.check_room("c", 11, 100)  # would evict a/0
    assert len(pool) == 2 and pool.dropped_reason(tx("a", 0).tx_hash) is None  # check_room changes nothing


def test_a_sender_never_evicts_its_own_tail_to_make_room() -> None:
    pool = Mempool(max_txs=2)
    pool.add(tx("a", 0, fee=10))
    pool.add(tx("b", 0, fee=30))
    # a/1 would need a/0 (its predecessor) to stay: the only cheaper tail is a's own, so a/1 is refused.
    with pytest.raises(MempoolFullError):
        pool.add(tx("a", 1, fee=20))
    assert pool.next_sequence("a") == 1


def test_byte_limit_evicts_as_many_cheaper_txs_as_the_new_one_needs_or_none() -> None:
    pool = Mempool(max_txs=100, max_bytes=500)
    for item in (tx("a", 0, fee=10, size=100), tx("b", 0, fee=12, size=100), tx("c", 0, fee=50, size=200)):
        pool.add(item)
    # 250 more bytes need 150 freed: a/0 alone frees 100, so b/0 goes too (both pay less than 20).
    assert pool.add(tx("d", 0, fee=20, size=250)) == [tx("a", 0, fee=10, size=100), tx("b", 0, fee=12, size=100)]
    assert pool.size_bytes == 450
    # 300 bytes need 250 freed, and every transaction left pays more than 15.
    with pytest.raises(MempoolFullError, match="500 bytes"):
        pool.add(tx("e", 0, fee=15, size=300))
    assert pool.size_bytes == 450 and len(pool) == 2  # a refused newcomer evicts nothing
