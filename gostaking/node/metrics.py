"""A node's Prometheus metrics: what the app counts where the work happens (AppMetrics), and what a scrape reads
from the committed chain through the modules' queries (ChainCollector).

Cost. The app's counters are a few additions per transaction and per block. The chain gauges are read at scrape
time under the state lock with bounded reads only: the mining set, the first WATCHED_NODES registered nodes, the
listed assets, one row of each custody backlog (its count comes from the table's index), so a scrape holds the
lock about as long as a GET /status. GOSTAKING_METRICS=off turns the app's counters off (the benchmark compares
both). docs/monitoring.md lists every metric.
"""

import collections
import os
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import msgspec
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gostaking.chain.crypto import consensus_address
from gostaking.chain.modules.custody.queries import get_deposits_page, get_withdrawals_page
from gostaking.chain.modules.lock.queries import get_assets
from gostaking.chain.modules.nodes.queries import get_mining_set, get_node, get_operators_page
from gostaking.chain.modules.oracle.queries import get_oracle_price
from gostaking.chain.state import State, registry_of
from gostaking.metrics import FastHistogram, HttpMetrics

if TYPE_CHECKING:
    from gostaking.node.app import GoStakingApp
    from gostaking.node.blocks import StoredBlock
    from gostaking.node.runtime import Node

METRICS_ENV = "GOSTAKING_METRICS"
"""Set to `off` to turn the app's counters and histograms off (the API still serves /metrics)."""
WATCHED_NODES = 100
"""Per-validator series cover the mining set and the first this-many registered nodes (bounded scrape cost)."""
LATENCY_BUCKETS_S = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
INTERVAL_BUCKETS_S = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0)
UNDECODABLE = "undecodable"


class _MsgKind(msgspec.Struct):
    type: str = "unknown"


class _BodyKinds(msgspec.Struct):
    msgs: list[_MsgKind] = []


class _TxKinds(msgspec.Struct):
    """Only what a tx's kind needs: decoding skips the rest (signatures, amounts), so it costs ~1 µs a tx."""

    body: _BodyKinds


_kinds_decoder = msgspec.json.Decoder(_TxKinds)
_known_kinds: frozenset[str] | None = None


def tx_kind(raw: bytes) -> str:
    """The wire name of a transaction's first message ('send', 'vote', …), 'undecodable' for bad bytes and
    'unknown' for a name no module declares (a label never takes a value a block's author chose)."""
    global _known_kinds
    if _known_kinds is None:
        _known_kinds = frozenset(msg.__struct_config__.tag for msg in registry_of(None).message_types)  # type: ignore[misc]
    try:
        msgs = _kinds_decoder.decode(raw).body.msgs
    except msgspec.DecodeError:
        return UNDECODABLE
    if not msgs:
        return "empty"
    return msgs[0].type if msgs[0].type in _known_kinds else "unknown"


def error_class(log: str) -> str:
    """The error class a refusal or failed transaction names (its log reads `<ErrorClass>: <why>`)."""
    name, separator, _ = log.partition(":")
    return name if separator and name.isidentifier() else "Error"


def metrics_enabled() -> bool:
    """False when GOSTAKING_METRICS=off."""
    return os.environ.get(METRICS_ENV, "").strip().lower() not in ("off", "0", "false", "no")


