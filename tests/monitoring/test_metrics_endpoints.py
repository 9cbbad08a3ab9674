"""/metrics where the work happens: a node's API (its app's counters, the chain gauges read through the modules'
queries, its request counts), the cosigner's API, a gateway's own listener; and the operator files (alert rules
and the Prometheus configuration pass promtool; the shipped localnet configuration is what the generator writes)."""

import json
import subprocess
from collections import Counter
from pathlib import Path

import httpx
import pytest
from api_harness import GOS, Devnet
from cosigner_harness import Clock, make_service
from fastapi.testclient import TestClient
from free_ports import free_port_block
from localnet_harness import requires_cometbft
from monitoring_harness import DEPLOY, PROMTOOL, declared_series, requires_prometheus
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from gostaking.api.main import create_api
from gostaking.bridge.attester import WITHDRAWALS_CURSOR, PassReport, block_cursor
from gostaking.bridge.metrics import GatewayMetrics
from gostaking.bridge.store import BridgeState
from gostaking.chain.codec import decode_tx
from gostaking.chain.crypto import consensus_address
from gostaking.chain.modules.nodes.queries import get_node
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.cosigner.app import create_app
from gostaking.metrics import FastHistogram, MetricsServer, MetricsServerError, metrics_body
from gostaking.monitor.prometheus import Target, prometheus_config
from gostaking.monitor.prometheus import main as prometheus_main
from gostaking.node.localnet.network import create_localnet
from gostaking.node.metrics import AppMetrics, tx_kind
from gostaking.node.runtime import open_devnet
from gostaking.node.settings import DevnetSettings
from gostaking.storage import MemoryStore
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey, sign_tx

BOB = PrivateKey((0xB0B).to_bytes(32, "big"))


def values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) → value of a Prometheus text page."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def open_node(tmp_path: Path, metrics_on: bool = True) -> Devnet:
    node = open_devnet(DevnetSettings(home=tmp_path), store=MemoryStore())
    node.app.metrics = AppMetrics(enabled=metrics_on)
    keyring = Keyring(tmp_path / "keys")
    return Devnet(node, TestClient(create_api(node)), keyring.load("operator", None), keyring.load("faucet", None))


def test_a_node_counts_its_work_and_reads_the_chain_at_scrape_time(tmp_path: Path) -> None:
    devnet = open_node(tmp_path)
    try:
        devnet.produce(3)  # the operator earns GOS from block rewards
        devnet.submit(devnet.operator, MsgSendCoins(BOB.address, "ugos", 1))
        devnet.submit(devnet.operator, MsgSendCoins(BOB.address, "ugos", 10**6 * GOS))  # included, fails
        bad = sign_tx(devnet.operator, devnet.node.chain_id, 0, [MsgSendCoins(BOB.address, "ugos", 1)], 1_000)
        refused = devnet.client.post("/txs", json={"tx": bad.hex()})  # its sequence is already used
        assert refused.status_code == 400
        refused_error = refused.json()["error"]
        height = devnet.produce(1)
        assert devnet.client.get("/accounts/not-an-address").status_code == 400
        assert devnet.client.get("/no/such/route").status_code == 404
        page = devnet.client.get("/metrics")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
        found = values(page.text)
        with devnet.node.app.read() as state:
            node = get_node(state, devnet.operator.address)
            assert node is not None
            validator = (
                ("moniker", node.moniker),
                ("operator", devnet.operator.address),
                ("validator", consensus_address(node.consensus_pubkey)),
            )
            signed, state_keys = node.blocks_signed, devnet.node.app.state_key_count
        # What the blocks hold (the devnet's faucet adds transactions of its own).
        blocks = [devnet.node.app.block(h) for h in range(1, height + 1)]
        included = [pair for block in blocks if block for pair in zip(block.txs, block.tx_results, strict=True)]
        kinds = Counter(decode_tx(raw).body.msgs[0].__struct_config__.tag for raw, _ in included)
        failed = [result.log.split(":")[0] for _, result in included if result.code]
    finally:
        devnet.node.close()
    assert found[("gostaking_height", ())] == height
    assert kinds["send"] >= 2 and failed == ["InsufficientFundsError"]
    for kind, count in kinds.items():
        assert found[("gostaking_txs_total", (("kind", kind),))] == count
    assert found[("gostaking_failed_txs_total", (("error", "InsufficientFundsError"), ("kind", "send")))] == 1
    assert found[("gostaking_check_tx_refused_total", (("error", refused_error),))] == 1
    assert found[("gostaking_check_tx_seconds_count", (("outcome", "accepted"),))] == len(included)
    assert found[("gostaking_finalize_block_seconds_count", ())] == height
    assert found[("gostaking_commit_seconds_count", ())] == height
    assert found[("gostaking_block_lock_wait_seconds_count", ())] == 2 * height  # FinalizeBlock's and Commit's
    assert ("gostaking_read_wait_seconds_count", ()) in found  # the API reads at once when the state is free
    assert found[("gostaking_block_interval_seconds_count", ())] == height - 1
    assert found[("gostaking_validator_mining", validator)] == 1
    assert found[("gostaking_validator_jailed", validator)] == 0
    assert found[("gostaking_validator_signed_blocks", validator)] == signed > 0
    assert found[("gostaking_mining_set_size", ())] == 1
    assert found[("gostaking_state_keys", ())] == state_keys > 0
    assert found[("gostaking_mempool_txs", ())] == 0
    assert found[("gostaking_custody_backlog", (("kind", "withdrawal"), ("status", "pending")))] == 0
    assert ("gostaking_index_lag_blocks", ()) in found
    requests = "gostaking_api_requests_total"
    assert found[(requests, (("method", "POST"), ("route", "/txs"), ("status", "202")))] == 2
    assert found[(requests, (("method", "POST"), ("route", "/txs"), ("status", "400")))] == 1
    assert found[(requests, (("method", "GET"), ("route", "/accounts/{address}"), ("status", "400")))] == 1
    assert found[(requests, (("method", "GET"), ("route", "unmatched"), ("status", "404")))] == 1


