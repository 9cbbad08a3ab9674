"""Monitoring against the real thing: a 4-validator localnet, Debian's Prometheus scraping every node's app and
CometBFT with the shipped alert rules, and `gostaking monitor` posting to a webhook. One validator is stopped: the
missed-blocks alert fires in Prometheus and at the webhook; it is restarted: both resolve. On the way, every metric
the dashboard and the rules read is checked against the live /metrics pages."""

import contextlib
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from free_ports import free_port_block
from localnet_harness import requires_cometbft, wait_until
from monitoring_harness import (
    DEPLOY,
    WebhookReceiver,
    declared_series,
    expression_metrics,
    prometheus_query,
    requires_prometheus,
    running_prometheus,
)
from prometheus_client import CollectorRegistry

from gostaking.bridge.metrics import GatewayMetrics
from gostaking.metrics import HttpMetrics, metrics_body
from gostaking.monitor.prometheus import RULES_PATH, localnet_targets, prometheus_config
from gostaking.node.localnet.network import create_localnet
from gostaking.node.localnet.processes import LocalnetProcesses

pytestmark = [requires_cometbft, requires_prometheus, pytest.mark.slow, pytest.mark.timeout(360)]
MISSED_ALERT = "GoStakingValidatorMissingBlocks"


def _alerts(prometheus: httpx.Client, name: str) -> list[dict[str, Any]]:
    return [a for a in prometheus_query(prometheus, "/api/v1/alerts")["alerts"] if a["labels"]["alertname"] == name]


def _service_series() -> set[str]:
    """What a gateway and the cosigner declare (they run outside a localnet)."""
    registry = CollectorRegistry()
    HttpMetrics(registry, "cosigner")
    return declared_series(metrics_body(GatewayMetrics({}).registry)[0].decode()) | declared_series(
        metrics_body(registry)[0].decode()
    )


def _dashboard_and_rule_metrics(prometheus: httpx.Client) -> set[str]:
    """The metrics the dashboard's panels and the rules Prometheus loaded read."""
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    names = set()
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            names |= expression_metrics(target["expr"])
    groups = prometheus_query(prometheus, "/api/v1/rules")["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) >= 10
    for rule in rules:
        names |= expression_metrics(rule["query"])
    assert len(names) > 30, names
    return names


@contextlib.contextmanager
def running_monitor(tmp_path: Path, nodes: list[str], webhook: str) -> Iterator[None]:
    """`gostaking monitor` as an operator runs it (1 s rounds, a 10-block missed window), its state and log in
    `tmp_path`; stopped with SIGTERM on exit."""
    command = [sys.executable, "-m", "gostaking", "monitor", "--state", str(tmp_path / "monitor.json")]
    command += ["--webhook", webhook, "--interval", "1", "--missed-window", "10", "--missed-blocks", "3"]
    command += [arg for url in nodes for arg in ("--node", url)]
    with (tmp_path / "monitor.log").open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0, (tmp_path / "monitor.log").read_text()


def test_missed_blocks_alert_fires_and_resolves_in_prometheus_and_the_monitor(tmp_path: Path) -> None:
    localnet = create_localnet(tmp_path / "net", 4, timeout_commit="200ms", base_port=free_port_block(40))
    stopped = localnet.nodes[3]
    api_urls = [node.api_url for node in localnet.nodes]
    missed_key, down_key = f"missed_blocks:{stopped.operator}", f"unreachable:{stopped.api_url}"
    with contextlib.ExitStack() as stack:
        webhook = WebhookReceiver()
        stack.callback(webhook.close)
        processes = stack.enter_context(LocalnetProcesses(localnet))
        processes.start_all()
        apps, comets = localnet_targets(Path(localnet.home))
        assert len(apps) == 4 and len(comets) == 4
        config = prometheus_config(apps, comets, RULES_PATH, scrape_interval="1s", evaluation_interval="1s")
        prometheus = stack.enter_context(running_prometheus(tmp_path / "prometheus", config))
        wait_until(
            lambda: (
                (r := prometheus_query(prometheus, "/api/v1/query", query="count(up == 1)")["result"])
                and r[0]["value"][1] == "8"
            ),
            "Prometheus to scrape the 4 apps and the 4 CometBFTs",
        )
        # Every metric the dashboard and the rules read exists on a live page (or a gateway's or the cosigner's).
        live = declared_series(httpx.get(f"http://{apps[0].address}/metrics").text)
        live |= declared_series(httpx.get(f"http://{comets[0].address}/metrics").text)
        assert _dashboard_and_rule_metrics(prometheus) - live - _service_series() == set()

        with running_monitor(tmp_path, api_urls, webhook.url):
            wait_until(lambda: (tmp_path / "monitor.json").exists(), "the monitor's first round", timeout_s=30)
            assert _alerts(prometheus, MISSED_ALERT) == []
            processes.kill_node(3)
            firing = wait_until(
                lambda: [a for a in _alerts(prometheus, MISSED_ALERT) if a["state"] == "firing"],
                "the missed-blocks alert to fire",
                poll_s=1,
            )
            assert [a["labels"]["validator"] for a in firing] == [stopped.validator_address]
            wait_until(lambda: webhook.received("firing", missed_key), "the monitor's missed-blocks alert")
            assert webhook.received("firing", down_key)
            assert not webhook.received("firing", f"missed_blocks:{localnet.nodes[0].operator}")
        # A restarted monitor resumes from its state file: the alerts still firing are not sent again.
        with running_monitor(tmp_path, api_urls, webhook.url):
            processes.start_node(3)
            wait_until(lambda: _alerts(prometheus, MISSED_ALERT) == [], "Prometheus' alert to resolve", 150, 1)
            wait_until(lambda: webhook.received("resolved", missed_key), "the monitor's resolve message")
            assert webhook.received("resolved", down_key)
        for key in (missed_key, down_key):
            assert [b["status"] for b in webhook.bodies if b["alert"] == key] == ["firing", "resolved"]
