"""The book's depth levels are walked through the orders' index (the depth table keeps no index of its own) and
must give exactly what the plain definition gives; its events go to the wire and back unchanged."""

from collections import defaultdict

import msgspec
import pytest
from book_harness import BTC_LOT, BTC_TICK, TRADERS, make_book_chain, order

from gostaking.chain.events import ChainEvent, decode_event
from gostaking.chain.modules.book.module import MODULE as BOOK_MODULE
from gostaking.chain.modules.book.queries import DepthLevel, get_best_price, get_book_depth, quote_book_fill
from gostaking.chain.modules.book.tables import ORDERS
from gostaking.chain.state import State, registry_of
from gostaking.chain.types.book import MsgCancelOrder

from harness import GOS, events_of

PRICE = 10_000 * GOS


def levels_of_orders(state: State, denom: str, side: str) -> list[DepthLevel]:
    """The side's levels best first, aggregated from the open orders themselves."""
    quantity: dict[int, int] = defaultdict(int)
    count: dict[int, int] = defaultdict(int)
    for order_ in state[ORDERS].values():
        if order_.market == denom and order_.side == side:
            quantity[order_.price] += order_.remaining
            count[order_.price] += 1
    prices = sorted(quantity, reverse=side == "buy")
    return [DepthLevel(price, quantity[price], count[price]) for price in prices]


def test_depth_walks_every_level_best_first_with_its_totals_after_fills_and_cancels() -> None:
    chain = make_book_chain()
    alice, bob, carol = TRADERS[:3]
    # Bids on 4 levels and asks on 3, with 1 to 3 orders a level, from two traders each side.
    bids = [order("btc", "buy", PRICE - (i % 4) * BTC_TICK, (1 + i % 3) * BTC_LOT) for i in range(9)]
    asks = [order("btc", "sell", PRICE + (2 + i % 3) * BTC_TICK, (1 + i % 2) * BTC_LOT) for i in range(7)]
    result = chain.block(*(chain.tx(t, m) for t, m in zip((alice, bob) * 5, bids, strict=False)))
    result2 = chain.block(*(chain.tx(t, m) for t, m in zip((carol, bob) * 4, asks, strict=False)))
    placed = [
        int(e["order_id"]) for r in (*result.tx_results, *result2.tx_results) for e in events_of(r, "order_placed")
    ]
    assert len(placed) == len(bids) + len(asks)
    # A sell that crosses the best bid level fills part of it; a cancel empties another order.
    filled = chain.block(chain.tx(carol, order("btc", "sell", PRICE, 2 * BTC_LOT, "ioc")))
    assert events_of(filled, "order_filled") and events_of(filled, "auction_cleared")
    cancelled = chain.block(chain.tx(alice, MsgCancelOrder(placed[2])))
    assert [r.code for r in cancelled.tx_results] == [0]
    state = chain.state
    for side in ("buy", "sell"):
        expected = levels_of_orders(state, "btc", side)
        assert len(expected) >= 3
        both = get_book_depth(state, "btc", len(expected) + 2)
        assert (both.bids if side == "buy" else both.asks) == expected
        for levels in (-1, 0, 1, 2):
            depth = get_book_depth(state, "btc", levels)
            assert (depth.bids if side == "buy" else depth.asks) == expected[: max(levels, 0)]
        assert get_best_price(state, "btc", side) == expected[0].price
    assert get_book_depth(state, "eth", 5) == ([], []) and get_best_price(state, "eth", "buy") is None
    # A quote for the whole ask side reaches its last level.
    asks_now = levels_of_orders(state, "btc", "sell")
    quote = quote_book_fill(state, "btc", "ugos", 10**6 * GOS)
    assert quote is not None
    assert (quote.quantity, quote.worst_price) == (sum(level.quantity for level in asks_now), asks_now[-1].price)


def _sample(event_type: type[ChainEvent]) -> ChainEvent:
    values = {int: 12_345, str: "gos1sample", bool: True}
    return event_type(**{f.name: values[f.type] for f in msgspec.structs.fields(event_type)})


@pytest.mark.parametrize("event_type", BOOK_MODULE.event_types(), ids=lambda t: t.event_kind())
def test_every_book_event_decodes_back_from_its_wire_form(event_type: type[ChainEvent]) -> None:
    event = _sample(event_type)
    wire = event.to_wire()
    assert wire.kind == event_type.event_kind()
    assert [name for name, _ in wire.attributes] == list(event_type.__struct_fields__)
    assert decode_event(wire, registry_of(None).events) == event
