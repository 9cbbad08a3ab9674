"""Tables of the oracle module: this period's quotes and the aggregated prices."""

from gostaking.chain.tables import TableSpec
from gostaking.chain.types.oracle import OraclePrice, PriceVote

PRICE_VOTES = TableSpec("price_votes", tuple[str, str], PriceVote, doc="(denom, feeder operator) → latest quote.")
ORACLE_PRICES = TableSpec("oracle_prices", str, OraclePrice)
