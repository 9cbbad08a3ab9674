"""Events of the dex module."""

from gostaking.chain.events import ChainEvent


class LiquidityRemovedEvent(ChainEvent, frozen=True, tag="liquidity_removed"):
    """A provider withdrew `asset` units and `gos_shares` GOS shares from a pool."""

    provider: str
    denom: str
    asset: int
    gos_shares: int


class LiquidityAddedEvent(ChainEvent, frozen=True, tag="liquidity_added"):
    """A provider added `asset` units and `gos` ugos to a pool for `units` liquidity units."""

    provider: str
    denom: str
    asset: int
    gos: int
    units: int


class SwapEvent(ChainEvent, frozen=True, tag="swap"):
    """A trade on an asset/GOS pool."""

    trader: str
    denom_in: str
    amount_in: int
    denom_out: str
    amount_out: int
