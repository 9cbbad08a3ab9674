"""Order-book throughput and scaling through apply_block on one core, signatures checked.

Setup (not measured): a genesis with the btc/GOS market, traders holding GOS and btc, and a resting book of
RESTING orders one per tick level away from the middle (bids below, asks above), placed through the module's own
handler in earlier blocks; then pre-signed blocks (signing is the client's work). Measured: `apply_block` on blocks
of ORDERS new orders — half buys, half sells, each crossing the middle and the three best resting levels of the
other side, so every order of the block trades in the end-block auction — decode, signature recovery, sequence and
fee, the order's checks and escrow, the auction, its fills and settlement, events, and collecting the block's writes.
The same blocks run on a book of `--small` and of `--large` resting orders: the auction walks the resting book from
its best price only while it crosses, so the ratio of the two block times should stay near 1 (goal ≤ 1.2).

Orders per transaction (`--per-tx`): 1 (one signature per order, the worst case) or up to `max_msgs` (16: a market
maker's batch, one signature for 16 orders). Orders matched per second = the block's orders / apply_block time.

The floor, in the same run and on the same core: the machine's secp256k1 key-recovery rate (bench_transfers'
`recovery_seconds` on the small book's blocks' signatures) and the tx/s of plain-transfer blocks through apply_block
(bench_transfers' chain), and an order's time split in µs: key recovery (one per transaction, shared by its
orders), the rest of the generic transaction path (the same block run with the order's checks and handler doing
nothing, then reverted, less the recovery), the book's own part (the block less that run) and collecting the
block's writes. Every figure is a median of CPU times after the first (warm-up) block.

Run: python benchmarks/bench_book.py [--orders 2000] [--per-tx 1] [--small 1000] [--large 100000] [--blocks 5]
    [--transfer-txs 2000] [--cpu 0] [--profile]
"""

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_transfers import build as build_transfers  # the floor: its transfer chain and key recovery
from bench_transfers import recovery_seconds, signatures

from gostaking.chain.env import Context
from gostaking.chain.genesis import Genesis, GenesisBalance, init_chain
from gostaking.chain.modules.bank.mutations import mint_gos
from gostaking.chain.modules.book.handlers import process_place_order
from gostaking.chain.modules.book.lifecycle import process_auctions
from gostaking.chain.modules.book.queries import get_last_auction
from gostaking.chain.numeric import UGOS_PER_GOS
from gostaking.chain.state import State
from gostaking.chain.transition import apply_block
from gostaking.chain.types.block import BlockEnv
from gostaking.chain.types.book import BookGenesis, BookParams, MarketListing, MsgPlaceOrder
from gostaking.chain.types.lock import Asset
from gostaking.wallet.keys import PrivateKey, sign_tx

CHAIN_ID = "bench"
GOS = UGOS_PER_GOS
BTC = Asset("btc", 8, "bitcoin", weight_ppm=100_000, price_ugos=10_000 * GOS)
TICK, LOT = 1_000, 100_000  # 0.001 GOS per btc, 0.001 btc
MIDDLE = 10_000 * GOS
CROSSED_LEVELS = 3
"""Resting levels each side that the block's orders trade with (the levels crossed)."""
BOOK_PARAMS = BookParams(max_open_orders_per_account=10**7, max_orders_per_block=10**6, max_expiries_per_block=1_000)


