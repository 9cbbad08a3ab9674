"""The order book (module `book`): placing, cancelling, the end-of-block batch auction (uniform price, makers and
takers, fees to the community pool, IOC, post-only, expiry), depth and quotes, governance listings, and every
refusal (typed errors that change nothing but the fee, or nothing at all for a message that could never be valid)."""

import msgspec
import pytest
from book_harness import (
    BTC_LOT,
    BTC_TICK,
    BTC_UNIT,
    TRADERS,
    holdings,
    make_book_chain,
    order,
)
from msgspec.structs import replace
from test_gov import HOLDERS, OPERATORS, finish_voting, submit
from test_gov import PARAMS as GOV_PARAMS
from test_gov import make as make_gov_chain

from gostaking.chain.constants import BOOK_ACCOUNT
from gostaking.chain.env import Context
from gostaking.chain.errors import (
    InsufficientFundsError,
    InvalidAmountError,
    InvalidGenesisError,
    InvalidMessageError,
    KycRequiredError,
    UnknownAssetError,
)
from gostaking.chain.genesis import Genesis, GenesisBalance, init_chain
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index, get_shares
from gostaking.chain.modules.book.errors import (
    MarketHaltedError,
    NotOrderOwnerError,
    OrderLimitError,
    OrderShapeError,
    PostOnlyCrossError,
    UnknownMarketError,
    UnknownOrderError,
)
from gostaking.chain.modules.book.mutations import list_market
from gostaking.chain.modules.book.params import validate_book_params
from gostaking.chain.modules.book.queries import (
    compute_order_escrow,
    get_book_depth,
    get_clearing_accumulator,
    get_last_auction,
    get_market,
    get_order,
    get_orders_of,
    quote_book_fill,
    quote_route,
)
from gostaking.chain.modules.gov.queries import check_content
from gostaking.chain.state import State
from gostaking.chain.types.block import BlockEnv, BlockResult
from gostaking.chain.types.book import (
    BookGenesis,
    BookParams,
    Market,
    MarketListing,
    MsgCancelOrder,
    MsgRoutedSwap,
)
from gostaking.chain.types.gov import MarketHaltProposal, MarketListingProposal
from gostaking.chain.types.liquid import SGOS_DENOM
from gostaking.chain.types.params import ComplianceParams
from gostaking.chain.types.tx import MsgRatifyProposal, MsgVoteProposal
from gostaking.wallet.keys import PrivateKey

from harness import (
    BTC,
    CHAIN_ID,
    GOS,
    TEST_PARAMS,
    Chain,
    events_of,
    expect_msg_failure,
    expect_rejected,
    fund_gos,
    make_chain,
)

ALICE, BOB, CAROL = TRADERS[0], TRADERS[1], TRADERS[2]
PRICE = 10_000 * GOS  # ugos per whole btc


def place(chain: Chain, trader: object, *msgs: object) -> list[int]:
    """Place orders in one block; returns their ids (asserting each was accepted)."""
    txs = [chain.tx(trader, msg) for msg in msgs]  # type: ignore[arg-type]
    result = chain.block(*txs)
    assert all(r.code == 0 for r in result.tx_results), [r.log for r in result.tx_results]
    return [int(e["order_id"]) for r in result.tx_results for e in events_of(r, "order_placed")]


