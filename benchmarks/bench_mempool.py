"""What the mempool's hardening costs a node: the journal, fee priority and eviction.

Setup (not measured): a genesis state on an LMDB store, SENDERS accounts holding GOS, and pre-signed transfers
(signing is the client's work), TXS_PER_SENDER per sender with varied fees.
Measured, in one run so that the ratios hold on a noisy machine:
- `GoStakingApp.check_tx` of every transaction (decode, message checks, signature recovery, sequence and fee
  against the mempool, add) into an in-memory mempool and into a journaled one (one fsync'd LMDB write each,
  as the devnet does);
- `Mempool.reap` of a full block out of the pending transactions (fee priority, each sender in sequence order);
- adding to a full pool: each newcomer pays more and evicts the cheapest tail.

Run: python benchmarks/bench_mempool.py [--senders N] [--per-sender N]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gostaking.chain.codec import tx_hash
from gostaking.chain.genesis import Genesis, encode_genesis
from gostaking.chain.modules.bank.mutations import mint_gos
from gostaking.chain.numeric import UGOS_PER_GOS
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.node.app import GoStakingApp
from gostaking.node.mempool import Mempool, MempoolTx
from gostaking.storage import LmdbStore, PendingTxJournal
from gostaking.wallet.keys import PrivateKey, sign_tx

CHAIN_ID = "bench"


JOURNALS = {"in memory": None, "journaled as on the devnet (no fsync)": False, "journaled with fsync": True}
"""Mempool variants: no journal, or a journal in an LMDB store with or without an fsync per write."""


def open_app(path: Path, senders: list[PrivateKey], durable: bool | None) -> tuple[GoStakingApp, list[LmdbStore]]:
    """A fresh app on LMDB at `path` whose every sender holds GOS; its mempool journaled unless `durable` is None."""
    store = LmdbStore(path / "data")
    stores = [store]
    journal = None
    if durable is not None:
        stores.append(LmdbStore(path / "mempool", durable=durable))
        journal = PendingTxJournal(stores[-1])
    app = GoStakingApp(store, Mempool(max_txs=100_000, max_bytes=1 << 30, journal=journal))
    app.init_chain(encode_genesis(Genesis(CHAIN_ID, 0)))
    with app.read() as state:
        for sender in senders:
            # Benchmark setup only: GOS is minted directly instead of mining thousands of blocks.
            mint_gos(state, sender.address, 1_000 * UGOS_PER_GOS)
    return app, stores


def time_check_tx(app: GoStakingApp, txs: list[bytes]) -> float:
    start = time.perf_counter()
    for raw in txs:
        result = app.check_tx(raw)
        if not result.ok:
            raise SystemExit(f"check_tx refused a benchmark transaction: {result.log}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--senders", type=int, default=500)
    parser.add_argument("--per-sender", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})

    senders = [PrivateKey((i + 1).to_bytes(32, "big")) for i in range(args.senders)]
    recipient = PrivateKey((10**6).to_bytes(32, "big")).address
    txs = [
        sign_tx(s, CHAIN_ID, n, [MsgSendCoins(recipient, "ugos", 1)], fee=1_000 + (i * 7919 + n) % 50 * 100)
        for n in range(args.per_sender)
        for i, s in enumerate(senders)
    ]
    rates: dict[str, list[float]] = {name: [] for name in JOURNALS}
    for round_ in range(args.rounds):
        for name, durable in JOURNALS.items():
            with tempfile.TemporaryDirectory() as tmp:
                app, stores = open_app(Path(tmp), senders, durable)
                rates[name].append(len(txs) / time_check_tx(app, txs))
                journal = app.mempool.journal
                assert journal is None or len(journal.load()) == len(txs)
                pool = app.mempool
                for store in stores:
                    store.close()
        print(f"round {round_ + 1}: check_tx " + ", ".join(f"{r[-1]:,.0f} tx/s {n}" for n, r in rates.items()))
    memory = statistics.median(rates["in memory"])
    for name, measured in rates.items():
        median = statistics.median(measured)
        print(f"check_tx median {name}: {median:,.0f} tx/s ({median / memory:.2f} × in memory)")

    reap_times = []
    for _ in range(20):
        start = time.perf_counter()
        block = pool.reap(5_000, 16 << 20)
        reap_times.append(time.perf_counter() - start)
    reap_ms = statistics.median(reap_times) * 1e3
    print(f"reap of {len(block)} from {len(pool)} pending ({args.senders} senders): {reap_ms:.1f} ms")

    full = Mempool(max_txs=len(pool))
    for raw in pool.reap(len(pool), 1 << 30):
        tx = pool.get(tx_hash(raw))
        assert tx is not None
        full.add(MempoolTx(tx.raw, tx.tx_hash, tx.sender, tx.sequence, tx.fee))
    newcomers = [MempoolTx(b"x" * 200, (10**9 + i).to_bytes(32, "big"), f"new{i}", 0, 10**9 + i) for i in range(1_000)]
    start = time.perf_counter()
    for tx in newcomers:
        assert len(full.add(tx)) == 1
    evicting = (time.perf_counter() - start) / len(newcomers)
    print(f"add to a full pool of {len(full)}, evicting the cheapest tail: {evicting * 1e6:.0f} µs each")


if __name__ == "__main__":
    main()
