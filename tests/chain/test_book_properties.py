"""Property tests of the order book: random blocks of orders (every side, time in force, expiry), cancels and GOS
burns keep the book's invariants after every block, create or lose no value (per denom: traders + the book's
escrow + the community pool), fill every order at or better than its limit, return exactly the remaining escrow on
a cancel, and send exactly the fees (plus less than 1 ugos of share rounding per fill) to the community pool. The
uniform-price rule is checked against a brute force over every candidate price, and the allocation against
price-time priority."""

from functools import cache

import pytest
from book_harness import BTC_LOT, BTC_MARKET, BTC_TICK, BTC_UNIT, TRADERS, holdings, make_book_chain, order
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from gostaking.chain.constants import BOOK_ACCOUNT, COMMUNITY_POOL_ACCOUNT
from gostaking.chain.env import Context
from gostaking.chain.errors import ChainError
from gostaking.chain.modules.bank.mutations import apply_reverse_split
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index, get_shares
from gostaking.chain.modules.book.auction import Bid, Clearing, allocate, compute_clearing
from gostaking.chain.modules.book.handlers import (
    check_cancel_order,
    check_place_order,
    process_cancel_order,
    process_place_order,
)
from gostaking.chain.modules.book.invariants import check_depth, check_escrow, check_uncrossed
from gostaking.chain.modules.book.lifecycle import process_auctions, process_expiries
from gostaking.chain.modules.book.queries import get_order
from gostaking.chain.state import State
from gostaking.chain.types.block import BlockEnv, Event
from gostaking.chain.types.book import MarketListing, MsgCancelOrder

from harness import CHAIN_ID, GOS

PRICE = 10_000 * GOS
ADDRESSES = [t.address for t in TRADERS]


@cache
def _genesis_items(market: MarketListing) -> tuple[tuple[bytes, bytes], ...]:
    """The committed state of a funded chain with the btc `market` (built once): examples start from a copy."""
    chain = make_book_chain(markets=[market], check=False)
    return tuple((k, v) for k, v in chain.state.take_block_writes().items() if v is not None)


def fresh_state(market: MarketListing) -> State:
    state = State()
    state.load_items(list(_genesis_items(market)))
    return state


def attrs(events: list[Event], kind: str) -> list[dict[str, str]]:
    return [dict(e.attributes) for e in events if e.kind == kind]


# An operation: place (trader, side, price offset in ticks, lots, time in force, expiry in blocks or 0) or cancel
# (trader, which of the open orders) — a cancel of another trader's order fails and changes nothing.
place_op = st.tuples(
    st.just("place"),
    st.integers(0, len(TRADERS) - 1),
    st.sampled_from(["buy", "sell"]),
    st.integers(-4, 4),
    st.integers(1, 6),
    st.sampled_from(["gtc", "gtc", "gtc", "ioc", "post_only"]),
    st.sampled_from([0, 0, 1, 2]),
)
cancel_op = st.tuples(st.just("cancel"), st.integers(0, len(TRADERS) - 1), st.integers(0, 50))
step = st.one_of(
    st.tuples(st.just("block"), st.lists(st.one_of(place_op, place_op, place_op, cancel_op), max_size=8)),
    st.tuples(st.just("burn"), st.just([])),
)


