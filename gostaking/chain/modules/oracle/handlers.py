"""Price submissions by mining node operators."""

from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidMessageError, UnauthorizedError, require, require_amount
from gostaking.chain.modules.lock.queries import require_asset
from gostaking.chain.modules.lock.tables import ASSETS
from gostaking.chain.modules.nodes.tables import MINING_SET
from gostaking.chain.modules.oracle.events import PricesSubmittedEvent
from gostaking.chain.modules.oracle.mutations import record_quote
from gostaking.chain.modules.oracle.queries import compute_period
from gostaking.chain.state import State
from gostaking.chain.types.oracle import PriceVote
from gostaking.chain.types.tx import MsgSubmitPrices


def check_submit_prices(state: State, msg: MsgSubmitPrices) -> None:
    """One quote per listed asset at most, each of a listed asset, prices within 1..2^256-1 ugos."""
    require(0 < len(msg.quotes) <= len(state[ASSETS]), InvalidMessageError, "one quote per listed asset at most")
    denoms = [quote.denom for quote in msg.quotes]
    require(len(set(denoms)) == len(denoms), InvalidMessageError, "an asset is quoted twice")
    for quote in msg.quotes:
        require_asset(state, quote.denom)
        require_amount(quote.price_ugos)


def process_submit_prices(state: State, ctx: Context, msg: MsgSubmitPrices) -> None:
    """Record the sender's quotes for the current period. Only operators of mining nodes feed prices."""
    require(
        ctx.sender in state[MINING_SET].get().operators,
        UnauthorizedError,
        f"{ctx.sender} does not operate a mining node; only mining nodes feed prices",
    )
    period = compute_period(state.params.get().oracle.period_blocks, ctx.height)
    for quote in msg.quotes:
        record_quote(state, quote.denom, ctx.sender, PriceVote(quote.price_ugos, period))
    assets = ",".join(sorted(quote.denom for quote in msg.quotes))
    ctx.emit(PricesSubmittedEvent(feeder=ctx.sender, assets=assets, period=period))
