"""`gostaking aml …` against an index database file."""

import json
from pathlib import Path

from sqlalchemy import create_engine, insert
from typer.testing import CliRunner

from gostaking.cli.main import app
from gostaking.indexer.schema import account_activity, index_cursor
from gostaking.indexer.schema import metadata as index_metadata


def make_index(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    index_metadata.create_all(engine)
    with engine.begin() as conn:
        for row_id, (address, role, kind, other) in enumerate(
            [("gos1big", "sender", "send", "gos1to"), ("gos1to", "recipient", "receive", "gos1big")], start=1
        ):
            conn.execute(
                insert(account_activity).values(
                    id=row_id,
                    address=address,
                    height=7,
                    time_ms=7000,
                    tx_hash="abc",
                    tx_index=0,
                    msg_index=0,
                    role=role,
                    kind=kind,
                    counterparty=other,
                    denom="ugos",
                    amount=str(500_000 * 10**6),
                    fee_ugos=0,
                    code=0,
                )
            )
        conn.execute(
            insert(index_cursor).values(
                id=1,
                height=7,
                block_hash="",
                gos_index="1",
                minted_ugos=0,
                burned_ugos=0,
                txs_total=1,
                events_total=0,
                activity_total=2,
                validators="",
                pending_validator_updates="",
            )
        )
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
