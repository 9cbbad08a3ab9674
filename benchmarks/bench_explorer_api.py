"""Benchmark of the explorer API on an index of 1,000,000 transactions: p50/p99 latency and requests per second,
and the devnet's block interval while the reads run.

Run from the repository root: python benchmarks/bench_explorer_api.py [--txs N] [--concurrency C]
[--workers 0,1,2] [--baseline DIR] (about 4 minutes, and 1.7 GB of disk in a temporary directory, removed
afterwards). `--workers` lists the configurations to compare, each a server of its own on the same index: 0 serves
every request from the node process (as before read workers), N > 0 puts N read worker processes in front
(gostaking/api/worker.py). `--baseline DIR` serves the same index from another checkout too (e.g. `git worktree
add --detach /tmp/base HEAD` before a change), in one process. Every endpoint is measured on every server in turn,
the order rotating from one endpoint to the next, so that all see the same machine load.

The index is synthetic but valid: it is written straight into SQLite in bulk (replaying 1,000,000 signed
transactions through the chain would take far longer and measure the chain, not the explorer). Rows follow the
indexer's schema and invariants: 100,000 blocks of 10 transfers, each transfer with its event and two history
rows (sender and recipient) among 10,000 valid gos1 addresses, account totals and the cursor row. Hashes are
sha256 of counters. The API server (the devnet's FastAPI app over a fresh in-memory node with this index attached,
its follower never started, served as the devnet serves it: the node's server configuration and its read workers)
runs in a child process on 127.0.0.1; a minimal keep-alive client sends a bounded number of requests per endpoint
(and stops after a time limit) with C in flight. The server's CPU time per request (the node process and its
workers, from /proc) is reported beside latency and throughput: it varies far less with the load of a shared
machine. The child's node produces (empty) blocks every --block-time seconds meanwhile and logs when each began
and committed: the report gives the block interval and the time to produce a block while the reads ran, beside
the same measured on the idle server first.
"""

import argparse
import asyncio
import hashlib
import itertools
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Lets the script run from a plain checkout, without installing the package first; a server child runs the code
# of the checkout in BENCH_SOURCE_TREE (the baseline's, for --baseline).
sys.path.insert(0, os.environ.get("BENCH_SOURCE_TREE") or str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import create_engine

from gostaking.chain.crypto import encode_address
from gostaking.indexer.schema import ROW_ID_SHIFT, metadata

SOURCE_TREE_ENV = "BENCH_SOURCE_TREE"
TXS_PER_BLOCK = 10
ADDRESSES = 10_000
GENESIS_MS = 1_795_000_000_000
BLOCK_MS = 30_000
FEE = 1_000
REQUESTS_PER_ENDPOINT = 2_000
SECONDS_PER_ENDPOINT = 20.0
IDLE_SECONDS = 5.0
"""How long the block interval is measured on the idle server, before any read."""


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
            txs: list[tuple[object, ...]] = []
            events: list[tuple[object, ...]] = []
            activity: list[tuple[object, ...]] = []
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


def serve(index_path: str, port: int, block_time_s: float, block_log: str, workers: int) -> None:
    """Child process: the node API with the prebuilt index attached (nothing syncs into it), served as a node
    serves it with `workers` read workers, while the node produces blocks; each block's start and commit (Unix
    time) go to `block_log`."""
    import signal

    import uvicorn

    from gostaking.api.main import create_api
    from gostaking.node.apiserver import server_config
    from gostaking.node.runtime import open_devnet
    from gostaking.node.settings import DevnetSettings
    from gostaking.storage import MemoryStore

    home = Path(index_path).parent / f"node-{port}"  # inside the benchmark's work directory, removed with it
    node = open_devnet(DevnetSettings(home=home, block_time_s=block_time_s), store=MemoryStore())
    index_url = f"sqlite:///{index_path}"
    api = create_api(node, index_url=index_url, read_workers=workers) if workers else create_api(node, index_url)
    producer = node.producer
    assert producer is not None
    log = open(block_log, "a", buffering=1)  # noqa: SIM115 -- open for the life of the process
    produce = producer.produce_block

    def produce_and_log() -> Any:
        started = time.time()
        block = produce()
        log.write(f"{started:.6f} {time.time():.6f}\n")
        return block

    producer.produce_block = produce_and_log  # type: ignore[method-assign]
    producer.start()
    if not workers:  # as a node served before read workers (a --baseline checkout has no serve_api)
        uvicorn.Server(server_config(api, "127.0.0.1", port)).run()
        return
    from gostaking.node.apiserver import serve_api

    # uvicorn raises SIGTERM again once stopped: exit through serve_api's cleanup (it stops the workers), as the
    # devnet does.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    serve_api(api, "127.0.0.1", port)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class KeepAliveConnection:
    """A minimal HTTP/1.1 GET client on one keep-alive connection. The client shares the machine with the server
    it measures: httpx spent more CPU per request than the server did, so the benchmark sends requests this way
    (the same for every server it compares)."""

    def __init__(self, host: str, port: int) -> None:
        """Connect on the first request."""
        self.host = host
        self.port = port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        """(status, body) of GET `path`; reconnects when the server closed the connection."""
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {
            name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:] if line)
        }
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                body += (await reader.readexactly(size + 2))[:-2]
            await reader.readuntil(b"\r\n")
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body

    async def close(self) -> None:
        """Close the connection (a later get reconnects)."""
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def measure(
    url: str, make_path: Callable[[], str], concurrency: int, count: int = REQUESTS_PER_ENDPOINT
) -> tuple[list[float], float, int]:
    """Latencies (s) of up to `count` requests, the wall time, and the number of errors."""
    latencies: list[float] = []
    errors = 0
    remaining = count
    deadline = time.perf_counter() + SECONDS_PER_ENDPOINT
    parsed = httpx.URL(url)
    connections = [KeepAliveConnection(parsed.host, parsed.port or 80) for _ in range(concurrency)]

    async def worker(connection: KeepAliveConnection) -> None:
        nonlocal remaining, errors
        while remaining > 0 and time.perf_counter() < deadline:
            remaining -= 1
            path = make_path()
            started = time.perf_counter()
            status, _ = await connection.get(path)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors += 1

    started = time.perf_counter()
    try:
        await asyncio.gather(*(worker(connection) for connection in connections))
    finally:
        for connection in connections:
            await connection.close()
    return latencies, time.perf_counter() - started, errors


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc: the server's cost per request, which the
    other loads of a shared machine disturb far less than its latency."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(pid: int) -> list[int]:
    """The processes `pid` started (its read workers)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return children


def server_cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time of a server's node process and of its read workers."""
    return cpu_seconds(pid), sum(cpu_seconds(child) for child in child_pids(pid))


