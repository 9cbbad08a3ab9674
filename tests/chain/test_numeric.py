"""The one rendering of amounts (chain/numeric.py's format_units): exact decimal strings of whole units, with no
float anywhere, for every shell (API, CLI, wallets, node)."""

from gostaking.chain.numeric import format_gos, format_units


def test_amounts_are_shown_exactly_in_whole_units() -> None:
    assert [format_units(v, 8) for v in (0, 1, 150_000_000, 2_100_000_000_000_000)] == [
        "0",
        "0.00000001",
        "1.5",
        "21000000",
    ]
    assert format_units(10**18 + 1, 18) == "1.000000000000000001"
    assert format_units(2**70 + 5, 18) == "1180.591620717411303429"  # beyond a float's 53 bits


def test_negative_amounts_and_whole_denominations() -> None:
    assert format_units(-5, 1) == "-0.5" and format_units(-150, 2) == "-1.5" and format_units(-200, 2) == "-2"
    assert format_units(7, 0) == "7" and format_units(-7, 0) == "-7"
    assert format_gos(1_500_000) == "1.5" and format_gos(-1) == "-0.000001"
