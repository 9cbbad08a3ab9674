"""A node with 10^7 accounts: start time, memory and block time vs 10^4 accounts (issue 17 goal 3).

Goals: with 10^7 accounts, node start < 5 s and resident memory < 2 GB; block time ≤ 1.3 × with 10^4 accounts;
apply_block on transfers ≥ 10,000 tx/s on one core.

Setup (not measured): one LMDB node store per account count N, made by the chain's and the node's own code: a
genesis with one mining node through `init_chain`; N accounts holding GOS through the bank's `mint_gos` (KEYED of
them with keys, which sign the measured transactions); block 1 executed by `apply_block`; then the whole state, its
Merkle tree and block 1 written in one LMDB batch by the node's state-sync bulk write (`ChainStore.restore`, as a
node restoring a snapshot does). Committing the accounts in large blocks instead costs more (a Merkle update and an
fsync per block; see BENCHMARKS.md). The store is cached in --store-dir keyed by N and reused by later runs; it is
built again when its format may have changed: each run builds a small store of SAMPLE_ACCOUNTS accounts the same way
and digests its entries, and a cached store built when that digest differed is built again (a change to the chain's
encodings or the store's key schema changes it; one to how the store is read or paged does not).

Measured, for each N in a fresh process started for it (so the memory and the start are its own), on a copy of the
cached store dropped from the operating system's page cache (a cold start, as after a reboot):
- start: wall time of `GoStakingApp(LmdbStore(dir))` (open, state load, verification against the app hash), and
  resident memory (VmRSS, its peak VmHWM, and the part of it that is pages of mapped files, RssFile: LMDB's file,
  which the kernel may reclaim) from /proc/self/status after start and after the blocks;
- blocks: BLOCKS blocks of TXS signed transfers (signed after start, not timed) from the keyed accounts, half to
  accounts drawn across the whole state (reads that no cache holds), half to new accounts, each block through
  `finalize_block` + `commit` as a node runs it (state commitment and the durable disk write included); apply_block
  is timed inside finalize_block; medians after a warm-up block, of wall time and, for apply_block and the whole
  cycle, of this process's CPU time too (which other processes on a shared core do not inflate; nor does it count
  the fsync's wait). The long-lived objects are moved out of the cyclic GC's sight before the blocks, as the node
  does once started (gostaking/node/abci/runner.py);
- the release of the store's mapped pages after each commit (gostaking/node/app.py MAPPED_STORE_BUDGET): how many
  commits released and what the releases took (within the commit's time). `--release off` runs the node without
  it; `--release both` measures each size with it and then without it, each on a cold copy of its own.
Pinned to one core. `--profile` first runs a start and the blocks on another copy of each store under cProfile, in a
process of its own, and prints where their time goes (the profiler slows every call: that run is not the table's).

Run: python benchmarks/bench_state_scale.py [--small 10000] [--large 10000000] [--blocks 8] [--txs-per-block 1000]
     [--store-dir /tmp/bench-state-scale] [--release on|off|both] [--profile]
"""

import argparse
import cProfile
import gc
import hashlib
import itertools
import json
import multiprocessing
import os
import pstats
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from process_memory import drop_from_page_cache, memory_mb

import gostaking.node.app as app_module
from gostaking.chain.crypto import consensus_address, encode_address, sha256
from gostaking.chain.genesis import Genesis, GenesisNode, decode_genesis, encode_genesis, init_chain
from gostaking.chain.modules.bank.mutations import mint_gos
from gostaking.chain.modules.bank.queries import get_account
from gostaking.chain.numeric import GOS_DENOM, UGOS_PER_GOS
from gostaking.chain.state import State
from gostaking.chain.transition import VerifiedSigners, apply_block
from gostaking.chain.types.block import BlockEnv, BlockResult
from gostaking.chain.types.params import ChainParams
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.node.app import MAPPED_STORE_BUDGET, GoStakingApp, history_start_of
from gostaking.node.blocks import (
    ZERO_HASH,
    BlockHeader,
    StoredBlock,
    compute_results_hash,
    compute_txs_hash,
    encode_block,
)
from gostaking.node.snapshots.format import encode_history_start
from gostaking.storage import BucketMerkleTree, ChainStore, LmdbStore
from gostaking.wallet.keys import PrivateKey, sign_tx

