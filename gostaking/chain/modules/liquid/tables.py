"""Tables of the liquid module."""

from gostaking.chain.tables import SingletonSpec, TableSpec
from gostaking.chain.types.liquid import LiquidParams, LiquidPool, LiquidTotals, RatePoint, Ticket

TICKETS = TableSpec(
    "liquid_tickets",
    int,
    Ticket,
    indexes={"by_owner": lambda ticket_id, ticket: (ticket.owner, ticket_id)},
    doc="ticket id → open redemption ticket; indexed by owner (a user's tickets, the pool's tickets).",
)
TOTALS = SingletonSpec("liquid_totals", LiquidTotals, LiquidTotals)
POOL = SingletonSpec("liquid_pool", LiquidPool, LiquidPool)
RATE_HISTORY = TableSpec(
    "liquid_rate_history",
    int,
    RatePoint,
    doc="slot (rebalance number mod rate_history_points) → rate point.",
    resident=True,  # a ring of rate_history_points entries, read whole by the APR queries
)
PARAMS = SingletonSpec("liquid_params", LiquidParams, LiquidParams)
