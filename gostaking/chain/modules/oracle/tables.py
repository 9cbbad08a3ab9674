"""Tables of the oracle module: this period's quotes, the aggregated prices and the exchange's cumulative prices
at past period ends (where the time-weighted averages' windows start)."""

from gostaking.chain.tables import TableSpec
from gostaking.chain.types.oracle import OraclePrice, PriceVote, TwapCheckpoint

PRICE_VOTES = TableSpec("price_votes", tuple[str, str], PriceVote, doc="(denom, feeder operator) → latest quote.")
ORACLE_PRICES = TableSpec("oracle_prices", str, OraclePrice, resident=True)  # one per listed asset
TWAP_CHECKPOINTS = TableSpec(
    "oracle_twap_checkpoints",
    str,
    tuple[TwapCheckpoint, ...],
    doc="denom → the exchange sources' cumulative prices at recent period ends, oldest first: from the newest one "
    "at least a TWAP window old on (a bounded ring: at most MAX_TWAP_WINDOW_PERIODS + 2 entries).",
)
