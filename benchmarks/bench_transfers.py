"""Transfer throughput through apply_block on one core, signature checks included.

Setup (not measured): a genesis state, SENDERS accounts holding GOS, and pre-signed transfers (signing is the
client's work). Measured: `apply_block` on blocks of BLOCK_TXS transfers — decode, canonical-encoding check,
signature recovery, sequence and fee, the transfer itself, events — and, separately, the state commitment of
each block (collecting dirty keys + updating the Merkle tree), which the node does once per block.

Goal 4 of issue 17 compares these rates with the machine's own secp256k1 public-key recovery rate, measured in the
same run: just before and just after each block, the block's signatures are recovered once more with coincurve alone
(no decoding, no address), and the block's reference rate is the one of those two passes together, so that each
ratio (apply_block / recovery, and with the state commitment) is taken at the same moment of a shared machine; the
medians of the per-block ratios are printed. Every time is the CPU time of this (single-threaded) process, so that
other processes loading the machine are not counted against either side.

Each block's line splits the state commitment into its two stages: collecting the block's writes
(`take_block_writes`: encoding the dirty keys and values) and the Merkle update. `--profile` adds cProfile's view
of the measured blocks (the functions taking the most time of their own); the profiler slows every Python call, so
its run's rates are not the benchmark's.

Run: python benchmarks/bench_transfers.py [--blocks N] [--block-txs N] [--profile]
"""

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import coincurve

from gostaking.chain.codec import decode_tx, sign_bytes
from gostaking.chain.genesis import Genesis, init_chain
from gostaking.chain.modules.bank.mutations import mint_gos
from gostaking.chain.numeric import UGOS_PER_GOS
from gostaking.chain.state import State
from gostaking.chain.transition import apply_block
from gostaking.chain.types.block import BlockEnv
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.storage import BucketMerkleTree
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


def build(block_txs: int, blocks: int) -> tuple[State, BucketMerkleTree, list[list[bytes]]]:
    """A genesis state with `block_txs` senders holding GOS, its Merkle tree, and `blocks` pre-signed blocks of one
    transfer from each sender (signing is the client's work)."""
    senders = [PrivateKey((i + 1).to_bytes(32, "big")) for i in range(block_txs)]
    recipients = [PrivateKey((10**6 + i).to_bytes(32, "big")).address for i in range(block_txs)]
    state = State()
    init_chain(state, Genesis(CHAIN_ID, 0))
    for sender in senders:
        # Benchmark setup only: GOS is minted directly instead of mining thousands of blocks.
        mint_gos(state, sender.address, 1_000 * UGOS_PER_GOS)
    tree = BucketMerkleTree.build(state.take_block_writes().items())  # type: ignore[arg-type]
    signed = [
        [
            sign_tx(sender, CHAIN_ID, b, [MsgSendCoins(recipients[i], "ugos", 1_000 + b)], fee=1_000)
            for i, sender in enumerate(senders)
        ]
        for b in range(blocks)
    ]
    return state, tree, signed


def signatures(txs: list[bytes]) -> list[tuple[bytes, bytes]]:
    """(digest, signature) of each transaction: what `recovery_seconds` recovers."""
    return [(sign_bytes(tx.body), tx.signature) for tx in map(decode_tx, txs)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--block-txs", type=int, default=5_000)
    parser.add_argument("--profile", action="store_true", help="also print cProfile's view of the measured blocks")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # one core, as the goal states

    state, tree, blocks = build(args.block_txs, args.blocks)

    apply_rates, commit_times, recovery_rates = [], [], []
    profiler = cProfile.Profile() if args.profile else None
    clock = time.process_time
    # As the node does once its state is loaded (gostaking/node/abci/runner.py): the setup's long-lived objects are
    # moved out of the cyclic GC's sight, so a full collection does not rescan them in the middle of a block.
    gc.collect()
    gc.freeze()
    for b, txs in enumerate(blocks):
        signed = signatures(txs)
        recovering = recovery_seconds(signed)
        env = BlockEnv(CHAIN_ID, state.height.get() + 1, (b + 1) * 30_000)
        if profiler is not None:
            profiler.enable()
        start = clock()
        result = apply_block(state, env, txs)
        applied = clock()
        writes = state.take_block_writes()
        collected = clock()
        tree.update(writes)
        committed = clock()
        if profiler is not None:
            profiler.disable()
        recovery_rates.append(2 * len(signed) / (recovering + recovery_seconds(signed)))
        failed = [r.log for r in result.tx_results if r.code]
        if failed:
            raise SystemExit(f"{len(failed)} transfers failed, e.g. {failed[0]}")
        apply_rates.append(len(txs) / (applied - start))
        commit_times.append(committed - applied)
        print(
            f"block {b + 1}: {len(txs)} transfers, apply_block {applied - start:.3f} s "
            f"({apply_rates[-1]:,.0f} tx/s), state commitment of {len(writes)} keys {committed - applied:.3f} s "
            f"(writes {collected - applied:.3f} s, Merkle {committed - collected:.3f} s); "
            f"secp256k1 recovery {recovery_rates[-1]:,.0f}/s around it"
        )
    total_tx = sum(len(txs) for txs in blocks)
    with_commit = total_tx / sum(len(t) / r + c for t, r, c in zip(blocks, apply_rates, commit_times, strict=True))
    median = statistics.median(apply_rates)
    print(f"apply_block median: {median:,.0f} tx/s (goal ≥ 5,000, one core, signatures checked)")
    print(f"apply_block + state commitment: {with_commit:,.0f} tx/s")
    per_block_with_commit = [
        len(t) / (len(t) / r + c) for t, r, c in zip(blocks, apply_rates, commit_times, strict=True)
    ]
    recovery = statistics.median(recovery_rates)
    ratio = statistics.median(a / r for a, r in zip(apply_rates, recovery_rates, strict=True))
    ratio_commit = statistics.median(a / r for a, r in zip(per_block_with_commit, recovery_rates, strict=True))
    print(
        f"secp256k1 public-key recovery median: {recovery:,.0f}/s; apply_block / recovery {ratio:.2f} (goal ≥ 0.6), "
        f"with the state commitment {ratio_commit:.2f} (goal ≥ 0.5): medians of the per-block ratios"
    )
    if profiler is not None:
        print("\ncProfile of the measured blocks (apply_block and state commitment), by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
