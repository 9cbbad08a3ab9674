"""The GOS index takes the exchange's prices as time-weighted averages (issue 13): a pool's price pushed for one
block moves the oracle's market average by at most the window's share of the push, one pushed and reverted inside
a block not at all, and a lasting move is followed in full after a window."""

import pytest
from book_harness import BTC_UNIT, TRADERS, make_book_chain, order
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from gostaking.chain.errors import InvalidGenesisError, InvalidMessageError
from gostaking.chain.genesis import GenesisBalance
from gostaking.chain.modules.bank.queries import get_gos_index
from gostaking.chain.modules.book.queries import get_clearing_accumulator, get_last_auction
from gostaking.chain.modules.dex.queries import compute_swap_out, get_oracle_market_price, get_pool_price_accumulator
from gostaking.chain.modules.oracle.params import MAX_TWAP_WINDOW_PERIODS, validate_oracle_params
from gostaking.chain.modules.oracle.queries import get_market_twaps, get_twap_checkpoints
from gostaking.chain.params import compute_changed_params
from gostaking.chain.types.gov import ParamChange
from gostaking.chain.types.params import OracleParams
from gostaking.chain.types.tx import Msg, MsgAddLiquidity, MsgRemoveLiquidity, MsgSubmitPrices, MsgSwap, PriceQuote

from harness import GOS, Chain, fund_gos, key, make_chain, with_params

PERIOD = 5
WINDOW = 3 * PERIOD
ZERO_FEE = with_params(
    oracle={"period_blocks": PERIOD, "twap_window_blocks": WINDOW},
    dex={"swap_fee_ppm": 0, "min_oracle_liquidity_ugos": 100 * GOS},
)
"""Without a swap fee a swap and its reverse restore the pool exactly, so the price before a push is the price
after it and every average below is exact."""
LP, TRADER, FEEDER = key(1), key(2), key(1000)  # key(1000) operates the only mining node
POOL_BTC, POOL_GOS = 10**7, 1_000 * GOS
PRICE = 10_000 * GOS
"""0.1 BTC against 1,000 GOS: 10,000 GOS per whole BTC."""
PUSH_UP = MsgSwap("btc", "ugos", POOL_GOS, 0)
"""Doubles the GOS reserve and halves the BTC one: the price times 4."""
PUSH_DOWN = MsgSwap("btc", "btc", POOL_BTC, 0)
"""Doubles the BTC reserve and halves the GOS one: the price divided by 4."""


def make(params=ZERO_FEE, *, seed: bool = True) -> Chain:  # type: ignore[no-untyped-def]
    """A chain at a period's end whose checkpoint starts a window with the pool's price in force throughout."""
    chain = make_chain(
        params=params,
        balances=[GenesisBalance(LP.address, "btc", 10**8), GenesisBalance(TRADER.address, "btc", 10**8)],
    )
    fund_gos(chain, LP.address, 2 * POOL_GOS)
    fund_gos(chain, TRADER.address, 2 * POOL_GOS)
    if seed:
        assert chain.run(LP, MsgAddLiquidity("btc", POOL_BTC, POOL_GOS)).code == 0
    to_period_end(chain)
    return chain


def to_period_end(chain: Chain) -> None:
    while chain.height % PERIOD:
        chain.block()


def pool_price(chain: Chain) -> int | None:
    return get_oracle_market_price(chain.state, "btc", 8)


def pool_twap(chain: Chain) -> int | None:
    return get_market_twaps(chain.state, "btc").pool_ugos


def run_to(chain: Chain, height: int, plan: dict[int, list[tuple[object, Msg]]]) -> None:
    """Produce blocks up to `height`, block h carrying the (signer, message) transactions `plan[h]`."""
    while chain.height < height:
        txs = [chain.tx(signer, msg) for signer, msg in plan.get(chain.height + 1, [])]  # type: ignore[arg-type]
        result = chain.block(*txs)
        assert [r.code for r in result.tx_results] == [0] * len(txs), [r.log for r in result.tx_results]


def swapped_back(msg: MsgSwap) -> MsgSwap:
    """The swap that undoes `msg` on the zero-fee pool (its output paid back in)."""
    reserves = {"ugos": POOL_GOS, "btc": POOL_BTC}
    other = "btc" if msg.denom_in == "ugos" else "ugos"
    received = compute_swap_out(reserves[msg.denom_in], reserves[other], msg.amount_in, 0)
    return MsgSwap("btc", other, received, 0)


