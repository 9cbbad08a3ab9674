"""Benchmark of the state Merkle tree at 10^6 keys: in memory (BucketMerkleTree) and stored (ChainStore on LMDB).

In memory: bulk build, a 10,000-key incremental batch, proofs. Stored (the listings in LMDB, read through a bounded
cache, gostaking/storage/stored_merkle.py): the same state written by `ChainStore.restore`; then, in a fresh process
each (so start time and memory are its own) and with the store dropped from the page cache first (a cold start):
`ChainStore.open` with the full check (values rehashed: stores up to FULL_CHECK_MAX_ENTRIES) and with the bucket-hash
check only (larger stores), resident memory after it, and the same 10,000-key batch through compute_app_hash and
commit (fsync) — its root must equal the in-memory tree's — then a second batch of other keys once the store's file
is in the page cache (as on a running node), and proofs read from the store.

`--large N` repeats the stored measurements on a store of N keys (2 × 10^7: the state of 10^7 accounts), written by
a bulk loader here (listings and bucket hashes as ChainStore writes them; ~6 minutes and 8.3 GB of disk at 2 × 10^7),
kept in `--large-store` if given (built when missing, so delete it after a change of the storage format; each run
measures a copy, since its blocks change it).
Resident memory is given as anonymous (the process's own) + mapped store pages: LMDB maps its file, so the pages a
block reads count in VmRSS while they stay in the page cache, which the kernel can reclaim at any time.

Run from the repository root: python benchmarks/bench_merkle.py [--large 20000000 [--large-store DIR]] [--dir DIR]
(without --large about 1 minute, ~1 GB of RAM).
"""

import argparse
import hashlib
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

# Lets the script run from a plain checkout, without installing the package first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import msgspec
from process_memory import drop_from_page_cache, memory_mb

from gostaking.storage import ChainStore, LmdbStore
from gostaking.storage.merkle import BucketMerkleTree, bucket_hash, bucket_index, leaf_hash, verify_proof
from gostaking.storage.stored_merkle import BUCKET_HASH_PREFIX, LISTING_PREFIX, StoredMerkleTree

KEY_COUNT = 1_000_000
BATCH_SIZE = 10_000
PROOF_COUNT = 20_000
STORED_PROOF_COUNT = 2_000
MAP_SIZE = 64 * 1024**3
LOAD_CHUNK = 250_000

Batch = dict[bytes, bytes | None]


def _key(i: int) -> bytes:
    return hashlib.sha256(b"key" + i.to_bytes(8, "big")).digest()


def _value(i: int, version: int) -> bytes:
    # 40 bytes, deterministic so every run hashes the same data.
    return hashlib.sha256(b"value" + i.to_bytes(8, "big") + version.to_bytes(4, "big")).digest()[:8] * 5


def _timed(label: str, start: float, per: int | None = None) -> float:
    elapsed = time.perf_counter() - start
    rate = f"  ({per / elapsed:,.0f}/s, {elapsed / per * 1e6:.1f} µs each)" if per else ""
    print(f"{label:<56} {elapsed * 1000:>9.1f} ms{rate}")
    return elapsed


