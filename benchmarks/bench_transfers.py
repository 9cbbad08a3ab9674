"""Transfer throughput through apply_block on one core, signature checks included.

Setup (not measured): a genesis state, SENDERS accounts holding GOS, and pre-signed transfers (signing is the
client's work). Measured: `apply_block` on blocks of BLOCK_TXS transfers — decode, canonical-encoding check,
signature recovery, sequence and fee, the transfer itself, events — and, separately, the state commitment of
each block (collecting dirty keys + updating the Merkle tree), which the node does once per block.

The chain runs as a node holds it (gostaking/node/app.py): its state in an LMDB `ChainStore` (in a temporary
directory), the resident tables loaded and the others read through the store, the state commitment being
`ChainStore.compute_app_hash` (the stored Merkle tree: its listings in the store, behind its cache), and each block
then committed (the LMDB write, timed apart: it is the disk write, not the commitment) and the paged tables' caches
trimmed; then the readers' copies of the committed state take the block on (node/committed.py; timed apart too, from
block 2: block 1's commit loads them). Beside it, each block is also applied to a state held whole in memory with
the in-memory Merkle tree, what runs before 2026-12-07 measured; both reach the same app hash, which is checked.

Goal 4 of issue 17 compares these rates with the machine's own secp256k1 public-key recovery rate, measured in the
same run: just before and just after each block, the block's signatures are recovered once more with coincurve alone
(no decoding, no address), and the block's reference rate is the one of those two passes together, so that each
ratio (apply_block / recovery, and with the state commitment) is taken at the same moment of a shared machine; the
medians of the per-block ratios are printed. Every time is the CPU time of this (single-threaded) process, so that
other processes loading the machine are not counted against either side.

Each block's line splits the state commitment into its two stages: collecting the block's writes
(`take_block_writes`: encoding the dirty keys and values) and the Merkle update. `--profile` adds cProfile's view
of the measured blocks as the node runs them (the functions taking the most time of their own); the profiler slows
every Python call, so its run's rates are not the benchmark's.

Run: python benchmarks/bench_transfers.py [--blocks N] [--block-txs N] [--profile]
"""

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import coincurve

from gostaking.chain.codec import decode_tx, sign_bytes, tx_hash
from gostaking.chain.genesis import Genesis, init_chain
from gostaking.chain.modules.bank.mutations import mint_gos
from gostaking.chain.numeric import UGOS_PER_GOS
from gostaking.chain.state import State
from gostaking.chain.transition import apply_block
from gostaking.chain.types.block import BlockEnv
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.node.app import STATE_CACHE_ENTRIES
from gostaking.node.committed import CommittedStates
from gostaking.storage import BucketMerkleTree, ChainStore
from gostaking.storage.kv import LmdbStore
from gostaking.wallet.keys import PrivateKey, sign_tx

CHAIN_ID = "bench"


def recovery_seconds(signed: list[tuple[bytes, bytes]]) -> float:
    """CPU seconds to recover the public keys of (digest, signature) pairs: secp256k1 via coincurve, the library the
    chain uses, nothing else."""
    recover = coincurve.PublicKey.from_signature_and_message
    start = time.process_time()
    for digest, signature in signed:
        recover(signature, digest, hasher=None)
    return time.process_time() - start


@dataclass
class NodeChain:
    """The chain as a node holds it: the state in a ChainStore, its paged tables read through the store."""

    store: LmdbStore
    chain: ChainStore
    state: State
    committed: CommittedStates | None = None
    """The readers' copies of the committed state (node/committed.py), from the first commit on."""


@dataclass
class Timings:
    """CPU seconds of one way of running the blocks, block by block."""

    apply: list[float] = field(default_factory=list)
    collect: list[float] = field(default_factory=list)
    merkle: list[float] = field(default_factory=list)
    persist: list[float] = field(default_factory=list)
    follow: list[float] = field(default_factory=list)
    """Bringing the readers' copies up to the commit (node/committed.py): part of the node's Commit."""

    def commitment(self, block: int) -> float:
        return self.collect[block] + self.merkle[block]


