"""GET /oracle/prices and /oracle/params."""

from fastapi import APIRouter

from gostaking.chain.modules.lock.queries import get_assets
from gostaking.chain.modules.nodes.queries import get_mining_set
from gostaking.chain.modules.oracle.queries import (
    compute_period,
    get_market_twaps,
    get_oracle_price,
    get_period_quotes,
)
from gostaking.chain.state import State

from ..deps import NodeDep
from ..render import from_records, gos, listed_asset_view, params_view
from ..schemas.oracle import AggregateView, AssetPriceView, ExchangeTwapView, OracleParamsView, OraclePricesResponse

router = APIRouter(prefix="/oracle", tags=["oracle"])


def twap_view(state: State, denom: str) -> ExchangeTwapView:
    """The exchange's averages of an asset as the chain computes them (`get_market_twaps`), in ugos and GOS."""
    twaps = get_market_twaps(state, denom)
    return ExchangeTwapView(
        height=twaps.height,
        since_height=twaps.since_height,
        pool=gos(twaps.pool_ugos) if twaps.pool_ugos is not None else None,
        book=gos(twaps.book_ugos) if twaps.book_ugos is not None else None,
    )


@router.get("/prices", response_model=OraclePricesResponse, summary="Asset prices in GOS")
def get_prices(node: NodeDep) -> OraclePricesResponse:
    """Per listed asset: the current price and weight, the last aggregate (height, feeders used, missed periods,
    stale flag), the exchange's time-weighted average prices (pool and order book) over the TWAP window ending now,
    and how many mining nodes quoted it in the running period."""
    with node.app.read_committed() as state:
        params = state.params.get().oracle
        height = state.height.get()
        period = compute_period(params.period_blocks, height + 1)
        feeders = get_mining_set(state).operators
        assets = []
        for denom, asset in get_assets(state):
            aggregate = get_oracle_price(state, denom)
            quotes = len(get_period_quotes(state, denom, period, feeders))
            assets.append(
                listed_asset_view(
                    AssetPriceView,
                    denom,
                    asset,
                    oracle=(
                        from_records(AggregateView, aggregate, price=gos(aggregate.price_ugos))
                        if aggregate is not None
                        else None
                    ),
                    exchange_twap=twap_view(state, denom),
                    quotes_this_period=quotes,
                )
            )
        return OraclePricesResponse(
            height=height,
            period=period,
            next_aggregation_height=(period + 1) * params.period_blocks,
            assets=assets,
        )


@router.get("/params", response_model=OracleParamsView, summary="Oracle parameters")
def get_oracle_params(node: NodeDep) -> OracleParamsView:
    """Period length, feeder quorum, outlier band, staleness limit, the TWAP window and the current feeders."""
    with node.app.read_committed() as state:
        return params_view(OracleParamsView, state.params.get().oracle, feeders=list(get_mining_set(state).operators))
