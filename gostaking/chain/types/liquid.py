"""Liquid staking (module `liquid`): sGOS at a rising exchange rate, redemption tickets and the instant pool.

Amounts of GOS inside the module are GOS *shares* of the burn index (a burn shrinks them like every GOS holding);
sGOS (`usgos`, 6 decimals) and the pool's LP units (`usgoslp`) are plain bank denoms. See docs/liquid.md.
"""

import msgspec

from gostaking.chain.numeric import UGOS_PER_GOS
from gostaking.chain.types.params import BLOCKS_PER_DAY
from gostaking.chain.types.tx import TxMsg

SGOS_DENOM = "usgos"
"""sGOS in base units (1 sGOS = 10^6 usgos)."""
LP_DENOM = "usgoslp"
"""Units of the instant-redemption pool."""
LOCKED_MINIMUM = 1_000
"""sGOS units (at the first stake) and LP units (at the first deposit) minted to the module itself and never
redeemable, so neither supply can return to a handful of units that a donation could inflate (Uniswap v2's
MINIMUM_LIQUIDITY, Lido's bootstrap shares)."""


class LiquidParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Parameters of the liquid module (section `liquid`; governance changes them like other sections)."""

    rebalance_interval_blocks: int = BLOCKS_PER_DAY
    """Every this many blocks (at end block) the module claims its rewards, turns the pool's sGOS into a ticket,
    drains nodes that left the eligible set and stakes or unbonds to meet its tickets."""
    protocol_fee_ppm: int = 50_000
    """Share of the module's staking rewards paid to the community pool (5%)."""
    max_nodes: int = 15
    """Nodes the module spreads its stake over: the mining-set nodes with the fewest recent misses."""
    max_node_share_ppm: int = 250_000
    """Most of the module's GOS one node may hold (25%): with fewer eligible nodes, the rest waits unstaked."""
    max_moves_per_rebalance: int = 8
    """Bound on the bond/unbond operations of one rebalance (bounded work; the rest waits for the next)."""
    max_ticket_payouts_per_block: int = 50
    """Bound on tickets paid (or skipped) per block."""
    min_first_stake_ugos: int = UGOS_PER_GOS
    """The first stake (while no sGOS exists) must be at least this (≥ LOCKED_MINIMUM + 1)."""
    min_fee_ppm: int = 3_000
    """Instant-unstake fee once the pool keeps at least `target_liquidity_ugos` after the swap (0.3%)."""
    max_fee_ppm: int = 30_000
    """Instant-unstake fee when the swap would empty the pool (3%)."""
    target_liquidity_ugos: int = 100_000 * UGOS_PER_GOS
    """The pool's GOS level at or above which the fee is minimal."""
    treasury_cut_ppm: int = 250_000
    """Part of each instant fee (in sGOS) paid to the community pool; the rest stays with the LPs."""
    min_first_liquidity_ugos: int = UGOS_PER_GOS
    """The first pool deposit (while no LP units exist) must be at least this (≥ LOCKED_MINIMUM + 1)."""
    rate_history_points: int = 400
    """How many rate points (one per rebalance) are kept, oldest dropped first."""


class LiquidGenesis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The module's section of the genesis document."""

    params: LiquidParams = LiquidParams()


class Ticket(msgspec.Struct, frozen=True, array_like=True):
    """A redemption request: `sgos` locked in the module (still part of the sGOS supply, so it shares rewards
    and losses until it is paid) and paid at most `cap_shares` of GOS (its value when requested)."""

    owner: str
    sgos: int
    cap_shares: int
    created_height: int
    due_height: int


class LiquidTotals(msgspec.Struct, frozen=True, array_like=True):
    """Running totals of the tickets and the payment cursor."""

    next_ticket_id: int = 0
    closed_tickets: int = 0
    """Tickets paid (or emptied by an LP's removal): together with the open ones they are every ticket made."""
    ticket_sgos: int = 0
    """sGOS locked in open tickets."""
    ticket_cap_shares: int = 0
    """Sum of the open tickets' caps: the GOS the module keeps liquid or unbonding for them."""
    pay_cursor: int = 0
    """Tickets with a smaller id are closed; payment resumes here."""
    rebalances: int = 0


class LiquidPool(msgspec.Struct, frozen=True, array_like=True):
    """The instant-redemption pool: its GOS (shares) and sGOS legs and its LP units (the locked minimum
    included). Its tickets (sGOS it took in, being redeemed) are tickets owned by the pool account."""

    gos_shares: int = 0
    sgos: int = 0
    lp_supply: int = 0


class RatePoint(msgspec.Struct, frozen=True, array_like=True):
    """The exchange rate at a rebalance: `gos_shares` controlled per `sgos_supply`, at `gos_index`."""

    height: int
    gos_shares: int
    sgos_supply: int
    gos_index: int


class MsgLiquidStake(TxMsg, frozen=True, tag="liquid_stake"):
    """Stake `amount` ugos through the module for sGOS at the current rate."""

    amount: int


class MsgLiquidUnstake(TxMsg, frozen=True, tag="liquid_unstake"):
    """Lock `sgos` usgos in a redemption ticket paying GOS after the stake unbonding period."""

    sgos: int


class MsgLiquidClaimTicket(TxMsg, frozen=True, tag="liquid_claim_ticket"):
    """Pay the sender's due ticket now (tickets are also paid automatically, in order, a bounded number per
    block)."""

    ticket: int


class MsgLiquidAddLiquidity(TxMsg, frozen=True, tag="liquid_add_liquidity"):
    """Deposit `ugos` in the instant-redemption pool for LP units."""

    ugos: int


class MsgLiquidRemoveLiquidity(TxMsg, frozen=True, tag="liquid_remove_liquidity"):
    """Return `lp` units for their share of the pool's GOS, sGOS and tickets (as sGOS)."""

    lp: int


class MsgLiquidInstantUnstake(TxMsg, frozen=True, tag="liquid_instant_unstake"):
    """Swap `sgos` for GOS from the pool now, for the instant fee; fails below `min_gos` ugos."""

    sgos: int
    min_gos: int