class Runner:
    """Applies steps through the handlers and end-block hooks (no signatures, no block rewards or tx fees, so the
    only GOS that moves is the book's) and checks every property after each block."""

    def __init__(self, market: MarketListing = BTC_MARKET) -> None:
        self.state = fresh_state(market)
        self.height = self.state.height.get()
        self.limits: dict[int, tuple[str, int]] = {}
        self.placed_after_burns: dict[int, int] = {}
        self.burns = 0
        self.totals = self._totals()

    def _totals(self) -> dict[str, int]:
        return {denom: sum(holdings(self.state, ADDRESSES, denom).values()) for denom in ("ugos", "btc")}

    def run(self, kind: str, ops: list[tuple]) -> None:  # type: ignore[type-arg]
        if kind == "burn":
            apply_reverse_split(self.state, 1, 10)
            self.burns += 1
            return
        self.height += 1
        state = self.state
        state.height.set(self.height)
        env = BlockEnv(CHAIN_ID, self.height, 0)
        for op in ops:
            self._apply(env, op)
        pool_before = get_shares(state, COMMUNITY_POOL_ACCOUNT)
        ctx = Context(env)
        process_auctions(state, ctx)
        process_expiries(state, ctx)
        self._check_block(ctx.events, pool_before)

    def _apply(self, env: BlockEnv, op: tuple) -> None:  # type: ignore[type-arg]
        state = self.state
        trader = ADDRESSES[op[1]]
        ctx = Context(env, trader)
        if op[0] == "place":
            _, _, side, offset, lots, tif, expiry = op
            msg = order(
                "btc", side, PRICE + offset * BTC_TICK, lots * BTC_LOT, tif, self.height + expiry if expiry else 0
            )
            try:
                with state.atomic():
                    check_place_order(state, msg)
                    process_place_order(state, ctx, msg)
            except ChainError:
                return
            (placed,) = attrs(ctx.events, "order_placed")
            self.limits[int(placed["order_id"])] = (side, msg.price)
            self.placed_after_burns[int(placed["order_id"])] = self.burns
            return
        open_ids = sorted(i for i in self.limits if get_order(state, i) is not None)
        if not open_ids:
            return
        order_id = open_ids[op[2] % len(open_ids)]
        before = get_order(state, order_id)
        assert before is not None
        shares, units = get_shares(state, before.owner), holdings(state, [before.owner], "btc")[before.owner]
        try:
            with state.atomic():
                check_cancel_order(state, MsgCancelOrder(order_id))
                process_cancel_order(state, ctx, MsgCancelOrder(order_id))
        except ChainError:
            assert before.owner != trader and get_order(state, order_id) == before
            return
        # A cancel returns exactly the order's remaining escrow, in its own unit.
        if before.side == "buy":
            assert get_shares(state, trader) == shares + before.escrow
        else:
            assert holdings(state, [trader], "btc")[trader] == units + before.remaining == units + before.escrow

    def _check_block(self, events: list[Event], pool_before: int) -> None:
        state = self.state
        for invariant in (check_escrow, check_depth, check_uncrossed):
            invariant(state)
        assert self._totals() == self.totals  # no value created or lost, per denom
        fills = attrs(events, "order_filled")
        for fill in fills:
            side, limit = self.limits[int(fill["order_id"])]
            price, quantity = int(fill["price"]), int(fill["quantity"])
            assert price <= limit if side == "buy" else price >= limit
            assert quantity > 0 and quantity % BTC_LOT == 0
            assert int(fill["notional_ugos"]) == quantity * price // BTC_UNIT
        auctions = attrs(events, "auction_cleared")
        for auction in auctions:  # both sides trade the auction's volume at its one price
            assert all(fill["price"] == auction["price"] for fill in fills)
            for side in ("buy", "sell"):
                assert sum(int(f["quantity"]) for f in fills if f["side"] == side) == int(auction["volume"])
        for closed in attrs(events, "order_closed"):
            if closed["reason"] == "underfunded":  # only a burn after its placement leaves a buy short
                assert self.placed_after_burns[int(closed["order_id"])] < self.burns
        fees = sum(int(fill["fee_ugos"]) for fill in fills)
        to_pool = compute_shares_to_ugos(get_shares(state, COMMUNITY_POOL_ACCOUNT) - pool_before, get_gos_index(state))
        assert fees <= to_pool <= fees + len(fills)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=10))
def test_random_blocks_keep_the_books_invariants_and_balance_every_denom(steps: list[tuple[str, list]]) -> None:  # type: ignore[type-arg]
    runner = Runner()
    for kind, ops in steps:
        runner.run(kind, ops)


