"""Amount parsing: whole units by the asset's decimals, base-unit names, exactness and clear errors."""

import pytest

from gostaking.chain.types.liquid import MsgLiquidClaimTicket, MsgLiquidInstantUnstake, MsgLiquidRemoveLiquidity
from gostaking.chain.types.tx import MsgSwap
from gostaking.cli.amounts import (
    Denoms,
    format_in_unit,
    parse_amount,
    parse_asset_amount,
    parse_asset_denom,
    parse_gos_amount,
    translate_amounts,
    typed_units,
)
from gostaking.cli.errors import CliError
from gostaking.cli.outcome import Outcome

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


CHAIN = Denoms(ASSETS, [("ugos", 6, "gos"), ("btc", 8, "btc"), ("usgos", 6, "sgos"), ("usgoslp", 6, "sgoslp")])
"""The listed assets and the denoms the node's /dex/denoms reports (GOS and the listed ones are not tokens)."""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5sgos", ("usgos", 1_500_000)),
        ("1500000usgos", ("usgos", 1_500_000)),
        ("0.000001SGOS", ("usgos", 1)),
        ("2sgoslp", ("usgoslp", 2_000_000)),
        ("1.5gos", ("ugos", 1_500_000)),
        ("100000sat", ("btc", 100_000)),
    ],
)
def test_tokens_of_the_chain_read_in_whole_and_base_units(text: str, expected: tuple[str, int]) -> None:
    assert CHAIN.tokens == {"usgos": ("sgos", 6), "usgoslp": ("sgoslp", 6)}
    assert parse_amount(text, CHAIN) == expected


def test_tokens_need_the_chain_denoms_and_only_some_commands_take_them() -> None:
    with pytest.raises(CliError, match="unknown unit 'sgos'"):
        parse_amount("1sgos", ASSETS)
    with pytest.raises(CliError, match="more decimal places than usgos allows"):
        parse_amount("1.5usgos", CHAIN)
    with pytest.raises(CliError, match=r"not an amount of a listed asset \(listed: atom, btc, dcr, eth\)"):
        parse_asset_amount("1sgos", CHAIN, "no GOS")
    assert parse_asset_amount("1sgos", CHAIN, "no GOS", tokens=True) == ("usgos", 1_000_000)
    assert parse_asset_denom("SGOS", CHAIN, tokens=True) == parse_asset_denom("usgos", CHAIN, tokens=True) == "usgos"
    with pytest.raises(CliError, match=r"'sgos' is not a listed asset \(listed: atom, btc, dcr, eth\)"):
        parse_asset_denom("sgos", CHAIN)


def test_tokens_are_written_back_in_their_whole_unit_or_the_unit_typed() -> None:
    assert format_in_unit(1_500_000, "usgos", {}, CHAIN) == "1.5 sgos"
    with typed_units() as typed:
        parse_amount("1500000usgos", CHAIN)
    assert format_in_unit(2_000_000, "usgos", typed, CHAIN) == "2000000 usgos"
    assert translate_amounts("has 2500000 usgos, needs 3000000", {3_000_000: "usgos"}, {}, CHAIN) == (
        "has 2.5 sgos, needs 3 sgos"
    )


def test_summaries_read_amounts_from_field_names() -> None:
    """Messages and events name an amount by its unit (`sgos`, `min_gos`, `fee_sgos`), or as `amount` of the
    record's denom, or `amount_<x>` of `denom_<x>`; other counts (`shares`, `ticket`, `min_out`) are no amounts."""
    outcome = Outcome([MsgLiquidInstantUnstake(2_000_000, 1_900_000)], {}, CHAIN)
    assert outcome.describe() == "liquid_instant_unstake 2 sgos at least 1.9 gos"
    assert Outcome([MsgLiquidRemoveLiquidity(3_000_000)], {}, CHAIN).describe() == "liquid_remove_liquidity 3 sgoslp"
    assert Outcome([MsgLiquidClaimTicket(7)], {}, CHAIN).describe() == "liquid_claim_ticket"
    swap = Outcome([MsgSwap("usgos", "ugos", 5_000_000, 4_000_000)], {}, CHAIN)
    assert swap.describe() == "swap 5 gos on the sgos/GOS pool"
    found = {
        "tx_hash": "ab" * 32,
        "height": 12,
        "fee": {"ugos": 1000},
        "events": [
            {"kind": "liquid_instant_unstaked", "attributes": {"address": "gos1x", "sgos": "2000000",
             "amount": "1950000", "fee_ppm": "2500", "fee_sgos": "5000", "treasury_sgos": "500"}},
            {"kind": "transfer", "attributes": {"denom": "usgos", "amount": "2000000"}},
        ],
    }  # fmt: skip
    assert outcome.summary(found, None) == (
        f"liquid_instant_unstake 2 sgos at least 1.9 gos: included in block 12, fee 0.001 gos, tx {'ab' * 32}; "
        "liquid_instant_unstaked: 1.95 gos, fee 0.005 sgos, treasury 0.0005 sgos"
    )
    swapped = {"kind": "swap", "attributes": {"denom_in": "ugos", "amount_in": "5000000", "denom_out": "usgos",
               "amount_out": "4100000", "min_out": "4000000"}}  # fmt: skip
    assert swap.summary({**found, "events": [swapped]}, None).endswith("; swap: 4.1 sgos")
