"""The AML trade rules on hand-made fills: wash trading (one owner on both sides of one auction) and large trades
fire on their pattern only, in the block being scanned. (tests/indexer/test_indexer_book.py runs the monitor over a
real chain's auctions.)"""

from gostaking.aml.rules import Fill, RuleConfig, check_large_trade, check_wash_trade, evaluate_trades

CONFIG = RuleConfig(large_value={"ugos": 1_000_000, "btc": 10**8}, wash_trade_min_ugos=1_000)
A = "gos1a"


def fill(side: str, quantity: int, notional: int, height: int = 7, market: str = "btc", order: int = 1) -> Fill:
    return Fill(A, market, "buy" if side == "buy" else "sell", quantity, notional, height, order, f"tx-{order}")


def test_wash_trade_needs_both_sides_of_one_market_in_the_scanned_block() -> None:
    (alert,) = check_wash_trade([fill("buy", 5, 3_000, order=1), fill("sell", 4, 2_400, order=2)], 7, CONFIG)
    assert (alert.rule, alert.address, alert.first_height, alert.last_height) == ("wash_trade", A, 7, 7)
    assert alert.tx_hashes == ("tx-1", "tx-2")
    assert "bought 5 and sold 4 btc" in alert.details and "2400 ugos on the smaller side" in alert.details
    assert check_wash_trade([fill("buy", 5, 3_000), fill("buy", 4, 2_400, order=2)], 7, CONFIG) == []
    different_markets = [fill("buy", 5, 3_000), fill("sell", 4, 2_400, market="eth", order=2)]
    assert check_wash_trade(different_markets, 7, CONFIG) == []
    different_blocks = [fill("buy", 5, 3_000, height=6), fill("sell", 4, 2_400, order=2)]
    assert check_wash_trade(different_blocks, 7, CONFIG) == []
    assert check_wash_trade([fill("buy", 5, 3_000), fill("sell", 1, 999, order=2)], 7, CONFIG) == []  # too small


def test_large_trade_by_notional_or_base_quantity_one_alert_per_block() -> None:
    big = [fill("buy", 1, 1_000_000, order=3), fill("sell", 10**8, 5, order=4), fill("buy", 1, 999_999, order=5)]
    (alert,) = check_large_trade(big, 7, CONFIG)
    assert alert.rule == "large_trade" and alert.tx_hashes == ("tx-3", "tx-4")
    assert "order 3" in alert.details and "order 4" in alert.details and "order 5" not in alert.details
    assert check_large_trade([fill("buy", 1, 5_000_000, height=6)], 7, CONFIG) == []  # reported at its own block
    assert check_large_trade([fill("buy", 10**9, 5, market="doge")], 7, CONFIG) == []  # no threshold for it


def test_evaluate_trades_runs_every_trade_rule() -> None:
    fills = [fill("buy", 10**8, 2_000_000, order=8), fill("sell", 10**8, 2_000_000, order=9)]
    assert sorted(a.rule for a in evaluate_trades(fills, 7, CONFIG)) == ["large_trade", "wash_trade"]
