"""The order book (module `book`): limit orders on base/GOS markets, cleared by a batch auction at the end of
each block at one uniform price per market (docs/book.md).

Units: a price is ugos per *whole* unit of the base (10^decimals base units, the oracle's unit); a quantity is in
base units. A market's `lot * tick_ugos` is a multiple of 10^decimals, so every notional
`quantity * price // 10**decimals` is exact. GOS held by the module for buy orders is GOS *shares* of the burn
index (like dex and liquid): a burn shrinks it in O(1).
"""

import msgspec

from gostaking.chain.numeric import UGOS_PER_GOS
from gostaking.chain.types.tx import TxMsg

SIDES: tuple[str, ...] = ("buy", "sell")
TIMES_IN_FORCE: tuple[str, ...] = ("gtc", "ioc", "post_only")


class BookParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Parameters of the book module (section `book`, a table of its own; governance changes them)."""

    max_open_orders_per_account: int = 100
    """Open orders one account may have at once (over all markets)."""
    max_orders_per_block: int = 5_000
    """Orders the whole chain accepts in one block (spam bound on the end-block auction's work)."""
    max_expiries_per_block: int = 1_000
    """Orders closed by expiry at the end of one block; the rest close in the next blocks, in height order."""
    default_maker_fee_ppm: int = 1_000
    """Maker fee a listing without its own gets (0.1%)."""
    default_taker_fee_ppm: int = 2_000
    """Taker fee a listing without its own gets (0.2%)."""


class Market(msgspec.Struct, frozen=True, array_like=True):
    """A base/GOS market: prices are multiples of `tick_ugos`, quantities multiples of `lot` base units."""

    tick_ugos: int
    lot: int
    maker_fee_ppm: int
    taker_fee_ppm: int
    min_notional_ugos: int
    listed_height: int
    halted: bool = False


class MarketListing(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A market listed at genesis (the genesis form of a `MarketListingProposal`)."""

    denom: str
    tick_ugos: int
    lot: int
    maker_fee_ppm: int | None = None
    """None: the parameters' default."""
    taker_fee_ppm: int | None = None
    min_notional_ugos: int = UGOS_PER_GOS


class BookGenesis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The module's section of the genesis document."""

    params: BookParams = BookParams()
    markets: list[MarketListing] = []


class Order(msgspec.Struct, frozen=True, array_like=True):
    """An open order. `escrow` is what the module still holds for it: GOS shares for a buy, base units for a
    sell."""

    owner: str
    market: str
    side: str
    price: int
    quantity: int
    remaining: int
    time_in_force: str
    expiry_height: int
    """0 = none; otherwise the order is removed at the end of that block."""
    placed_height: int
    escrow: int


class AuctionResult(msgspec.Struct, frozen=True, array_like=True):
    """A market's last auction that cleared volume."""

    height: int
    price: int
    volume: int
    """Base units traded."""
    notional_ugos: int


class BookTotals(msgspec.Struct, frozen=True, array_like=True):
    """Order ids and the block's counters."""

    next_order_id: int = 1
    block_height: int = 0
    """The height `block_orders` counts for."""
    block_orders: int = 0
    """Orders placed in block `block_height` (bounded by `max_orders_per_block`): the ids just below
    `next_order_id`."""


class LevelTotals(msgspec.Struct, frozen=True, array_like=True):
    """Stored aggregate of one (market, side, price) level: open quantity and order count."""

    quantity: int
    orders: int


class MsgPlaceOrder(TxMsg, frozen=True, tag="place_order"):
    """Place a limit order of `quantity` base units of `market` at `price` ugos per whole unit. A market order is
    `time_in_force="ioc"` with `price` the worst price accepted."""

    market: str
    side: str
    price: int
    quantity: int
    time_in_force: str = "gtc"
    expiry_height: int = 0


class MsgCancelOrder(TxMsg, frozen=True, tag="cancel_order"):
    """Cancel one of the sender's open orders; its remaining escrow returns."""

    order_id: int


class MsgRoutedSwap(TxMsg, frozen=True, tag="routed_swap"):
    """Swap `amount_in` of `denom_in` (ugos or `pair`) on the pool or the book, whichever gives more; fails below
    `min_out`."""

    pair: str
    denom_in: str
    amount_in: int
    min_out: int
