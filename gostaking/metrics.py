"""Prometheus metrics shared by every GoStaking process: the HTTP request counters and the /metrics answer of an
ASGI server (node API, cosigner), and a /metrics listener of its own (`--metrics-port`) for processes without an
HTTP server (custody gateways, the price feeder).

Imports nothing of the project, so every layer may use it (import-linter keeps it that way). Each process keeps
its metrics in a CollectorRegistry of its own rather than prometheus_client's global one: tests run several nodes
in one interpreter, and a registry per server keeps their series apart. docs/monitoring.md lists the metrics.
"""

import asyncio
import bisect
import itertools
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import HistogramMetricFamily, Metric
from prometheus_client.exposition import ThreadingWSGIServer, make_wsgi_app
from prometheus_client.registry import Collector

METRICS_PATH = "/metrics"
UNMATCHED_ROUTE = "unmatched"
"""The route label of a request no route matched (a 404): one series for all of them, whatever the path."""
REQUEST_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)

# The `_created` series (a timestamp per counter and histogram) double what every scrape carries, and no rule or
# panel here reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

AsgiApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class MetricsServerError(Exception):
    """The metrics listener cannot start; the message says why."""


class HttpMetrics:
    """Request counts and durations of one HTTP service, labelled by method, route template and status.

    The route label is the matched route's template (`/accounts/{address}`), never the raw path, so the number of
    series stays bounded by the number of routes."""

    def __init__(self, registry: CollectorRegistry, service: str) -> None:
        """Register `gostaking_<service>_requests_total` and `gostaking_<service>_request_seconds` in `registry`."""
        self.requests = Counter(
            f"gostaking_{service}_requests",
            f"HTTP requests the {service} answered, by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.seconds = Histogram(
            f"gostaking_{service}_request_seconds",
            f"Time the {service} took to answer a request (until the response started), by route template",
            ["route"],
            buckets=REQUEST_BUCKETS_S,
            registry=registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.requests.labels(method, route, str(status)).inc()
        self.seconds.labels(route).observe(seconds)


def metrics_body(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The Prometheus text exposition of `registry` and its content type."""
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _HistogramChild:
    """One label set's buckets: counts per bucket (not cumulative) and the sum, under a lock."""

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self._bounds = bounds
        self._counts = [0] * (len(bounds) + 1)  # the last one is +Inf
        self._sum = 0.0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        """Count one observation."""
        index = bisect.bisect_left(self._bounds, value)  # the first bucket whose bound is >= value (le is inclusive)
        with self._lock:
            self._counts[index] += 1
            self._sum += value

    def snapshot(self) -> tuple[list[int], float]:
        """(counts per bucket, sum) as of now."""
        with self._lock:
            return list(self._counts), self._sum


class FastHistogram(Collector):
    """A Prometheus histogram for hot paths (every CheckTx): an observation is a bisect and two additions under
    one lock, a quarter of prometheus_client's Histogram (which takes a lock per bucket and per sum). Exposed like
    any histogram (`_bucket`, `_sum`, `_count`)."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: tuple[str, ...],
        buckets: tuple[float, ...],
        registry: CollectorRegistry,
    ) -> None:
        """Register the histogram `name` in `registry`; `buckets` are the upper bounds, ascending."""
        self.name = name
        self.documentation = documentation
        self.labelnames = labelnames
        self.bounds = tuple(sorted(buckets))
        self._children: dict[tuple[str, ...], _HistogramChild] = {}
        self._lock = threading.Lock()
        registry.register(self)

    def labels(self, *values: str) -> _HistogramChild:
        """The child of one label set (look it up once and keep it: this takes a lock)."""
        if len(values) != len(self.labelnames):
            raise ValueError(f"{self.name} has labels {self.labelnames}, not {values}")
        with self._lock:
            child = self._children.get(values)
            if child is None:
                child = self._children[values] = _HistogramChild(self.bounds)
            return child

    def describe(self) -> list[Metric]:
        """The family without samples (for the registry's name check)."""
        return [HistogramMetricFamily(self.name, self.documentation, labels=list(self.labelnames))]

    def collect(self) -> list[Metric]:
        """The family with every child's cumulative buckets, sum and count."""
        family = HistogramMetricFamily(self.name, self.documentation, labels=list(self.labelnames))
        with self._lock:
            children = list(self._children.items())
        bounds = [*(repr(float(bound)) for bound in self.bounds), "+Inf"]
        for values, child in children:
            counts, total = child.snapshot()
            family.add_metric(list(values), list(zip(bounds, itertools.accumulate(counts), strict=True)), total)
        return [family]


class MeteredApp:
    """An ASGI app that answers GET /metrics from `registry` and counts every other HTTP request in `http`.

    Sits outside a Starlette/FastAPI app (`add_middleware(MeteredApp, registry=…, http=…)`), whose router records
    the matched route in the request's scope before the response starts."""

    def __init__(self, app: AsgiApp, registry: CollectorRegistry, http: HttpMetrics) -> None:
        """Wrap `app`."""
        self.app = app
        self.registry = registry
        self.http = http

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Serve /metrics, or pass the request on and count its answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == METRICS_PATH and scope["method"] == "GET":
            await self._serve_metrics(send)
            return
        started = time.perf_counter()
        http = self.http

        async def send_and_count(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                template = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
                http.observe(scope["method"], template, int(message["status"]), time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, send_and_count)

    async def _serve_metrics(self, send: Any) -> None:
        # Collecting runs the registry's collectors, some of which read the chain under its lock: off the event loop.
        body, content_type = await asyncio.get_running_loop().run_in_executor(None, metrics_body, self.registry)
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds would fill the log: say nothing."""


class _Ipv6Server(ThreadingWSGIServer):
    address_family = socket.AF_INET6


class MetricsServer:
    """A /metrics listener of its own on host:port (0 = any free port), serving `registry` from a daemon thread."""

    def __init__(self, registry: CollectorRegistry, host: str, port: int) -> None:
        """Bind at once (MetricsServerError naming the address when it cannot) and serve until `stop`."""
        try:
            server_class = _Ipv6Server if ":" in host else ThreadingWSGIServer
            self._server = make_server(host, port, make_wsgi_app(registry), server_class, _QuietHandler)
        except OSError as exc:
            raise MetricsServerError(f"cannot serve metrics on {host}:{port}: {exc.strerror or exc}") from None
        self.host = host
        self.port = int(self._server.socket.getsockname()[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics-server", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """http://host:port/metrics of this listener."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{METRICS_PATH}"

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
