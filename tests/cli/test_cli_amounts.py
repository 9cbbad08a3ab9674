"""Amount parsing: whole units by the asset's decimals, base-unit names, exactness and clear errors."""

import pytest

from gostaking.cli.amounts import parse_amount, parse_gos_amount
from gostaking.cli.errors import CliError

ASSETS = {"btc": 8, "eth": 18, "dcr": 8, "atom": 6}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5gos", ("ugos", 1_500_000)),
        ("1500000ugos", ("ugos", 1_500_000)),
        (" 2 GOS ", ("ugos", 2_000_000)),
        (".5gos", ("ugos", 500_000)),
        ("1.gos", ("ugos", 1_000_000)),
        ("0.25btc", ("btc", 25_000_000)),
        ("100000sat", ("btc", 100_000)),
        ("0.00000001btc", ("btc", 1)),
        ("2eth", ("eth", 2 * 10**18)),
        ("20eth", ("eth", 20 * 10**18)),  # beyond 64 bits: fine, amounts are exact integers
        ("1wei", ("eth", 1)),
        ("1.5gwei", ("eth", 1_500_000_000)),
        ("3.000001atom", ("atom", 3_000_001)),
        ("7uatom", ("atom", 7)),
        ("100dcr", ("dcr", 10**10)),
    ],
)
def test_parse_amount(text: str, expected: tuple[str, int]) -> None:
    assert parse_amount(text, ASSETS) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("100", "write a number and a unit"),
        ("gos", "write a number and a unit"),
        ("-1gos", "write a number and a unit"),
        ("1e3gos", "unknown unit 'e3gos'"),
        ("1.2.3gos", "write a number and a unit"),
        ("0gos", "must be positive"),
        ("0.0000001gos", "more decimal places than gos allows (6)"),
        ("1.5ugos", "more decimal places than ugos allows (0)"),
        ("0.000000001btc", "more decimal places than btc allows (8)"),
        ("1.5sat", "more decimal places"),
        ("5doge", "unknown unit 'doge'"),
    ],
)
def test_parse_amount_errors(text: str, message: str) -> None:
    with pytest.raises(CliError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_amount(text, ASSETS)


def test_aliases_need_their_asset_and_gos_only_amounts() -> None:
    with pytest.raises(CliError, match="unknown unit 'sat'"):
        parse_amount("5sat", {"eth": 18})
    assert parse_gos_amount("100gos") == 100_000_000
    with pytest.raises(CliError, match="must be a GOS amount"):
        parse_gos_amount("1btc")