def build(block_txs: int, blocks: int, store_dir: Path) -> tuple[NodeChain, State, BucketMerkleTree, list[list[bytes]]]:
    """A genesis state with `block_txs` senders holding GOS, twice: committed to an LMDB ChainStore in `store_dir` and
    read through it (as a node), and held whole in memory with its in-memory Merkle tree; and `blocks` pre-signed
    blocks of one transfer from each sender (signing is the client's work)."""
    senders = [PrivateKey((i + 1).to_bytes(32, "big")) for i in range(block_txs)]
    recipients = [PrivateKey((10**6 + i).to_bytes(32, "big")).address for i in range(block_txs)]
    resident = State()
    init_chain(resident, Genesis(CHAIN_ID, 0))
    for sender in senders:
        # Benchmark setup only: GOS is minted directly instead of mining thousands of blocks.
        mint_gos(resident, sender.address, 1_000 * UGOS_PER_GOS)
    genesis_writes = resident.take_block_writes()
    tree = BucketMerkleTree.build(genesis_writes.items())  # type: ignore[arg-type]
    store = LmdbStore(store_dir)
    chain = ChainStore.open(store)
    chain.compute_app_hash(genesis_writes)
    chain.save_genesis(b"bench_transfers genesis")
    node_state = State(view=chain.state_reader())
    node_state.load_resident(chain.state_items)
    signed = [
        [
            sign_tx(sender, CHAIN_ID, b, [MsgSendCoins(recipients[i], "ugos", 1_000 + b)], fee=1_000)
            for i, sender in enumerate(senders)
        ]
        for b in range(blocks)
    ]
    return NodeChain(store, chain, node_state), resident, tree, signed


def run_as_node(node: NodeChain, env: BlockEnv, txs: list[bytes], timings: Timings) -> bytes:
    """One block as gostaking/node/app.py runs it (FinalizeBlock, then Commit): apply_block, the state commitment,
    the durable write, the paged tables' caches trimmed. Returns the app hash."""
    clock = time.process_time
    start = clock()
    result = apply_block(node.state, env, txs)
    applied = clock()
    writes, changes = node.state.take_block_changes()
    collected = clock()
    app_hash = node.chain.compute_app_hash(writes)
    committed = clock()
    node.chain.commit(env.height, b"bench block %d" % env.height, [tx_hash(raw) for raw in txs])
    node.state.trim_caches(STATE_CACHE_ENTRIES)
    persisted = clock()
    if node.committed is None:  # the node loads them at its first commit
        node.committed = CommittedStates(node.chain, node.state, STATE_CACHE_ENTRIES)
    else:
        node.committed.advance(changes, node.state)
    followed = clock()
    failed = [r.log for r in result.tx_results if r.code]
    if failed:
        raise SystemExit(f"{len(failed)} transfers failed, e.g. {failed[0]}")
    timings.apply.append(applied - start)
    timings.collect.append(collected - applied)
    timings.merkle.append(committed - collected)
    timings.persist.append(persisted - committed)
    timings.follow.append(followed - persisted)
    return app_hash


def run_in_memory(state: State, tree: BucketMerkleTree, env: BlockEnv, txs: list[bytes], timings: Timings) -> bytes:
    """One block on the state held in memory and the in-memory tree. Returns the root."""
    clock = time.process_time
    start = clock()
    apply_block(state, env, txs)
    applied = clock()
    writes = state.take_block_writes()
    collected = clock()
    root = tree.update(writes)
    timings.apply.append(applied - start)
    timings.collect.append(collected - applied)
    timings.merkle.append(clock() - collected)
    return root


def signatures(txs: list[bytes]) -> list[tuple[bytes, bytes]]:
    """(digest, signature) of each transaction: what `recovery_seconds` recovers."""
    return [(sign_bytes(tx.body), tx.signature) for tx in map(decode_tx, txs)]