def build(resting: int, orders: int, per_tx: int, blocks: int) -> tuple[State, list[list[bytes]]]:
    """A chain with `resting` resting orders and `blocks` pre-signed blocks of `orders` crossing orders each."""
    traders = [PrivateKey((i + 1).to_bytes(32, "big")) for i in range(max(orders // per_tx, 2))]
    maker = PrivateKey((10**6).to_bytes(32, "big"))
    addresses = [maker.address, *(t.address for t in traders)]
    section = BookGenesis(BOOK_PARAMS, [MarketListing("btc", TICK, LOT, 1_000, 2_000, 0)])
    state = State()
    init_chain(
        state,
        Genesis(
            CHAIN_ID,
            0,
            assets=[BTC],
            balances=[GenesisBalance(a, "btc", 10**6 * 10**8) for a in addresses],
            modules={"book": msgspec.Raw(msgspec.json.encode(section))},
        ),
    )
    for address in addresses:
        mint_gos(state, address, 10**9 * GOS)  # setup only: no premine on a real chain
    # The resting book: one order per level on each side, from `gap` ticks away from the middle outwards.
    env = BlockEnv(CHAIN_ID, 1, 0)
    state.height.set(1)
    ctx = Context(env, maker.address)
    gap = 2
    for i in range(resting):
        level = gap + i // 2
        side, price = ("buy", MIDDLE - level * TICK) if i % 2 == 0 else ("sell", MIDDLE + level * TICK)
        process_place_order(state, ctx, MsgPlaceOrder("btc", side, price, LOT))
    process_auctions(state, Context(env))  # nothing crosses: they rest
    state.take_block_writes()
    # Block b: IOC buys and sells that cross each other and reach the CROSSED_LEVELS best resting levels left on
    # the other side (the earlier blocks took the levels before them).
    signed = []
    for b in range(blocks):
        reach = (gap + (b + 1) * CROSSED_LEVELS - 1) * TICK
        txs = []
        for t, trader in enumerate(traders[: orders // per_tx]):
            side, price = ("buy", MIDDLE + reach) if t % 2 == 0 else ("sell", MIDDLE - reach)
            msgs = [MsgPlaceOrder("btc", side, price, LOT, "ioc") for _ in range(per_tx)]
            txs.append(sign_tx(trader, CHAIN_ID, b, list(msgs), fee=1_000))
        signed.append(txs)
    return state, signed


def apply_timed(state: State, txs: list[bytes]) -> tuple[float, float, float]:
    """(apply_block CPU seconds, CPU seconds collecting its writes, wall seconds of both) of one block. CPU time is
    the figure that counts on a shared machine: other processes stretch the wall time, not the work done."""
    env = BlockEnv(CHAIN_ID, state.height.get() + 1, (state.height.get() + 1) * 30_000, "", ())
    cpu, wall = time.process_time(), time.perf_counter()
    result = apply_block(state, env, txs)
    applied = time.process_time()
    state.take_block_writes()
    writes, wall = time.process_time() - applied, time.perf_counter() - wall
    failed = [r.log for r in result.tx_results if r.code]
    if failed:
        raise SystemExit(f"{len(failed)} txs failed, e.g. {failed[0]}")
    return applied - cpu, writes, wall


class _Revert(Exception):
    """Leaves the scope whose writes `generic_seconds` reverts."""


def generic_seconds(state: State, txs: list[bytes]) -> float:
    """CPU seconds of apply_block on `txs` with the book's part left out: the order's checks and its handler do
    nothing, so what remains is the generic transaction path (decode, signature recovery, sequence, fee) and the
    block's hooks, which find no order to auction. Run on `state` and reverted: `state` is left as it was."""
    registry = state.registry
    check, handler = registry.checks[MsgPlaceOrder], registry.handlers[MsgPlaceOrder]
    registry.checks[MsgPlaceOrder] = lambda state, msg: None
    registry.handlers[MsgPlaceOrder] = lambda state, ctx, msg: None
    env = BlockEnv(CHAIN_ID, state.height.get() + 1, (state.height.get() + 1) * 30_000, "", ())
    try:
        with state.atomic():
            cpu = time.process_time()
            result = apply_block(state, env, txs)
            cpu = time.process_time() - cpu
            raise _Revert
    except _Revert:
        pass
    finally:
        registry.checks[MsgPlaceOrder], registry.handlers[MsgPlaceOrder] = check, handler
    failed = [r.log for r in result.tx_results if r.code]
    if failed:
        raise SystemExit(f"{len(failed)} txs failed without the book's part, e.g. {failed[0]}")
    return cpu


def recovery_cpu_seconds(txs: list[bytes]) -> float:
    """CPU seconds to recover the public keys of `txs`' signatures with coincurve alone (`recovery_seconds` of
    bench_transfers, timed in CPU time like the blocks)."""
    signed = signatures(txs)
    cpu = time.process_time()
    recovery_seconds(signed)
    return time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--per-tx", type=int, default=1)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--transfer-txs", type=int, default=2_000, help="transfers per block of the floor's chain")
    parser.add_argument("--profile", action="store_true", help="profile one block on the small book")
    parser.add_argument("--cpu", type=int, default=0, help="the one core to run on (another than a busy one)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})  # one core, as the goal states
    chains = {}
    for resting in (args.small, args.large):
        start = time.perf_counter()
        chains[resting] = build(resting, args.orders, args.per_tx, args.blocks)
        print(f"{resting:>9,} resting orders: setup {time.perf_counter() - start:.1f} s")
        if args.profile:
            import cProfile
            import pstats

            state, blocks = chains[resting]
            env = BlockEnv(CHAIN_ID, state.height.get() + 1, 30_000, "", ())
            profiler = cProfile.Profile()
            profiler.runcall(apply_block, state, env, blocks[0])
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            return
    # The floor of the same run: a chain of plain transfers (bench_transfers' own), and the key recovery alone.
    transfer_state, _, transfer_blocks = build_transfers(args.transfer_txs, args.blocks)
    # Every measurement of a round follows the one before, so a burst of load on the machine hits them alike.
    times: dict[int, list[tuple[float, float, float]]] = {size: [] for size in chains}
    generic, recovery, transfers = [], [], []
    small_state, small_blocks = chains[args.small]
    gc.collect()
    gc.freeze()  # the large setup heap would otherwise be rescanned by the cyclic GC during measurement
    for b in range(args.blocks):
        recovery.append(recovery_cpu_seconds(small_blocks[b]))
        generic.append(generic_seconds(small_state, small_blocks[b]))
        for size, (state, blocks) in chains.items():
            times[size].append(apply_timed(state, blocks[b]))
        transfers.append(apply_timed(transfer_state, transfer_blocks[b])[0])
    gc.unfreeze()
    orders = args.orders // args.per_tx * args.per_tx
    medians = {}
    for size, (state, _) in chains.items():
        cpu = statistics.median(t[0] + t[1] for t in times[size][1:])  # the first block warms caches
        wall = statistics.median(t[2] for t in times[size][1:])
        medians[size] = cpu
        last = get_last_auction(state, "btc")
        traded = 0 if last is None else last.volume // LOT
        print(
            f"{size:>9,} resting orders: median block {cpu * 1000:.0f} ms CPU ({wall * 1000:.0f} ms wall) for "
            f"{orders:,} orders (last auction: {traded:,} lots each side): {orders / cpu:,.0f} orders/s"
        )
    ratio = medians[args.large] / medians[args.small]
    print(f"ratio {args.large:,} / {args.small:,} resting orders (CPU time): {ratio:.2f} (goal ≤ 1.2)")
    print_floor(args.per_tx, orders, times[args.small][1:], generic[1:], recovery[1:], transfers[1:], args.transfer_txs)


def print_floor(
    per_tx: int,
    orders: int,
    times: list[tuple[float, float, float]],
    generic: list[float],
    recovery: list[float],
    transfers: list[float],
    transfer_txs: int,
) -> None:
    """The machine's floor, measured in the same rounds as the small book's blocks (medians, CPU time), and where
    an order's time goes: key recovery (one per transaction, shared by its orders), the rest of the generic
    transaction path, the book's own part (apply_block less the same block without the order's checks and
    handler) and collecting the block's writes."""
    txs = orders // per_tx
    recovery_us = statistics.median(recovery) / txs * 1e6  # per signature
    print(
        f"floor, same core and run: secp256k1 key recovery {1e6 / recovery_us:,.0f}/s; plain transfers through "
        f"apply_block {transfer_txs / statistics.median(transfers):,.0f} tx/s ({len(transfers)} blocks of "
        f"{transfer_txs:,})"
    )
    applied = statistics.median(t[0] for t in times) / orders * 1e6
    writes = statistics.median(t[1] for t in times) / orders * 1e6
    generic_us = statistics.median(generic) / orders * 1e6
    per_order_recovery = recovery_us / per_tx
    print(
        f"per order ({per_tx} a tx): {applied + writes:.1f} µs = key recovery {per_order_recovery:.1f} "
        f"+ generic tx path {generic_us - per_order_recovery:.1f} (decode, verify, sequence, fee, block hooks) "
        f"+ book {applied - generic_us:.1f} (order checks, escrow, placement, auction, settlement, events) "
        f"+ collecting the block's writes {writes:.1f}"
    )


if __name__ == "__main__":
    main()
