"""Benchmark of the explorer API on an index of 1,000,000 transactions and a node of 100 nodes and 100,000
accounts: p50/p99 latency and requests per second of every request the explorer page makes, the delay of its live
stream, and the devnet's block interval while the reads run.

Run from the repository root: python benchmarks/bench_explorer_api.py [--txs N] [--concurrency C] [--workers 0,1,2]
[--baseline DIR] (about 6 minutes for three servers, and 1.8 GB of disk in a temporary directory, removed
afterwards). `--workers` lists the configurations to compare, each a server of its own on the same index: 0 serves
every request from the node process (as before read workers), N > 0 puts N read worker processes in front
(gostaking/api/worker.py). `--baseline DIR` serves the same index from another checkout too (e.g. `git worktree add
--detach /tmp/base HEAD` before a change), in one process; a route that checkout lacks shows "n/a". Every endpoint
is measured on every server in turn, the order rotating from one endpoint to the next, so that all see the same
machine load.

The endpoints are every request of gostaking/explorer/static/js to the routes of the explorer and of blocks,
transactions, accounts, nodes and status (`explorer_endpoints`): the index lists, search and CSV, which read
workers serve, and what only the node process answers from its state and blocks (status, dashboard, nodes with
uptime, the resource-sharing graph, node and account pages, rewards, a block, a transaction). Every answer must be
200. The live stream (GET /explorer/stream) is measured as a reader sees it: STREAMS (8) streams stay open on each
server for the whole run, and the report gives the delay from each block's commit (the server's block log) to its
event at each client, p50/p99, for the blocks committed while the server was idle and while it was measured, with
the blocks whose event a connected client never got counted as errors.

The index is synthetic but valid: it is written straight into SQLite in bulk (replaying 1,000,000 signed
transactions through the chain would take far longer and measure the chain, not the explorer). Rows follow the
indexer's schema and invariants: 100,000 blocks of 10 transfers, each transfer with its event and two history
rows (sender and recipient) among 10,000 valid gos1 addresses, account totals and the cursor row. Hashes are
sha256 of counters. The API server (the devnet's FastAPI app over a devnet node with this index attached, its
follower never started, served as the devnet serves it: the node's server configuration and its read workers)
runs in a child process on 127.0.0.1. Its node (LMDB in the work directory, as a devnet keeps its chain) first gets
the state of a real network through the chain's own functions (explorer_node_state.py: 100 nodes, 100,000
accounts voting and staking for them, 2,000 real signed transactions in 40 blocks, about 30 s, servers side by
side); the index's 10,000 addresses are among those accounts. Then, as a node does once its state is loaded
(node/abci/runner.py), its long-lived objects are frozen out of the cyclic GC's sight: at this size each full
collection would otherwise stop the process ~100 ms. A minimal keep-alive client sends a bounded number of requests per
endpoint (and stops after a time limit) with C in flight. The server's CPU time per request (the node process and
its workers, from /proc) is reported beside latency and throughput: it varies far less with the load of a shared
machine. The child's node produces blocks every --block-time seconds meanwhile (empty but for the devnet faucet's
own transactions) and logs when each began, committed and ended, and how long it waited for the state lock a read
held (gostaking_block_lock_wait_seconds): the report gives the block interval, the time to produce a block and that
wait while the reads ran, beside the same measured on the idle server first. The other way round, it reports how many
of the node's reads of its state had to wait while the reads ran, and how long (gostaking_read_wait_seconds, read
from the server's /metrics before and after).
"""

import argparse
import asyncio
import functools
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
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Lets the script run from a plain checkout, without installing the package first; a server child runs the code
# of the checkout in BENCH_SOURCE_TREE (the baseline's, for --baseline).
sys.path.insert(0, os.environ.get("BENCH_SOURCE_TREE") or str(Path(__file__).resolve().parent.parent))

import httpx
from explorer_node_state import KEYED, NODES, account_address, keyed_account, operator_address
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from gostaking.indexer.schema import ROW_ID_SHIFT, metadata

