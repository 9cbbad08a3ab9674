"""Amounts and denoms of listed assets (never GOS), as lock, custody, the exchange and the oracle read them."""

import pytest

from gostaking.cli.amounts import listed_denoms, parse_asset_amount, parse_asset_denom
from gostaking.cli.errors import CliError

ASSETS = {"btc": 8, "eth": 18}


def test_parse_asset_amount_takes_assets_and_their_aliases() -> None:
    assert parse_asset_amount("0.5btc", ASSETS, "no GOS here") == ("btc", 50_000_000)
    assert parse_asset_amount("100000sat", ASSETS, "no GOS here") == ("btc", 100_000)


@pytest.mark.parametrize("text", ["1gos", "5000ugos"])
def test_parse_asset_amount_refuses_gos_with_the_commands_reason(text: str) -> None:
    with pytest.raises(CliError, match=r"^custody holds external assets only$"):
        parse_asset_amount(text, ASSETS, "custody holds external assets only")


def test_parse_asset_amount_reports_unreadable_amounts_as_parse_amount_does() -> None:
    with pytest.raises(CliError, match="unknown unit 'doge'"):
        parse_asset_amount("5doge", ASSETS, "no GOS here")


def test_parse_asset_denom_reads_a_listed_asset_as_typed() -> None:
    assert parse_asset_denom(" BTC ", ASSETS) == "btc"
    with pytest.raises(CliError, match=r"^'doge' is not a listed asset \(listed: btc, eth\)$"):
        parse_asset_denom("Doge", ASSETS)
    with pytest.raises(CliError, match=r"\(listed: none\)$"):
        parse_asset_denom("btc", {})


def test_listed_denoms_are_sorted() -> None:
    assert listed_denoms({"eth": 18, "btc": 8}) == "btc, eth"
    assert listed_denoms({}) == "none"