CHAIN_ID = "bench-state-scale"
GOS = UGOS_PER_GOS
KEYED = 500
"""Accounts with keys: they sign the measured transfers."""
KEYED_GOS = 1_000_000 * GOS
ACCOUNT_GOS = 100 * GOS
TRANSFER_UGOS = 1_000
FEE_UGOS = ChainParams().tx.min_fee_ugos
BLOCK_MS = 30_000
MINT_CHUNK = 100_000
SAMPLE_ACCOUNTS = KEYED + 100
"""Accounts of the small store whose digest stands for the format of the cached stores."""
"""Accounts minted between two collections of the state's writes: each collection empties the undo journal, which
would otherwise keep a record (and the previous supply) of every mint."""
NODE_PUBKEY = bytes(range(32))
OPERATOR = PrivateKey(sha256(b"bench state scale operator"))
PROPOSER = consensus_address(NODE_PUBKEY)

P = ParamSpec("P")
R = TypeVar("R")


def keyed_keys() -> list[PrivateKey]:
    """The keys of the KEYED accounts that sign the measured transfers."""
    return [PrivateKey((index + 1).to_bytes(32, "big")) for index in range(KEYED)]


def passive_address(index: int) -> str:
    """The address of the `index`-th account without a key (a derived address: nobody can sign for it)."""
    return encode_address(sha256(index.to_bytes(8, "big"))[:20])


def new_address(block: int, index: int) -> str:
    """An address no account of the built store has: the recipient of the `index`-th new-account transfer."""
    return encode_address(sha256(b"new" + block.to_bytes(4, "big") + index.to_bytes(4, "big"))[:20])


def store_digest(directory: Path) -> str:
    """A digest of every entry of the store in `directory` (its keys and values, in key order)."""
    digest = hashlib.sha256()
    with LmdbStore(directory) as store:
        for key, value in store.iter_prefix(b""):
            digest.update(len(key).to_bytes(4, "big") + key + len(value).to_bytes(4, "big") + value)
    return digest.hexdigest()


def format_fingerprint(store_dir: Path) -> str:
    """A digest of the store of SAMPLE_ACCOUNTS accounts the present code builds (in a process of its own, ~2 s): it
    changes when the entries of a built store would, whatever else changes in the code."""
    sample = store_dir / f"sample-{os.getpid()}"
    shutil.rmtree(sample, ignore_errors=True)
    sample.mkdir(parents=True)
    try:
        in_fresh_process(build_store, sample, SAMPLE_ACCOUNTS)
        return store_digest(sample)[:16]
    finally:
        shutil.rmtree(sample, ignore_errors=True)


def directory_bytes(path: Path) -> int:
    """Bytes of the files in `path` (an LMDB environment: data.mdb and lock.mdb)."""
    return sum(entry.stat().st_size for entry in path.iterdir() if entry.is_file())


# --- building a store (not measured) ---


