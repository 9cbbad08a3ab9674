"""The exchange: constant-product asset/GOS pools, KYC for trading, and pool prices in the GOS index."""

from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from gostaking.chain.errors import (
    InsufficientFundsError,
    InvalidAmountError,
    InvalidMessageError,
    KycRequiredError,
    UnknownAssetError,
)
from gostaking.chain.genesis import GenesisBalance
from gostaking.chain.modules.dex.queries import compute_swap_out, get_pool_price_ugos, get_pool_reserves
from gostaking.chain.types.params import ComplianceParams
from gostaking.chain.types.tx import (
    MsgAddLiquidity,
    MsgRemoveLiquidity,
    MsgSubmitPrices,
    MsgSwap,
    PriceQuote,
)

from harness import GOS, TEST_PARAMS, Chain, expect_msg_failure, expect_rejected, fund_gos, key, make_chain, with_params

LP, TRADER = key(1), key(2)
BTC_UNIT = 10**8


def make(params=TEST_PARAMS) -> Chain:  # type: ignore[no-untyped-def]
    chain = make_chain(
        params=params,
        balances=[GenesisBalance(LP.address, "btc", 10 * BTC_UNIT), GenesisBalance(TRADER.address, "btc", BTC_UNIT)],
    )
    fund_gos(chain, LP.address, 25_000 * GOS)
    fund_gos(chain, TRADER.address, 5_000 * GOS)
    return chain


def seed(chain: Chain) -> None:
    """1 BTC against 10,000 GOS: a price of 10,000 GOS per BTC."""
    assert chain.run(LP, MsgAddLiquidity("btc", BTC_UNIT, 10_000 * GOS)).code == 0


def test_the_first_provider_sets_the_price_and_later_ones_follow_it() -> None:
    chain = make()
    seed(chain)
    assert get_pool_price_ugos(chain.state, "btc", 8) == 10_000 * GOS
    expect_msg_failure(chain, LP, MsgAddLiquidity("btc", BTC_UNIT, 9_999 * GOS), error=InvalidMessageError)
    assert chain.run(LP, MsgAddLiquidity("btc", BTC_UNIT, 10_000 * GOS)).code == 0
    assert get_pool_reserves(chain.state, "btc") == (2 * BTC_UNIT, 20_000 * GOS)
    assert chain.state.lp_positions.get(("btc", LP.address)) == 2 * BTC_UNIT


def test_swaps_follow_the_constant_product_with_the_fee_kept_in_the_pool() -> None:
    chain = make()
    seed(chain)
    expected = compute_swap_out(10_000 * GOS, BTC_UNIT, 1_000 * GOS, 3_000)
    btc_before = chain.balance(TRADER.address, "btc")
    assert chain.run(TRADER, MsgSwap("btc", "ugos", 1_000 * GOS, expected)).code == 0
    assert chain.balance(TRADER.address, "btc") == btc_before + expected
    asset, gos = get_pool_reserves(chain.state, "btc")
    assert (asset, gos) == (BTC_UNIT - expected, 11_000 * GOS)
    assert asset * gos >= BTC_UNIT * 10_000 * GOS  # k never falls: the fee stays in the pool
    expect_msg_failure(chain, TRADER, MsgSwap("btc", "ugos", GOS, 10**9), error=InvalidMessageError)  # slippage
    gos_before = chain.gos(TRADER.address)
    back = compute_swap_out(asset, gos, expected, 3_000)
    assert chain.run(TRADER, MsgSwap("btc", "btc", expected, 0)).code == 0
    assert chain.gos(TRADER.address) == gos_before - 1_000 + back  # the tx fee was 1,000 ugos
    assert back < 1_000 * GOS  # a round trip pays the fee twice


