"""Errors of the liquid module (typed, with stable codes like the chain's own)."""

from gostaking.chain.errors import ChainError


class UnknownTicketError(ChainError):
    """No open redemption ticket has that id."""

    code = 40


class TicketNotDueError(ChainError):
    """The ticket's GOS is not payable yet (before its due height, or still on its way back from unbonding)."""

    code = 41


class PoolTooShallowError(ChainError):
    """The instant-redemption pool has too little (or no) GOS or liquidity for the request."""

    code = 42


class SlippageError(ChainError):
    """The instant unstake would pay less than the message's `min_gos`."""

    code = 43


class NoBackingError(ChainError):
    """sGOS exists but the module controls no GOS (everything was slashed): no rate to stake at."""

    code = 44
