"""Events of the liquid module."""

from gostaking.chain.events import ChainEvent


class LiquidStakedEvent(ChainEvent, frozen=True, tag="liquid_staked"):
    """`amount` ugos (`shares` of GOS) staked through the module for `sgos` usgos."""

    address: str
    amount: int
    shares: int
    sgos: int


class LiquidUnstakedEvent(ChainEvent, frozen=True, tag="liquid_unstaked"):
    """`sgos` usgos locked in ticket `ticket`, paying at most `cap_shares` GOS shares from `due_height` on."""

    address: str
    ticket: int
    sgos: int
    cap_shares: int
    due_height: int


class TicketPaidEvent(ChainEvent, frozen=True, tag="liquid_ticket_paid"):
    """Ticket `ticket` paid `shares` of GOS (`amount` ugos) to its owner; its `sgos` were burned."""

    ticket: int
    owner: str
    sgos: int
    shares: int
    amount: int


class InstantUnstakeEvent(ChainEvent, frozen=True, tag="liquid_instant_unstaked"):
    """`sgos` usgos swapped for `amount` ugos from the pool; `fee_sgos` kept (fee `fee_ppm`), of which
    `treasury_sgos` went to the community pool."""

    address: str
    sgos: int
    amount: int
    fee_ppm: int
    fee_sgos: int
    treasury_sgos: int


class PoolLiquidityAddedEvent(ChainEvent, frozen=True, tag="liquid_pool_added"):
    """`amount` ugos deposited in the instant pool for `lp` units."""

    provider: str
    amount: int
    lp: int


class PoolLiquidityRemovedEvent(ChainEvent, frozen=True, tag="liquid_pool_removed"):
    """`lp` units returned for `gos_shares` of GOS and `sgos` usgos (the pool's legs and tickets)."""

    provider: str
    lp: int
    gos_shares: int
    sgos: int


class LiquidDelegationEvent(ChainEvent, frozen=True, tag="liquid_delegation"):
    """The module staked (`change` > 0) or unbonded (< 0) GOS shares on a node (`reason`: stake, tickets,
    drain, rebalance)."""

    node: str
    change: int
    reason: str


class LiquidRebalanceEvent(ChainEvent, frozen=True, tag="liquid_rebalance"):
    """A rebalance: `rewards` GOS shares claimed, `protocol_fee` of them to the community pool, the rate after
    (`gos_shares` per `sgos_supply`)."""

    rewards: int
    protocol_fee: int
    gos_shares: int
    sgos_supply: int
