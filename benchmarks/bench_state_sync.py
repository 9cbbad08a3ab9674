"""Time for a new node to be in sync: state sync (restore a snapshot) vs replay (execute every block), at
ACCOUNTS accounts and BLOCKS blocks (goal of issue 16: 10^6 accounts, 10^5 blocks).

Setup = the serving node's chain, built through the app itself on a durable LMDB store, as a node builds it: a
genesis with one mining node whose operator holds an asset; empty blocks until the operator's block rewards pay
the fees; blocks of TXS_PER_BLOCK transactions (MAX_MSGS transfers each, signed by the operator) that give ACCOUNTS
new accounts a balance; then empty blocks up to BLOCKS. Executing these blocks (signature checks included) is what
a replaying node does, so the build is timed and reported as the replay. The p2p download and CometBFT's own
checks of each block (commit signatures), which block sync adds, are not counted: a real replay is slower.

Measured:
- replay: InitChain plus every block through finalize_block/commit (the build);
- snapshot: writing the snapshot of the last height (the serving node's background thread), its size and chunks;
- block production while that snapshot is written: finalize+commit times of blocks made meanwhile vs without;
- restore: a fresh node's OfferSnapshot + every ApplySnapshotChunk (hash check, decode, Merkle rebuild against the
  app hash, state load, one LMDB batch) from chunk files on disk (the network transfer is not included).

Run: python -u benchmarks/bench_state_sync.py [--accounts 1000000] [--blocks 100000]
"""

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gostaking.chain.crypto import consensus_address, encode_address, sha256
from gostaking.chain.genesis import Genesis, GenesisBalance, GenesisNode, encode_genesis
from gostaking.chain.modules.bank.queries import get_balance
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.node.app import GoStakingApp
from gostaking.node.settings import devnet_assets, devnet_params
from gostaking.node.snapshots.format import DEFAULT_CHUNK_BYTES, encode_metadata
from gostaking.node.snapshots.restore import ChunkResult, OfferedSnapshot, OfferResult, SnapshotRestorer
from gostaking.node.snapshots.store import SnapshotSettings, SnapshotStore, SnapshotTaken, SnapshotTaker
from gostaking.storage import LmdbStore
from gostaking.wallet.keys import PrivateKey, sign_tx

CHAIN_ID = "bench-state-sync"
NODE_PUBKEY = bytes(range(32))
OPERATOR = PrivateKey(sha256(b"bench operator"))
BLOCK_MS = 30_000
TXS_PER_BLOCK = 1_000
MAX_MSGS = 16
AMOUNT = 1_000


def build_genesis(accounts: int) -> bytes:
    """One mining node, run by OPERATOR, who holds enough of an asset to pay `accounts` accounts AMOUNT each."""
    asset = devnet_assets()[0]
    genesis = Genesis(
        chain_id=CHAIN_ID,
        genesis_time_ms=0,
        params=devnet_params(),
        assets=devnet_assets(),
        balances=[GenesisBalance(OPERATOR.address, asset.denom, accounts * AMOUNT)],
        nodes=[GenesisNode(OPERATOR.address, NODE_PUBKEY, "bench")],
    )
    return encode_genesis(genesis)


def transfer_txs(app: GoStakingApp, accounts: int) -> tuple[list[bytes], int]:
    """Signed transactions giving `accounts` new addresses AMOUNT of the asset (MAX_MSGS transfers each), and the
    ugos of fees they cost the operator."""
    denom = devnet_assets()[0].denom
    with app.read() as state:
        params = state.params.get().tx
    txs = []
    for sequence, first in enumerate(range(0, accounts, MAX_MSGS)):
        indexes = range(first, min(first + MAX_MSGS, accounts))
        msgs = [MsgSendCoins(encode_address(sha256(i.to_bytes(8, "big"))[:20]), denom, AMOUNT) for i in indexes]
        txs.append(sign_tx(OPERATOR, CHAIN_ID, sequence, msgs, fee=params.min_fee_ugos))
    return txs, len(txs) * params.min_fee_ugos + accounts * params.new_balance_fee_ugos


def operator_gos(app: GoStakingApp) -> int:
    """The operator's liquid GOS (its mining rewards)."""
    with app.read() as state:
        return get_balance(state, OPERATOR.address, GOS_DENOM)


def make_blocks(app: GoStakingApp, first: int, last: int, txs: list[list[bytes]] | None = None) -> list[float]:
    """Execute blocks first..last through the app (signed by the one node; `txs[i]` in the i-th, else empty);
    the seconds each finalize+commit took."""
    signer = consensus_address(NODE_PUBKEY)
    times = []
    for offset, height in enumerate(range(first, last + 1)):
        started = time.perf_counter()
        block_txs = txs[offset] if txs is not None else []
        result, _ = app.finalize_block(height, height * BLOCK_MS, block_txs, signer, [signer] if height > 1 else [])
        failed = [tx_result.log for tx_result in result.tx_results if tx_result.code]
        if failed:
            raise RuntimeError(f"block {height}: {len(failed)} transactions failed, e.g. {failed[0]}")
        app.commit()
        times.append(time.perf_counter() - started)
    return times


def directory_bytes(path: Path) -> int:
    """Bytes of the files below `path`."""
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())