def test_a_buy_placed_before_a_burn_fills_only_what_its_escrow_still_covers() -> None:
    runner = Runner()
    runner.run("block", [("place", 0, "buy", 0, 10, "gtc", 0)])
    (buy_id,) = runner.limits
    runner.run("burn", [])  # its escrowed GOS shares are now worth 10% less: no longer 10 lots and the fee
    escrow = get_order(runner.state, buy_id).escrow  # type: ignore[union-attr]
    available = compute_shares_to_ugos(escrow, get_gos_index(runner.state))
    lot_cost = BTC_LOT * PRICE // BTC_UNIT
    # n lots need their notional, the taker fee rounded up and (after a burn) a reserve of 3 ugos a lot
    covered = max(n for n in range(11) if n * lot_cost + -(-n * lot_cost * 2_000 // 10**6) + 3 * n <= available)
    assert covered < 10
    runner.run("block", [("place", 1, "sell", 0, 10, "gtc", 0)])
    buyer = ADDRESSES[0]
    assert holdings(runner.state, [buyer], "btc")[buyer] == 100 * BTC_UNIT + covered * BTC_LOT
    assert get_order(runner.state, buy_id) is None  # closed as underfunded, its change refunded
    assert get_shares(runner.state, BOOK_ACCOUNT) == 0
    (sell_id,) = [i for i in runner.limits if i != buy_id]
    assert get_order(runner.state, sell_id).remaining == (10 - covered) * BTC_LOT  # type: ignore[union-attr]


bids = st.lists(
    st.builds(Bid, st.integers(1, 40), st.sampled_from(["buy", "sell"]), st.integers(1, 12), st.integers(1, 6)),
    max_size=14,
    unique_by=lambda b: b.order_id,
)


def brute_force(bids: list[Bid], last_price: int) -> Clearing | None:
    """Try every candidate price: the most volume, then the least imbalance, then closest to the last price, then
    the lowest."""
    best = None
    for price in sorted({b.price for b in bids}):
        demand = sum(b.quantity for b in bids if b.side == "buy" and b.price >= price)
        supply = sum(b.quantity for b in bids if b.side == "sell" and b.price <= price)
        volume = min(demand, supply)
        rank = (-volume, abs(demand - supply), abs(price - last_price) if last_price else 0, price)
        if volume and (best is None or rank < best[0]):
            best = (rank, Clearing(price, volume, demand, supply))
    return None if best is None else best[1]


@settings(max_examples=300, deadline=None)
@given(bids, st.integers(0, 13))
def test_the_uniform_price_clears_the_most_volume_as_a_brute_force_finds(bids: list[Bid], last: int) -> None:
    assert compute_clearing(bids, last) == brute_force(bids, last)


@settings(max_examples=300, deadline=None)
@given(bids)
def test_allocation_follows_price_time_priority_and_fills_the_volume_on_each_side(bids: list[Bid]) -> None:
    clearing = compute_clearing(bids, 0)
    if clearing is None:
        return
    filled = {bid.order_id: quantity for bid, quantity in allocate(bids, clearing)}
    for side in ("buy", "sell"):
        taking = [b for b in bids if b.side == side]
        assert sum(filled.get(b.order_id, 0) for b in taking) == clearing.volume
        for b in taking:
            within = b.price >= clearing.price if side == "buy" else b.price <= clearing.price
            assert within or b.order_id not in filled  # only orders whose limit accepts the price trade
            assert filled.get(b.order_id, 0) <= b.quantity
        for first in taking:
            for later in taking:
                better = first.price > later.price if side == "buy" else first.price < later.price
                ahead = better or (first.price == later.price and first.order_id < later.order_id)
                if ahead and filled.get(later.order_id, 0) > 0:
                    assert filled.get(first.order_id, 0) == first.quantity  # the one ahead filled first


@pytest.mark.parametrize("last", [0, 5, 100])
def test_ties_go_to_the_least_imbalance_then_the_last_price_then_the_lower(last: int) -> None:
    # Buy 2 at 10, sell 2 at 5: 2 trade at 5 and at 10 with no imbalance either way.
    tied = [Bid(1, "buy", 10, 2), Bid(2, "sell", 5, 2)]
    expected = {0: 5, 5: 5, 100: 10}[last]
    assert compute_clearing(tied, last) == Clearing(expected, 2, 2, 2)


@pytest.mark.parametrize("fee_ppm", [0, 2_000])
@pytest.mark.parametrize("burns", [1, 3])
def test_a_buy_placed_after_a_burn_keeps_covering_its_remainder_through_many_partial_fills(
    burns: int, fee_ppm: int
) -> None:
    # At an index below 10^18 every payment rounds up to whole shares: the escrow's rounding reserve must absorb
    # that, fill after fill, or the buy would be closed as underfunded with no burn after its placement. With equal
    # maker and taker fees no fee slack helps.
    runner = Runner(replace(BTC_MARKET, maker_fee_ppm=fee_ppm, taker_fee_ppm=fee_ppm))
    for _ in range(burns):
        runner.run("burn", [])
    lots = 7
    runner.run("block", [("place", 0, "buy", 0, lots, "gtc", 0)])
    (buy_id,) = runner.limits
    for fill in range(lots):
        runner.run("block", [("place", 1 + fill % 5, "sell", 0, 1, "gtc", 0)])  # checks: never underfunded
    assert get_order(runner.state, buy_id) is None
    buyer = ADDRESSES[0]
    assert holdings(runner.state, [buyer], "btc")[buyer] == 100 * BTC_UNIT + lots * BTC_LOT  # every lot filled
