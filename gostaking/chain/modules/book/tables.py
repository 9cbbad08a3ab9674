"""Tables of the book module. Their indexes live only in memory (derived from the entries), so the auction and
the depth query walk the book in price order without sorting or scanning it."""

from gostaking.chain.numeric import INDEX_ONE
from gostaking.chain.tables import SingletonSpec, TableSpec
from gostaking.chain.twap import PriceAccumulator
from gostaking.chain.types.book import AuctionResult, BookParams, BookTotals, LevelTotals, Market, Order


def price_rank(side: str, price: int) -> int:
    """Sort key of a price on its side, best first: the highest bid, the lowest ask."""
    return -price if side == "buy" else price


MARKETS = TableSpec("book_markets", str, Market, doc="base denom → its base/GOS market.", resident=True)
ORDERS = TableSpec(
    "book_orders",
    int,
    Order,
    indexes={
        "by_owner": lambda order_id, order: (order.owner,),
        "by_level": lambda order_id, order: (order.market, order.side, price_rank(order.side, order.price)),
    },
    doc="order id → open order (ids count up: a block's orders are the ids it added, BookTotals); indexed by "
    "owner and by (market, side, price best first, id) — the book.",
)
EXPIRIES = TableSpec(
    "book_expiries",
    tuple[int, int],
    int,
    indexes={"in_order": lambda key, _: key},
    doc="(expiry height, order id) → 0 for each open order with an expiry; indexed in that order.",
)
DEPTH = TableSpec(
    "book_depth",
    tuple[str, str, int],
    LevelTotals,
    doc="(market, side, price) → open quantity and orders at that level. Walked best first through the orders' "
    "by_level index (a level's first order, then its `orders` further): it keeps no index of its own, so the "
    "totals a placement changes rewrite no index entry.",
)
AUCTIONS = TableSpec(
    "book_auctions", str, AuctionResult, doc="market → its last auction that cleared volume.", resident=True
)
CLEARING_PRICES = TableSpec(
    "book_clearing_prices",
    str,
    PriceAccumulator,
    doc="market → cumulative clearing price (TWAP accumulator).",
    resident=True,
)
BOOK_TOTALS = SingletonSpec("book_totals", BookTotals, BookTotals)
BOOK_PARAMS = SingletonSpec("book_params", BookParams, BookParams)
BOOK_OBSERVED_GOS_INDEX = SingletonSpec(
    "book_observed_gos_index",
    int,
    lambda: INDEX_ONE,
    doc="The GOS index the clearing prices in force were observed at: a burn moves every ugos price, so the block "
    "in which the index moved re-observes each market's price in force at the new index (written only then).",
)
