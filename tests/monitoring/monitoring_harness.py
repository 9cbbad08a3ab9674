"""Monitoring test helpers: Prometheus (Debian's binary) on its own config, data directory and port; a webhook
receiver; the metric names a /metrics page declares and those a PromQL expression reads."""

import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from free_ports import free_port

PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
requires_prometheus = pytest.mark.skipif(
    PROMETHEUS is None or PROMTOOL is None, reason="needs Prometheus: apt-get install prometheus (scripts/test-tools)"
)
DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"

_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count", "")}
_PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "le"}


def declared_series(text: str) -> set[str]:
    """The sample names a Prometheus text page can carry: each `# TYPE` family with its type's suffixes (a labelled
    counter that never counted still declares itself this way)."""
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, family, kind = line.split(" ", 3)
            # The classic text format names a counter's family with its `_total` already.
            family = family.removesuffix("_total") if kind == "counter" else family
            names.update(family + suffix for suffix in _SUFFIXES.get(kind, ("",)))
    return names


def expression_metrics(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (names of our two namespaces, and `up`)."""
    return set(re.findall(r"\b((?:gostaking|cometbft)_[a-z0-9_]+)\b", expr)) - _PROMQL_WORDS


@contextmanager
def running_prometheus(work: Path, config: str) -> Iterator[httpx.Client]:
    """Prometheus on `config` with its own data directory and a free 127.0.0.1 port; yields a client of its HTTP
    API. Stopped (and waited for) on exit."""
    assert PROMETHEUS is not None
    work.mkdir(parents=True, exist_ok=True)
    (work / "prometheus.yml").write_text(config)
    port = free_port()
    command = [
        PROMETHEUS,
        f"--config.file={work / 'prometheus.yml'}",
        f"--storage.tsdb.path={work / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    with (work / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    try:
        yield client
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(20)


def prometheus_query(client: httpx.Client, path: str, **params: Any) -> Any:
    """The `data` of a Prometheus HTTP API answer (raises for an error answer)."""
    response = client.get(path, params=params)
    response.raise_for_status()
    document = response.json()
    assert document["status"] == "success", document
    return document["data"]


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        """Start serving on a free port."""
        self.bodies: list[dict[str, Any]] = []
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def received(self, status: str, alert: str) -> bool:
        """True once a notification of `alert` with `status` ('firing' or 'resolved') arrived."""
        return any(body["status"] == status and body["alert"] == alert for body in list(self.bodies))

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
