"""Errors of the book module (typed, with stable codes like the chain's own)."""

from gostaking.chain.errors import ChainError


class UnknownMarketError(ChainError):
    """No market is listed for that base denom."""

    code = 50


class MarketHaltedError(ChainError):
    """The market is halted: it takes no new orders."""

    code = 51


class UnknownOrderError(ChainError):
    """No open order has that id."""

    code = 52


class NotOrderOwnerError(ChainError):
    """Only an order's owner may cancel it."""

    code = 53


class PostOnlyCrossError(ChainError):
    """A post-only order would trade against the resting book at once."""

    code = 54


class OrderLimitError(ChainError):
    """Too many open orders for the account, or too many orders in the block."""

    code = 55


class OrderShapeError(ChainError):
    """A price off the market's tick, a quantity off its lot, a notional below its minimum or a bad side, time in
    force or expiry."""

    code = 56
