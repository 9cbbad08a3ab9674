"""MsgRoutedSwap (issue 13, "Routing"): the pool or the book, whichever gives the trader more for the whole amount;
the book route is an immediate-or-cancel order filled in the block's auction, a tie goes to the pool, and min_out
bounds both routes."""

import pytest
from book_harness import BTC_UNIT, TRADERS, make_book_chain, order

from gostaking.chain.errors import InvalidAmountError, InvalidMessageError, UnknownAssetError
from gostaking.chain.modules.book.queries import get_orders_of, quote_book_fill
from gostaking.chain.modules.dex.queries import compute_swap_out, get_pool_reserves
from gostaking.chain.types.block import BlockResult
from gostaking.chain.types.book import MarketListing, MsgCancelOrder, MsgRoutedSwap
from gostaking.chain.types.tx import MsgAddLiquidity

from harness import GOS, Chain, events_of, expect_msg_failure, expect_rejected, with_params

MAKER, ROUTER = TRADERS[0], TRADERS[1]
LOT, TICK = 100_000, 1_000
FREE_MARKET = MarketListing("btc", tick_ugos=TICK, lot=LOT, maker_fee_ppm=0, taker_fee_ppm=0, min_notional_ugos=GOS)
FEE_MARKET = MarketListing(
    "btc", tick_ugos=TICK, lot=LOT, maker_fee_ppm=1_000, taker_fee_ppm=2_000, min_notional_ugos=GOS
)
POOL_GOS = 10_000 * GOS
"""1 BTC against 10,000 GOS: the pool's price is 10,000 GOS per BTC."""


def make(market: MarketListing = FEE_MARKET, swap_fee_ppm: int = 3_000) -> Chain:
    chain = make_book_chain(
        markets=[market],
        traders=[MAKER, ROUTER],
        gos_each=3 * POOL_GOS,
        chain_params=with_params(dex={"swap_fee_ppm": swap_fee_ppm, "min_oracle_liquidity_ugos": 0}),
    )
    assert chain.run(MAKER, MsgAddLiquidity("btc", BTC_UNIT, POOL_GOS)).code == 0
    return chain


def events(result: BlockResult, kind: str) -> list[dict[str, str]]:
    """A block's events of one kind: its transactions' first, then the end block's (the auction's)."""
    return [*(e for tx in result.tx_results for e in events_of(tx, kind)), *events_of(result, kind)]


def rest(chain: Chain, side: str, price_gos: int, quantity: int) -> None:
    """The maker's order rests on the book (placed, and past its own block's auction)."""
    assert chain.run(MAKER, order("btc", side, price_gos, quantity)).code == 0


