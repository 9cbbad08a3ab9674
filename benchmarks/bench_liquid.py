"""Block time of the liquid module with 10^3 vs 10^6 sGOS holders, and with 10^3 vs 10^6 open tickets (goal: each
ratio ≤ 1.2).

The rate is computed from O(pools + the module's own unbonding entries) values, tickets are paid from a cursor a
bounded number per block, and the pool's tickets are at most one per rebalance: no block's cost may depend on how
many accounts hold sGOS or how many tickets wait. Setup (not measured) makes the holders stake and the tickets
through the module's own handlers. Measured: the same workload on each chain — ACTIVE signed txs (liquid stakes,
unstakes, instant unstakes, pool deposits and withdrawals, sGOS transfers), a rebalance at every block
(`rebalance_interval_blocks` = 1, the worst case: rewards claimed, the pool's ticket, unbonding, restaking) and
ticket payouts at the per-block bound — median over several blocks.

Run: python benchmarks/bench_liquid.py [--small 1000] [--large 1000000] [--only holders|tickets]
"""

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_holders import measure  # the same timing: apply_block + writes, GC frozen, median after warm-up

from gostaking.chain.crypto import encode_address, sha256
from gostaking.chain.env import Context
from gostaking.chain.genesis import Genesis, GenesisNode, init_chain
from gostaking.chain.modules.bank.mutations import mint_gos
from gostaking.chain.modules.liquid.handlers import (
    process_liquid_add_liquidity,
    process_liquid_stake,
    process_liquid_unstake,
)
from gostaking.chain.modules.liquid.queries import get_liquid_totals
from gostaking.chain.numeric import UGOS_PER_GOS
from gostaking.chain.state import State
from gostaking.chain.types.block import BlockEnv
from gostaking.chain.types.liquid import (
    SGOS_DENOM,
    LiquidGenesis,
    LiquidParams,
    MsgLiquidAddLiquidity,
    MsgLiquidInstantUnstake,
    MsgLiquidRemoveLiquidity,
    MsgLiquidStake,
    MsgLiquidUnstake,
)
from gostaking.chain.types.params import ChainParams, StakingParams
from gostaking.chain.types.tx import MsgSendCoins, TxMsg
from gostaking.wallet.keys import PrivateKey, sign_tx

CHAIN_ID = "bench"
GOS = UGOS_PER_GOS
ACTIVE = 300  # accounts that transact in the measured blocks (with keys)
BLOCKS = 7
NODE = PrivateKey((999_999_999).to_bytes(32, "big")).address
PARAMS = ChainParams(staking=StakingParams(stake_unbonding_blocks=3))
LIQUID = LiquidParams(rebalance_interval_blocks=1, max_node_share_ppm=1_000_000, target_liquidity_ugos=10**6 * GOS)


def build(holders: int, tickets: int) -> tuple[State, list[list[bytes]]]:
    """A chain whose module has `holders` sGOS holders and `tickets` open tickets, and pre-signed blocks."""
    state = State()
    section = msgspec.Raw(msgspec.json.encode(LiquidGenesis(LIQUID)))
    nodes = [GenesisNode(NODE, b"\x01" * 32, "bench")]
    init_chain(state, Genesis(CHAIN_ID, 0, PARAMS, nodes=nodes, modules={"liquid": section}))
    env = BlockEnv(CHAIN_ID, 0, 0)
    active = [PrivateKey((i + 1).to_bytes(32, "big")) for i in range(ACTIVE)]
    passive = [encode_address(sha256(i.to_bytes(8, "big"))[:20]) for i in range(max(holders - ACTIVE, 0))]
    for address in [k.address for k in active] + passive:
        mint_gos(state, address, 1_000 * GOS)  # setup only: no premine on a real chain
        process_liquid_stake(state, Context(env, address), MsgLiquidStake(100 * GOS))
    for key in active:
        process_liquid_add_liquidity(state, Context(env, key.address), MsgLiquidAddLiquidity(500 * GOS))
    owners = [k.address for k in active] + passive
    for i in range(tickets):
        # Tickets due long after the measured blocks: they wait, as most tickets do.
        process_liquid_unstake(
            state, Context(BlockEnv(CHAIN_ID, 10**6, 0), owners[i % len(owners)]), MsgLiquidUnstake(1)
        )
    state.take_block_writes()
    blocks = []
    for b in range(BLOCKS):
        txs = []
        for i, key in enumerate(active):
            msg: TxMsg = (
                MsgLiquidStake(10 * GOS),
                MsgLiquidUnstake(GOS // 10),
                MsgLiquidInstantUnstake(GOS // 10, 0),
                MsgSendCoins(active[(i + 1) % ACTIVE].address, SGOS_DENOM, 1_000),
                MsgLiquidAddLiquidity(5 * GOS),
                MsgLiquidRemoveLiquidity(GOS),
            )[(i + b) % 6]
            txs.append(sign_tx(key, CHAIN_ID, b, [msg], fee=1_000))
        blocks.append(txs)
    return state, blocks


def measure_rebalancing(state: State, blocks: list[list[bytes]]) -> float:
    """Median seconds per block (bench_holders.measure), checking that every measured block rebalanced."""
    rebalances = get_liquid_totals(state).rebalances
    median = measure(state, blocks)
    if get_liquid_totals(state).rebalances != rebalances + len(blocks):
        raise SystemExit("a measured block did not rebalance")
    return median


def compare(what: str, sizes: tuple[int, int], other: int) -> float:
    """Median block times with `sizes` of `what` (holders or tickets), the other dimension at `other`."""
    results = {}
    for size in sizes:
        start = time.perf_counter()
        holders, tickets = (size, other) if what == "holders" else (other, size)
        state, blocks = build(holders, tickets)
        print(
            f"{size:>9,} {what}: setup {time.perf_counter() - start:.1f} s ({holders:,} holders, {tickets:,} tickets)"
        )
        results[size] = measure_rebalancing(state, blocks)
        print(f"{size:>9,} {what}: median block time {results[size] * 1000:.1f} ms ({ACTIVE} txs)")
        del state, blocks
        gc.collect()
    ratio = results[sizes[1]] / results[sizes[0]]
    print(f"ratio {sizes[1]:,} / {sizes[0]:,} {what}: {ratio:.2f} (goal ≤ 1.2)")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--only", choices=("holders", "tickets"))
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    sizes = (args.small, args.large)
    for what in ("holders", "tickets"):
        if args.only in (None, what):
            compare(what, sizes, args.small)


if __name__ == "__main__":
    main()
