"""Benchmark of BucketMerkleTree at 10^6 keys: bulk build, a 10,000-key incremental batch, proofs.

Run from the repository root: python benchmarks/bench_merkle.py  (about 30 s, ~0.5 GB of RAM).
"""

import hashlib
import resource
import sys
import time
from pathlib import Path

# Lets the script run from a plain checkout, without installing the package first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import msgspec

from gostaking.storage.merkle import BucketMerkleTree, verify_proof

KEY_COUNT = 1_000_000
BATCH_SIZE = 10_000
PROOF_COUNT = 20_000


def _key(i: int) -> bytes:
    return hashlib.sha256(b"key" + i.to_bytes(8, "big")).digest()


def _value(i: int, version: int) -> bytes:
    # 40 bytes, deterministic so every run hashes the same data.
    return hashlib.sha256(b"value" + i.to_bytes(8, "big") + version.to_bytes(4, "big")).digest()[:8] * 5


def _timed(label: str, start: float, per: int | None = None) -> float:
    elapsed = time.perf_counter() - start
    rate = f"  ({per / elapsed:,.0f}/s, {elapsed / per * 1e6:.1f} µs each)" if per else ""
    print(f"{label:<48} {elapsed * 1000:>9.1f} ms{rate}")
    return elapsed


def main() -> None:
    """Run the benchmark and print one line per measurement."""
    print(f"python {sys.version.split()[0]}, {KEY_COUNT:,} keys of 32 B, values of 40 B, depth 16")
    items = {_key(i): _value(i, 0) for i in range(KEY_COUNT)}

    start = time.perf_counter()
    tree = BucketMerkleTree.build(items.items())
    _timed(f"bulk build ({KEY_COUNT:,} keys)", start)

    # A realistic block: mostly updates of existing keys, some new accounts, some deletions.
    updates = {_key(i): _value(i, 1) for i in range(0, 8 * BATCH_SIZE // 10 * 100, 100)}
    inserts = {_key(KEY_COUNT + i): _value(KEY_COUNT + i, 0) for i in range(BATCH_SIZE // 10)}
    deletes = {_key(i): None for i in range(7, BATCH_SIZE // 10 * 100, 100)}
    batch: dict[bytes, bytes | None] = {**updates, **inserts, **deletes}
    assert len(batch) == BATCH_SIZE

    start = time.perf_counter()
    root = tree.update(batch)
    _timed(f"incremental update ({BATCH_SIZE:,} dirty keys)", start)

    for key, value in batch.items():
        if value is None:
            items.pop(key, None)
        else:
            items[key] = value
    start = time.perf_counter()
    rebuilt_root = BucketMerkleTree.build(items.items()).root
    _timed("rebuild from scratch (sanity check only)", start)
    assert rebuilt_root == root, "incremental root differs from a rebuild"

    probe_keys = [_key(i * 37) for i in range(PROOF_COUNT // 2)]
    probe_keys += [_key(10 * KEY_COUNT + i) for i in range(PROOF_COUNT // 2)]  # absent keys
    start = time.perf_counter()
    proofs = [tree.prove(key) for key in probe_keys]
    _timed(f"prove ({PROOF_COUNT:,} keys, half absent)", start, PROOF_COUNT)

    start = time.perf_counter()
    valid = sum(verify_proof(root, key, items.get(key), proof) for key, proof in zip(probe_keys, proofs, strict=True))
    _timed(f"verify ({PROOF_COUNT:,} proofs)", start, PROOF_COUNT)
    assert valid == PROOF_COUNT

    proof_sizes = [len(msgspec.msgpack.encode(proof)) for proof in proofs]
    mean_size = sum(proof_sizes) // len(proof_sizes)
    print(f"{'proof size, msgpack (mean / max)':<48} {mean_size} / {max(proof_sizes)} B")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # Linux reports KiB
    print(f"{'peak RSS (whole process, incl. input dicts)':<48} {peak_mib} MiB")


if __name__ == "__main__":
    main()