def build_store(directory: Path, accounts: int) -> dict[str, float]:
    """Write a node store holding a chain at height 1 with `accounts` accounts into the empty `directory`; the
    seconds of each stage and the builder's peak memory."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    genesis_json = encode_genesis(Genesis(CHAIN_ID, 0, nodes=[GenesisNode(OPERATOR.address, NODE_PUBKEY, "bench")]))
    state = State()
    init_chain(state, decode_genesis(genesis_json))  # the genesis the node saves is the one its state comes from
    writes = state.take_block_writes()
    for key in keyed_keys():
        mint_gos(state, key.address, KEYED_GOS)  # setup only: there is no premine on a real chain
    for first in range(0, accounts - KEYED, MINT_CHUNK):
        for index in range(first, min(first + MINT_CHUNK, accounts - KEYED)):
            mint_gos(state, passive_address(index), ACCOUNT_GOS)
        writes.update(state.take_block_writes())
        gc.freeze()  # the millions of entries made so far would otherwise be rescanned by every full collection
    env = BlockEnv(CHAIN_ID, 1, BLOCK_MS, PROPOSER)
    result = apply_block(state, env, [])
    writes.update(state.take_block_writes())
    seconds["accounts"] = time.perf_counter() - started

    started = time.perf_counter()
    # In key order, as a snapshot delivers them: the batch then fills LMDB's pages in order.
    items = sorted((key, value) for key, value in writes.items() if value is not None)
    del writes
    tree = BucketMerkleTree.build(items)
    seconds["merkle"] = time.perf_counter() - started
    header = BlockHeader(
        chain_id=CHAIN_ID,
        height=1,
        time_ms=env.time_ms,
        proposer=PROPOSER,
        previous_hash=ZERO_HASH,
        txs_hash=compute_txs_hash([]),
        results_hash=compute_results_hash(result.tx_results),
        app_hash=tree.root,
    )
    block = StoredBlock(header, (), (), result.tx_results, result.events, result.validator_updates)

    started = time.perf_counter()
    with LmdbStore(directory) as store:
        ChainStore.open(store).restore(
            1, tree, items, encode_block(block), [], genesis_json, encode_history_start(history_start_of(state, block))
        )
    seconds["write"] = time.perf_counter() - started
    seconds["entries"] = len(items)
    seconds["peak_mb"] = memory_mb()["VmHWM"]
    return seconds


def cached_store(store_dir: Path, accounts: int, fingerprint: str) -> Path:
    """The store with `accounts` accounts in `store_dir`, built first (in a process of its own) unless one of the
    format `fingerprint` (format_fingerprint) is there."""
    directory = store_dir / f"accounts-{accounts}"
    manifest = store_dir / f"accounts-{accounts}.json"
    if manifest.exists() and directory.exists():
        built = json.loads(manifest.read_text())
        if built.get("format") == fingerprint:
            print(f"{accounts:>12,} accounts: cached store {directory} (built {built['date']})")
            return directory
        print(f"{accounts:>12,} accounts: the cached store may be of another format: building it again")
    building = store_dir / f"accounts-{accounts}.building"
    shutil.rmtree(building, ignore_errors=True)
    shutil.rmtree(directory, ignore_errors=True)
    building.mkdir(parents=True)
    started = time.perf_counter()
    stages = in_fresh_process(build_store, building, accounts)
    building.rename(directory)  # only a complete store gets the cached name
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    manifest.write_text(json.dumps({"accounts": accounts, "format": fingerprint, "date": date, **stages}))
    print(
        f"{accounts:>12,} accounts: store built in {time.perf_counter() - started:.1f} s (accounts and block 1 "
        f"{stages['accounts']:.1f} s, sort + Merkle tree {stages['merkle']:.1f} s, node write {stages['write']:.1f} "
        f"s; {stages['entries']:,.0f} state entries, {directory_bytes(directory) / 1e6:,.0f} MB on disk, builder "
        f"peak {stages['peak_mb']:,.0f} MB)"
    )
    return directory


def cold_copy(source: Path, destination: Path) -> None:
    """Copy a store for one measurement (its blocks change it) and drop the copy from the page cache."""
    shutil.copytree(source, destination)
    drop_from_page_cache(destination)


# --- measuring (each in a fresh process) ---


@dataclass(frozen=True)
class Measured:
    """One store's measurements (seconds, MB)."""

    start_s: float
    after_start: dict[str, float]
    after_blocks: dict[str, float]
    apply_s: list[float]
    apply_cpu_s: list[float]
    finalize_s: list[float]
    commit_s: list[float]
    cycle_cpu_s: list[float]
    release_s: list[float]
    """Of each commit: the seconds its release of mapped store pages took (0: within budget, or none)."""
    released: int
    """Commits that released the store's mapped pages."""
    txs_per_block: int
    app_hash: str
    """After the blocks: the same store and blocks give the same app hash whatever the storage code."""


def signed_blocks(app: GoStakingApp, accounts: int, blocks: int, txs_per_block: int) -> list[list[bytes]]:
    """`blocks` blocks of transfers from the keyed accounts (sequences as the store holds them): even ones to
    accounts drawn across the whole state, odd ones to new accounts."""
    keys = keyed_keys()
    with app.read() as state:
        sequences = [get_account(state, key.address).sequence for key in keys]
    draw = random.Random(accounts).randrange  # the same recipients in every run
    signed = []
    for block in range(blocks):
        txs = []
        for index in range(txs_per_block):
            sender = index % KEYED
            recipient = passive_address(draw(accounts - KEYED)) if index % 2 == 0 else new_address(block, index)
            msg = MsgSendCoins(recipient, GOS_DENOM, TRANSFER_UGOS)
            txs.append(sign_tx(keys[sender], CHAIN_ID, sequences[sender], [msg], fee=FEE_UGOS))
            sequences[sender] += 1
        signed.append(txs)
    return signed