def test_a_buy_escrows_its_notional_and_worst_case_fee_and_a_sell_its_base_units() -> None:
    chain = make_book_chain()
    gos, btc = chain.gos(ALICE.address), chain.balance(BOB.address, "btc")
    quantity = 10 * BTC_LOT  # 0.01 btc: 100 GOS at 10,000 GOS
    result = chain.block(
        chain.tx(ALICE, order("btc", "buy", PRICE, quantity)),
        chain.tx(BOB, order("btc", "sell", PRICE + BTC_TICK, quantity)),
    )
    assert [r.code for r in result.tx_results] == [0, 0]
    escrow = compute_order_escrow(chain.state, "btc", "buy", PRICE, quantity)
    assert escrow == 100 * GOS + 100 * GOS * 2_000 // 10**6  # the taker fee (0.2%) on top; no burn yet: no reserve
    assert chain.gos(ALICE.address) == gos - escrow - 1_000  # and the tx fee
    assert chain.balance(BOB.address, "btc") == btc - quantity
    assert chain.balance(BOOK_ACCOUNT, "btc") == quantity
    depth = get_book_depth(chain.state, "btc", 5)
    assert [(level.price, level.quantity, level.orders) for level in depth.bids] == [(PRICE, quantity, 1)]
    assert [(level.price, level.quantity, level.orders) for level in depth.asks] == [(PRICE + BTC_TICK, quantity, 1)]
    assert get_last_auction(chain.state, "btc") is None  # nothing crossed