class AppMetrics:
    """Counters and latency histograms the app updates as it checks, executes and commits (each node process has
    one registry; the API serves it at /metrics)."""

    def __init__(self, enabled: bool | None = None) -> None:
        """New metrics in a registry of their own; `enabled` None reads GOSTAKING_METRICS."""
        self.enabled = metrics_enabled() if enabled is None else enabled
        self.registry = CollectorRegistry()
        registry = self.registry
        self.check_tx_seconds = FastHistogram(
            "gostaking_check_tx_seconds",
            "Time CheckTx took (signature, sequence and fee checks), by outcome",
            ("outcome",),
            LATENCY_BUCKETS_S,
            registry,
        )
        self.check_tx_refused = Counter(
            "gostaking_check_tx_refused", "Transactions CheckTx refused, by error class", ["error"], registry=registry
        )
        self.finalize_block_seconds = self._latency(
            "gostaking_finalize_block_seconds",
            "Time FinalizeBlock took (executing the block and computing the app hash)",
        )
        self.commit_seconds = self._latency(
            "gostaking_commit_seconds", "Time Commit took (the block's atomic store batch and the mempool update)"
        )
        self.block_lock_wait_seconds = self._latency(
            "gostaking_block_lock_wait_seconds",
            "Time FinalizeBlock or Commit waited for the state lock, which a locked read (CheckTx, the faucet) held "
            "when it came",
        )
        self.read_wait_seconds = FastHistogram(
            "gostaking_read_wait_seconds",
            "Time a read of the node's state waited before it could read: an API read picks the copy of the last "
            "commit; a locked read (CheckTx, the faucet) may wait for a block executing or committing, or another read",
            (),
            LATENCY_BUCKETS_S,
            registry,
        )
        self.block_interval_seconds = Histogram(
            "gostaking_block_interval_seconds",
            "Block time minus the previous block's time, of each committed block",
            buckets=INTERVAL_BUCKETS_S,
            registry=registry,
        )
        self.txs = Counter(
            "gostaking_txs", "Transactions in committed blocks, by kind (first message)", ["kind"], registry=registry
        )
        self.failed_txs = Counter(
            "gostaking_failed_txs",
            "Transactions in committed blocks that failed (fee paid, messages reverted), by kind and error class",
            ["kind", "error"],
            registry=registry,
        )
        self.missed_blocks = Counter(
            "gostaking_validator_missed_blocks",
            "Blocks a validator did not sign, by consensus address (CometBFT's decided last commit)",
            ["validator"],
            registry=registry,
        )
        # Children of the hot labels, looked up once: `labels()` takes a lock on every call.
        self._check_accepted = self.check_tx_seconds.labels("accepted")
        self._check_refused = self.check_tx_seconds.labels("refused")
        self._read_wait = self.read_wait_seconds.labels()
        self._txs_by_kind: dict[str, Counter] = {}

    def _latency(self, name: str, documentation: str) -> Histogram:
        """A histogram of once-a-block durations in this registry, over LATENCY_BUCKETS_S."""
        return Histogram(name, documentation, buckets=LATENCY_BUCKETS_S, registry=self.registry)

    def check_tx_done(self, started: float, code: int, log: str) -> None:
        """Record a CheckTx that began at perf_counter() `started` and answered `code` (0 = accepted)."""
        if not self.enabled:
            return
        (self._check_refused if code else self._check_accepted).observe(time.perf_counter() - started)
        if code:
            self.check_tx_refused.labels(error_class(log)).inc()

    def block_finalized(self, started: float, absent: Sequence[str]) -> None:
        """Record a FinalizeBlock that began at `started`, and the validators absent from the previous block."""
        if not self.enabled:
            return
        self.finalize_block_seconds.observe(time.perf_counter() - started)
        for validator in absent:
            self.missed_blocks.labels(validator).inc()

    def block_lock_waited(self, started: float) -> None:
        """Record a block's FinalizeBlock or Commit that began waiting for the state lock at perf_counter()
        `started` and holds it now."""
        if self.enabled:
            self.block_lock_wait_seconds.observe(time.perf_counter() - started)

    def read_waited(self, started: float) -> None:
        """Record a read of the state that began waiting at perf_counter() `started` and may go now."""
        if self.enabled:
            self._read_wait.observe(time.perf_counter() - started)

    def block_committed(self, started: float, block: "StoredBlock", previous_time_ms: int | None) -> None:
        """Record a Commit that began at `started`: its duration, the block interval, its txs by kind."""
        if not self.enabled:
            return
        self.commit_seconds.observe(time.perf_counter() - started)
        if previous_time_ms is not None:
            self.block_interval_seconds.observe(max(0, block.header.time_ms - previous_time_ms) / 1000)
        kinds = [tx_kind(raw) for raw in block.txs]
        for kind, count in collections.Counter(kinds).items():  # one addition per kind and block
            counter = self._txs_by_kind.get(kind)
            if counter is None:
                counter = self._txs_by_kind[kind] = self.txs.labels(kind)
            counter.inc(count)
        for kind, result in zip(kinds, block.tx_results, strict=False):
            if result.code:
                self.failed_txs.labels(kind, error_class(result.log)).inc()


def _gauge(name: str, documentation: str, labels: tuple[str, ...] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=list(labels))


