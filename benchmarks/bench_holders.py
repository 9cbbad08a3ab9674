"""Block time with 10^3 vs 10^6 hash-power holders (goal: ratio ≤ 1.2).

Rewards are lazy (one accumulator per pool, accounts settle when their position changes), so a block's cost
must not depend on how many accounts hold hash power. Setup (not measured) gives HOLDERS accounts a vote and a
BTC lock through the chain's own mutation functions. Measured: the same block workload on both chains —
ACTIVE_TXS signed txs by holders (transfers, votes, unvotes, locks, reward claims), the reward distribution of
end block, unbonding completions — median over several blocks.

Run: python benchmarks/bench_holders.py [--small 1000] [--large 1000000]
"""

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gostaking.chain.crypto import encode_address, sha256
from gostaking.chain.env import Context
from gostaking.chain.genesis import Genesis, GenesisNode, init_chain
from gostaking.chain.modules.bank.mutations import mint_asset, mint_gos
from gostaking.chain.modules.lock.handlers import process_lock_asset
from gostaking.chain.modules.staking.mutations import bond
from gostaking.chain.numeric import UGOS_PER_GOS
from gostaking.chain.state import State
from gostaking.chain.transition import apply_block
from gostaking.chain.types.block import BlockEnv
from gostaking.chain.types.lock import Asset
from gostaking.chain.types.params import ChainParams
from gostaking.chain.types.tx import (
    MsgClaimRewards,
    MsgLockAsset,
    MsgSendCoins,
    MsgUnvoteNode,
    MsgVoteNode,
)
from gostaking.wallet.keys import PrivateKey, sign_tx

CHAIN_ID = "bench"
GOS = UGOS_PER_GOS
ACTIVE = 400  # accounts that transact in the measured blocks (with keys)
BLOCKS = 7
NODE = PrivateKey((999_999_999).to_bytes(32, "big")).address


def build(holders: int) -> tuple[State, list[list[bytes]]]:
    """A chain with `holders` hash-power holders and pre-signed measured blocks."""
    state = State()
    btc = Asset("btc", 8, "bitcoin", 100_000, 10_000 * GOS)
    init_chain(state, Genesis(CHAIN_ID, 0, ChainParams(), [btc], [], [GenesisNode(NODE, b"\x01" * 32, "bench")]))
    ctx = Context(BlockEnv(CHAIN_ID, 0, 0))
    active = [PrivateKey((i + 1).to_bytes(32, "big")) for i in range(ACTIVE)]
    passive = (encode_address(sha256(i.to_bytes(8, "big"))[:20]) for i in range(holders - ACTIVE))
    for address in [k.address for k in active] + list(passive):
        mint_gos(state, address, 100 * GOS)  # setup only: no premine on a real chain
        mint_asset(state, address, "btc", 10**8)
        bond(state, ctx, address, NODE, "vote", 10 * GOS)
        process_lock_asset(state, Context(ctx.env, address), MsgLockAsset("btc", 10**7))
    state.take_block_writes()
    blocks = []
    for b in range(BLOCKS):
        txs = []
        for i, key in enumerate(active):
            kind = (i + b) % 5
            msg = (
                MsgSendCoins(active[(i + 1) % ACTIVE].address, "ugos", 1_000),
                MsgVoteNode(NODE, GOS),
                MsgUnvoteNode(NODE, GOS // 2),
                MsgLockAsset("btc", 10**5),
                MsgClaimRewards(),
            )[kind]
            txs.append(sign_tx(key, CHAIN_ID, b, [msg], fee=1_000))
        blocks.append(txs)
    return state, blocks


def measure(state: State, blocks: list[list[bytes]]) -> float:
    """Median seconds per block (apply_block + collecting the block's writes)."""
    times = []
    gc.collect()
    gc.freeze()  # the large setup heap would otherwise be rescanned by the cyclic GC during measurement
    for b, txs in enumerate(blocks):
        env = BlockEnv(CHAIN_ID, state.height.get() + 1, (b + 1) * 30_000, "", ())
        start = time.perf_counter()
        result = apply_block(state, env, txs)
        state.take_block_writes()
        times.append(time.perf_counter() - start)
        failed = [r.log for r in result.tx_results if r.code]
        if failed:
            raise SystemExit(f"{len(failed)} txs failed, e.g. {failed[0]}")
    gc.unfreeze()
    return statistics.median(times[1:])  # the first block warms caches


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    results = {}
    for holders in (args.small, args.large):
        start = time.perf_counter()
        state, blocks = build(holders)
        print(f"{holders:>9,} holders: setup {time.perf_counter() - start:.1f} s, {len(state.positions):,} positions")
        results[holders] = measure(state, blocks)
        print(f"{holders:>9,} holders: median block time {results[holders] * 1000:.1f} ms ({ACTIVE} txs)")
        del state, blocks
        gc.collect()
    ratio = results[args.large] / results[args.small]
    print(f"ratio {args.large:,} / {args.small:,} holders: {ratio:.2f} (goal ≤ 1.2)")


if __name__ == "__main__":
    main()