def test_metrics_off_counts_nothing_but_still_serves_the_chain_gauges(tmp_path: Path) -> None:
    devnet = open_node(tmp_path, metrics_on=False)
    try:
        height = devnet.produce(2)
        found = values(devnet.client.get("/metrics").text)
    finally:
        devnet.node.close()
    assert ("gostaking_finalize_block_seconds_count", ()) in found
    assert found[("gostaking_finalize_block_seconds_count", ())] == 0
    assert found[("gostaking_height", ())] == height


def test_tx_kinds_are_the_declared_message_names_only() -> None:
    send = sign_tx(BOB, "c", 0, [MsgSendCoins(BOB.address, "ugos", 1)], 1_000)
    assert tx_kind(send) == "send"
    assert tx_kind(send.replace(b'"type":"send"', b'"type":"attacker-chosen"')) == "unknown"
    assert tx_kind(b"\xff not json") == "undecodable"


def test_the_cosigner_counts_its_requests_by_route(tmp_path: Path) -> None:
    service = make_service(f"sqlite:///{tmp_path / 'cosigner.db'}", Clock())
    client = TestClient(create_app(service))
    assert client.get("/v1/wallets/gos1nobody").status_code == 404
    found = values(client.get("/metrics").text)
    labels = (("method", "GET"), ("route", "/v1/wallets/{address}"), ("status", "404"))
    assert found[("gostaking_cosigner_requests_total", labels)] == 1


def test_a_gateway_serves_its_pass_counts_cursor_lags_and_backlog(tmp_path: Path) -> None:
    metrics = GatewayMetrics({"ethereum:0xvault": lambda: 130, WITHDRAWALS_CURSOR: lambda: 55})
    state = BridgeState(cursors={"ethereum:0xvault": block_cursor(100, "0xabc"), WITHDRAWALS_CURSOR: "50"})
    report = PassReport(paid={1: "0xtx"}, blocked_payouts=[2, 3])

    def failing() -> None:
        raise RuntimeError("node unreachable")

    metrics.counted(lambda: metrics.after_pass(state, report))()
    with pytest.raises(RuntimeError):
        metrics.counted(failing)()
    server = MetricsServer(metrics.registry, "127.0.0.1", 0)
    try:
        text = httpx.get(server.url, timeout=5).text
        with pytest.raises(MetricsServerError, match=f"cannot serve metrics on 127.0.0.1:{server.port}"):
            MetricsServer(metrics.registry, "127.0.0.1", server.port)
    finally:
        server.stop()
    found = values(text)
    assert found[("gostaking_gateway_passes_total", (("outcome", "ok"),))] == 1
    assert found[("gostaking_gateway_passes_total", (("outcome", "failed"),))] == 1
    assert found[("gostaking_gateway_cursor_height", (("cursor", "ethereum:0xvault"),))] == 100
    assert found[("gostaking_gateway_cursor_lag_blocks", (("cursor", "ethereum:0xvault"),))] == 30
    assert found[("gostaking_gateway_cursor_lag_blocks", (("cursor", WITHDRAWALS_CURSOR),))] == 5
    assert found[("gostaking_gateway_payouts_total", (("outcome", "blocked"),))] == 2
    assert found[("gostaking_gateway_payouts_total", (("outcome", "paid"),))] == 1
    assert "gostaking_gateway_outbox" in declared_series(metrics_body(metrics.registry)[0].decode())


