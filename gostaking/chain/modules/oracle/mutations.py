"""Oracle writes: the feeders' quotes of the current period, the aggregated prices and the TWAP checkpoints."""

from gostaking.chain.modules.oracle.tables import ORACLE_PRICES, PRICE_VOTES, TWAP_CHECKPOINTS
from gostaking.chain.state import State
from gostaking.chain.types.oracle import OraclePrice, PriceVote, TwapCheckpoint


def record_quote(state: State, denom: str, feeder: str, quote: PriceVote) -> None:
    """Keep a feeder's latest quote of an asset (a later quote in the period replaces it)."""
    state[PRICE_VOTES].put((denom, feeder), quote)


def clear_quotes(state: State, denom: str, feeders: tuple[str, ...]) -> None:
    """Forget the feeders' quotes of an asset once its period is aggregated."""
    for feeder in feeders:
        state[PRICE_VOTES].delete((denom, feeder))


def set_oracle_price(state: State, denom: str, price: OraclePrice) -> None:
    """Store an asset's aggregated price (or its staleness count)."""
    state[ORACLE_PRICES].put(denom, price)


def set_twap_checkpoints(state: State, denom: str, checkpoints: tuple[TwapCheckpoint, ...]) -> None:
    """Store an asset's TWAP checkpoints (oldest first; `compute_kept_checkpoints` bounds them)."""
    state[TWAP_CHECKPOINTS].put(denom, checkpoints)