def test_a_crossing_block_clears_at_one_price_makers_and_takers_pay_their_fees_to_the_community_pool() -> None:
    chain = make_book_chain()
    (resting,) = place(chain, BOB, order("btc", "sell", PRICE, 4 * BTC_LOT))  # a maker from an earlier block
    held_before = sum(
        holdings(chain.state, [t.address for t in TRADERS], "ugos")[a]
        for a in (*[t.address for t in TRADERS], BOOK_ACCOUNT)
    )
    bob_gos, alice_btc = chain.gos(BOB.address), chain.balance(ALICE.address, "btc")
    result = chain.block(
        chain.tx(ALICE, order("btc", "buy", PRICE + 5 * BTC_TICK, 10 * BTC_LOT)),
        chain.tx(CAROL, order("btc", "sell", PRICE + 2 * BTC_TICK, 3 * BTC_LOT)),
    )
    (cleared,) = events_of(result, "auction_cleared")
    # Demand 10 lots at every candidate; supply 4 at PRICE, 7 from PRICE + 2 ticks: the most volume (7 lots) is
    # first reached at PRICE + 2 ticks, and the imbalance is smallest there among the prices that trade 7.
    price = PRICE + 2 * BTC_TICK
    assert cleared == {
        "market": "btc",
        "price": str(price),
        "volume": str(7 * BTC_LOT),
        "notional_ugos": str(7 * BTC_LOT * price // BTC_UNIT),
        "fills": "3",
    }
    fills = {int(e["order_id"]): e for e in events_of(result, "order_filled")}
    assert fills[resting]["maker"] == "True" and fills[resting]["fee_ugos"] == str(
        4 * BTC_LOT * price // BTC_UNIT // 1_000
    )
    assert all(e["price"] == str(price) for e in fills.values())
    assert chain.balance(ALICE.address, "btc") == alice_btc + 7 * BTC_LOT
    maker_notional = 4 * BTC_LOT * price // BTC_UNIT
    assert chain.gos(BOB.address) == bob_gos + maker_notional - maker_notional // 1_000
    fees = sum(int(e["fee_ugos"]) for e in fills.values())
    # What traders and the book hold together shrank by the two tx fees and the auction's fees, which went to the
    # community pool (with the share rounding: under 1 ugos a fill).
    held = holdings(chain.state, [t.address for t in TRADERS], "ugos")
    held_after = sum(held[a] for a in (*[t.address for t in TRADERS], BOOK_ACCOUNT))
    tx_fee_shares = 2 * -(-1_000 * 10**18 // get_gos_index(chain.state))
    to_pool = compute_shares_to_ugos(held_before - held_after - tx_fee_shares, get_gos_index(chain.state))
    assert fees <= to_pool <= fees + len(fills)  # fees, plus share rounding (< 1 ugos a fill)
    # Alice's remaining 3 lots rest at her limit with the escrow for them; the auction is on record.
    alice_order = get_orders_of(chain.state, ALICE.address, None, 10)
    assert [(o.remaining, o.price) for _, o in alice_order] == [(3 * BTC_LOT, PRICE + 5 * BTC_TICK)]
    assert get_last_auction(chain.state, "btc").price == price  # type: ignore[union-attr]
    accumulator = get_clearing_accumulator(chain.state, "btc")
    assert (accumulator.price, accumulator.since_height) == (price, chain.height)


def test_ioc_remainders_close_with_a_refund_and_fully_filled_orders_close_as_filled() -> None:
    chain = make_book_chain()
    place(chain, BOB, order("btc", "sell", PRICE, 2 * BTC_LOT))
    gos = chain.gos(ALICE.address)
    result = chain.block(chain.tx(ALICE, order("btc", "buy", PRICE + 10 * BTC_TICK, 5 * BTC_LOT, "ioc")))
    closed = {e["reason"]: e for e in events_of(result, "order_closed")}
    assert set(closed) == {"filled", "ioc_remainder"}
    assert closed["ioc_remainder"]["remaining"] == str(3 * BTC_LOT)
    paid = 2 * BTC_LOT * PRICE // BTC_UNIT
    taker_fee = paid * 2_000 // 10**6
    assert chain.gos(ALICE.address) in (gos - 1_000 - paid - taker_fee, gos - 1_000 - paid - taker_fee - 1)
    assert get_orders_of(chain.state, ALICE.address, None, 10) == []
    assert get_book_depth(chain.state, "btc", 5) == ([], [])


def test_post_only_refuses_to_cross_the_resting_book_and_closes_if_the_block_would_fill_it() -> None:
    chain = make_book_chain()
    place(chain, BOB, order("btc", "sell", PRICE, 2 * BTC_LOT))
    expect_msg_failure(chain, ALICE, order("btc", "buy", PRICE, BTC_LOT, "post_only"), error=PostOnlyCrossError)
    chain.block()
    # Crossing only an order of the same block: accepted, then closed at the end of the block.
    result = chain.block(
        chain.tx(CAROL, order("btc", "sell", PRICE - 10 * BTC_TICK, BTC_LOT)),
        chain.tx(ALICE, order("btc", "buy", PRICE - 5 * BTC_TICK, BTC_LOT, "post_only")),
    )
    (closed,) = [e for e in events_of(result, "order_closed") if e["reason"] == "post_only_crossed"]
    assert closed["owner"] == ALICE.address and closed["remaining"] == str(BTC_LOT)
    assert events_of(result, "auction_cleared") == []  # post-only orders never take


def test_cancel_returns_exactly_the_remaining_escrow_and_only_the_owner_may_cancel() -> None:
    chain = make_book_chain()
    (buy,) = place(chain, ALICE, order("btc", "buy", PRICE, 10 * BTC_LOT))
    place(chain, BOB, order("btc", "sell", PRICE, 4 * BTC_LOT))  # fills 4 of the 10 lots
    expect_msg_failure(chain, BOB, MsgCancelOrder(buy), error=NotOrderOwnerError)
    expect_msg_failure(chain, ALICE, MsgCancelOrder(buy + 100), error=UnknownOrderError)
    escrow = get_order(chain.state, buy).escrow  # type: ignore[union-attr]
    shares = get_shares(chain.state, ALICE.address)
    result = chain.run(ALICE, MsgCancelOrder(buy))
    (closed,) = events_of(result, "order_closed")
    assert closed["reason"] == "cancelled" and closed["remaining"] == str(6 * BTC_LOT)
    fee_shares = -(-1_000 * 10**18 // get_gos_index(chain.state))
    assert get_shares(chain.state, ALICE.address) == shares + escrow - fee_shares
    assert get_order(chain.state, buy) is None and get_shares(chain.state, BOOK_ACCOUNT) == 0


def test_bad_orders_are_refused_before_any_fee_and_change_nothing() -> None:
    chain = make_book_chain()
    ctx = Context(BlockEnv(CHAIN_ID, chain.height, 0))
    list_market(chain.state, ctx, "dcr", Market(1_000, 10**5, 0, 0, 0, 0, halted=True))
    bad = [
        (order("btc", "buy", PRICE + 1, BTC_LOT), OrderShapeError),  # off tick
        (order("btc", "buy", PRICE, BTC_LOT + 1), OrderShapeError),  # off lot
        (order("btc", "buy", 0, BTC_LOT), InvalidAmountError),
        (order("btc", "buy", PRICE, 0), InvalidAmountError),
        (order("btc", "buy", 10 * BTC_TICK, BTC_LOT), OrderShapeError),  # notional below the 1 GOS minimum
        (order("btc", "hold", PRICE, BTC_LOT), OrderShapeError),
        (order("btc", "buy", PRICE, BTC_LOT, "fok"), OrderShapeError),
        (order("btc", "buy", PRICE, BTC_LOT, expiry=chain.height), OrderShapeError),
        (order("doge", "buy", PRICE, BTC_LOT), UnknownMarketError),
        (order("dcr", "buy", PRICE, BTC_LOT), MarketHaltedError),
        (MsgCancelOrder(0), UnknownOrderError),
    ]
    for msg, error in bad:
        expect_rejected(chain, chain.tx(ALICE, msg), error)


def test_orders_beyond_the_balance_or_the_limits_fail_and_change_nothing_but_the_fee() -> None:
    params = BookParams(max_open_orders_per_account=2, max_orders_per_block=3, max_expiries_per_block=3)
    chain = make_book_chain(params=params)
    expect_msg_failure(chain, ALICE, order("btc", "buy", PRICE, 10**6 * BTC_LOT), error=InsufficientFundsError)
    expect_msg_failure(chain, ALICE, order("btc", "sell", PRICE, 10**6 * BTC_LOT), error=InsufficientFundsError)
    place(chain, ALICE, order("btc", "buy", PRICE, BTC_LOT), order("btc", "buy", PRICE - BTC_TICK, BTC_LOT))
    expect_msg_failure(chain, ALICE, order("btc", "buy", PRICE, BTC_LOT), error=OrderLimitError)
    # The block's bound: the fourth order of one block fails (the first three are placed).
    txs = [chain.tx(t, order("btc", "sell", 2 * PRICE, BTC_LOT)) for t in (BOB, CAROL, TRADERS[3], TRADERS[4])]
    result = chain.block(*txs)
    assert [r.code for r in result.tx_results] == [0, 0, 0, OrderLimitError.code]


def test_trading_on_the_book_requires_the_kyc_level_when_one_is_set() -> None:
    chain = make_book_chain(chain_params=replace(TEST_PARAMS, compliance=ComplianceParams(trade_min_kyc_level=1)))
    expect_msg_failure(chain, ALICE, order("btc", "sell", PRICE, BTC_LOT), error=KycRequiredError)


def test_expired_orders_close_at_the_end_of_their_block_a_bounded_number_per_block() -> None:
    chain = make_book_chain()  # max_expiries_per_block = 3
    expiry = chain.height + 2
    orders = [order("btc", "buy", PRICE - i * BTC_TICK, BTC_LOT, expiry=expiry) for i in range(5)]
    place(chain, ALICE, *orders)
    assert chain.height == expiry - 1
    first = chain.block()
    assert [e["reason"] for e in events_of(first, "order_closed")] == ["expired"] * 3
    second = chain.block()
    assert [e["reason"] for e in events_of(second, "order_closed")] == ["expired"] * 2
    assert get_orders_of(chain.state, ALICE.address, None, 10) == [] and get_shares(chain.state, BOOK_ACCOUNT) == 0


def test_open_orders_page_by_id_and_depth_aggregates_levels_best_first() -> None:
    chain = make_book_chain()
    ids = place(chain, ALICE, *(order("btc", "buy", PRICE - (i % 2) * BTC_TICK, BTC_LOT) for i in range(5)))
    assert [i for i, _ in get_orders_of(chain.state, ALICE.address, None, 2)] == ids[:2]
    assert [i for i, _ in get_orders_of(chain.state, ALICE.address, ids[1], 10)] == ids[2:]
    depth = get_book_depth(chain.state, "btc", 1)
    assert depth.bids == [(PRICE, 3 * BTC_LOT, 3)] and depth.asks == []


def test_a_quote_walks_the_resting_book_at_its_one_worst_price() -> None:
    chain = make_book_chain()
    place(chain, BOB, order("btc", "sell", PRICE, 2 * BTC_LOT), order("btc", "sell", PRICE + BTC_TICK, 3 * BTC_LOT))
    assert quote_book_fill(chain.state, "btc", "btc", BTC_LOT) is None  # no bids
    spend = 5 * BTC_LOT * (PRICE + BTC_TICK) // BTC_UNIT * 2  # twice what the whole side costs
    quote = quote_book_fill(chain.state, "btc", "ugos", spend)
    assert quote is not None and (quote.quantity, quote.worst_price) == (5 * BTC_LOT, PRICE + BTC_TICK)
    small = quote_book_fill(chain.state, "btc", "ugos", 20 * GOS + 40_000)  # 2 lots at PRICE with the fee
    assert small is not None and (small.amount_out, small.worst_price) == (2 * BTC_LOT, PRICE)


def test_a_listing_proposal_opens_a_market_and_bad_listings_are_refused() -> None:
    chain = make_gov_chain()
    listing = MarketListingProposal("eth", tick_ugos=1_000, lot=10**15, min_notional_ugos=GOS)
    pid = submit(chain, listing)
    assert chain.run(HOLDERS[1], MsgVoteProposal(pid, "yes", escrow=900 * GOS)).code == 0
    finish_voting(chain, pid)
    for operator in OPERATORS[:2]:
        assert chain.run(operator, MsgRatifyProposal(pid)).code == 0
    market = get_market(chain.state, "eth")
    assert market is not None and (market.tick_ugos, market.lot, market.taker_fee_ppm) == (1_000, 10**15, 2_000)
    bad = [
        (MarketListingProposal("eth", 1_000, 10**15), InvalidMessageError),  # listed already
        (MarketListingProposal("ugos", 1, 1), InvalidMessageError),
        (MarketListingProposal("doge", 1_000, 10**5), UnknownAssetError),
        (MarketListingProposal("btc", 1_000, 10**4), InvalidMessageError),  # lot × tick not a whole btc
        (MarketListingProposal("btc", 0, 10**5), InvalidMessageError),
        (MarketListingProposal("btc", 1_000, 10**5, maker_fee_ppm=3_000, taker_fee_ppm=2_000), InvalidMessageError),
    ]
    for content, error in bad:
        with pytest.raises(error):
            check_content(chain.state, content)


def test_genesis_lists_module_issued_denoms_and_refuses_bad_markets_and_params() -> None:
    def genesis(section: BookGenesis) -> Genesis:
        return Genesis(CHAIN_ID, 0, TEST_PARAMS, [BTC], modules={"book": msgspec.Raw(msgspec.json.encode(section))})

    state = State()
    init_chain(state, genesis(BookGenesis(markets=[MarketListing(SGOS_DENOM, 100, 10**4)])))
    assert get_market(state, SGOS_DENOM) is not None  # liquid registers usgos after the book's genesis step
    for section in (
        BookGenesis(markets=[MarketListing("btc", 1_000, 10**4)]),
        BookGenesis(BookParams(max_orders_per_block=0)),
    ):
        with pytest.raises(InvalidGenesisError):
            init_chain(State(), genesis(section))
    with pytest.raises(InvalidGenesisError):
        validate_book_params(BookParams(default_maker_fee_ppm=5_000, default_taker_fee_ppm=1_000))


def pass_proposal(chain: Chain, content: object, *before: tuple[PrivateKey, object]) -> BlockResult:
    """Submit `content`, vote it through and ratify it, the ratification that executes it coming after the
    (signer, message) transactions `before` in its block; returns the result of that block."""
    pid = submit(chain, content)
    assert chain.run(HOLDERS[1], MsgVoteProposal(pid, "yes", escrow=900 * GOS)).code == 0
    finish_voting(chain, pid)
    assert chain.run(OPERATORS[0], MsgRatifyProposal(pid)).code == 0
    txs = [chain.tx(signer, msg) for signer, msg in before]  # type: ignore[arg-type]
    result = chain.block(*txs, chain.tx(OPERATORS[1], MsgRatifyProposal(pid)))
    assert [r.code for r in result.tx_results] == [0] * len(result.tx_results), [r.log for r in result.tx_results]
    assert chain.state.proposals.get(pid).status == "executed"  # type: ignore[union-attr]
    return result


def test_a_halt_proposal_stops_new_orders_and_auctions_keeps_resting_orders_cancellable_and_resume_reopens() -> None:
    buyer, seller = HOLDERS[2], ALICE
    chain = make_chain(params=GOV_PARAMS, node_count=3, balances=[GenesisBalance(seller.address, "btc", BTC_UNIT)])
    for account in OPERATORS[1:] + HOLDERS:
        fund_gos(chain, account.address, 3_000 * GOS)
    fund_gos(chain, seller.address, 10 * GOS)  # its fees
    pass_proposal(chain, MarketListingProposal("btc", tick_ugos=BTC_TICK, lot=BTC_LOT, min_notional_ugos=GOS))
    (resting,) = place(chain, buyer, order("btc", "buy", PRICE, 10 * BTC_LOT))
    before = get_order(chain.state, resting)
    # Orders the market took earlier in the halting block still clear in that block's auction.
    crossing = [(buyer, order("btc", "buy", 2 * PRICE, BTC_LOT)), (seller, order("btc", "sell", 2 * PRICE, BTC_LOT))]
    halted = pass_proposal(chain, MarketHaltProposal("btc"), *crossing)
    assert events_of(halted.tx_results[-1], "market_halt_changed") == [{"market": "btc", "halted": "True"}]
    [cleared] = events_of(halted, "auction_cleared")
    assert (cleared["price"], cleared["volume"]) == (str(2 * PRICE), str(BTC_LOT))
    assert get_market(chain.state, "btc").halted  # type: ignore[union-attr]
    # No new orders (refused before any fee); the routed swap's book route is closed too.
    expect_rejected(chain, chain.tx(buyer, order("btc", "buy", PRICE, BTC_LOT)), MarketHaltedError)
    for _ in range(3):
        result = chain.block()
        assert not events_of(result, "auction_cleared")
    assert get_order(chain.state, resting) == before  # the resting order stays as it was
    # A routed sell would get more from that resting buy than from the (empty) pool, but the book route is closed.
    route = quote_route(chain.state, MsgRoutedSwap("btc", "btc", BTC_LOT, 0))
    assert route.book is not None and route.book.amount_out > 0 and route.book_order is None
    with pytest.raises(InvalidMessageError, match="halted already"):
        check_content(chain.state, MarketHaltProposal("btc"))
    with pytest.raises(UnknownMarketError):
        check_content(chain.state, MarketHaltProposal("eth"))
    # Its owner may still cancel it: the whole escrow returns.
    shares = get_shares(chain.state, buyer.address)
    cancelled = chain.run(buyer, MsgCancelOrder(resting))
    (closed,) = events_of(cancelled, "order_closed")
    assert closed["reason"] == "cancelled" and get_order(chain.state, resting) is None
    fee_shares = -(-cancelled.fee * 10**18 // get_gos_index(chain.state))
    assert get_shares(chain.state, buyer.address) == shares + before.escrow - fee_shares  # type: ignore[union-attr]
    # Resuming reopens the market to new orders.
    pass_proposal(chain, MarketHaltProposal("btc", halted=False))
    assert not get_market(chain.state, "btc").halted  # type: ignore[union-attr]
    with pytest.raises(InvalidMessageError, match="open already"):
        check_content(chain.state, MarketHaltProposal("btc", halted=False))
    place(chain, buyer, order("btc", "buy", PRICE, BTC_LOT))
