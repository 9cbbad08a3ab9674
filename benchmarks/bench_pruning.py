"""A block commit while the node prunes (node/pruning.py): ChainStore.commit alone vs commit followed by one pruning
batch (PRUNE_BATCH_ENTRIES keys: whole blocks and their tx index entries), on a durable LMDB store holding BLOCKS
blocks of TXS_PER_BLOCK transactions of TX_BYTES each. The pruning batch hashes every transaction of the blocks it
deletes (as the app does to find their index entries) and writes one fsynced LMDB batch.

Measured: the median and the worst of the commit times, without pruning, with a full batch after each commit (a node
that enabled pruning on a long history and catches up one batch per block), and once caught up (one block pruned
per commit).

Run: python -u benchmarks/bench_pruning.py [--blocks 3000] [--txs 200]
"""

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gostaking.node.pruning import PRUNE_BATCH_ENTRIES
from gostaking.storage import ChainStore, LmdbStore

TX_BYTES = 250


def block_of(height: int, txs: int) -> tuple[bytes, list[bytes]]:
    raws = [height.to_bytes(8, "big") + index.to_bytes(4, "big") + bytes(TX_BYTES - 12) for index in range(txs)]
    return b"".join(raws), [hashlib.sha256(raw).digest() for raw in raws]


def tx_hashes_of(block: bytes) -> list[bytes]:
    return [hashlib.sha256(block[i : i + TX_BYTES]).digest() for i in range(0, len(block), TX_BYTES)]


def commit_next(chain: ChainStore, txs: int) -> float:
    height = chain.height + 1
    block, hashes = block_of(height, txs)
    started = time.perf_counter()
    chain.compute_app_hash({b"height": height.to_bytes(8, "big"), b"k" + height.to_bytes(8, "big"): b"v" * 100})
    chain.commit(height, block, hashes)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=3_000)
    parser.add_argument("--txs", type=int, default=200)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, LmdbStore(Path(tmp) / "db") as store:
        chain = ChainStore.open(store)
        for _ in range(args.blocks):
            commit_next(chain, args.txs)
        plain = [commit_next(chain, args.txs) for _ in range(args.samples)]
        pruning: list[float] = []
        deleted = 0
        for _ in range(args.samples):
            took = commit_next(chain, args.txs)
            started = time.perf_counter()
            deleted += chain.prune_blocks(chain.height - 100, PRUNE_BATCH_ENTRIES, tx_hashes_of).blocks
            pruning.append(took + time.perf_counter() - started)
        while chain.prune_blocks(chain.height - 100, PRUNE_BATCH_ENTRIES, tx_hashes_of).blocks:
            pass  # caught up: from now on each commit prunes the one block that left the window
        steady: list[float] = []
        for _ in range(args.samples):
            took = commit_next(chain, args.txs)
            started = time.perf_counter()
            chain.prune_blocks(chain.height - 100, PRUNE_BATCH_ENTRIES, tx_hashes_of)
            steady.append(took + time.perf_counter() - started)
    print(f"{args.blocks} blocks of {args.txs} txs; batch {PRUNE_BATCH_ENTRIES} keys ({deleted} blocks deleted)")
    cases = (("commit", plain), ("commit + catch-up batch", pruning), ("commit + one block pruned", steady))
    for name, times in cases:
        print(f"{name:>24}: median {statistics.median(times) * 1e3:.1f} ms, worst {max(times) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
