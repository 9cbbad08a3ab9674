"""Events of the book module. Trade history is not kept in chain state: the indexer builds trades, fills and
candles from these."""

from gostaking.chain.events import ChainEvent


class MarketListedEvent(ChainEvent, frozen=True, tag="market_listed"):
    """A base/GOS market opened (genesis or governance): prices in multiples of `tick_ugos` ugos per whole unit,
    quantities in multiples of `lot` base units."""

    market: str
    tick_ugos: int
    lot: int


class MarketHaltChangedEvent(ChainEvent, frozen=True, tag="market_halt_changed"):
    """Governance halted (`halted`) or resumed a market: while halted it takes no new orders and runs no auction;
    its resting orders stay, and may be cancelled."""

    market: str
    halted: bool


class OrderPlacedEvent(ChainEvent, frozen=True, tag="order_placed"):
    """An order joined this block's auction; its escrow was taken."""

    order_id: int
    owner: str
    market: str
    side: str
    price: int
    quantity: int
    time_in_force: str
    expiry_height: int


class OrderFilledEvent(ChainEvent, frozen=True, tag="order_filled"):
    """`quantity` base units of an order traded at the auction's clearing `price` for `notional_ugos`; the order
    paid `fee_ugos` (maker or taker rate) to the community pool and has `remaining` base units left."""

    order_id: int
    owner: str
    market: str
    side: str
    price: int
    quantity: int
    notional_ugos: int
    fee_ugos: int
    maker: bool
    remaining: int


class OrderClosedEvent(ChainEvent, frozen=True, tag="order_closed"):
    """An order left the book with `remaining` base units unfilled; `refund` (ugos for a buy, base units for a
    sell) of its escrow returned to the owner. `reason`: cancelled, expired, ioc_remainder, post_only_crossed,
    filled or underfunded."""

    order_id: int
    owner: str
    market: str
    remaining: int
    refund: int
    reason: str


class AuctionClearedEvent(ChainEvent, frozen=True, tag="auction_cleared"):
    """A market's end-of-block auction traded `volume` base units at the one `price` for `notional_ugos`,
    filling `fills` orders."""

    market: str
    price: int
    volume: int
    notional_ugos: int
    fills: int
