"""A custody gateway's Prometheus metrics (`--metrics-port`): its passes, its cursors and how far each lags the
chain it reads, and its backlog of messages and payouts. Updated after each pass from the gateway's own state, so
scraping costs the gateway nothing. docs/monitoring.md lists them."""

import logging
import time
from collections.abc import Callable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from gostaking.bridge.attester import WITHDRAWALS_CURSOR, PassReport, parse_block_cursor
from gostaking.bridge.errors import BridgeError
from gostaking.bridge.store import BridgeState

log = logging.getLogger(__name__)

PASS_BUCKETS_S = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class GatewayMetrics:
    """The metrics of one gateway process. `tips` maps a cursor name to the current height of what it reads (the
    hosted chain's block number, the GoStaking node's height), for the cursor lags."""

    def __init__(self, tips: Mapping[str, Callable[[], int]]) -> None:
        """New metrics in a registry of their own."""
        self.tips = dict(tips)
        self.registry = registry = CollectorRegistry()
        self.passes = Counter(
            "gostaking_gateway_passes",
            "Gateway passes, by outcome (ok, or failed and retried)",
            ["outcome"],
            registry=registry,
        )
        self.pass_seconds = Histogram(
            "gostaking_gateway_pass_seconds", "Time one gateway pass took", buckets=PASS_BUCKETS_S, registry=registry
        )
        self.last_ok = Gauge(
            "gostaking_gateway_last_pass_ok_time_seconds", "Unix time the last pass completed", registry=registry
        )
        self.cursor_height = Gauge(
            "gostaking_gateway_cursor_height", "Last block each cursor has read", ["cursor"], registry=registry
        )
        self.cursor_lag = Gauge(
            "gostaking_gateway_cursor_lag_blocks",
            "Blocks between what a cursor has read and its chain's tip (confirmations included)",
            ["cursor"],
            registry=registry,
        )
        self.outbox = Gauge("gostaking_gateway_outbox", "Messages waiting to be sent to GoStaking", registry=registry)
        self.inflight = Gauge("gostaking_gateway_inflight_txs", "Sent transactions not yet settled", registry=registry)
        self.tracked_withdrawals = Gauge(
            "gostaking_gateway_tracked_withdrawals", "Withdrawals the gateway is paying out", registry=registry
        )
        self.skipped = Gauge(
            "gostaking_gateway_skipped_observations",
            "Observations that cannot be attested and need an operator (see the state file's `skipped`)",
            registry=registry,
        )
        self.payouts = Counter(
            "gostaking_gateway_payouts",
            "Payout decisions, by outcome (paid, blocked, refused)",
            ["outcome"],
            registry=registry,
        )

    def counted(self, step: Callable[[], None]) -> Callable[[], None]:
        """`step` that counts its passes and their time (a failure is counted and raised on)."""

        def counted_step() -> None:
            started = time.perf_counter()
            try:
                step()
            except Exception:
                self.passes.labels("failed").inc()
                raise
            self.passes.labels("ok").inc()
            self.pass_seconds.observe(time.perf_counter() - started)
            self.last_ok.set(time.time())

        return counted_step

    def after_pass(self, state: BridgeState, report: PassReport) -> None:
        """Update the gauges from the state a pass left and count its payouts."""
        self.outbox.set(len(state.outbox))
        self.inflight.set(len(state.inflight))
        self.tracked_withdrawals.set(len(state.withdrawals))
        self.skipped.set(len(state.skipped))
        self.payouts.labels("paid").inc(len(report.paid))
        self.payouts.labels("blocked").inc(len(report.blocked_payouts))
        self.payouts.labels("refused").inc(len(report.refused_payouts))
        for name, cursor in state.cursors.items():
            try:
                height = int(cursor) if name == WITHDRAWALS_CURSOR else parse_block_cursor(cursor)[0]
            except (ValueError, BridgeError):
                continue  # a cursor that is no block height (a wallet's listsinceblock hash): no lag to show
            self.cursor_height.labels(name).set(height)
            tip = self.tips.get(name)
            if tip is None:
                continue
            try:
                self.cursor_lag.labels(name).set(max(0, tip() - height))
            except Exception as error:  # the tip is read for the metric only: a failure must not fail the pass
                log.debug("cannot read the tip of %s for its lag: %s", name, error)