@requires_prometheus
def test_promtool_accepts_the_rules_and_the_localnet_configuration(tmp_path: Path) -> None:
    assert PROMTOOL is not None
    rules = subprocess.run([PROMTOOL, "check", "rules", str(DEPLOY / "alerts.yml")], capture_output=True, text=True)
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert "SUCCESS: 14 rules found" in rules.stdout
    config = subprocess.run(
        [PROMTOOL, "check", "config", str(DEPLOY / "prometheus.yml")], capture_output=True, text=True
    )
    assert config.returncode == 0, config.stdout + config.stderr


def test_the_shipped_localnet_configuration_is_the_generated_one_for_the_default_ports() -> None:
    # `gostaking localnet` defaults: 4 validators, --base-port 26600 (API at +3, CometBFT metrics at RPC + 5).
    apps = [Target(f"node{i}", f"127.0.0.1:{26600 + 10 * i + 3}") for i in range(4)]
    comets = [Target(f"node{i}", f"127.0.0.1:{26600 + 10 * i + 6}") for i in range(4)]
    shipped = (DEPLOY / "prometheus.yml").read_text()
    body = "".join(line for line in shipped.splitlines(keepends=True) if not line.startswith("#"))
    assert body == prometheus_config(apps, comets, Path("alerts.yml"))


def test_the_fast_histogram_counts_like_a_prometheus_histogram() -> None:
    registry = CollectorRegistry()
    histogram = FastHistogram("t_seconds", "test", ("outcome",), (0.1, 1.0), registry)
    child = histogram.labels("ok")
    for value in (0.05, 0.1, 0.5, 1.0, 7.0):  # a bound belongs to its bucket (le is inclusive)
        child.observe(value)
    found = values(metrics_body(registry)[0].decode())
    buckets = {dict(labels)["le"]: value for (name, labels), value in found.items() if name == "t_seconds_bucket"}
    assert buckets == {"0.1": 2, "1.0": 4, "+Inf": 5}
    assert found[("t_seconds_count", (("outcome", "ok"),))] == 5
    assert found[("t_seconds_sum", (("outcome", "ok"),))] == pytest.approx(8.65)
    with pytest.raises(ValueError, match="has labels"):
        histogram.labels("ok", "extra")


@requires_cometbft
@requires_prometheus
def test_make_monitor_writes_a_configuration_of_the_localnet_s_own_ports(tmp_path: Path) -> None:
    localnet = create_localnet(tmp_path / "net", 2, base_port=free_port_block(20))
    out = tmp_path / "prometheus" / "prometheus.yml"
    assert prometheus_main(["--localnet", str(tmp_path / "net"), "--out", str(out)]) == 0
    jobs = {job["job_name"]: job["static_configs"] for job in json.loads(out.read_text())["scrape_configs"]}
    assert jobs["gostaking"] == [
        {"targets": [f"127.0.0.1:{node.api_port}"], "labels": {"node": node.name}} for node in localnet.nodes
    ]
    assert jobs["cometbft"] == [
        {"targets": [f"127.0.0.1:{node.rpc_port + 5}"], "labels": {"node": node.name}} for node in localnet.nodes
    ]
    assert PROMTOOL is not None
    checked = subprocess.run([PROMTOOL, "check", "config", str(out)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_configuration_writer_refuses_a_folder_without_a_localnet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert prometheus_main(["--localnet", str(tmp_path), "--out", str(tmp_path / "p.yml")]) == 1
    assert "holds no localnet" in capsys.readouterr().err
    assert not (tmp_path / "p.yml").exists()
