"""The monitor's alert logic: each alert kind fires on its condition and not below it, alerts are de-duplicated
while they last and resolved when they end, the state file carries them across a restart, and /metrics pages
are read into samples."""

import json
from pathlib import Path

import pytest

from gostaking.monitor.alerts import (
    AlertBook,
    NodeSample,
    SigningHistory,
    Thresholds,
    ValidatorSample,
    evaluate,
)
from gostaking.monitor.watch import Monitor, MonitorState, MonitorStateError, parse_metrics

NOW = 1_800_000_000.0
T = Thresholds(missed_window_blocks=10, missed_blocks=3, behind_blocks=5, withdrawal_deadline_blocks=100)


def validator(operator: str, signed: int, *, mining: bool = True, jailed: bool = False) -> ValidatorSample:
    return ValidatorSample(operator, f"node-{operator}", mining, jailed, signed)


def sample(height: int, signed: dict[str, int] | None = None, **fields: object) -> NodeSample:
    validators = {op: validator(op, count) for op, count in (signed or {}).items()}
    values: dict[str, object] = {"last_block_time_s": NOW - 1, "block_time_s": 1.0, "validators": validators}
    values.update(fields)
    return NodeSample(height=height, **values)  # type: ignore[arg-type]


def kinds(alerts: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(alert.key for alert in alerts)


def test_missed_blocks_count_heights_passed_minus_blocks_signed_within_the_window() -> None:
    history = SigningHistory()
    # Validator a signs every block; b stops signing after height 4.
    for height in range(1, 8):
        evaluate({"n": sample(height, {"a": height, "b": min(height, 4)})}, history, T, NOW)
    assert history.missed("a") == 0
    assert history.missed("b") == 3
    alerts = evaluate({"n": sample(8, {"a": 8, "b": 4})}, history, T, NOW)
    assert kinds(alerts) == ["missed_blocks:b"]
    assert "missed 4 of the last 10 blocks" in alerts[0].summary
    # b signs again: once the missed heights leave the 10-block window the alert is gone.
    for height in range(9, 20):
        alerts = evaluate({"n": sample(height, {"a": height, "b": height - 4})}, history, T, NOW)
    assert kinds(alerts) == []
    assert history.missed("b") == 0


def test_a_validator_leaving_the_mining_set_is_forgotten_and_not_blamed() -> None:
    history = SigningHistory()
    for height in range(1, 5):
        evaluate({"n": sample(height, {"a": height})}, history, T, NOW)
    out = {"a": ValidatorSample("a", "node-a", False, False, 4)}
    for height in range(5, 12):
        alerts = evaluate({"n": sample(height, validators=out)}, history, T, NOW)
        assert alerts == []
    assert history.samples == {}


def test_node_alerts_stalled_behind_unreachable_index_lag() -> None:
    history = SigningHistory()
    samples: dict[str, NodeSample | str] = {
        "fresh": sample(100, index_lag_blocks=2),
        "stalled": sample(100, last_block_time_s=NOW - 31),
        "behind": sample(95, index_lag_blocks=50),
        "down": "ConnectError: refused",
    }
    alerts = evaluate(samples, history, T, NOW)
    assert kinds(alerts) == ["behind:behind", "index_lag:behind", "stalled:stalled", "unreachable:down"]
    # One block behind, 4 blocks of index lag, 29 s without a block (under the 30 s floor): nothing.
    quiet = {"a": sample(100), "b": sample(99, index_lag_blocks=49, last_block_time_s=NOW - 29)}
    assert evaluate(quiet, history, T, NOW) == []


def test_chain_alerts_come_from_the_highest_node_once() -> None:
    chain = {
        "validators": {"j": validator("j", 0, mining=False, jailed=True)},
        "oracle_age_blocks": {"btc": 500, "eth": 5},
        "oracle_stale": {"btc": True, "eth": False},
        "pending_withdrawals": 2,
        "oldest_withdrawal_age_blocks": 101,
    }
    samples: dict[str, NodeSample | str] = {"a": sample(100, **chain), "b": sample(100, **chain)}
    alerts = evaluate(samples, SigningHistory(), T, NOW)
    assert kinds(alerts) == ["jailed:j", "oracle_stale:btc", "withdrawal_overdue"]
    # An age limit catches a price the chain has not marked stale yet; a withdrawal within its deadline is fine.
    aged = Thresholds(oracle_max_age_blocks=4, withdrawal_deadline_blocks=101)
    assert kinds(evaluate({"a": sample(100, **chain)}, SigningHistory(), aged, NOW)) == [
        "jailed:j",
        "oracle_stale:btc",
        "oracle_stale:eth",
    ]


def test_the_book_fires_once_and_resolves_with_the_latest_summary() -> None:
    book = AlertBook()
    history = SigningHistory()
    first = book.update(evaluate({"n": "refused"}, history, T, NOW), NOW)
    assert [(n.status, n.key) for n in first] == [("firing", "unreachable:n")]
    assert book.update(evaluate({"n": "timed out"}, history, T, NOW + 1), NOW + 1) == []
    resolved = book.update(evaluate({"n": sample(5)}, history, T, NOW + 2), NOW + 2)
    assert [(n.status, n.key, n.since, n.at) for n in resolved] == [("resolved", "unreachable:n", NOW, NOW + 2)]
    assert resolved[0].summary == "n cannot be read: timed out"
    assert resolved[0].to_json()["status"] == "resolved"


def test_state_file_round_trip_and_damage(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = MonitorState.load(path)  # absent: empty
    state.book.update(evaluate({"n": "refused"}, state.history, T, NOW), NOW)
    evaluate({"m": sample(3, {"a": 3})}, state.history, T, NOW)
    state.outbox.append({"status": "firing", "alert": "unreachable:n"})
    state.save(path)
    again = MonitorState.load(path)
    assert list(again.book.active) == ["unreachable:n"] and again.book.active["unreachable:n"].since == NOW
    assert again.history.samples == {"a": [(3, 3)]}
    assert again.outbox == state.outbox
    path.write_text("{not json")
    with pytest.raises(MonitorStateError, match="cannot read"):
        MonitorState.load(path)
    path.write_text(json.dumps({"version": 99}))
    with pytest.raises(MonitorStateError, match="version-1"):
        MonitorState.load(path)
    path.write_text(json.dumps({"version": 1, "active": {"x": {"kind": "k"}}, "history": {}, "outbox": []}))
    with pytest.raises(MonitorStateError, match="damaged"):
        MonitorState.load(path)


PAGE = """# TYPE gostaking_height gauge
gostaking_height 42.0
gostaking_last_block_time_seconds 1.7e+09
gostaking_block_time_target_seconds 0.5
gostaking_index_lag_blocks 3.0
gostaking_validator_mining{moniker="m0",operator="gos1a",validator="AA"} 1.0
gostaking_validator_jailed{moniker="m0",operator="gos1a",validator="AA"} 0.0
gostaking_validator_signed_blocks{moniker="m0",operator="gos1a",validator="AA"} 40.0
gostaking_validator_mining{moniker="m1",operator="gos1b",validator="BB"} 0.0
gostaking_validator_jailed{moniker="m1",operator="gos1b",validator="BB"} 1.0
gostaking_validator_signed_blocks{moniker="m1",operator="gos1b",validator="BB"} 7.0
gostaking_oracle_price_age_blocks{denom="btc"} 12.0
gostaking_oracle_price_stale{denom="btc"} 0.0
gostaking_custody_backlog{kind="withdrawal",status="pending"} 2.0
gostaking_custody_oldest_age_blocks{kind="withdrawal",status="pending"} 30.0
"""


def test_parse_metrics_reads_a_node_page() -> None:
    parsed = parse_metrics(PAGE)
    assert (parsed.height, parsed.last_block_time_s, parsed.block_time_s) == (42, 1.7e9, 0.5)
    assert parsed.index_lag_blocks == 3
    assert parsed.validators["gos1a"] == ValidatorSample("gos1a", "m0", True, False, 40)
    assert parsed.validators["gos1b"] == ValidatorSample("gos1b", "m1", False, True, 7)
    assert (parsed.oracle_age_blocks, parsed.oracle_stale) == ({"btc": 12}, {"btc": False})
    assert (parsed.pending_withdrawals, parsed.oldest_withdrawal_age_blocks) == (2, 30)
    with pytest.raises(ValueError, match="not a GoStaking node"):
        parse_metrics("# TYPE cometbft_consensus_height gauge\ncometbft_consensus_height 3\n")


def test_monitor_keeps_undelivered_notifications_for_the_next_round(tmp_path: Path) -> None:
    # Nothing listens on this node or this webhook: the round alerts, and the webhook's share waits in the outbox.
    monitor = Monitor(
        {"n": "http://127.0.0.1:9"},
        tmp_path / "s.json",
        T,
        webhook="http://127.0.0.1:9/hook",
        timeout_s=1,
        clock=lambda: NOW,
    )
    try:
        sent = monitor.run_once()
    finally:
        monitor.close()
    assert [(n.status, n.key) for n in sent] == [("firing", "unreachable:n")]
    saved = MonitorState.load(tmp_path / "s.json")
    assert [entry["alert"] for entry in saved.outbox] == ["unreachable:n"]