def build_serving_chain(work: Path, genesis_json: bytes, accounts: int, blocks: int) -> tuple[GoStakingApp, float]:
    """The serving node's chain of `blocks` blocks; and the seconds its InitChain and blocks took (the replay)."""
    serving = GoStakingApp(LmdbStore(work / "serving"))
    started = time.perf_counter()
    serving.init_chain(genesis_json)
    init_s = time.perf_counter() - started
    signing = time.perf_counter()
    txs, fees = transfer_txs(serving, accounts)
    print(f"{len(txs):,} transactions of {MAX_MSGS} transfers signed in {time.perf_counter() - signing:.1f} s (setup)")
    empty_times: list[float] = []
    while operator_gos(serving) < fees:  # the operator's mining rewards pay the transfers' fees
        empty_times += make_blocks(serving, serving.height + 1, serving.height + 1)
    funding_blocks = serving.height
    tx_blocks = [txs[start : start + TXS_PER_BLOCK] for start in range(0, len(txs), TXS_PER_BLOCK)]
    tx_times = make_blocks(serving, serving.height + 1, serving.height + len(tx_blocks), tx_blocks)
    empty_times += make_blocks(serving, serving.height + 1, blocks)
    print(
        f"InitChain {init_s:.2f} s; {funding_blocks:,} empty blocks (the operator's rewards for the fees), "
        f"{len(tx_blocks)} blocks of up to {TXS_PER_BLOCK:,} txs ({sum(tx_times):.1f} s, median "
        f"{1000 * statistics.median(tx_times):.0f} ms each), then empty blocks to {serving.height:,}"
    )
    p99_ms = 1000 * sorted(empty_times)[len(empty_times) * 99 // 100]
    print(
        f"empty blocks: {len(empty_times):,} in {sum(empty_times):.1f} s, median "
        f"{1000 * statistics.median(empty_times):.2f} ms, p99 {p99_ms:.2f} ms"
    )
    return serving, init_s + sum(empty_times) + sum(tx_times)


def snapshot_in_background(serving: GoStakingApp, store: SnapshotStore, chunk_bytes: int) -> SnapshotTaken:
    """Take a snapshot of the serving node while it goes on making blocks; report both."""
    taken: list[SnapshotTaken] = []
    taker = SnapshotTaker(store, SnapshotSettings(1, 1, chunk_bytes), taken.append)
    baseline = make_blocks(serving, serving.height + 1, serving.height + 50)
    gc.collect()
    assert taker.after_commit(serving.height, serving.export_state)
    during: list[float] = []
    while taker.busy:
        during += make_blocks(serving, serving.height + 1, serving.height + 1)
    taker.wait()
    [snapshot] = taken
    metadata = snapshot.metadata
    print(
        f"snapshot of height {metadata.height:,}: {snapshot.seconds:.1f} s in the background, "
        f"{directory_bytes(store.root / str(metadata.height)) / 1e6:.1f} MB, {len(metadata.chunk_hashes)} chunks, "
        f"{metadata.entries:,} entries"
    )
    print(
        f"block finalize+commit without a snapshot: median {1000 * statistics.median(baseline):.2f} ms, max "
        f"{1000 * max(baseline):.2f} ms; while one is written ({len(during)} blocks): median "
        f"{1000 * statistics.median(during):.2f} ms, max {1000 * max(during):.2f} ms"
        if during
        else "no block finished while the snapshot was written"
    )
    return snapshot


def restore(work: Path, genesis_json: bytes, store: SnapshotStore, snapshot: SnapshotTaken) -> float:
    """Restore the snapshot on a fresh node (chunks read from disk); the seconds it took."""
    metadata = snapshot.metadata
    fresh = GoStakingApp(LmdbStore(work / "joining"))
    restorer = SnapshotRestorer(fresh, genesis_json)
    offer = OfferedSnapshot(
        metadata.height, metadata.format, len(metadata.chunk_hashes), metadata.hash, encode_metadata(metadata)
    )
    started = time.perf_counter()
    result, reason = restorer.offer(offer, metadata.app_hash)
    assert result is OfferResult.ACCEPT, reason
    for index in range(len(metadata.chunk_hashes)):
        outcome = restorer.apply_chunk(index, store.load_chunk(metadata.height, index), "peer")
        assert outcome.result is ChunkResult.ACCEPT, outcome.reason
    restore_s = time.perf_counter() - started
    assert fresh.info().app_hash == metadata.app_hash and fresh.height == metadata.height
    return restore_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--blocks", type=int, default=100_000)
    parser.add_argument("--chunk-bytes", type=int, default=DEFAULT_CHUNK_BYTES)
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # one core: the snapshot thread and block production share it, as they would

    work = Path(tempfile.mkdtemp(prefix="bench-state-sync-", dir=args.work_dir))
    print(f"work dir {work}; {args.accounts:,} accounts, {args.blocks:,} blocks, chunks of {args.chunk_bytes:,} B")
    genesis_json = build_genesis(args.accounts)
    serving, replay_s = build_serving_chain(work, genesis_json, args.accounts, args.blocks)
    print(f"replay (InitChain + every block through the app): {replay_s:.1f} s")
    print(f"serving node at height {serving.height:,}: {serving.state_key_count:,} state keys")
    store = SnapshotStore(work / "snapshots")
    snapshot = snapshot_in_background(serving, store, args.chunk_bytes)
    del serving
    gc.collect()
    restore_s = restore(work, genesis_json, store, snapshot)
    chunks = len(snapshot.metadata.chunk_hashes)
    print(f"restore: {restore_s:.1f} s (offer, {chunks} chunks checked and applied, the app hash checked)")
    print(
        f"in sync from scratch: state sync {restore_s:.1f} s (+ the download of the snapshot and of the blocks since "
        f"it) vs replay {replay_s:.1f} s: {replay_s / restore_s:.0f}x"
    )


if __name__ == "__main__":
    main()