def time_apply_block(wall: list[float], cpu: list[float]) -> None:
    """Make the app's finalize_block time its apply_block call (wall and CPU seconds appended to the lists)."""

    def timed_apply_block(
        state: State, env: BlockEnv, txs: list[bytes], verified: VerifiedSigners | None = None
    ) -> BlockResult:
        started, started_cpu = time.perf_counter(), time.process_time()
        result = apply_block(state, env, txs, verified)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        return result

    # finalize_block calls the name its module imported, looked up at each call.
    app_module.apply_block = timed_apply_block  # type: ignore[attr-defined]


def time_releases(seconds: list[float]) -> list[bool]:
    """Make ChainStore.release_mapped_pages time its calls (seconds appended to `seconds`, 0 when it released
    nothing); the list of which calls released, filled as they come."""
    released: list[bool] = []
    release = ChainStore.release_mapped_pages

    def timed_release(self: ChainStore, budget: int) -> bool:
        started = time.perf_counter()
        done = release(self, budget)
        seconds.append(time.perf_counter() - started if done else 0.0)
        released.append(done)
        return done

    ChainStore.release_mapped_pages = timed_release  # type: ignore[method-assign]
    return released


def run_blocks(app: GoStakingApp, signed: list[list[bytes]]) -> tuple[list[float], list[float], list[float]]:
    """Each block of `signed` through finalize_block and commit, as a node runs them; the seconds of each step, and
    the CPU seconds of the whole (which other processes on the core do not inflate, nor the fsync's wait)."""
    finalize_s: list[float] = []
    commit_s: list[float] = []
    cycle_cpu_s: list[float] = []
    for txs in signed:
        height = app.height + 1
        started, started_cpu = time.perf_counter(), time.process_time()
        result, _ = app.finalize_block(height, height * BLOCK_MS, txs, PROPOSER, [PROPOSER])
        finalized = time.perf_counter()
        app.commit()
        finalize_s.append(finalized - started)
        commit_s.append(time.perf_counter() - finalized)
        cycle_cpu_s.append(time.process_time() - started_cpu)
        failed = [tx.log for tx in result.tx_results if tx.code]
        if failed:
            raise SystemExit(f"block {height}: {len(failed)} transfers failed, e.g. {failed[0]}")
    return finalize_s, commit_s, cycle_cpu_s


def measure(directory: Path, accounts: int, blocks: int, txs_per_block: int, budget: int | None) -> Measured:
    """Start a node on the store in `directory` (releasing mapped store pages above `budget` bytes after its commits;
    None: never) and run the measured blocks on it."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # one core, as the goal states
    apply_s: list[float] = []
    apply_cpu_s: list[float] = []
    time_apply_block(apply_s, apply_cpu_s)
    release_s: list[float] = []
    released = time_releases(release_s)
    started = time.perf_counter()
    app = GoStakingApp(LmdbStore(directory), mapped_store_budget=budget)
    start_s = time.perf_counter() - started
    after_start = memory_mb()
    signed = signed_blocks(app, accounts, blocks, txs_per_block)
    gc.collect()
    gc.freeze()
    finalize_s, commit_s, cycle_cpu_s = run_blocks(app, signed)
    gc.unfreeze()
    if len(apply_s) != blocks:
        raise SystemExit("finalize_block no longer calls gostaking.node.app.apply_block: time it another way")
    app_hash = app.info().app_hash.hex()
    return Measured(
        start_s,
        after_start,
        memory_mb(),
        apply_s,
        apply_cpu_s,
        finalize_s,
        commit_s,
        cycle_cpu_s,
        release_s if budget is not None else [0.0] * blocks,
        sum(released),
        txs_per_block,
        app_hash,
    )


def profile(directory: Path, accounts: int, blocks: int, txs_per_block: int) -> None:
    """Print where the time of a start on `directory` goes (cProfile, by cumulative time), then where the time of
    the measured blocks goes (by own time)."""
    profiler = cProfile.Profile()
    profiler.enable()
    app = GoStakingApp(LmdbStore(directory))
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
    signed = signed_blocks(app, accounts, blocks, txs_per_block)
    gc.collect()
    gc.freeze()
    profiler = cProfile.Profile()
    profiler.enable()
    run_blocks(app, signed)
    profiler.disable()
    print(f"{accounts:,} accounts: where the time of {blocks} profiled blocks goes")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def in_fresh_process(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run `function` in a new interpreter (spawned, not forked: nothing of this process's memory comes along)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as executor:
        return executor.submit(function, *args, **kwargs).result()


def measure_store(store: Path, run_dir: Path, accounts: int, args: argparse.Namespace, release: bool) -> Measured:
    """Measure a cold copy of `store` in a fresh process (with --profile, profile another copy in another first)."""
    shutil.rmtree(run_dir, ignore_errors=True)
    try:
        if args.profile:
            cold_copy(store, run_dir)
            print(f"\n{accounts:,} accounts: where the time of a (profiled) start goes")
            in_fresh_process(profile, run_dir, accounts, args.blocks, args.txs_per_block)
            shutil.rmtree(run_dir)
        cold_copy(store, run_dir)
        budget = args.budget_mb * 2**20 if release else None
        return in_fresh_process(measure, run_dir, accounts, args.blocks, args.txs_per_block, budget)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


# --- report ---


def median(values: Sequence[float]) -> float:
    """The median of blocks 2..n (the first block warms caches)."""
    return statistics.median(values[1:])


def cycle(m: Measured) -> list[float]:
    """Each block's finalize_block + commit, wall seconds."""
    return [f + c for f, c in zip(m.finalize_s, m.commit_s, strict=True)]


