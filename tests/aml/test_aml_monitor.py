"""The AML monitor over an index database: alerts from indexed activity, cases, audit trail, resumable scans."""

import pytest
from aml_harness import index_engine, set_indexed, transfer
from sqlalchemy import Engine

from gostaking.aml.monitor import AmlError, AmlMonitor
from gostaking.aml.rules import RuleConfig
from gostaking.chain.types.compliance import FreezeAction

CONFIG = RuleConfig(large_value={"ugos": 1_000}, structuring_window=100, velocity_window=10, velocity_max_outgoing=3)


@pytest.fixture
def engine() -> Engine:
    return index_engine("sqlite://")


def test_alerts_open_a_case_and_a_rescan_adds_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        transfer(conn, "gos1mule", "gos1x", 5_000, 3)  # large value for both sides
        for height in (10, 11, 12):
            transfer(conn, "gos1struct", f"gos1r{height}", 950, height)  # structuring (3 × 950 ≥ 1000)
        set_indexed(conn, 12)
    monitor = AmlMonitor(engine, CONFIG)
    result = monitor.scan()
    assert (result.from_height, result.to_height) == (1, 12)
    rules = sorted((a["rule"], a["address"]) for a in monitor.alerts())
    assert rules == [("large_value", "gos1mule"), ("large_value", "gos1x"), ("structuring", "gos1struct")]
    assert monitor.scan().alerts == 0  # nothing new indexed
    cases = monitor.cases("open")
    assert sorted(c["address"] for c in cases) == ["gos1mule", "gos1struct", "gos1x"]


def test_the_scan_resumes_from_its_cursor(engine: Engine) -> None:
    monitor = AmlMonitor(engine, CONFIG)
    with engine.begin() as conn:
        transfer(conn, "gos1a", "gos1b", 2_000, 1)
        set_indexed(conn, 1)
    assert monitor.scan().alerts == 2
    with engine.begin() as conn:
        transfer(conn, "gos1a", "gos1b", 3_000, 2)
        set_indexed(conn, 2)
    again = AmlMonitor(engine, CONFIG)  # a restarted monitor
    assert again.cursor() == 1
    assert again.scan().alerts == 2
    assert len(again.alerts()) == 4


def test_case_decisions_are_audited_and_a_freeze_yields_the_council_action(engine: Engine) -> None:
    with engine.begin() as conn:
        transfer(conn, "gos1bad", "gos1y", 9_000, 4)
        set_indexed(conn, 4)
    monitor = AmlMonitor(engine, CONFIG)
    monitor.scan()
    (case,) = [c for c in monitor.cases() if c["address"] == "gos1bad"]
    case_id = int(case["id"])  # type: ignore[call-overload]
    monitor.note(case_id, "analyst-1", "counterparty on an internal watch list")
    action = monitor.close(case_id, "analyst-1", "freeze_requested", "large transfer to a watched address")
    assert action == FreezeAction("gos1bad", "large transfer to a watched address", f"aml-{case_id}")
    log = [(e["actor"], e["action"]) for e in monitor.case_log(case_id)]
    assert log == [
        ("monitor", "opened"),
        ("monitor", "alert"),
        ("analyst-1", "note"),
        ("analyst-1", "closed:freeze_requested"),
    ]
    with pytest.raises(AmlError, match="closed"):
        monitor.note(case_id, "analyst-2", "too late")
    with pytest.raises(AmlError, match="decision must be"):
        monitor.close(999, "x", "shrug", "")
    with pytest.raises(AmlError, match="no AML case"):
        monitor.close(999, "x", "dismissed", "")
