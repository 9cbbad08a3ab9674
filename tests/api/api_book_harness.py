"""The order book's markets for the API and CLI tests: a genesis section listing btc/GOS and eth/GOS, and what a
price and a quantity are worth (computed here from docs/book.md's formulas, not read from the chain)."""

from gostaking.chain.numeric import PPM
from gostaking.chain.types.book import BookGenesis, MarketListing

GOS = 10**6
BTC = 10**8
BTC_TICK = GOS
"""1 GOS per whole bitcoin."""
BTC_LOT = BTC // 1_000
"""0.001 btc: lot × tick is 10^11, a multiple of 10^8, so every notional is whole ugos."""
MAKER_FEE_PPM = 1_000
TAKER_FEE_PPM = 2_000
BOOK_GENESIS = BookGenesis(
    markets=[
        MarketListing("btc", BTC_TICK, BTC_LOT, MAKER_FEE_PPM, TAKER_FEE_PPM, min_notional_ugos=GOS),
        MarketListing("eth", GOS, 10**15, MAKER_FEE_PPM, TAKER_FEE_PPM, min_notional_ugos=GOS),
    ]
)
BOOK_MODULES = {"book": BOOK_GENESIS}
"""The `modules` of a compliance genesis with these markets."""


def notional(quantity: int, price_ugos: int, whole: int = BTC) -> int:
    """ugos that `quantity` base units cost at `price_ugos` per whole unit."""
    return quantity * price_ugos // whole


def buy_escrow(quantity: int, price_ugos: int, whole: int = BTC) -> int:
    """What a buy escrows: its notional at its limit plus the taker fee, rounded up."""
    value = notional(quantity, price_ugos, whole)
    return value + -(-value * TAKER_FEE_PPM // PPM)