def print_table(small: int, large: int, results: dict[int, Measured], title: str) -> None:
    """One table: each measure at both sizes, the ratio large / small and the goal."""

    def commitment(m: Measured) -> list[float]:
        return [f - a for f, a in zip(m.finalize_s, m.apply_s, strict=True)]

    rows: tuple[tuple[str, Callable[[Measured], float], str, str], ...] = (  # label, value, format, goal
        ("start: open, load, verify (s)", lambda m: m.start_s, ",.2f", "< 5 s"),
        ("RSS after start (MB)", lambda m: m.after_start["VmRSS"], ",.0f", "< 2,048 MB"),
        ("  of which mapped files, RssFile (MB)", lambda m: m.after_start["RssFile"], ",.0f", ""),
        ("RSS after the blocks (MB)", lambda m: m.after_blocks["VmRSS"], ",.0f", "< 2,048 MB"),
        ("  of which mapped files, RssFile (MB)", lambda m: m.after_blocks["RssFile"], ",.0f", ""),
        ("peak RSS, VmHWM (MB)", lambda m: m.after_blocks["VmHWM"], ",.0f", "< 2,048 MB"),
        ("apply_block (ms)", lambda m: 1000 * median(m.apply_s), ",.1f", ""),
        ("state commitment: finalize - apply (ms)", lambda m: 1000 * median(commitment(m)), ",.1f", ""),
        ("commit: the disk write (ms)", lambda m: 1000 * median(m.commit_s), ",.1f", ""),
        ("block cycle: finalize + commit (ms)", lambda m: 1000 * median(cycle(m)), ",.1f", "ratio ≤ 1.3"),
        ("block cycle, CPU time (ms)", lambda m: 1000 * median(m.cycle_cpu_s), ",.1f", "ratio ≤ 1.3"),
        ("apply_block transfers/s (wall)", lambda m: m.txs_per_block / median(m.apply_s), ",.0f", "≥ 10,000"),
        ("apply_block transfers/s (CPU)", lambda m: m.txs_per_block / median(m.apply_cpu_s), ",.0f", "≥ 10,000"),
        ("commits that released mapped pages", lambda m: m.released, ",.0f", ""),
        ("  release, mean of blocks 2..n (ms)", lambda m: 1000 * statistics.mean(m.release_s[1:]), ",.2f", ""),
        ("  release, longest (ms)", lambda m: 1000 * max(m.release_s), ",.1f", ""),
    )
    head = f"{'accounts (medians of blocks 2..n, one core)':<44}{small:>14,}{large:>14,}{'ratio':>8}   goal"
    print(f"\n{title}\n{head}")
    print("-" * len(head))
    for label, value, number, goal in rows:
        at_small, at_large = value(results[small]), value(results[large])
        ratio = f"{at_large / at_small:>8.2f}" if at_small else f"{'-':>8}"
        print(f"{label:<44}{at_small:>14{number}}{at_large:>14{number}}{ratio}   {goal}")