@pytest.mark.parametrize("offset", range(1, WINDOW + 1))
def test_a_price_pushed_for_one_block_moves_the_average_by_the_window_share_at_most(offset: int) -> None:
    chain = make()
    start, push_height = chain.height, chain.height + offset
    run_to(chain, push_height, {push_height: [(TRADER, PUSH_UP)]})
    pushed = pool_price(chain)
    assert pushed == 4 * PRICE  # X = 4 for block push_height + 1
    run_to(chain, start + WINDOW, {push_height + 1: [(TRADER, swapped_back(PUSH_UP))]})
    if push_height < chain.height:
        assert pool_price(chain) == PRICE  # the push lasted exactly one block
    twap = pool_twap(chain)
    assert twap is not None
    assert (twap - PRICE) * WINDOW <= pushed - PRICE  # at most (X - 1)·p / window
    # exactly that share while the pushed block is in the window; a push at the window's last block counts from
    # the next block on (the next window)
    in_window = push_height + 1 <= start + WINDOW
    assert twap == ((WINDOW - 1) * PRICE + pushed) // WINDOW if in_window else twap == PRICE


@pytest.mark.parametrize("offset", [1, 7, WINDOW])
def test_a_price_pushed_and_reverted_inside_one_block_moves_nothing(offset: int) -> None:
    chain = make()
    start = chain.height
    accumulator = get_pool_price_accumulator(chain.state, "btc")
    run_to(chain, start + WINDOW, {start + offset: [(TRADER, PUSH_UP), (TRADER, swapped_back(PUSH_UP))]})
    assert pool_twap(chain) == PRICE
    assert get_pool_price_accumulator(chain.state, "btc") == accumulator  # the pool ended its block unchanged