def _block_batch(key_count: int, version: int) -> Batch:
    """A realistic block over a state of keys 0..key_count-1: mostly updates of existing keys spread over the whole
    state, some new keys, some deletions; `version` picks other keys (and values) for another block."""
    stride = key_count // (8 * BATCH_SIZE // 10)
    updates = {_key(i): _value(i, version) for i in range(version, 8 * BATCH_SIZE // 10 * stride, stride)}
    new = key_count + version * BATCH_SIZE
    inserts = {_key(new + i): _value(new + i, 0) for i in range(BATCH_SIZE // 10)}
    deletes = {_key(i): None for i in range(7 + version, BATCH_SIZE // 10 * stride, stride)}
    batch: Batch = {**updates, **inserts, **deletes}
    assert len(batch) == BATCH_SIZE
    return batch


def _read_into_page_cache(path: Path) -> None:
    with open(path / "data.mdb", "rb") as file:
        while file.read(1 << 24):
            pass


def measure_stored(path: str, full_check_max_entries: int, batches: list[Batch], probes: list[bytes]) -> dict[str, Any]:
    """In a fresh process: open the store cold, then one batch, then another with the file in the page cache."""
    drop_from_page_cache(Path(path))
    before = memory_mb()["VmRSS"]
    start = time.perf_counter()
    store = LmdbStore(path, map_size=MAP_SIZE)
    chain = ChainStore.open(store, full_check_max_entries=full_check_max_entries)
    result: dict[str, Any] = {"open_s": time.perf_counter() - start, "rss_before": before}
    result["memory_open"] = memory_mb()
    result["roots"] = []
    for number, batch in enumerate(batches):
        if number:
            _read_into_page_cache(Path(path))
        start = time.perf_counter()
        root = chain.compute_app_hash(batch)
        computed = time.perf_counter()
        chain.commit(chain.height + 1, b"block", [])
        result[f"update_s_{number}"] = computed - start
        result[f"commit_s_{number}"] = time.perf_counter() - computed
        result["roots"].append(root)
    start = time.perf_counter()
    proofs = [chain.prove(key) for key in probes]
    result["prove_s"] = time.perf_counter() - start
    result["proofs_valid"] = sum(
        verify_proof(chain.app_hash, key, chain.get_state(key), proof)
        for key, proof in zip(probes, proofs, strict=True)
    )
    result["memory_end"] = memory_mb()
    store.close()
    return result


def _in_a_fresh_process(function: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def bulk_load(path: Path, key_count: int) -> None:
    """Write a state of `key_count` keys with its tree entries and meta as ChainStore would hold them after block 1,
    in chunks (the in-memory tree of 2 × 10^7 keys would not fit): state and listing entries first, then the bucket
    hashes from one ordered scan of the listings."""
    with LmdbStore(path, map_size=MAP_SIZE, durable=False) as store:
        for first in range(0, key_count, LOAD_CHUNK):
            batch: dict[bytes, bytes | None] = {}
            for i in range(first, min(first + LOAD_CHUNK, key_count)):
                key, value = _key(i), _value(i, 0)
                batch[b"s" + key] = value
                batch[LISTING_PREFIX + bucket_index(key, 16).to_bytes(4, "big") + key] = leaf_hash(key, value)
            store.write_batch(batch)
        bucket_hashes: dict[int, bytes] = {}
        listing: dict[bytes, bytes] = {}
        current = -1
        for listing_key, leaf in store.iter_prefix(LISTING_PREFIX):
            index = int.from_bytes(listing_key[1:5], "big")
            if index != current:
                if listing:
                    bucket_hashes[current] = bucket_hash(listing)
                listing, current = {}, index
            listing[listing_key[5:]] = leaf
        if listing:
            bucket_hashes[current] = bucket_hash(listing)
        root = StoredMerkleTree(store, bucket_hashes, key_count).root
        meta: dict[bytes, bytes | None] = {
            BUCKET_HASH_PREFIX + i.to_bytes(4, "big"): h for i, h in bucket_hashes.items()
        }
        meta[b"b" + (1).to_bytes(8, "big")] = b"block"
        meta[b"m/height"] = (1).to_bytes(8, "big")
        meta[b"m/app_hash"] = root
        meta[b"m/state_size"] = key_count.to_bytes(8, "big")
        store.write_batch(meta)


def _line(label: str, value: str) -> None:
    print(f"{label:<56} {value:>9}")


def report_stored(label: str, measured: dict[str, Any]) -> None:
    """Print one stored-tree measurement."""
    _line(f"{label}: ChainStore.open, cold page cache", f"{measured['open_s'] * 1000:.1f} ms")
    after_open = measured["memory_open"]
    _line(
        f"  RSS after open (anonymous + mapped store; before {measured['rss_before']:.0f})",
        f"{after_open['VmRSS']:.0f} MB  ({after_open['RssAnon']:.0f} + {after_open['RssFile']:.0f})",
    )
    for number, state in enumerate(("cold", "in the page cache")):
        _line(
            f"  compute_app_hash, {BATCH_SIZE:,} keys, store {state}", f"{measured[f'update_s_{number}'] * 1000:.1f} ms"
        )
        _line("  commit (state + tree entries, fsync)", f"{measured[f'commit_s_{number}'] * 1000:.1f} ms")
    rate = STORED_PROOF_COUNT / measured["prove_s"]
    _line(
        f"  prove ({STORED_PROOF_COUNT:,} keys, from the store)",
        f"{measured['prove_s'] * 1000:.1f} ms  ({rate:,.0f}/s)",
    )
    end = measured["memory_end"]
    _line(
        "  RSS at the end (anonymous + mapped store) / peak",
        f"{end['VmRSS']:.0f} MB  ({end['RssAnon']:.0f} + {end['RssFile']:.0f}) / {end['VmHWM']:.0f} MB",
    )
    assert measured["proofs_valid"] == STORED_PROOF_COUNT


def main() -> None:
    """Run the benchmark and print one line per measurement."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", type=int, default=0, help="also measure a stored tree of this many keys")
    parser.add_argument("--large-store", type=Path, default=None, help="where to keep the --large store between runs")
    parser.add_argument("--dir", type=Path, default=None, help="where the LMDB stores go (default: a temp dir)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-merkle-", dir=args.dir))
    try:
        run(base, args.large, args.large_store)
    finally:
        shutil.rmtree(base)


def run(base: Path, large: int, large_store: Path | None) -> None:
    """All measurements, stores under `base`."""
    print(f"python {sys.version.split()[0]}, {KEY_COUNT:,} keys of 32 B, values of 40 B, depth 16")
    items = {_key(i): _value(i, 0) for i in range(KEY_COUNT)}

    start = time.perf_counter()
    tree = BucketMerkleTree.build(items.items())
    _timed(f"bulk build ({KEY_COUNT:,} keys)", start)

    stored_path = base / "stored"
    start = time.perf_counter()
    with LmdbStore(stored_path, map_size=MAP_SIZE) as store:
        ChainStore.open(store).restore(1, tree, sorted(items.items()), b"block", [], None, b"")
    _timed("stored: ChainStore.restore of that state and tree (setup)", start)

    batch = _block_batch(KEY_COUNT, 1)
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
    print(f"{'proof size, msgpack (mean / max)':<56} {mean_size} / {max(proof_sizes)} B")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # Linux reports KiB
    print(f"{'peak RSS (whole process, incl. input dicts)':<56} {peak_mib} MiB")
    second = _block_batch(KEY_COUNT, 2)
    del items, tree, proofs

    stored_probes = probe_keys[:: PROOF_COUNT // STORED_PROOF_COUNT]
    for label, limit in (("stored, full check", KEY_COUNT), ("stored, bucket hashes only", 0)):
        path = base / label.replace(" ", "-").replace(",", "")
        shutil.copytree(stored_path, path)
        measured = _in_a_fresh_process(measure_stored, str(path), limit, [batch, second], stored_probes)
        assert measured["roots"][0] == root, "the stored tree's root differs from the in-memory tree's"
        report_stored(label, measured)
        shutil.rmtree(path)
    shutil.rmtree(stored_path)

    if large:
        large_path = base / "large"
        kept = large_store / f"keys-{large}" if large_store else None
        if kept is None or not kept.exists():
            start = time.perf_counter()
            bulk_load(large_path, large)
            _timed(f"stored, {large:,} keys: bulk load (setup)", start)
            if kept is not None:
                shutil.copytree(large_path, kept)
        else:
            shutil.copytree(kept, large_path)
        size_gb = sum(file.stat().st_size for file in large_path.iterdir()) / 1e9
        print(f"{'  store size on disk':<56} {size_gb:>9.2f} GB")
        batches = [_block_batch(large, 1), _block_batch(large, 2)]
        probes = [_key(i * 997) for i in range(STORED_PROOF_COUNT // 2)]
        probes += [_key(10 * large + i) for i in range(STORED_PROOF_COUNT // 2)]
        measured = _in_a_fresh_process(measure_stored, str(large_path), 0, batches, probes)
        report_stored(f"stored, {large:,} keys", measured)


if __name__ == "__main__":
    main()