def print_comparison(accounts: int, on: Measured, off: Measured) -> None:
    """The same store measured with the release of mapped store pages and without it."""
    rows: tuple[tuple[str, Callable[[Measured], float], str], ...] = (
        ("RSS after the blocks (MB)", lambda m: m.after_blocks["VmRSS"], ",.0f"),
        ("  of which mapped files, RssFile (MB)", lambda m: m.after_blocks["RssFile"], ",.0f"),
        ("peak RSS, VmHWM (MB)", lambda m: m.after_blocks["VmHWM"], ",.0f"),
        ("apply_block (ms)", lambda m: 1000 * median(m.apply_s), ",.1f"),
        ("apply_block, CPU time (ms)", lambda m: 1000 * median(m.apply_cpu_s), ",.1f"),
        ("commit: the disk write (ms)", lambda m: 1000 * median(m.commit_s), ",.1f"),
        ("block cycle: finalize + commit (ms)", lambda m: 1000 * median(cycle(m)), ",.1f"),
        ("block cycle, mean of blocks 2..n (ms)", lambda m: 1000 * statistics.mean(cycle(m)[1:]), ",.1f"),
        ("block cycle, CPU time (ms)", lambda m: 1000 * median(m.cycle_cpu_s), ",.1f"),
        ("block cycle, CPU time, mean (ms)", lambda m: 1000 * statistics.mean(m.cycle_cpu_s[1:]), ",.1f"),
    )
    head = f"{f'{accounts:,} accounts: release of mapped pages':<44}{'on':>14}{'off':>14}{'on/off':>8}"
    print(f"\n{head}\n{'-' * len(head)}")
    for label, value, number in rows:
        with_release, without = value(on), value(off)
        print(f"{label:<44}{with_release:>14{number}}{without:>14{number}}{with_release / without:>8.2f}")
    same = "the same" if on.app_hash == off.app_hash else f"DIFFERENT ({on.app_hash} vs {off.app_hash})"
    print(f"app hash after the blocks: {same}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=10_000_000)
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--txs-per-block", type=int, default=1_000)
    parser.add_argument("--store-dir", type=Path, default=Path("/tmp/bench-state-scale"))
    parser.add_argument(
        "--release",
        choices=("on", "off", "both"),
        default="on",
        help="release mapped store pages above the budget after commits as the node does (on), never (off), or "
        "measure each size both ways",
    )
    parser.add_argument("--budget-mb", type=int, default=MAPPED_STORE_BUDGET // 2**20, help="the release's budget, MiB")
    parser.add_argument("--profile", action="store_true", help="also print cProfile's view of a start and blocks")
    args = parser.parse_args()
    if min(args.small, args.large) <= KEYED or args.blocks < 2:
        parser.error(f"each size needs more than {KEYED} accounts (the keyed ones), and at least 2 blocks")
    modes = {"on": (True,), "off": (False,), "both": (True, False)}[args.release]
    results: dict[bool, dict[int, Measured]] = {release: {} for release in modes}
    fingerprint = format_fingerprint(args.store_dir)
    for accounts, release in itertools.product((args.small, args.large), modes):
        store = cached_store(args.store_dir, accounts, fingerprint)
        run_dir = args.store_dir / f"run-{accounts}-{os.getpid()}"
        results[release][accounts] = measured = measure_store(store, run_dir, accounts, args, release)
        print(
            f"{accounts:>12,} accounts, release {'on' if release else 'off'}: start {measured.start_s:.2f} s, RSS "
            f"{measured.after_start['VmRSS']:,.0f} MB after start, {measured.after_blocks['VmRSS']:,.0f} MB after "
            f"{args.blocks} blocks of {args.txs_per_block:,} transfers ({measured.released} released), app hash then "
            f"{measured.app_hash}"
        )
    for release in modes:
        title = f"release of mapped store pages {'on' if release else 'off'}"
        print_table(args.small, args.large, results[release], title)
    if len(modes) == 2:
        for accounts in (args.small, args.large):
            print_comparison(accounts, results[True][accounts], results[False][accounts])


if __name__ == "__main__":
    main()