def test_the_book_fills_a_buy_when_it_gives_more_in_the_block_auction_at_the_quoted_price_or_better() -> None:
    chain = make()
    rest(chain, "sell", 9_000 * GOS, BTC_UNIT // 2)  # cheaper than the pool's 10,000
    amount = 1_000 * GOS
    reserves = get_pool_reserves(chain.state, "btc")
    pool_out = compute_swap_out(reserves[1], reserves[0], amount, 3_000)
    quote = quote_book_fill(chain.state, "btc", "ugos", amount)
    assert quote is not None and quote.amount_out > pool_out and quote.worst_price == 9_000 * GOS
    btc, gos = chain.balance(ROUTER.address, "btc"), chain.gos(ROUTER.address)
    result = chain.block(chain.tx(ROUTER, MsgRoutedSwap("btc", "ugos", amount, quote.amount_out)))
    assert result.tx_results[0].code == 0, result.tx_results[0].log
    assert get_pool_reserves(chain.state, "btc") == reserves  # the pool was not used
    placed = events(result, "order_placed")
    assert placed[0]["time_in_force"] == "ioc" and placed[0]["price"] == str(quote.worst_price)
    filled = [e for e in events(result, "order_filled") if e["owner"] == ROUTER.address]
    assert [(int(e["quantity"]), int(e["price"])) for e in filled] == [(quote.amount_out, 9_000 * GOS)]
    assert chain.balance(ROUTER.address, "btc") - btc == quote.amount_out
    paid = gos - chain.gos(ROUTER.address) - 1_000  # less the transaction fee
    assert paid == int(filled[0]["notional_ugos"]) + int(filled[0]["fee_ugos"]) <= amount
    assert get_orders_of(chain.state, ROUTER.address, None, 10) == []  # nothing of it rests on the book


def test_the_book_fills_a_sell_and_its_unfilled_part_is_refunded_at_the_end_of_the_block() -> None:
    chain = make()
    rest(chain, "buy", 11_000 * GOS, BTC_UNIT // 10)  # dearer than the pool pays
    amount = BTC_UNIT // 10
    quote = quote_book_fill(chain.state, "btc", "btc", amount)
    assert quote is not None and quote.quantity == amount
    btc = chain.balance(ROUTER.address, "btc")
    # the maker takes its bid back in the same block, before the auction: the routed order finds nothing
    bid_id = get_orders_of(chain.state, MAKER.address, None, 10)[0][0]
    result = chain.block(
        chain.tx(ROUTER, MsgRoutedSwap("btc", "btc", amount, 0)), chain.tx(MAKER, MsgCancelOrder(bid_id))
    )
    assert [r.code for r in result.tx_results] == [0, 0]
    closed = [e for e in events(result, "order_closed") if e["owner"] == ROUTER.address]
    assert closed == [
        {
            "order_id": closed[0]["order_id"],
            "owner": ROUTER.address,
            "market": "btc",
            "remaining": str(amount),
            "refund": str(amount),
            "reason": "ioc_remainder",
        }
    ]
    assert chain.balance(ROUTER.address, "btc") == btc  # the whole amount came back


@pytest.mark.parametrize(("bid", "route"), [(5_000 * GOS, "pool"), (5_000 * GOS + TICK, "book")])
def test_a_tie_goes_to_the_pool_and_one_tick_more_to_the_book(bid: int, route: str) -> None:
    chain = make(FREE_MARKET, swap_fee_ppm=0)
    # selling 1 BTC into the pool (1 BTC : 10,000 GOS, no fee) pays exactly 5,000 GOS; a bid at 5,000 pays the same
    assert compute_swap_out(*get_pool_reserves(chain.state, "btc"), BTC_UNIT, 0) == 5_000 * GOS
    rest(chain, "buy", bid, BTC_UNIT)
    quote = quote_book_fill(chain.state, "btc", "btc", BTC_UNIT)
    assert quote is not None and quote.amount_out == bid
    gos = chain.gos(ROUTER.address)
    result = chain.block(chain.tx(ROUTER, MsgRoutedSwap("btc", "btc", BTC_UNIT, 0)))
    assert result.tx_results[0].code == 0, result.tx_results[0].log
    swaps, placed = events(result, "swap"), events(result, "order_placed")
    assert (len(swaps), len(placed)) == ((1, 0) if route == "pool" else (0, 1))
    assert chain.gos(ROUTER.address) - gos == bid - 1_000  # what the route paid, less the transaction fee


def test_min_out_bounds_the_book_route_too() -> None:
    chain = make()
    rest(chain, "sell", 9_000 * GOS, BTC_UNIT // 2)
    amount = 1_000 * GOS
    quote = quote_book_fill(chain.state, "btc", "ugos", amount)
    assert quote is not None
    # more than the book quotes: the book route is refused, and the pool (which gives less) fails below min_out
    failed = expect_msg_failure(
        chain, ROUTER, MsgRoutedSwap("btc", "ugos", amount, quote.amount_out + 1), error=InvalidMessageError
    )
    assert "below min_out" in failed.log


def test_bad_routed_swaps_are_refused_before_any_fee() -> None:
    chain = make()
    expect_rejected(chain, chain.tx(ROUTER, MsgRoutedSwap("btc", "ugos", 0, 0)), InvalidAmountError)
    expect_rejected(chain, chain.tx(ROUTER, MsgRoutedSwap("btc", "ugos", GOS, -1)), InvalidMessageError)
    expect_rejected(chain, chain.tx(ROUTER, MsgRoutedSwap("btc", "eth", GOS, 0)), InvalidMessageError)
    expect_rejected(chain, chain.tx(ROUTER, MsgRoutedSwap("nope", "ugos", GOS, 0)), UnknownAssetError)
