"""Benchmark of the explorer API on an index of 1,000,000 transactions: p50/p99 latency and requests per second.

Run from the repository root: python benchmarks/bench_explorer_api.py [--txs N] [--concurrency C]
(about 2 minutes and 1.5 GB of disk in a temporary directory, removed afterwards).

The index is synthetic but valid: it is written straight into SQLite in bulk (replaying 1,000,000 signed
transactions through the chain would take far longer and measure the chain, not the explorer). Rows follow the
indexer's schema and invariants: 100,000 blocks of 10 transfers, each transfer with its event and two history
rows (sender and recipient) among 10,000 valid gos1 addresses, account totals and the cursor row. Hashes are
sha256 of counters. The API server (uvicorn, one process, the devnet's FastAPI app over a fresh in-memory node
with this index attached, its follower never started) runs in a child process on 127.0.0.1; an httpx async
client sends a bounded number of requests per endpoint (and stops after a time limit) with C in flight.
"""

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

# Lets the script run from a plain checkout, without installing the package first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import create_engine

from gostaking.chain.crypto import encode_address
from gostaking.indexer.schema import ROW_ID_SHIFT, metadata

TXS_PER_BLOCK = 10
ADDRESSES = 10_000
GENESIS_MS = 1_795_000_000_000
BLOCK_MS = 30_000
FEE = 1_000
REQUESTS_PER_ENDPOINT = 2_000
SECONDS_PER_ENDPOINT = 20.0


def _hex(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def _address(i: int) -> str:
    return encode_address(hashlib.sha256(b"bench-address" + i.to_bytes(4, "big")).digest()[:20])


def build_index(path: Path, tx_count: int) -> tuple[list[str], list[str]]:
    """Write the synthetic index; returns (addresses, a sample of tx hashes)."""
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    secondary = [index for table in metadata.sorted_tables for index in table.indexes]
    for index in secondary:  # bulk load first, index after: much faster than maintaining them row by row
        index.drop(engine)
    engine.dispose()
    addresses = [_address(i) for i in range(ADDRESSES)]
    rng = random.Random(42)
    blocks_count = tx_count // TXS_PER_BLOCK
    sample: list[str] = []
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    activity_count: dict[str, int] = {}
    tx_count_by: dict[str, int] = {}
    first: dict[str, int] = {}
    last: dict[str, int] = {}

    def rows() -> Iterator[tuple[list[tuple[object, ...]], ...]]:
        for height in range(1, blocks_count + 1):
            time_ms = GENESIS_MS + height * BLOCK_MS
            block = (
                height,
                _hex("block", height),
                time_ms,
                "D0B30A5D2F6DDDEC07B333E9DDB9D0590C109284",
                TXS_PER_BLOCK,
                0,
                TXS_PER_BLOCK,
                TXS_PER_BLOCK * FEE,
                100_000_000,
                height * 100_000_000,
                0,
                _hex("app", height),
            )
            txs, events, activity = [], [], []
            for i in range(TXS_PER_BLOCK):
                tx_hash = _hex("tx", height, i)
                if rng.random() < 0.001:
                    sample.append(tx_hash)
                sender, recipient = rng.choice(addresses), rng.choice(addresses)
                amount = rng.randrange(1, 10**9)
                row_id = (height << ROW_ID_SHIFT) | i
                txs.append((row_id, tx_hash, height, i, time_ms, sender, FEE, 0, "", "send", 1, "", 300))
                attrs = json.dumps({"sender": sender, "recipient": recipient, "denom": "ugos", "amount": str(amount)})
                events.append((row_id, height, i, tx_hash, "transfer", attrs))
                for n, (who, role, kind, other) in enumerate(
                    ((sender, "sender", "send", recipient), (recipient, "recipient", "receive", sender))
                ):
                    activity.append(
                        (
                            (height << ROW_ID_SHIFT) | (2 * i + n),
                            who,
                            height,
                            time_ms,
                            tx_hash,
                            i,
                            0 if n == 0 else None,
                            role,
                            kind,
                            other,
                            "ugos",
                            str(amount),
                            FEE if n == 0 else 0,
                            0,
                        )
                    )
                    activity_count[who] = activity_count.get(who, 0) + 1
                    tx_count_by[who] = tx_count_by.get(who, 0) + 1
                    first.setdefault(who, height)
                    last[who] = height
            yield [block], txs, events, activity

    started = time.perf_counter()
    batch: tuple[list[tuple[object, ...]], ...] = ([], [], [], [])
    for produced in rows():
        for target, new in zip(batch, produced, strict=True):
            target.extend(new)
        if len(batch[1]) >= 50_000:
            _flush(db, batch)
            batch = ([], [], [], [])
    _flush(db, batch)
    db.executemany(
        "INSERT INTO account_stats VALUES (?, ?, ?, ?, ?)",
        [(a, activity_count[a], tx_count_by[a], first[a], last[a]) for a in activity_count],
    )
    db.execute("INSERT INTO event_stats VALUES ('transfer', ?)", (tx_count,))
    db.execute(
        "INSERT INTO consensus_nodes VALUES (?, ?, ?, 0, ?, ?, ?, ?)",
        (
            "D0B30A5D2F6DDDEC07B333E9DDB9D0590C109284",
            addresses[0],
            "bench-node",
            blocks_count,
            blocks_count - 1,
            blocks_count - 1,
            blocks_count - 1,
        ),
    )
    db.execute(
        "INSERT INTO index_cursor VALUES (1, ?, ?, ?, ?, 0, ?, ?, ?, '[]', '[]')",
        (
            blocks_count,
            _hex("block", blocks_count),
            str(10**18),
            blocks_count * 100_000_000,
            tx_count,
            tx_count,
            2 * tx_count,
        ),
    )
    db.commit()
    db.close()
    loaded = time.perf_counter() - started
    engine = create_engine(f"sqlite:///{path}")
    started = time.perf_counter()
    for index in secondary:
        index.create(engine)
    engine.dispose()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("ANALYZE")
    db.close()
    print(
        f"index built: {tx_count:,} txs, {2 * tx_count:,} history rows, {tx_count:,} events, "
        f"{blocks_count:,} blocks in {loaded:.0f} s + indexes {time.perf_counter() - started:.0f} s; "
        f"{path.stat().st_size / 2**20:,.0f} MiB"
    )
    return addresses, sample


def _flush(db: sqlite3.Connection, batch: tuple[list[tuple[object, ...]], ...]) -> None:
    blocks, txs, events, activity = batch
    db.executemany(f"INSERT INTO blocks VALUES ({','.join('?' * 12)})", blocks)
    db.executemany(f"INSERT INTO txs VALUES ({','.join('?' * 13)})", txs)
    db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)", events)
    db.executemany(f"INSERT INTO account_activity VALUES ({','.join('?' * 14)})", activity)