SOURCE_TREE_ENV = "BENCH_SOURCE_TREE"
TXS_PER_BLOCK = 10
ADDRESSES = 10_000
GENESIS_MS = 1_795_000_000_000
BLOCK_MS = 30_000
FEE = 1_000
REQUESTS_PER_ENDPOINT = 2_000
SECONDS_PER_ENDPOINT = 20.0
P99_GOAL_MS = 50.0
RATE_GOAL = 2.0
"""The goals (issue 17): p99 under 50 ms on every endpoint, and at least twice the requests a second of before."""
SLOWEST_SHOWN = 4
"""Endpoints named beside each server's slowest block productions."""
STREAMS = 8
"""Live streams (GET /explorer/stream) kept open on each server."""
SETUP_TIMEOUT_S = 300.0
"""How long a server may take to set up its node (about 15 s) and answer."""
IDLE_SECONDS = 5.0
"""How long the block interval is measured on the idle server, before any read."""


def _hex(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def build_index(path: Path, tx_count: int) -> tuple[list[str], list[str]]:
    """Write the synthetic index; returns (addresses, a sample of tx hashes)."""
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    secondary = [index for table in metadata.sorted_tables for index in table.indexes]
    for index in secondary:  # bulk load first, index after: much faster than maintaining them row by row
        index.drop(engine)
    engine.dispose()
    addresses = [account_address(i) for i in range(ADDRESSES)]  # the node's first seeded accounts
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
    """Child process: a devnet node (LMDB in the work directory) given the network of explorer_node_state.py and
    its blocks of real transactions, then serving the API with the prebuilt index attached (nothing syncs into it)
    as a node serves it with `workers` read workers, while it produces blocks; each block's start, end, commit
    (Unix time) and height go to `block_log`, and what the setup made (sizes, transaction hashes, their heights)
    to `block_log`.json."""
    import gc
    import signal

    import uvicorn
    from explorer_node_state import prepare

    from gostaking.api.main import create_api
    from gostaking.node.apiserver import server_config
    from gostaking.node.runtime import open_devnet
    from gostaking.node.settings import DevnetSettings

    home = Path(index_path).parent / f"node-{port}"  # inside the benchmark's work directory, removed with it
    node = open_devnet(DevnetSettings(home=home, block_time_s=block_time_s))
    Path(f"{block_log}.json").write_text(json.dumps(prepare(node)))
    # As a node does once its state is loaded (gostaking/node/abci/runner.py): the long-lived objects leave the
    # cyclic GC's sight, whose every full collection would otherwise stop the process ~100 ms at this state size.
    gc.collect()
    gc.freeze()
    index_url = f"sqlite:///{index_path}"
    api = create_api(node, index_url=index_url, read_workers=workers) if workers else create_api(node, index_url)
    producer = node.producer
    assert producer is not None
    log = open(block_log, "a", buffering=1)  # noqa: SIM115 -- open for the life of the process
    produce, commit = producer.produce_block, node.app.commit
    committed: list[float] = [0.0]

    def commit_and_time() -> Any:
        block = commit()
        committed[0] = time.time()
        return block

    # How long each block waited for the state lock (FinalizeBlock's and Commit's waits added up): its wait for the
    # reads, apart from sharing the CPU with them. A --baseline checkout may not measure it ("-" in the log).
    waited: list[float | None] = [None]
    record_wait = getattr(node.app.metrics, "block_lock_waited", None)
    if record_wait is not None:
        waited[0] = 0.0

        def add_wait(started: float) -> None:
            waited[0] = (waited[0] or 0.0) + time.perf_counter() - started
            record_wait(started)

        node.app.metrics.block_lock_waited = add_wait  # type: ignore[method-assign]

    def produce_and_log() -> Any:
        started = time.time()
        block = produce()
        wait = "-" if waited[0] is None else f"{waited[0]:.6f}"
        log.write(f"{started:.6f} {time.time():.6f} {committed[0]:.6f} {block.height} {wait}\n")
        if waited[0] is not None:
            waited[0] = 0.0
        return block

    node.app.commit = commit_and_time  # type: ignore[method-assign]
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
    """One API server under test: its name, child process (the node's), URL, block log and what its node's setup
    made (explorer_node_state.prepare)."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    block_log: Path
    setup: dict[str, Any] = field(default_factory=dict)

    def blocks(self) -> list[tuple[float, float, float, int, float | None]]:
        """(start, end, commit, height, state lock wait or None) of each block the server produced since it started
        serving."""
        rows = [line.split() for line in self.block_log.read_text().splitlines() if line]
        return [(float(a), float(b), float(c), int(h), None if w == "-" else float(w)) for a, b, c, h, w in rows]

    def block_times(self, windows: list[tuple[float, float]]) -> tuple[list[float], list[float], list[float]]:
        """(intervals between block starts, times to produce a block, times it waited for the state lock), in
        seconds, of the blocks begun in each (since, until) window (an interval only between two blocks of one
        window; no lock waits from a checkout that does not measure them)."""
        rows = self.blocks()
        intervals: list[float] = []
        producing: list[float] = []
        waiting: list[float] = []
        for since, until in windows:
            window = [row for row in rows if since <= row[0] <= until]
            intervals += [b[0] - a[0] for a, b in itertools.pairwise(window)]
            producing += [end - start for start, end, _, _, _ in window]
            waiting += [wait for _, _, _, _, wait in window if wait is not None]
        return intervals, producing, waiting


def launch_server(name: str, tree: Path, index: Path, workdir: Path, block_time_s: float, workers: int) -> Server:
    """A child process that sets up a node with the code of checkout `tree` and serves `index` with `workers`
    read workers (see wait_for)."""
    port = _free_port()
    block_log = workdir / f"blocks-{name}.log"
    block_log.touch()
    env = {**os.environ, SOURCE_TREE_ENV: str(tree)}
    serve_args = [str(index), str(port), str(block_time_s), str(block_log), str(workers)]
    command = [sys.executable, __file__, "--serve", *serve_args]
    process = subprocess.Popen(command, env=env)
    return Server(name, process, f"http://127.0.0.1:{port}", block_log)


def wait_for(server: Server) -> None:
    """Wait until the server answers (its node's setup done), then read what the setup made."""
    for _ in range(int(SETUP_TIMEOUT_S * 10)):
        try:
            httpx.get(f"{server.url}/explorer/index", timeout=2).raise_for_status()
            server.setup = json.loads(Path(f"{server.block_log}.json").read_text())
            return
        except httpx.HTTPError:
            if server.process.poll() is not None:
                raise SystemExit(f"the {server.name} server exited with {server.process.returncode}") from None
            time.sleep(0.1)
    raise SystemExit(f"the {server.name} server did not answer within {SETUP_TIMEOUT_S:.0f} s")


Endpoint = tuple[str, Callable[[Server], str]]
"""A request kind: its name and the path of one request to a server (chosen at random among alike ones)."""


def explorer_endpoints(tx_count: int, addresses: list[str], sample: list[str]) -> list[Endpoint]:
    """Every request the explorer page makes (gostaking/explorer/static/js), but the live stream (StreamWatch;
    POST /explorer/chain-facts is the read workers' own route, which the page never calls):
    the index lists, search and CSV (read workers serve them), then what the node process answers from its state
    and blocks."""
    rng = random.Random(7)
    top = (tx_count // TXS_PER_BLOCK) << ROW_ID_SHIFT
    blocks = tx_count // TXS_PER_BLOCK
    operators = [operator_address(n) for n in range(NODES)]
    # Accounts with state: the index's (each a seeded backer) and those that sent the real transactions.
    holders = addresses + [keyed_account(i).address for i in range(KEYED)]
    return [
        ("blocks, first page", lambda _: "/explorer/blocks?limit=25"),
        ("blocks, deep page", lambda _: f"/explorer/blocks?limit=25&before={rng.randrange(2, blocks)}"),
        ("txs, first page", lambda _: "/explorer/txs?limit=25"),
        ("txs, deep page", lambda _: f"/explorer/txs?limit=25&before={rng.randrange(1 << ROW_ID_SHIFT, top)}"),
        ("txs of a sender", lambda _: f"/explorer/txs?limit=25&sender={rng.choice(addresses)}"),
        ("account history, first page", lambda _: f"/explorer/accounts/{rng.choice(addresses)}/history?limit=25"),
        (
            "account history, deep page",
            lambda _: (
                f"/explorer/accounts/{rng.choice(addresses)}/history?limit=25"
                f"&before={rng.randrange(1 << ROW_ID_SHIFT, top)}"
            ),
        ),
        ("events by kind", lambda _: "/explorer/events?limit=25&kind=transfer"),
        ("search: tx hash", lambda _: f"/explorer/search?q={rng.choice(sample)}"),
        ("search: address", lambda _: f"/explorer/search?q={rng.choice(addresses)}"),
        ("search: block hash", lambda _: "/explorer/search?q=0x" + _hex("block", rng.randrange(1, blocks))),
        ("history CSV (~200 rows)", lambda _: f"/explorer/accounts/{rng.choice(addresses)}/history.csv"),
        ("dashboard: blocks (8)", lambda _: "/explorer/blocks?limit=8"),
        ("dashboard: txs (8)", lambda _: "/explorer/txs?limit=8"),
        ("dashboard: charts", lambda _: "/explorer/dashboard"),
        ("status", lambda _: "/status"),
        ("index status", lambda _: "/explorer/index"),
        ("explorer nodes (default page)", lambda _: "/explorer/nodes"),
        ("explorer nodes, limit=100", lambda _: "/explorer/nodes?limit=100"),
        ("explorer nodes, second page", lambda _: "/explorer/nodes?limit=100&offset=100"),  # as the page pages
        ("graph, 300 largest edges", lambda _: "/explorer/graph?limit=300"),
        ("graph of a node", lambda _: f"/explorer/graph?operator={rng.choice(operators)}"),
        ("nodes", lambda _: "/nodes"),
        ("node detail", lambda _: f"/nodes/{rng.choice(operators)}"),
        ("account state", lambda _: f"/accounts/{rng.choice(holders)}?limit=50&offset=0"),
        ("account rewards", lambda _: f"/accounts/{rng.choice(holders)}/rewards"),
        ("block with txs (node)", lambda server: f"/blocks/{rng.choice(server.setup['tx_heights'])}"),
        ("tx by hash (node)", lambda server: f"/txs/{rng.choice(server.setup['tx_hashes'])}"),
    ]


async def has_route(url: str, path: str) -> bool:
    """Whether the server has the route of `path` (a checkout before the route answers FastAPI's own 404)."""
    parsed = httpx.URL(url)
    connection = KeepAliveConnection(parsed.host, parsed.port or 80)
    try:
        status, body = await connection.get(path)
    finally:
        await connection.close()
    return not (status == 404 and body == b'{"detail":"Not Found"}')


@dataclass
class StreamClient:
    """One live-stream client's record: when each block's event first arrived (Unix time; not the event a
    connection opens with, which names a block committed before), the heights it opened with, its connections
    and failures (an answer other than 200, a broken connection)."""

    arrivals: dict[int, float] = field(default_factory=dict)
    opening: set[int] = field(default_factory=set)
    connections: int = 0
    failures: int = 0


class StreamWatch:
    """STREAMS clients of GET /explorer/stream on each server, as the explorer page keeps one open per reader, on
    a thread and event loop of their own for the whole run (a stream the server ends is reopened at once)."""

    def __init__(self, servers: list[Server]) -> None:
        """Clients for each of `servers` (start opens them)."""
        self.servers = servers
        self.clients = {server.name: [StreamClient() for _ in range(STREAMS)] for server in servers}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Open every stream."""
        self._thread.start()

        def open_all() -> None:
            for server in self.servers:
                for client in self.clients[server.name]:
                    self._tasks.append(self._loop.create_task(self._follow(server.url, client)))

        self._loop.call_soon_threadsafe(open_all)

    def stop(self) -> None:
        """Close every stream."""

        async def cancel() -> None:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._loop.stop()

        asyncio.run_coroutine_threadsafe(cancel(), self._loop)
        self._thread.join(10)

    async def _follow(self, url: str, client: StreamClient) -> None:
        parsed = httpx.URL(url)
        request = f"GET /explorer/stream HTTP/1.1\r\nHost: {parsed.host}:{parsed.port}\r\n\r\n".encode()
        while True:
            writer = None
            try:
                reader, writer = await asyncio.open_connection(parsed.host, parsed.port)
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                client.connections += 1
                if int(head.split(b" ", 2)[1]) != 200 or b"transfer-encoding: chunked" not in head.lower():
                    client.failures += 1
                    await asyncio.sleep(1)
                    continue
                buffer, opening = b"", True
                while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                    buffer += (await reader.readexactly(size + 2))[:-2]
                    arrived = time.time()
                    while b"\n\n" in buffer:
                        message, buffer = buffer.split(b"\n\n", 1)
                        fields = dict(line.split(": ", 1) for line in message.decode().split("\n") if ": " in line)
                        if fields.get("event") != "block":
                            continue
                        height = int(json.loads(fields["data"])["height"])
                        if opening:
                            client.opening.add(height)
                            opening = False
                        else:
                            client.arrivals.setdefault(height, arrived)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                client.failures += 1
                await asyncio.sleep(0.2)
            finally:
                if writer is not None:
                    writer.close()

    def row(self, server: Server, label: str, windows: list[tuple[float, float]]) -> str:
        """The stream's line of the table for the blocks committed in the windows: delay p50/p99 (ms), events a
        second, events, and errors (blocks a connected client missed, plus failed connections)."""
        commits = {height: commit for _, _, commit, height, _ in server.blocks() if commit > 0}
        delays: list[float] = []
        missed = 0
        seconds = sum(until - since for since, until in windows)
        for client in self.clients[server.name]:
            seen = set(client.arrivals) | client.opening
            if not seen:
                continue
            first, last = min(seen), max(seen)
            for height, commit in commits.items():
                if not any(since <= commit <= until for since, until in windows):
                    continue
                if height in client.arrivals:
                    delays.append(client.arrivals[height] - commit)
                elif first < height < last and height not in seen:
                    missed += 1
        errors = missed + sum(client.failures for client in self.clients[server.name])
        name = f"live stream, {label}"
        if len(delays) < 2:
            return f"{name:<30} {server.name:<8} too few events ({len(delays)}), {errors} errors"
        cuts = statistics.quantiles(delays, n=100)
        return (
            f"{name:<30} {server.name:<8} {cuts[49] * 1000:>8.1f} {cuts[98] * 1000:>8.1f} "
            f"{len(delays) / seconds:>8.0f} {'-':>8} {'-':>8} {len(delays):>6} {errors:>6}"
        )


def _ms(seconds: list[float], cut: int, decimals: int = 0) -> str:
    if len(seconds) < 2:
        return "-"
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return f"{cuts[cut - 1] * 1000:.{decimals}f}"


def block_line(server: Server, label: str, windows: list[tuple[float, float]]) -> str:
    """Block interval p50/p99/max, time to produce a block p50/p99/max and, of that, the wait for the state lock
    p50/p99/max (ms) in the windows."""
    intervals, producing, waiting = server.block_times(windows)
    if not intervals:
        return f"  {server.name:<8} {label:<16} too few blocks"
    waits = (
        f"   lock wait p50 {_ms(waiting, 50, 1):>4} p99 {_ms(waiting, 99, 1):>4} max {max(waiting) * 1000:>4.1f} ms"
        if waiting
        else "   lock wait not measured"
    )
    return (
        f"  {server.name:<8} {label:<16} blocks {len(producing):>4}  interval p50 {_ms(intervals, 50):>5} p99 "
        f"{_ms(intervals, 99):>5} max {max(intervals) * 1000:>5.0f} ms   produce p50 {_ms(producing, 50):>4} p99 "
        f"{_ms(producing, 99):>4} max {max(producing) * 1000:>4.0f} ms{waits}"
    )


READ_WAIT = "gostaking_read_wait_seconds"
"""The node's histogram of how long its reads of the state waited (for a block in flight, or another read)."""


def read_wait_buckets(server: Server) -> dict[float, float] | None:
    """The server's cumulative read-wait histogram (upper bound in seconds → reads), from its /metrics; None when its
    checkout does not measure it."""
    text = httpx.get(f"{server.url}/metrics", timeout=30).text
    buckets = {
        float(sample.labels["le"]): sample.value
        for family in text_string_to_metric_families(text)
        if family.name == READ_WAIT
        for sample in family.samples
        if sample.name == f"{READ_WAIT}_bucket"
    }
    return buckets or None


def read_wait_line(server: Server, before: dict[float, float] | None, after: dict[float, float] | None) -> str:
    """How many of the node's state reads the histogram counted while the reads were measured, and how long they
    waited (by bucket). Since read_committed every API read is counted (its wait: picking the copy of the last
    commit, and the GIL); before it, only the reads that found the state lock taken or a block in flight."""
    if before is None or after is None:
        return f"  {server.name:<8} read waits not measured"
    counts = {bound: after[bound] - before.get(bound, 0.0) for bound in sorted(after)}
    counted = counts[float("inf")]
    if not counted:
        return f"  {server.name:<8} no read of the node's state counted"
    shares = ", ".join(
        f"≤ {bound * 1000:g} ms {counts[bound] / counted:.1%}"
        for bound in (0.0001, 0.001, 0.01, 0.05)
        if bound in counts
    )
    longest = min(bound for bound, count in counts.items() if count == counted)
    return (
        f"  {server.name:<8} {counted:,.0f} reads of the node's state counted, waiting {shares}; "
        f"all ≤ {longest * 1000:g} ms"
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
        "--only", help="measure only the endpoints whose names contain one of these comma-separated words"
    )
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
        servers = [launch_server(name, tree, path, workdir, args.block_time, w) for name, tree, w in configurations]
        for server in servers:  # set up side by side: each node's setup is its own process
            wait_for(server)
        sizes = ", ".join(f"{count:,} {what}" for what, count in servers[0].setup["sizes"].items())
        setup_s = ", ".join(f"{server.name} {server.setup['seconds']:.0f} s" for server in servers)
        tx_blocks = servers[0].setup["tx_heights"]
        print(
            f"node state: {sizes}; {len(servers[0].setup['tx_hashes']):,} real transactions in "
            f"{len(tx_blocks)} blocks (setup: {setup_s})"
        )
        streams = StreamWatch(servers)
        streams.start()
        idle_since = time.time()
        time.sleep(IDLE_SECONDS)
        idle = (idle_since, time.time())
        endpoints = explorer_endpoints(args.txs, addresses, sample)
        if args.only:
            words = [word.strip() for word in args.only.split(",") if word.strip()]
            endpoints = [(name, path) for name, path in endpoints if any(word in name for word in words)]
            if not endpoints:
                parser.error(f"--only {args.only!r}: no endpoint's name contains any of these")
        print(
            f"{args.concurrency} requests in flight, up to {REQUESTS_PER_ENDPOINT} per endpoint and server; "
            f"{STREAMS} live streams open on each server all along"
        )
        print(
            f"{'endpoint':<30} {'server':<8} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'cpu ms':>8} {'node ms':>8} "
            f"{'n':>6} {'errors':>6}   (cpu ms: the server's CPU time per request; node ms: its node process's)"
        )
        loaded: dict[str, list[tuple[float, float]]] = {server.name: [] for server in servers}
        rates: dict[str, dict[str, float]] = {server.name: {} for server in servers}
        cpu: dict[str, dict[str, float]] = {server.name: {} for server in servers}
        p99: dict[str, dict[str, float]] = {server.name: {} for server in servers}
        windows: dict[str, dict[str, tuple[float, float]]] = {server.name: {} for server in servers}
        waits_before = {server.name: read_wait_buckets(server) for server in servers}
        for turn, (name, make_path) in enumerate(endpoints):
            shift = turn % len(servers)
            for server in servers[shift:] + servers[:shift]:
                path_of = functools.partial(make_path, server)
                if not asyncio.run(has_route(server.url, path_of())):
                    print(f"{name:<30} {server.name:<8} {'n/a':>8}   (no such route in this checkout)")
                    continue
                asyncio.run(measure(server.url, path_of, args.concurrency, 200))  # warm-up (caches, connections)
                since, (node_before, workers_before) = time.time(), server_cpu_seconds(server.process.pid)
                latencies, wall, errors = asyncio.run(measure(server.url, path_of, args.concurrency))
                loaded[server.name].append((since, time.time()))
                windows[server.name][name] = loaded[server.name][-1]
                node_after, workers_after = server_cpu_seconds(server.process.pid)
                node_ms = (node_after - node_before) * 1000 / len(latencies)
                cpu_ms = node_ms + (workers_after - workers_before) * 1000 / len(latencies)
                cuts = statistics.quantiles(latencies, n=100)
                rates[server.name][name] = len(latencies) / wall
                cpu[server.name][name] = cpu_ms
                p99[server.name][name] = cuts[98] * 1000
                print(
                    f"{name:<30} {server.name:<8} {cuts[49] * 1000:>8.1f} {cuts[98] * 1000:>8.1f} "
                    f"{len(latencies) / wall:>8.0f} {cpu_ms:>8.2f} {node_ms:>8.2f} {len(latencies):>6} {errors:>6}"
                )
        waits_after = {server.name: read_wait_buckets(server) for server in servers}
        streams.stop()
        print(
            f"live stream ({STREAMS} open per server): delay from a block's commit to its event at each client "
            "(p50/p99 ms), events a second, events, errors (blocks whose event a client missed, failed connections)"
        )
        for server in servers:
            print(streams.row(server, "idle", [idle]))
            print(streams.row(server, "under reads", loaded[server.name]))
        reference = servers[0].name
        for server in servers[1:]:
            shared = [name for name, _ in endpoints if name in rates[server.name] and name in rates[reference]]
            ratios = [rates[server.name][name] / rates[reference][name] for name in shared]
            savings = [cpu[reference][name] / cpu[server.name][name] for name in shared]
            print(
                f"{server.name} / {reference}: req/s min {min(ratios):.2f}, median {statistics.median(ratios):.2f};"
                f" server CPU per request {reference} / {server.name}: median {statistics.median(savings):.2f}"
            )
            slow = [f"{name} ({ms:.0f})" for name, ms in p99[server.name].items() if ms >= P99_GOAL_MS]
            below = [f"{name} ({r:.2f})" for name, r in zip(shared, ratios, strict=True) if r < RATE_GOAL]
            print(f"  {server.name}: p99 >= {P99_GOAL_MS:.0f} ms: {', '.join(slow) or 'none'}")
            print(f"  {server.name}: req/s < {RATE_GOAL:.0f}x {reference}: {', '.join(below) or 'none'}")
        print(f"block interval (target {args.block_time * 1000:.0f} ms) and time to produce a block:")
        for server in servers:
            print(block_line(server, "idle", [idle]))
            print(block_line(server, "under reads", loaded[server.name]))
        print("reads of the node's state that waited for a block in flight or another read, while the reads ran:")
        for server in servers:
            print(read_wait_line(server, waits_before[server.name], waits_after[server.name]))
        print("the slowest blocks to produce, and the reads they were produced under:")
        for server in servers:
            slowest = sorted(
                (
                    (max(server.block_times([window])[1], default=0.0), name)
                    for name, window in windows[server.name].items()
                ),
                reverse=True,
            )[:SLOWEST_SHOWN]
            print(f"  {server.name:<8} " + ", ".join(f"{seconds * 1000:.0f} ms ({name})" for seconds, name in slowest))
    finally:
        for server in servers:
            server.process.terminate()
            server.process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
