"""The instant-redemption pool (Marinade-style) of the liquid module, the worked examples of docs/liquid.md, and an
sGOS/GOS pool on the exchange."""

from liquid_harness import ALICE, BOB, CAROL, LIQUID_TEST_PARAMS, make_liquid_chain, to_next_rebalance

from gostaking.chain.constants import COMMUNITY_POOL_ACCOUNT, LIQUID_POOL_ACCOUNT
from gostaking.chain.errors import InsufficientFundsError, InvalidAmountError, InvalidMessageError, UnknownAssetError
from gostaking.chain.modules.dex.queries import compute_swap_out, get_pool_reserves
from gostaking.chain.modules.liquid.errors import PoolTooShallowError, SlippageError
from gostaking.chain.modules.liquid.queries import (
    ExchangeRate,
    compute_instant_fee_ppm,
    get_exchange_rate,
    get_liquid_totals,
    get_pool,
    get_pool_status,
    get_pool_tickets,
    quote_instant_unstake,
)
from gostaking.chain.types.liquid import (
    LOCKED_MINIMUM,
    LP_DENOM,
    SGOS_DENOM,
    LiquidParams,
    MsgLiquidAddLiquidity,
    MsgLiquidInstantUnstake,
    MsgLiquidRemoveLiquidity,
    MsgLiquidStake,
)
from gostaking.chain.types.tx import MsgAddLiquidity, MsgLockAsset, MsgRequestWithdrawal, MsgSendCoins, MsgSwap

from harness import GOS, Chain, expect_msg_failure, expect_rejected

TARGET = LIQUID_TEST_PARAMS.target_liquidity_ugos  # 1,000 GOS in the tests


def pool_chain() -> Chain:
    """Alice and Bob hold sGOS; Carol provides 2,000 GOS to the pool."""
    chain = make_liquid_chain()
    assert chain.run(ALICE, MsgLiquidStake(5_000 * GOS)).code == 0
    assert chain.run(BOB, MsgLiquidStake(5_000 * GOS)).code == 0
    assert chain.run(CAROL, MsgLiquidAddLiquidity(2_000 * GOS)).code == 0
    return chain


def sgos_worth(chain: Chain, ugos: int) -> int:
    """usgos worth about `ugos` now (rewards raise the rate fast on the test chain; index 1: shares = ugos)."""
    return get_exchange_rate(chain.state).shares_to_sgos(ugos)