def serve(index_path: str, port: int) -> None:
    """Child process: the node API with the prebuilt index attached (nothing syncs into it)."""
    import uvicorn

    from gostaking.api.main import create_api
    from gostaking.node.runtime import open_devnet
    from gostaking.node.settings import DevnetSettings
    from gostaking.storage import MemoryStore

    home = Path(index_path).parent / "node"  # inside the benchmark's work directory, removed with it
    node = open_devnet(DevnetSettings(home=home), store=MemoryStore())
    api = create_api(node, index_url=f"sqlite:///{index_path}")
    uvicorn.run(api, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def measure(
    url: str, make_path: Callable[[], str], concurrency: int, count: int = REQUESTS_PER_ENDPOINT
) -> tuple[list[float], float, int]:
    """Latencies (s) of up to `count` requests, the wall time, and the number of errors."""
    latencies: list[float] = []
    errors = 0
    remaining = count
    deadline = time.perf_counter() + SECONDS_PER_ENDPOINT
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:

        async def worker() -> None:
            nonlocal remaining, errors
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                path = make_path()
                started = time.perf_counter()
                response = await client.get(path)
                await response.aread()
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--txs", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--serve", nargs=2, metavar=("INDEX", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench-explorer-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        path = workdir / "index.sqlite"
        addresses, sample = build_index(path, args.txs)
        port = _free_port()
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(path), str(port)], env=os.environ.copy())
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(f"{url}/explorer/index", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        rng = random.Random(7)
        top = (args.txs // TXS_PER_BLOCK) << ROW_ID_SHIFT
        blocks = args.txs // TXS_PER_BLOCK
        endpoints: list[tuple[str, Callable[[], str]]] = [
            ("blocks, first page", lambda: "/explorer/blocks?limit=25"),
            ("blocks, deep page", lambda: f"/explorer/blocks?limit=25&before={rng.randrange(2, blocks)}"),
            ("txs, first page", lambda: "/explorer/txs?limit=25"),
            ("txs, deep page", lambda: f"/explorer/txs?limit=25&before={rng.randrange(1 << ROW_ID_SHIFT, top)}"),
            ("txs of a sender", lambda: f"/explorer/txs?limit=25&sender={rng.choice(addresses)}"),
            ("account history, first page", lambda: f"/explorer/accounts/{rng.choice(addresses)}/history?limit=25"),
            (
                "account history, deep page",
                lambda: (
                    f"/explorer/accounts/{rng.choice(addresses)}/history?limit=25"
                    f"&before={rng.randrange(1 << ROW_ID_SHIFT, top)}"
                ),
            ),
            ("events by kind", lambda: "/explorer/events?limit=25&kind=transfer"),
            ("search: tx hash", lambda: f"/explorer/search?q={rng.choice(sample)}"),
            ("search: address", lambda: f"/explorer/search?q={rng.choice(addresses)}"),
            ("search: block hash", lambda: "/explorer/search?q=0x" + _hex("block", rng.randrange(1, blocks))),
            ("history CSV (~200 rows)", lambda: f"/explorer/accounts/{rng.choice(addresses)}/history.csv"),
        ]
        print(f"{args.concurrency} requests in flight, up to {REQUESTS_PER_ENDPOINT} per endpoint")
        print(f"{'endpoint':<30} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'n':>6} {'errors':>6}")
        for name, make_path in endpoints:
            asyncio.run(measure(url, make_path, args.concurrency, 200))  # warm-up (caches, connections)
            latencies, wall, errors = asyncio.run(measure(url, make_path, args.concurrency))
            cuts = statistics.quantiles(latencies, n=100)
            print(
                f"{name:<30} {cuts[49] * 1000:>8.1f} {cuts[98] * 1000:>8.1f} {len(latencies) / wall:>8.0f} "
                f"{len(latencies):>6} {errors:>6}"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