class ChainCollector(Collector):
    """Gauges read at scrape time: the node's height and last block, its mempool, state size, the mining set,
    each watched validator's downtime and jail, oracle price ages and the custody backlog."""

    def __init__(self, node: "Node", index_height: Callable[[], int] | None = None) -> None:
        """Read `node`; `index_height` gives the explorer index's height (for the index lag), if it has one."""
        self.node = node
        self.index_height = index_height

    def collect(self) -> Iterator[Metric]:
        """The gauges of one scrape (lock-free ones first; the chain ones from the last committed state, which a
        scrape reads without keeping a block waiting)."""
        app = self.node.app
        started = time.perf_counter()
        height = app.height
        yield from self._lock_free(app, height)
        try:
            with app.read_committed() as state:
                yield from self._chain(state, state.height.get())
        except RuntimeError:
            # Before genesis, or a block that takes longer than the read timeout: scrape what needs no state.
            pass
        collect = _gauge("gostaking_metrics_collect_seconds", "Time the last scrape took to collect the node's gauges")
        collect.add_metric([], time.perf_counter() - started)
        yield collect

    def _lock_free(self, app: "GoStakingApp", height: int) -> Iterator[Metric]:
        last = app.last_block
        metric = _gauge("gostaking_height", "Last committed block height")
        metric.add_metric([], height)
        yield metric
        metric = _gauge("gostaking_last_block_time_seconds", "Unix time in the last committed block's header")
        if last is not None:
            metric.add_metric([], last.header.time_ms / 1000)
        yield metric
        metric = _gauge(
            "gostaking_block_time_target_seconds", "Expected seconds between blocks (producer interval or estimate)"
        )
        metric.add_metric([], self.node.block_time_s)
        yield metric
        metric = _gauge("gostaking_mempool_txs", "Transactions waiting in the mempool")
        metric.add_metric([], len(app.mempool))
        yield metric
        metric = _gauge("gostaking_mempool_bytes", "Bytes of the transactions waiting in the mempool")
        metric.add_metric([], app.mempool.size_bytes)
        yield metric
        metric = _gauge("gostaking_state_keys", "Keys in the committed state (leaves of the app-hash tree)")
        metric.add_metric([], app.state_key_count)
        yield metric
        if self.index_height is not None:
            metric = _gauge("gostaking_index_lag_blocks", "Committed blocks the explorer index has not indexed yet")
            metric.add_metric([], max(0, height - self.index_height()))
            yield metric

    def _chain(self, state: State, height: int) -> Iterator[Metric]:
        mining_set = get_mining_set(state)
        metric = _gauge("gostaking_mining_set_size", "Nodes in the mining set (the validators) after the last election")
        metric.add_metric([], len(mining_set.operators))
        yield metric
        metric = _gauge("gostaking_candidates", "Eligible nodes outside the mining set after the last election")
        metric.add_metric([], len(mining_set.candidates))
        yield metric
        yield from self._validators(state, mining_set.operators)
        yield from self._oracle(state, height)
        yield from self._custody(state, height)

    def _validators(self, state: State, mining: tuple[str, ...]) -> Iterator[Metric]:
        _, first_registered = get_operators_page(state, 0, WATCHED_NODES)
        watched = dict.fromkeys([*mining, *first_registered, *filter(None, [self.node.operator_address])])
        labels = ("operator", "moniker", "validator")
        info = _gauge("gostaking_validator_mining", "1 while the node is in the mining set, else 0", labels)
        missed = _gauge(
            "gostaking_validator_missed_in_window", "Blocks the node missed in its current downtime window", labels
        )
        jailed = _gauge("gostaking_validator_jailed", "1 while the node is jailed, else 0", labels)
        signed = _gauge("gostaking_validator_signed_blocks", "Blocks the node has signed as a validator", labels)
        mining_set = set(mining)
        for operator in watched:
            node = get_node(state, operator)
            if node is None:
                continue
            values = [operator, node.moniker, consensus_address(node.consensus_pubkey)]
            info.add_metric(values, 1 if operator in mining_set else 0)
            missed.add_metric(values, node.missed_in_window)
            jailed.add_metric(values, 1 if node.jailed else 0)
            signed.add_metric(values, node.blocks_signed)
        yield from (info, missed, jailed, signed)

    def _oracle(self, state: State, height: int) -> Iterator[Metric]:
        age = _gauge(
            "gostaking_oracle_price_age_blocks", "Blocks since the asset's price was last aggregated", ("denom",)
        )
        stale = _gauge("gostaking_oracle_price_stale", "1 once the chain marks the asset's price stale", ("denom",))
        for denom, _asset in get_assets(state):
            price = get_oracle_price(state, denom)
            if price is None:
                continue  # never aggregated: the genesis price stands, nothing is ageing yet
            age.add_metric([denom], height - price.updated_height)
            stale.add_metric([denom], 1 if price.stale else 0)
        yield from (age, stale)

    def _custody(self, state: State, height: int) -> Iterator[Metric]:
        count = _gauge(
            "gostaking_custody_backlog", "Deposits and withdrawals waiting, by kind and status", ("kind", "status")
        )
        age = _gauge(
            "gostaking_custody_oldest_age_blocks",
            "Blocks since the oldest waiting deposit was first attested, or withdrawal requested",
            ("kind", "status"),
        )
        for status in ("pending", "held"):
            total, deposits = get_deposits_page(state, status, False, 0, 1)
            count.add_metric(["deposit", status], total)
            age.add_metric(["deposit", status], height - deposits[0][1].first_seen_height if deposits else 0)
            total, withdrawals = get_withdrawals_page(state, status, None, False, 0, 1)
            count.add_metric(["withdrawal", status], total)
            age.add_metric(["withdrawal", status], height - withdrawals[0][1].requested_height if withdrawals else 0)
        yield from (count, age)


def node_registry(node: "Node", index_height: Callable[[], int] | None = None) -> tuple[CollectorRegistry, HttpMetrics]:
    """The registry a node's API serves at /metrics: the app's counters, the chain gauges and the API's own
    request counts (returned for the API's middleware)."""
    registry = CollectorRegistry()
    registry.register(node.app.metrics.registry)
    registry.register(ChainCollector(node, index_height))
    return registry, HttpMetrics(registry, "api")
