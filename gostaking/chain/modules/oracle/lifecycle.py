"""End of an oracle period: aggregate the quotes and move the lock pools' prices."""

from msgspec.structs import replace

from gostaking.chain.env import Context
from gostaking.chain.modules.lock.mutations import set_asset_valuation
from gostaking.chain.modules.lock.tables import ASSETS
from gostaking.chain.modules.nodes.tables import MINING_SET
from gostaking.chain.modules.oracle.events import PriceStaleEvent, PriceUpdatedEvent
from gostaking.chain.modules.oracle.mutations import clear_quotes, set_oracle_price, set_twap_checkpoints
from gostaking.chain.modules.oracle.queries import (
    compute_aggregate,
    compute_checkpoint,
    compute_kept_checkpoints,
    compute_market_twaps,
    compute_period,
    get_period_quotes,
    get_twap_checkpoints,
)
from gostaking.chain.modules.oracle.tables import ORACLE_PRICES
from gostaking.chain.state import State
from gostaking.chain.types.oracle import OraclePrice


def aggregate_prices_if_due(state: State, ctx: Context) -> None:
    """At a period's last block, set each asset's price from this period's quotes by current mining nodes and
    the exchange's time-weighted average prices over the last `twap_window_blocks` (the GOS index from both), then
    checkpoint the exchange's cumulative prices for the windows to come.

    The exchange's averages join the median but never make the quorum; being averages (Uniswap v2's oracle), one
    block's price weighs at most 1/window in them, so one large swap cannot move the index. Quotes of earlier
    periods and of nodes that left the mining set do not count. Without a quorum the price stays, and after
    `max_stale_periods` such periods it is marked stale. Work: O(assets × (mining nodes + window / period)).
    """
    params = state.params.get().oracle
    if ctx.height % params.period_blocks:
        return
    period = compute_period(params.period_blocks, ctx.height)
    feeders = state[MINING_SET].get().operators
    for denom, asset in state[ASSETS].items_sorted():
        prices = get_period_quotes(state, denom, period, feeders)
        clear_quotes(state, denom, feeders)
        checkpoints = get_twap_checkpoints(state, denom)
        market = compute_market_twaps(state, denom, ctx.height, checkpoints, params.twap_window_blocks).prices()
        checkpoint = compute_checkpoint(state, denom, ctx.height)
        set_twap_checkpoints(state, denom, compute_kept_checkpoints(checkpoints, checkpoint, params.twap_window_blocks))
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
