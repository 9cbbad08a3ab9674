"""Events of the oracle module."""

from gostaking.chain.events import ChainEvent


class PricesSubmittedEvent(ChainEvent, frozen=True, tag="prices_submitted"):
    """A feeder quoted the comma-separated `assets` for an oracle period."""

    feeder: str
    assets: str
    period: int


class PriceUpdatedEvent(ChainEvent, frozen=True, tag="price_updated"):
    """A period's aggregate set an asset's price (from `quotes` quotes)."""

    denom: str
    price_ugos: int
    quotes: int
    period: int


class PriceStaleEvent(ChainEvent, frozen=True, tag="price_stale"):
    """An asset's price was not renewed for max_stale_periods periods."""

    denom: str
    since_height: int