def test_removing_liquidity_returns_both_reserves_in_proportion() -> None:
    chain = make()
    seed(chain)
    assert chain.run(TRADER, MsgSwap("btc", "ugos", 500 * GOS, 0)).code == 0
    asset, gos = get_pool_reserves(chain.state, "btc")
    btc_before, gos_before = chain.balance(LP.address, "btc"), chain.gos(LP.address)
    assert chain.run(LP, MsgRemoveLiquidity("btc", BTC_UNIT // 2)).code == 0
    assert chain.balance(LP.address, "btc") == btc_before + asset // 2
    assert abs(chain.gos(LP.address) + 1_000 - gos_before - gos // 2) <= 1
    expect_msg_failure(chain, LP, MsgRemoveLiquidity("btc", BTC_UNIT), error=InsufficientFundsError)
    assert chain.run(LP, MsgRemoveLiquidity("btc", BTC_UNIT // 2)).code == 0
    assert "btc" not in chain.state.dex_pools


def test_bad_trades_are_refused() -> None:
    chain = make()
    expect_msg_failure(chain, TRADER, MsgSwap("btc", "ugos", GOS, 0), error=InvalidMessageError)  # no liquidity
    seed(chain)
    # an unknown pair or a denom the pool does not take: refused before any fee
    expect_rejected(chain, chain.tx(TRADER, MsgSwap("doge", "ugos", GOS, 0)), UnknownAssetError)
    expect_rejected(chain, chain.tx(TRADER, MsgSwap("btc", "eth", GOS, 0)), InvalidMessageError)
    expect_rejected(chain, chain.tx(TRADER, MsgSwap("btc", "ugos", 0, 0)), InvalidAmountError)
    expect_rejected(chain, chain.tx(TRADER, MsgSwap("btc", "ugos", GOS, -1)), InvalidMessageError)
    expect_msg_failure(chain, TRADER, MsgSwap("btc", "ugos", 10**6 * GOS, 0), error=InsufficientFundsError)


def test_trading_requires_the_kyc_level_when_one_is_set() -> None:
    chain = make(replace(TEST_PARAMS, compliance=ComplianceParams(trade_min_kyc_level=1)))
    expect_msg_failure(chain, LP, MsgAddLiquidity("btc", BTC_UNIT, 10_000 * GOS), error=KycRequiredError)
    expect_msg_failure(chain, TRADER, MsgSwap("btc", "ugos", GOS, 0), error=KycRequiredError)


def test_a_deep_pool_joins_the_oracle_median_but_cannot_set_a_price_alone() -> None:
    params = with_params(
        oracle={"period_blocks": 5, "twap_window_blocks": 5}, dex={"min_oracle_liquidity_ugos": 1_000 * GOS}
    )
    chain = make(params)
    seed(chain)  # pool says 10,000 GOS per BTC
    operator = key(1000)  # the single mining node: its quote makes the quorum
    while chain.height % 5:  # this period's end checkpoints the pool: the next period is a whole window of its price
        chain.block()
    assert chain.run(operator, MsgSubmitPrices([PriceQuote("btc", 10_400 * GOS)])).code == 0
    while chain.height % 5:
        chain.block()
    # median of {10,400 (feeder), 10,000 (the pool's average over the window)} is the lower one
    assert chain.state.assets.get("btc").price_ugos == 10_000 * GOS  # type: ignore[union-attr]
    chain.block()
    while chain.height % 5:  # the next period ends without any feeder quote
        chain.block()
    price = chain.state.oracle_prices.get("btc")
    assert price is not None and price.missed_periods == 1  # no feeder quote: the pool alone does not count


@settings(max_examples=30, deadline=None)
@given(trades=st.lists(st.tuples(st.booleans(), st.integers(1, 2_000)), max_size=10))
def test_random_trades_never_lower_k_and_keep_every_invariant(trades: list[tuple[bool, int]]) -> None:
    chain = make()
    seed(chain)
    for gos_in, size in trades:
        before = get_pool_reserves(chain.state, "btc")
        msg = MsgSwap("btc", "ugos", size * GOS, 0) if gos_in else MsgSwap("btc", "btc", size * 10_000, 0)
        chain.block(chain.tx(TRADER, msg))  # invariants are checked after every block
        after = get_pool_reserves(chain.state, "btc")
        assert after[0] * after[1] >= before[0] * before[1] - after[0]  # up to one ugos of share rounding
