"""End of an oracle period: aggregate the quotes and move the lock pools' prices."""

from msgspec.structs import replace

from gostaking.chain.env import Context
from gostaking.chain.modules.dex.queries import get_oracle_market_price
from gostaking.chain.modules.lock.mutations import set_asset_valuation
from gostaking.chain.modules.lock.tables import ASSETS
from gostaking.chain.modules.nodes.tables import MINING_SET
from gostaking.chain.modules.oracle.events import PriceStaleEvent, PriceUpdatedEvent
from gostaking.chain.modules.oracle.mutations import clear_quotes, set_oracle_price
from gostaking.chain.modules.oracle.queries import compute_aggregate, compute_period, get_period_quotes
from gostaking.chain.modules.oracle.tables import ORACLE_PRICES
from gostaking.chain.state import State
from gostaking.chain.types.oracle import OraclePrice


def aggregate_prices_if_due(state: State, ctx: Context) -> None:
    """At a period's last block, set each asset's price from this period's quotes by current mining nodes
    and the exchange's pool price (the GOS index from both sources).

    Quotes of earlier periods and of nodes that left the mining set do not count. Without a quorum the price
    stays, and after `max_stale_periods` such periods it is marked stale. Work: O(assets × mining nodes).
    """
    params = state.params.get().oracle
    if ctx.height % params.period_blocks:
        return
    period = compute_period(params.period_blocks, ctx.height)
    feeders = state[MINING_SET].get().operators
    for denom, asset in state[ASSETS].items_sorted():
        prices = get_period_quotes(state, denom, period, feeders)
        clear_quotes(state, denom, feeders)
        market_price = get_oracle_market_price(state, denom, asset.decimals)
        market = () if market_price is None else (market_price,)
        aggregate = compute_aggregate(prices, len(feeders), params.min_feeders_ppm, params.outlier_band_ppm, market)
        previous = state[ORACLE_PRICES].get(denom)
        if aggregate is None:
            if previous is not None:
                missed = previous.missed_periods + 1
                stale = missed >= params.max_stale_periods
                set_oracle_price(state, denom, replace(previous, missed_periods=missed, stale=stale))
                if stale and not previous.stale:
                    ctx.emit(PriceStaleEvent(denom=denom, since_height=previous.updated_height))
            continue
        price, used = aggregate
        set_oracle_price(state, denom, OraclePrice(price, ctx.height, used))
        set_asset_valuation(state, denom, price, asset.weight_ppm)
        ctx.emit(PriceUpdatedEvent(denom=denom, price_ugos=price, quotes=used, period=period))