@dataclass
class Server:
    """One API server under test: its name, child process (the node's), URL and block log."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    block_log: Path

    def block_times(self, windows: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
        """(intervals between block starts, times to produce a block), in seconds, of the blocks begun in each
        (since, until) window (an interval only between two blocks of one window)."""
        rows = [tuple(map(float, line.split())) for line in self.block_log.read_text().splitlines() if line]
        intervals: list[float] = []
        producing: list[float] = []
        for since, until in windows:
            window = [(start, end) for start, end in rows if since <= start <= until]
            intervals += [b[0] - a[0] for a, b in itertools.pairwise(window)]
            producing += [end - start for start, end in window]
        return intervals, producing


def start_server(name: str, tree: Path, index: Path, workdir: Path, block_time_s: float, workers: int) -> Server:
    """A child process serving `index` with the code of checkout `tree` and `workers` read workers; waits until it
    answers."""
    port = _free_port()
    block_log = workdir / f"blocks-{name}.log"
    block_log.touch()
    env = {**os.environ, SOURCE_TREE_ENV: str(tree)}
    serve_args = [str(index), str(port), str(block_time_s), str(block_log), str(workers)]
    command = [sys.executable, __file__, "--serve", *serve_args]
    process = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(f"{url}/explorer/index", timeout=2).raise_for_status()
            return Server(name, process, url, block_log)
        except httpx.HTTPError:
            if process.poll() is not None:
                raise SystemExit(f"the {name} server exited with {process.returncode}") from None
            time.sleep(0.1)
    raise SystemExit(f"the {name} server did not answer within 60 s")


def _ms(seconds: list[float], cut: int) -> str:
    if len(seconds) < 2:
        return "-"
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return f"{cuts[cut - 1] * 1000:.0f}"


def block_line(server: Server, label: str, windows: list[tuple[float, float]]) -> str:
    """Block interval p50/p99/max and time to produce a block p50/p99/max (ms) in the windows."""
    intervals, producing = server.block_times(windows)
    if not intervals:
        return f"  {server.name:<8} {label:<16} too few blocks"
    return (
        f"  {server.name:<8} {label:<16} blocks {len(producing):>4}  interval p50 {_ms(intervals, 50):>5} p99 "
        f"{_ms(intervals, 99):>5} max {max(intervals) * 1000:>5.0f} ms   produce p50 {_ms(producing, 50):>4} p99 "
        f"{_ms(producing, 99):>4} max {max(producing) * 1000:>4.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--txs", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--block-time", type=float, default=0.2, help="seconds between the server's blocks")
    parser.add_argument(
        "--workers", default="0,1,2", help="read worker counts to compare, one server each (0: the node alone)"
    )
    parser.add_argument("--baseline", type=Path, help="another checkout to measure beside this one, alternating")
    parser.add_argument(
        "--serve", nargs=5, metavar=("INDEX", "PORT", "BLOCK_TIME", "LOG", "WORKERS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), float(args.serve[2]), args.serve[3], int(args.serve[4]))
        return
    try:
        worker_counts = [int(count) for count in args.workers.split(",")]
    except ValueError:
        parser.error(f"--workers {args.workers!r}: comma-separated counts, e.g. 0,1,2")
    if not worker_counts or any(not 0 <= count <= 64 for count in worker_counts):
        parser.error(f"--workers {args.workers!r}: counts of 0..64")
    if args.baseline is not None and not (args.baseline / "gostaking").is_dir():
        parser.error(f"--baseline {args.baseline} is not a checkout of this repository")
    workdir = Path(tempfile.mkdtemp(prefix="bench-explorer-"))
    servers: list[Server] = []
    try:
        path = workdir / "index.sqlite"
        addresses, sample = build_index(path, args.txs)
        here = Path(__file__).resolve().parent.parent
        configurations = [  # a count given twice (to see the machine's noise) names its servers #1, #2…
            (
                f"{count} wkr" + (f" #{worker_counts[:n].count(count) + 1}" if worker_counts.count(count) > 1 else ""),
                here,
                count,
            )
            for n, count in enumerate(worker_counts)
        ]
        if args.baseline is not None:
            configurations.insert(0, ("before", args.baseline.resolve(), 0))
        for name, tree, workers in configurations:
            servers.append(start_server(name, tree, path, workdir, args.block_time, workers))
        idle_since = time.time()
        time.sleep(IDLE_SECONDS)
        idle = (idle_since, time.time())
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
        print(f"{args.concurrency} requests in flight, up to {REQUESTS_PER_ENDPOINT} per endpoint and server")
        print(
            f"{'endpoint':<30} {'server':<8} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'cpu ms':>8} {'node ms':>8} "
            f"{'n':>6} {'errors':>6}   (cpu ms: the server's CPU time per request; node ms: its node process's)"
        )
        loaded: dict[str, list[tuple[float, float]]] = {server.name: [] for server in servers}
        rates: dict[str, dict[str, float]] = {server.name: {} for server in servers}
        cpu: dict[str, dict[str, float]] = {server.name: {} for server in servers}
        for turn, (name, make_path) in enumerate(endpoints):
            shift = turn % len(servers)
            for server in servers[shift:] + servers[:shift]:
                asyncio.run(measure(server.url, make_path, args.concurrency, 200))  # warm-up (caches, connections)
                since, (node_before, workers_before) = time.time(), server_cpu_seconds(server.process.pid)
                latencies, wall, errors = asyncio.run(measure(server.url, make_path, args.concurrency))
                loaded[server.name].append((since, time.time()))
                node_after, workers_after = server_cpu_seconds(server.process.pid)
                node_ms = (node_after - node_before) * 1000 / len(latencies)
                cpu_ms = node_ms + (workers_after - workers_before) * 1000 / len(latencies)
                cuts = statistics.quantiles(latencies, n=100)
                rates[server.name][name] = len(latencies) / wall
                cpu[server.name][name] = cpu_ms
                print(
                    f"{name:<30} {server.name:<8} {cuts[49] * 1000:>8.1f} {cuts[98] * 1000:>8.1f} "
                    f"{len(latencies) / wall:>8.0f} {cpu_ms:>8.2f} {node_ms:>8.2f} {len(latencies):>6} {errors:>6}"
                )
        reference = servers[0].name
        for server in servers[1:]:
            ratios = [rates[server.name][name] / rates[reference][name] for name, _ in endpoints]
            savings = [cpu[reference][name] / cpu[server.name][name] for name, _ in endpoints]
            print(
                f"{server.name} / {reference}: req/s min {min(ratios):.2f}, median {statistics.median(ratios):.2f};"
                f" server CPU per request {reference} / {server.name}: median {statistics.median(savings):.2f}"
            )
        print(f"block interval (target {args.block_time * 1000:.0f} ms) and time to produce a block:")
        for server in servers:
            print(block_line(server, "idle", [idle]))
            print(block_line(server, "under reads", loaded[server.name]))
    finally:
        for server in servers:
            server.process.terminate()
            server.process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
