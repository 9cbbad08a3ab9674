"""The AML rules on hand-made transfer histories: each fires on its pattern and stays quiet otherwise."""

from gostaking.aml.rules import (
    RuleConfig,
    Transfer,
    check_large_value,
    check_pass_through,
    check_structuring,
    check_velocity,
    evaluate,
)

CONFIG = RuleConfig(
    large_value={"ugos": 1_000},
    structuring_window=100,
    velocity_window=10,
    velocity_max_outgoing=3,
    pass_through_window=20,
)
A, B, C, D = "gos1a", "gos1b", "gos1c", "gos1d"


def out(amount: int, height: int, to: str = B, denom: str = "ugos") -> Transfer:
    return Transfer(A, to, "out", denom, amount, height, f"tx-out-{height}-{amount}")


def into(amount: int, height: int, source: str = C) -> Transfer:
    return Transfer(A, source, "in", "ugos", amount, height, f"tx-in-{height}-{amount}")


def test_large_value_fires_at_the_threshold_only_for_the_current_block() -> None:
    assert [a.rule for a in check_large_value([out(1_000, 5)], 5, CONFIG)] == ["large_value"]
    assert check_large_value([out(999, 5)], 5, CONFIG) == []
    assert check_large_value([out(5_000, 4)], 5, CONFIG) == []  # reported when its block was scanned
    assert check_large_value([out(10**9, 5, denom="doge")], 5, CONFIG) == []  # no threshold for the denom


def test_structuring_needs_several_transfers_just_under_the_threshold() -> None:
    history = [out(900, 10), out(950, 30), out(990, 50)]
    (alert,) = check_structuring(history, 50, CONFIG)
    assert alert.rule == "structuring" and alert.first_height == 10 and len(alert.tx_hashes) == 3
    assert check_structuring(history[:2], 30, CONFIG) == []  # two are not enough
    assert check_structuring([out(100, 10), out(100, 30), out(100, 50)], 50, CONFIG) == []  # not near the limit
    assert check_structuring([out(900, 1), out(950, 30), out(990, 150)], 150, CONFIG) == []  # outside the window


def test_velocity_counts_outgoing_transfers_in_the_window() -> None:
    burst = [out(1, h) for h in (1, 2, 3, 4)]
    assert [a.rule for a in check_velocity(burst, 4, CONFIG)] == ["velocity"]
    assert check_velocity(burst[:3], 3, CONFIG) == []
    assert check_velocity([out(1, h) for h in (1, 8, 16, 24)], 24, CONFIG) == []


def test_pass_through_sees_money_in_then_out_to_others() -> None:
    mule = [into(500, 1, C), into(500, 2, D), out(950, 5, B)]
    (alert,) = check_pass_through(mule, 5, CONFIG)
    assert alert.rule == "pass_through" and "sent 950" in alert.details
    assert check_pass_through([into(1_000, 1), out(500, 5)], 5, CONFIG) == []  # kept half
    assert check_pass_through([into(1_000, 1, B), out(1_000, 5, B)], 5, CONFIG) == []  # paid back the sender
    assert check_pass_through([out(1_000, 1), into(1_000, 5)], 5, CONFIG) == []  # out before in


def test_evaluate_combines_the_rules() -> None:
    rules = {a.rule for a in evaluate([into(2_000, 1, C), out(1_900, 2, D)], 2, CONFIG)}
    assert rules == {"large_value", "pass_through"}
