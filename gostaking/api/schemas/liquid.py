"""Liquid staking: the sGOS exchange rate and its history, the module's holdings and per-node stakes, the instant
pool and its quotes, redemption tickets and the module's parameters (docs/liquid.md)."""

from pydantic import BaseModel, Field

from .common import AssetAmount, GosAmount, OffsetPage


class AprView(BaseModel):
    """The yearly rate at which one sGOS gained GOS over a window of the rate history."""

    window_blocks: int
    apr_ppm: int | None = Field(description="yearly growth in ppm (rounded down); null without a rate point in it")
    apr: str | None = Field(description="apr_ppm as a percentage", examples=["4.8%"])


class LiquidRateView(BaseModel):
    """What one sGOS is worth now, exactly, and how fast that grew."""

    height: int
    gos_per_sgos: str = Field(
        description="GOS one sGOS is worth, an exact decimal string to 18 places (rounded down)", examples=["1.05"]
    )
    one_sgos: GosAmount = Field(description="ugos one whole sGOS (10^6 usgos) redeems for now (rounded down)")
    sgos_supply: AssetAmount = Field(description="every sGOS in existence (tickets' and the locked minimum included)")
    controlled: GosAmount = Field(description="the GOS backing them: staked, unbonding, liquid and net pending")
    apr_day: AprView
    apr_week: AprView


class RatePointView(BaseModel):
    """The exchange rate at a rebalance."""

    height: int
    gos_per_sgos: str = Field(description="exact decimal string to 18 places (rounded down)")
    sgos_supply: int = Field(description="usgos in existence then")


class RateHistoryPage(OffsetPage):
    """A page of the kept rate points (one per rebalance), oldest first."""

    points: list[RatePointView]


class NodeStakeView(BaseModel):
    """The module's stake on one node and the equal target it moves toward."""

    node: str
    moniker: str
    stake: GosAmount
    target: GosAmount = Field(description="the node's equal share under the per-node cap (0 outside the set)")
    eligible: bool = Field(description="in the set the module stakes on (mining, not jailed, best uptime)")


class LiquidHoldingsView(BaseModel):
    """Everything behind sGOS, by kind, the per-node stakes and the ticket queue."""

    height: int
    liquid: GosAmount = Field(description="unstaked GOS held by the module (waiting deposits, arrivals, rewards)")
    staked: GosAmount
    unbonding: GosAmount
    pending_rewards: GosAmount = Field(description="rewards earned and not yet claimed, net of the protocol fee")
    controlled: GosAmount
    sgos_supply: AssetAmount
    node_stakes: list[NodeStakeView] = Field(description="eligible nodes in allocation order, then others held")
    open_tickets: int
    tickets_made: int
    ticket_sgos: AssetAmount = Field(description="sGOS locked in open tickets")
    rebalances: int
    next_rebalance_height: int


class LiquidPoolView(BaseModel):
    """The instant-redemption pool: its depth, what it holds and the fee a marginal swap pays now."""

    height: int
    gos: GosAmount = Field(description="GOS the pool can pay out now (its depth)")
    sgos: AssetAmount = Field(description="sGOS taken in and not yet turned into a ticket")
    ticket_sgos: AssetAmount = Field(description="sGOS of the pool's tickets being redeemed")
    ticket_value: GosAmount = Field(description="what the pool's tickets would pay now")
    value: GosAmount = Field(description="the pool's worth: GOS, sGOS at the rate and its tickets")
    lp_supply: AssetAmount = Field(description="LP units outstanding (the locked minimum included)")
    fee_now_ppm: int
    fee_now: str = Field(description="fee_now_ppm as a percentage", examples=["0.3%"])
    target_liquidity: GosAmount = Field(description="the depth at or above which the fee is the minimum")


class InstantQuoteView(BaseModel):
    """An instant unstake of `sgos_in` priced as the chain would execute it next."""

    height: int
    sgos_in: AssetAmount
    fee_ppm: int
    fee: str = Field(description="fee_ppm as a percentage")
    fee_sgos: AssetAmount = Field(description="part of sgos_in the pool keeps (rounded up)")
    treasury_sgos: AssetAmount = Field(description="part of the fee paid to the community pool")
    amount_out: GosAmount = Field(description="GOS received (rounded down): what min_gos is checked against")
    value_at_rate: GosAmount = Field(description="sgos_in at the exchange rate, before the fee")
    pool_gos: GosAmount = Field(description="the pool's GOS before the swap")


class TicketView(BaseModel):
    """An open redemption ticket and when it pays."""

    id: int
    owner: str
    sgos: AssetAmount
    cap: GosAmount = Field(description="the most it pays: its value when requested")
    payout_now: GosAmount = Field(description="what it would pay at today's rate (never above cap)")
    created_height: int
    due_height: int
    due: bool = Field(description="the due height is reached (payment also waits for its GOS to return)")
    blocks_left: int
    time_left: str = Field(
        description="blocks_left at this node's block interval, as days and hours", examples=["21d 3h"]
    )
    estimated_due_time: str = Field(description="ISO 8601 UTC estimate of the due height (display only)")


class TicketsPage(OffsetPage):
    """A page of an address's open tickets, oldest first."""

    address: str
    tickets: list[TicketView]


class LiquidParamsView(BaseModel):
    """The liquid module's parameters (governance changes them)."""

    rebalance_interval_blocks: int
    protocol_fee_ppm: int
    protocol_fee: str = Field(description="share of the module's rewards paid to the community pool")
    max_nodes: int
    max_node_share_ppm: int
    max_node_share: str
    max_moves_per_rebalance: int
    max_ticket_payouts_per_block: int
    min_first_stake_ugos: int
    min_first_stake: GosAmount
    min_fee_ppm: int
    min_fee: str
    max_fee_ppm: int
    max_fee: str
    target_liquidity_ugos: int
    target_liquidity: GosAmount
    treasury_cut_ppm: int
    treasury_cut: str
    min_first_liquidity_ugos: int
    min_first_liquidity: GosAmount
    rate_history_points: int
    stake_unbonding_blocks: int = Field(description="staking's unbonding period, which every ticket waits")
