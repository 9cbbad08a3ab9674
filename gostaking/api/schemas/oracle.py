"""Oracle: aggregated asset prices and the oracle parameters."""

from pydantic import BaseModel, Field

from .common import GosAmount


class AggregateView(BaseModel):
    """The chain's last aggregate of the mining nodes' quotes for an asset."""

    price: GosAmount = Field(description="price of one whole asset, as last aggregated")
    updated_height: int
    feeders: int = Field(description="quotes the aggregate used (after dropping outliers)")
    missed_periods: int = Field(description="consecutive periods since without a quorum of quotes")
    stale: bool = Field(description="true once missed_periods reached max_stale_periods")


class ExchangeTwapView(BaseModel):
    """The exchange's time-weighted average prices of an asset over the oracle's window ending now: what the next
    aggregate would join to the feeders' median if it came now (docs/book.md, "Routing and one price")."""

    height: int = Field(description="the window's end: the current height")
    since_height: int | None = Field(
        description="the window starts after this block (the newest period end at least twap_window_blocks back); "
        "null while no checkpoint is that old"
    )
    pool: GosAmount | None = Field(
        description="the asset/GOS pool's price while deep enough, averaged; null without an average over the window"
    )
    book: GosAmount | None = Field(
        description="the order book's clearing price, averaged; null without a market or a trade before the window"
    )


class AssetPriceView(BaseModel):
    """One listed asset: the price and weight that value its locks, and the oracle's view of it."""

    denom: str
    hosted_chain: str
    decimals: int
    price: GosAmount = Field(
        description="current price of one whole asset (genesis or governance until the first "
        "aggregate, then the oracle's)"
    )
    weight: str = Field(description="value weight as a decimal fraction", examples=["0.1"])
    weight_ppm: int
    oracle: AggregateView | None = Field(description="null until the oracle first aggregated this asset")
    exchange_twap: ExchangeTwapView = Field(description="the exchange's average prices over the TWAP window")
    quotes_this_period: int = Field(description="quotes by current mining nodes in the running period")


class OraclePricesResponse(BaseModel):
    """Prices of every listed asset."""

    height: int
    period: int = Field(description="the oracle period the next block belongs to")
    next_aggregation_height: int = Field(description="last block of that period, where quotes are aggregated")
    assets: list[AssetPriceView]


class OracleParamsView(BaseModel):
    """How quotes are collected and aggregated, and who feeds them."""

    period_blocks: int
    min_feeders_ppm: int
    min_feeders: str = Field(description="share of the mining set that must quote an asset", examples=["66.6666%"])
    outlier_band_ppm: int
    outlier_band: str = Field(description="quotes further than this from the median are dropped")
    max_stale_periods: int
    twap_window_blocks: int = Field(
        description="blocks the exchange's prices are averaged over before joining the median (time-weighted)"
    )
    feeders: list[str] = Field(description="operators of the current mining nodes: the only accepted feeders")
