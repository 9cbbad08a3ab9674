"""`gostaking aml …` against an index database file."""

import json
from pathlib import Path

from aml_harness import index_engine, set_indexed, transfer
from typer.testing import CliRunner

from gostaking.cli.main import app


def make_index(path: Path) -> str:
    """An index database file with one indexed 500,000 GOS transfer from gos1big to gos1to; returns its URL."""
    url = f"sqlite:///{path}"
    with index_engine(url).begin() as conn:
        transfer(conn, "gos1big", "gos1to", 500_000 * 10**6, 7)
        set_indexed(conn, 7)
    return url


def test_scan_list_and_close_a_case_with_a_freeze(tmp_path: Path) -> None:
    url = make_index(tmp_path / "index.sqlite")
    runner = CliRunner()
    scanned = runner.invoke(app, ["aml", "scan", "--index-url", url])
    assert scanned.exit_code == 0 and "2 new alerts" in scanned.output
    alerts = json.loads(runner.invoke(app, ["aml", "alerts", "--address", "gos1big", "--index-url", url]).output)
    assert [a["rule"] for a in alerts] == ["large_value"]
    case_id = str(alerts[0]["case_id"])
    closed = runner.invoke(
        app,
        [
            "aml",
            "close",
            case_id,
            "freeze_requested",
            "--reason",
            "500k GOS to a new account",
            "--actor",
            "ana",
            "--index-url",
            url,
        ],
    )
    assert closed.exit_code == 0, closed.output
    assert "gostaking compliance freeze gos1big" in closed.output and f"aml-{case_id}" in closed.output
    again = runner.invoke(
        app, ["aml", "close", case_id, "dismissed", "--reason", "x", "--actor", "ana", "--index-url", url]
    )
    assert again.exit_code != 0 and "closed" in again.output