def ratios(block_sizes: list[int], timings: Timings, recovery_rates: list[float]) -> tuple[float, float]:
    """Medians of the per-block ratios to the recovery rate: apply_block's, and with the state commitment."""
    plain = [n / timings.apply[b] / recovery_rates[b] for b, n in enumerate(block_sizes)]
    committed = [n / (timings.apply[b] + timings.commitment(b)) / recovery_rates[b] for b, n in enumerate(block_sizes)]
    return statistics.median(plain), statistics.median(committed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--block-txs", type=int, default=5_000)
    parser.add_argument("--profile", action="store_true", help="also print cProfile's view of the measured blocks")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # one core, as the goal states

    with tempfile.TemporaryDirectory(prefix="bench-transfers-") as store_dir:
        node, resident, tree, blocks = build(args.block_txs, args.blocks, Path(store_dir))
        as_node, in_memory = Timings(), Timings()
        recovery_rates: list[float] = []
        profiler = cProfile.Profile() if args.profile else None
        # As the node does once its state is loaded (gostaking/node/abci/runner.py): the setup's long-lived objects
        # are moved out of the cyclic GC's sight, so a full collection does not rescan them in the middle of a block.
        gc.collect()
        gc.freeze()
        for b, txs in enumerate(blocks):
            signed = signatures(txs)
            recovering = recovery_seconds(signed)
            env = BlockEnv(CHAIN_ID, b + 1, (b + 1) * 30_000)
            if profiler is not None:
                profiler.enable()
            app_hash = run_as_node(node, env, txs, as_node)
            if profiler is not None:
                profiler.disable()
            if run_in_memory(resident, tree, env, txs, in_memory) != app_hash:
                raise SystemExit(f"block {b + 1}: the in-memory state and tree reach another app hash than the node")
            recovery_rates.append(2 * len(signed) / (recovering + recovery_seconds(signed)))
            print(
                f"block {b + 1}: {len(txs)} transfers, apply_block {as_node.apply[b]:.3f} s "
                f"({len(txs) / as_node.apply[b]:,.0f} tx/s), state commitment "
                f"{as_node.commitment(b):.3f} s (writes {as_node.collect[b]:.3f} s, Merkle {as_node.merkle[b]:.3f} s), "
                f"commit {as_node.persist[b]:.3f} s, readers' copies {as_node.follow[b]:.3f} s; "
                f"in memory: apply_block {in_memory.apply[b]:.3f} s, commitment "
                f"{in_memory.commitment(b):.3f} s; secp256k1 recovery {recovery_rates[-1]:,.0f}/s around it"
            )
        node.store.close()
    sizes = [len(txs) for txs in blocks]
    total = sum(sizes)
    print(
        f"apply_block median: {statistics.median(n / t for n, t in zip(sizes, as_node.apply, strict=True)):,.0f} "
        "tx/s (goal ≥ 5,000, one core, signatures checked)"
    )
    with_commitment = total / (sum(as_node.apply) + sum(map(as_node.commitment, range(len(sizes)))))
    print(f"apply_block + state commitment: {with_commitment:,.0f} tx/s")
    recovery = statistics.median(recovery_rates)
    ratio, ratio_committed = ratios(sizes, as_node, recovery_rates)
    print(
        f"secp256k1 public-key recovery median: {recovery:,.0f}/s; apply_block / recovery {ratio:.2f} (goal ≥ 0.6), "
        f"with the state commitment {ratio_committed:.2f} (goal ≥ 0.5): medians of the per-block ratios"
    )
    memory_ratio, memory_committed = ratios(sizes, in_memory, recovery_rates)
    print(
        f"in memory (state and Merkle tree, as runs before 2026-12-07 measured): apply_block / recovery "
        f"{memory_ratio:.2f}, with the state commitment {memory_committed:.2f}"
    )
    if profiler is not None:
        print("\ncProfile of the measured blocks as the node runs them (apply_block to commit), by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