@settings(max_examples=20, deadline=None)
@given(
    up=st.booleans(),
    size_ppm=st.integers(1_000, 1_500_000),
    offset=st.integers(1, WINDOW - 1),
)
def test_with_the_fee_a_one_block_push_weighs_its_window_share_plus_the_fee_it_leaves(
    up: bool, size_ppm: int, offset: int
) -> None:
    chain = make(with_params(ZERO_FEE, dex={"swap_fee_ppm": 3_000, "min_oracle_liquidity_ugos": 100 * GOS}))
    start, push_height = chain.height, chain.height + offset
    # a push of size_ppm of the pool's reserve on the side paid in (up to 1.5 times it)
    push = (
        MsgSwap("btc", "ugos", POOL_GOS * size_ppm // 10**6, 0)
        if up
        else MsgSwap("btc", "btc", POOL_BTC * size_ppm // 10**6, 0)
    )
    paid_back = "btc" if up else "ugos"
    before = chain.balance(TRADER.address, paid_back)
    run_to(chain, push_height, {push_height: [(TRADER, push)]})
    pushed = pool_price(chain)
    back = MsgSwap("btc", paid_back, chain.balance(TRADER.address, paid_back) - before, 0)
    run_to(chain, push_height + 1, {push_height + 1: [(TRADER, back)]})
    after = pool_price(chain)  # the fees stay in the pool: a small lasting move
    assert pushed is not None and after is not None
    run_to(chain, start + WINDOW, {})
    twap = pool_twap(chain)
    assert twap is not None
    # the old price until the push, one block at the pushed price, then the price the swaps left
    assert twap == (offset * PRICE + pushed + (WINDOW - offset - 1) * after) // WINDOW
    # so it moved by the push's window share and the fees' lasting move at most (up to the floor's one ugos)
    share = abs(pushed - PRICE) + (WINDOW - offset - 1) * abs(after - PRICE)
    assert abs(twap - PRICE) <= -(-share // WINDOW)


def test_the_index_follows_a_lasting_move_after_a_window() -> None:
    chain = make()
    start = chain.height
    run_to(chain, start + 1, {start + 1: [(TRADER, PUSH_UP)]})
    moved = 4 * PRICE
    assert pool_price(chain) == moved
    run_to(chain, start + WINDOW, {start + WINDOW - 1: [(FEEDER, MsgSubmitPrices([PriceQuote("btc", moved)]))]})
    twap = pool_twap(chain)
    assert twap == (PRICE + (WINDOW - 1) * moved) // WINDOW  # block start + 1 still had the old price
    # the next window lies wholly after the move: the average is the new price, and so is the index
    end = start + WINDOW + PERIOD
    run_to(chain, end, {end - 1: [(FEEDER, MsgSubmitPrices([PriceQuote("btc", moved)]))]})
    assert pool_twap(chain) == moved
    oracle = chain.state.oracle_prices.get("btc")
    assert oracle is not None and oracle.price_ugos == moved and oracle.updated_height == end
    assert oracle.feeders == 2  # the feeder's quote and the pool's average


def test_a_swap_in_the_aggregation_block_can_neither_move_nor_stall_the_index() -> None:
    chain = make()
    start = chain.height
    quote = PRICE * 105 // 100
    end = start + WINDOW
    # the feeder quotes 5% above the pool; in the aggregation block a trader crashes the pool's spot price 4×
    run_to(chain, end, {end - 1: [(FEEDER, MsgSubmitPrices([PriceQuote("btc", quote)]))], end: [(TRADER, PUSH_DOWN)]})
    assert pool_price(chain) == PRICE // 4
    # a spot price would have been the median's lower half and pushed the feeder out of the band (no quorum, the
    # price stale); the average still says PRICE: the lower median of {quote, PRICE}
    oracle = chain.state.oracle_prices.get("btc")
    assert oracle is not None and oracle.price_ugos == PRICE and oracle.updated_height == end


def test_no_average_before_the_pool_has_a_price_or_across_a_shallow_spell() -> None:
    chain = make(seed=False)
    start = chain.height
    run_to(chain, start + 1, {start + 1: [(LP, MsgAddLiquidity("btc", POOL_BTC, POOL_GOS))]})
    run_to(chain, start + WINDOW, {})
    # the window's checkpoint came before the pool's first price: no average yet
    twaps = get_market_twaps(chain.state, "btc")
    assert twaps.since_height == start and twaps.pool_ugos is None
    run_to(chain, start + WINDOW + PERIOD, {})
    assert pool_twap(chain) == PRICE  # the next window starts after it
    # the pool becomes too shallow for the oracle (< 100 GOS) for one block, then deep again
    units = chain.state.lp_positions.get(("btc", LP.address))
    assert units is not None
    shallow_at = chain.height + 1
    plan: dict[int, list[tuple[object, Msg]]] = {
        shallow_at: [(LP, MsgRemoveLiquidity("btc", units * 95 // 100))],
        shallow_at + 1: [(LP, MsgAddLiquidity("btc", POOL_BTC, 2 * POOL_GOS))],
    }
    run_to(chain, shallow_at, plan)
    assert pool_price(chain) is None and get_pool_price_accumulator(chain.state, "btc").price == 0
    run_to(chain, shallow_at + 1, plan)
    assert pool_price(chain) == PRICE
    # every window that spans the shallow block has no pool average; the first one wholly after it has
    while (get_market_twaps(chain.state, "btc").since_height or 0) <= shallow_at:
        assert pool_twap(chain) is None
        run_to(chain, chain.height + PERIOD, {})
    assert pool_twap(chain) == PRICE


def test_a_burn_reobserves_every_pool_and_quiet_blocks_write_nothing() -> None:
    burn_at = 80
    params = with_params(ZERO_FEE, emission={"burn_start_height": burn_at, "burn_interval_blocks": 1_000})
    chain = make(params)
    assert chain.height < burn_at
    chain.state.take_block_writes()
    chain.block()
    quiet = chain.state.take_block_writes()
    assert not [k for k in quiet if k.startswith((b"dex_", b"oracle_twap"))]  # an untouched pool costs nothing
    chain.block(chain.tx(TRADER, MsgSwap("btc", "ugos", GOS, 0)))
    writes = chain.state.take_block_writes()
    assert any(k.startswith(b"dex_price_accumulators/") for k in writes)
    # the block's changed-pool mark is written and deleted in the block: it never reaches storage
    assert all(v is None for k, v in writes.items() if k.startswith(b"dex_touched_pools/"))
    before = pool_price(chain)
    run_to(chain, burn_at, {})
    after = pool_price(chain)  # the burn shrank the GOS reserve in ugos: the same pool is worth 10% fewer ugos
    assert before is not None and after is not None and after < before
    accumulator = get_pool_price_accumulator(chain.state, "btc")
    assert accumulator.price == after and accumulator.since_height == burn_at


def test_checkpoints_stay_bounded_by_the_window() -> None:
    chain = make()
    run_to(chain, chain.height + 10 * WINDOW, {})
    # from the current window's start (a whole window back) to this period's end, one per period
    heights = [checkpoint.height for checkpoint in get_twap_checkpoints(chain.state, "btc")]
    assert heights == list(range(chain.height - WINDOW, chain.height + 1, PERIOD))


def test_the_window_is_one_block_to_a_bounded_number_of_periods() -> None:
    params = OracleParams(period_blocks=PERIOD)
    validate_oracle_params(replace(params, twap_window_blocks=1))
    validate_oracle_params(replace(params, twap_window_blocks=MAX_TWAP_WINDOW_PERIODS * PERIOD))
    for window in (0, -1, MAX_TWAP_WINDOW_PERIODS * PERIOD + 1):
        with pytest.raises(InvalidGenesisError, match="twap_window_blocks"):
            validate_oracle_params(replace(params, twap_window_blocks=window))
    chain = make_chain(params=ZERO_FEE)
    with pytest.raises(InvalidMessageError, match="twap_window_blocks"):
        compute_changed_params(chain.state, [ParamChange("oracle", "twap_window_blocks", 0)])
    changed = compute_changed_params(chain.state, [ParamChange("oracle", "twap_window_blocks", 2 * WINDOW)])
    assert changed["oracle"] == replace(ZERO_FEE.oracle, twap_window_blocks=2 * WINDOW)


def test_the_books_average_clearing_price_joins_the_median() -> None:
    params = with_params(oracle={"period_blocks": PERIOD, "twap_window_blocks": WINDOW})
    buyer, seller = TRADERS[:2]
    chain = make_book_chain(traders=(buyer, seller), gos_each=20_000 * GOS, chain_params=params)
    to_period_end(chain)
    start, cleared = chain.height, 9_000 * GOS
    trade = [(buyer, order("btc", "buy", cleared, BTC_UNIT)), (seller, order("btc", "sell", cleared, BTC_UNIT))]
    run_to(chain, start + 1, {start + 1: trade})
    assert get_clearing_accumulator(chain.state, "btc").price == cleared
    run_to(chain, start + WINDOW, {})
    assert get_market_twaps(chain.state, "btc").book_ugos is None  # the window starts before the first trade
    end = start + WINDOW + PERIOD
    run_to(chain, end, {end - 1: [(FEEDER, MsgSubmitPrices([PriceQuote("btc", cleared * 104 // 100)]))]})
    twaps = get_market_twaps(chain.state, "btc")
    assert (twaps.pool_ugos, twaps.book_ugos) == (None, cleared)
    oracle = chain.state.oracle_prices.get("btc")
    # the lower median of the feeder's quote and the book's average; both within the band
    assert oracle is not None and oracle.price_ugos == cleared and oracle.feeders == 2


def test_a_burn_reobserves_the_books_clearing_price_at_the_new_index() -> None:
    burn_at = 60
    params = with_params(
        oracle={"period_blocks": PERIOD, "twap_window_blocks": WINDOW},
        emission={"burn_start_height": burn_at, "burn_interval_blocks": 1_000},
    )
    buyer, seller = TRADERS[:2]
    chain = make_book_chain(traders=(buyer, seller), gos_each=20_000 * GOS, chain_params=params)
    to_period_end(chain)
    start, cleared = chain.height, 9_000 * GOS
    assert start + 1 < burn_at
    trade = [(buyer, order("btc", "buy", cleared, BTC_UNIT)), (seller, order("btc", "sell", cleared, BTC_UNIT))]
    run_to(chain, start + 1, {start + 1: trade})
    chain.state.take_block_writes()
    chain.block()
    quiet = chain.state.take_block_writes()
    assert not [k for k in quiet if k.startswith(b"book_")]  # no burn, no trade: the book writes nothing
    index_before = get_gos_index(chain.state)
    run_to(chain, burn_at, {})
    index_after = get_gos_index(chain.state)
    assert index_after < index_before  # the burn: every ugos amount, and so every ugos price, shrank with it
    accumulator = get_clearing_accumulator(chain.state, "btc")
    reindexed = cleared * index_after // index_before
    assert (accumulator.price, accumulator.since_height) == (reindexed, burn_at)
    assert get_last_auction(chain.state, "btc").price == cleared  # the record of the trade itself is history
    # a whole window after the burn, without a trade since, the book's average is the re-observed price,
    # not the pre-burn one (~10% high)
    run_to(chain, burn_at + WINDOW + PERIOD, {})
    twaps = get_market_twaps(chain.state, "btc")
    assert twaps.since_height is not None and twaps.since_height >= burn_at
    assert twaps.book_ugos == reindexed
