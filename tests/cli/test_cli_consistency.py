"""Small consistencies every command keeps: flags read as flags in help (no `<bool>`), every query command takes
--table, tx commands say where the passphrase comes from, and amounts and times read as a person typed them."""

from datetime import UTC, datetime, timedelta

import pytest
import typer
from typer.testing import CliRunner

from gostaking.cli.amounts import format_in_unit, parse_amount, translate_amounts, typed_units
from gostaking.cli.common import field_rows, format_duration
from gostaking.cli.main import app
from gostaking.cli.query import completion_when

ROOT = typer.main.get_command(app)
GROUPS = ROOT.commands  # type: ignore[attr-defined]


def help_text(*command: str) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def every_command() -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in GROUPS.items():
        sub = getattr(command, "commands", None)
        found += [(name, leaf) for leaf in sub] if sub else [(name,)]
    return found


@pytest.mark.parametrize("command", every_command(), ids=" ".join)
def test_no_help_labels_a_flag_as_taking_a_bool(command: tuple[str, ...]) -> None:
    text = help_text(*command)
    assert "<bool>" not in text and "--help" in text


@pytest.mark.parametrize("command", [("query", name) for name in GROUPS["query"].commands], ids=" ".join)
def test_every_query_command_takes_table(command: tuple[str, ...]) -> None:
    assert "--table" in help_text(*command)


@pytest.mark.parametrize("command", [("tx", "send"), ("tx", "vote"), ("dex", "swap"), ("gov", "submit-text")])
def test_tx_commands_document_the_passphrase_variable(command: tuple[str, ...]) -> None:
    text = help_text(*command)
    assert "$GOSTAKING_PASSPHRASE" in text and "--no-simulate" in text and "--json" in text


def test_chain_errors_read_in_the_units_typed() -> None:
    assets = {"btc": 8}
    with typed_units() as units:
        parse_amount("5000gos", assets)
        parse_amount("100000sat", assets)
    about = {5_000_000_000: "ugos", 100_000: "btc"}
    message = "gos1x has 59000000 ugos, needs 5000000000 at height 5000000000x; only 40000 btc locked, asked 100000"
    assert translate_amounts(message, about, units, assets) == (
        "gos1x has 59 gos, needs 5000 gos at height 5000000000x; only 40000 sat locked, asked 100000 sat"
    )
    assert format_in_unit(25_000_000, "btc", {}, assets) == "0.25 btc"  # untyped: whole units
    assert format_in_unit(1_500_000, "ugos", {}, assets) == "1.5 gos"


def test_times_and_tables_read_as_people_read_them() -> None:
    assert format_duration(7 * 86_400 - 3_600) == "6 d 23 h"
    assert format_duration(3 * 3_600 + 5 * 60 + 7) == "3 h 5 min" and format_duration(0) == "0 s"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    due = now + timedelta(days=6, hours=23, minutes=10)
    unbonding = {"completion_height": 1234, "estimated_completion_time": due.isoformat().replace("+00:00", "Z")}
    assert completion_when(unbonding, now) == "height 1234, in 6 d 23 h"
    assert completion_when(unbonding, due + timedelta(seconds=1)) == "height 1234, due now"
    document = {"tx": {"min_fee": {"ugos": 1000, "gos": "0.001"}, "max_msgs": 8}, "assets": [{"denom": "btc"}]}
    assert field_rows(document) == [("tx.min_fee", "0.001 GOS"), ("tx.max_msgs", "8"), ("assets.0.denom", "btc")]