def test_the_documented_fee_curve_example() -> None:
    params = LiquidParams()  # min 0.3%, max 3%, target 100,000 GOS
    # 150,000 GOS in the pool; 100,000 sGOS at 1.05 GOS want 105,000: 45,000 GOS would stay, below the target.
    rate = ExchangeRate(gos_shares=105 * 10**10, sgos_supply=100 * 10**10)
    wanted = rate.sgos_to_shares(100_000 * GOS)
    assert wanted == 105_000 * GOS
    fee_ppm = compute_instant_fee_ppm(params, 150_000 * GOS, wanted)
    assert fee_ppm == 30_000 - 27_000 * 45_000 // 100_000 == 17_850  # 1.785%
    fee_sgos = -(-100_000 * GOS * fee_ppm // 1_000_000)
    assert fee_sgos == 1_785 * GOS
    assert rate.sgos_to_shares(100_000 * GOS - fee_sgos) == 103_125_750_000  # 103,125.75 GOS received
    assert fee_sgos * params.treasury_cut_ppm // 1_000_000 == 446_250_000  # 446.25 sGOS to the community pool
    # At or above the target after the swap: the minimum; an emptied pool: the maximum.
    assert compute_instant_fee_ppm(params, 300_000 * GOS, wanted) == 3_000
    assert compute_instant_fee_ppm(params, wanted, wanted) == 30_000


def test_the_first_deposit_locks_the_minimum_and_later_ones_buy_at_the_pool_value() -> None:
    chain = make_liquid_chain()
    expect_msg_failure(chain, CAROL, MsgLiquidAddLiquidity(GOS - 1), error=InvalidAmountError)
    expect_rejected(chain, chain.tx(CAROL, MsgLiquidAddLiquidity(0)), InvalidAmountError)
    expect_msg_failure(chain, CAROL, MsgLiquidAddLiquidity(10**9 * GOS), error=InsufficientFundsError)
    assert chain.run(CAROL, MsgLiquidAddLiquidity(2_000 * GOS)).code == 0
    assert chain.balance(CAROL.address, LP_DENOM) == 2_000 * GOS - LOCKED_MINIMUM
    assert chain.balance(LIQUID_POOL_ACCOUNT, LP_DENOM) == LOCKED_MINIMUM
    assert chain.run(BOB, MsgLiquidAddLiquidity(1_000 * GOS)).code == 0
    assert chain.balance(BOB.address, LP_DENOM) == 1_000 * GOS  # the pool holds only GOS: 1 unit per share
    assert get_pool(chain.state).lp_supply == 3_000 * GOS


def test_an_instant_unstake_pays_gos_at_the_rate_less_the_fee_kept_by_the_pool() -> None:
    chain = pool_chain()
    chain.block()
    sgos = sgos_worth(chain, 1_500 * GOS)  # leaves 500 GOS: half the target
    quote = quote_instant_unstake(chain.state, sgos)
    rate = get_exchange_rate(chain.state)
    left = 2_000 * GOS - rate.sgos_to_shares(sgos)  # GOS the pool keeps (index 1: shares = ugos)
    expected_fee = LIQUID_TEST_PARAMS.max_fee_ppm - (27_000 * left // TARGET if left < TARGET else 27_000)
    assert 0 < left < TARGET and quote.fee_ppm == expected_fee
    before = chain.gos(ALICE.address)
    community = chain.balance(COMMUNITY_POOL_ACCOUNT, SGOS_DENOM)
    result = chain.run(ALICE, MsgLiquidInstantUnstake(sgos, quote.amount_out))
    assert result.code == 0, result.log
    assert chain.gos(ALICE.address) == before + quote.amount_out - 1_000
    assert quote.amount_out == rate.sgos_to_shares(sgos - quote.fee_sgos)
    pool = get_pool(chain.state)
    assert pool.sgos == sgos - quote.treasury_sgos
    assert pool.gos_shares == 2_000 * GOS - quote.shares_out
    assert chain.balance(COMMUNITY_POOL_ACCOUNT, SGOS_DENOM) == community + quote.treasury_sgos
    # A shallower pool charges more for the same swap.
    assert quote_instant_unstake(chain.state, sgos).fee_ppm >= quote.fee_ppm


def test_slippage_an_empty_pool_and_a_too_shallow_pool_are_refused_without_change() -> None:
    chain = make_liquid_chain()
    assert chain.run(ALICE, MsgLiquidStake(5_000 * GOS)).code == 0
    expect_msg_failure(chain, ALICE, MsgLiquidInstantUnstake(GOS, 0), error=PoolTooShallowError)  # no pool yet
    assert chain.run(CAROL, MsgLiquidAddLiquidity(100 * GOS)).code == 0
    quote = quote_instant_unstake(chain.state, GOS)
    expect_msg_failure(chain, ALICE, MsgLiquidInstantUnstake(GOS, quote.amount_out + 1), error=SlippageError)
    expect_msg_failure(
        chain, ALICE, MsgLiquidInstantUnstake(sgos_worth(chain, 101 * GOS), 0), error=PoolTooShallowError
    )
    expect_msg_failure(chain, BOB, MsgLiquidInstantUnstake(GOS, 0), error=InsufficientFundsError)
    expect_rejected(chain, chain.tx(ALICE, MsgLiquidInstantUnstake(0, 0)), InvalidAmountError)
    expect_rejected(chain, chain.tx(ALICE, MsgLiquidInstantUnstake(GOS, -1)), InvalidMessageError)


def test_the_pools_sgos_become_a_ticket_at_the_rebalance_and_its_payment_refills_the_pool() -> None:
    chain = pool_chain()
    assert chain.run(ALICE, MsgLiquidInstantUnstake(sgos_worth(chain, 500 * GOS), 0)).code == 0
    taken = get_pool(chain.state).sgos
    to_next_rebalance(chain)
    assert get_pool(chain.state).sgos == 0
    [(ticket_id, ticket)] = get_pool_tickets(chain.state)
    assert ticket.owner == LIQUID_POOL_ACCOUNT and ticket.sgos == taken
    gos_before = get_pool(chain.state).gos_shares
    while get_liquid_totals(chain.state).closed_tickets == 0:
        chain.block()
    assert get_pool_tickets(chain.state) == []
    assert get_pool(chain.state).gos_shares == gos_before + ticket.cap_shares
    assert chain.balance(LIQUID_POOL_ACCOUNT, "ugos") == get_pool(chain.state).gos_shares
    assert ticket_id == 0


def test_removing_liquidity_returns_gos_sgos_and_the_share_of_the_pools_tickets() -> None:
    chain = pool_chain()
    assert chain.run(ALICE, MsgLiquidInstantUnstake(sgos_worth(chain, 400 * GOS), 0)).code == 0
    to_next_rebalance(chain)  # the 400 sGOS (less the treasury cut) now wait in a pool ticket
    assert chain.run(ALICE, MsgLiquidInstantUnstake(sgos_worth(chain, 100 * GOS), 0)).code == 0
    pool = get_pool(chain.state)
    [(_, ticket)] = get_pool_tickets(chain.state)
    lp = chain.balance(CAROL.address, LP_DENOM) // 2
    gos_before, sgos_before = chain.gos(CAROL.address), chain.balance(CAROL.address, SGOS_DENOM)
    result = chain.run(CAROL, MsgLiquidRemoveLiquidity(lp))
    assert result.code == 0, result.log
    gos_out = pool.gos_shares * lp // pool.lp_supply
    leg_out = pool.sgos * lp // pool.lp_supply
    from_ticket = ticket.sgos * lp // pool.lp_supply  # worth less than the cap taken with it: handed back whole
    assert chain.gos(CAROL.address) == gos_before + gos_out - 1_000
    assert chain.balance(CAROL.address, SGOS_DENOM) <= sgos_before + leg_out + from_ticket
    assert chain.balance(CAROL.address, SGOS_DENOM) >= sgos_before + leg_out
    [(_, smaller)] = get_pool_tickets(chain.state)
    assert smaller.sgos == ticket.sgos - from_ticket
    assert get_pool(chain.state).lp_supply == pool.lp_supply - lp
    expect_msg_failure(chain, BOB, MsgLiquidRemoveLiquidity(1), error=InsufficientFundsError)
    expect_rejected(chain, chain.tx(CAROL, MsgLiquidRemoveLiquidity(0)), InvalidAmountError)


def test_pool_status_reports_depth_tickets_and_the_current_fee() -> None:
    chain = pool_chain()
    status = get_pool_status(chain.state)
    assert (status.gos_ugos, status.sgos, status.ticket_sgos, status.lp_supply) == (2_000 * GOS, 0, 0, 2_000 * GOS)
    assert status.value_ugos == 2_000 * GOS
    assert status.fee_now_ppm == LIQUID_TEST_PARAMS.min_fee_ppm  # 2,000 GOS ≥ the 1,000 GOS target


def test_an_sgos_gos_pool_on_the_exchange_takes_liquidity_and_swaps() -> None:
    chain = make_liquid_chain()
    assert chain.run(ALICE, MsgLiquidStake(5_000 * GOS)).code == 0
    assert chain.run(ALICE, MsgAddLiquidity(SGOS_DENOM, 1_000 * GOS, 1_100 * GOS)).code == 0
    assert get_pool_reserves(chain.state, SGOS_DENOM) == (1_000 * GOS, 1_100 * GOS)
    expected = compute_swap_out(1_100 * GOS, 1_000 * GOS, 10 * GOS, 3_000)
    before = chain.balance(BOB.address, SGOS_DENOM)
    result = chain.run(BOB, MsgSwap(SGOS_DENOM, "ugos", 10 * GOS, expected))
    assert result.code == 0, result.log
    assert chain.balance(BOB.address, SGOS_DENOM) == before + expected
    sgos_in = chain.balance(BOB.address, SGOS_DENOM) // 2
    back = compute_swap_out(1_000 * GOS - expected, 1_110 * GOS, sgos_in, 3_000)
    assert chain.run(BOB, MsgSwap(SGOS_DENOM, SGOS_DENOM, sgos_in, back)).code == 0
    # GOS itself and unknown denoms are still no pairs; listed assets behave as before (tests/chain/test_dex.py).
    expect_rejected(chain, chain.tx(ALICE, MsgAddLiquidity("ugos", GOS, GOS)), UnknownAssetError)
    expect_rejected(chain, chain.tx(ALICE, MsgAddLiquidity("doge", GOS, GOS)), UnknownAssetError)


def test_sgos_is_a_bank_denom_only_neither_lockable_nor_custodied() -> None:
    chain = make_liquid_chain()
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    expect_rejected(chain, chain.tx(ALICE, MsgLockAsset(SGOS_DENOM, GOS)), UnknownAssetError)
    expect_rejected(chain, chain.tx(ALICE, MsgRequestWithdrawal(SGOS_DENOM, GOS, "0x" + "11" * 20)), UnknownAssetError)
    assert chain.run(ALICE, MsgSendCoins(BOB.address, SGOS_DENOM, GOS)).code == 0  # transferable like any denom
    assert chain.balance(BOB.address, SGOS_DENOM) == GOS
