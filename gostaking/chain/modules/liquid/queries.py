"""Reads of the liquid module: the exchange rate, the module's holdings and stakes, the instant pool, tickets and
the rate history. Every GOS quantity inside is in shares of the burn index; the `_ugos` views convert at today's
index (rounded down)."""

from typing import NamedTuple

from gostaking.chain.constants import LIQUID_ACCOUNT, LIQUID_POOL_ACCOUNT
from gostaking.chain.modules.bank.queries import (
    compute_shares_to_ugos,
    get_asset_supply,
    get_gos_index,
    get_shares,
)
from gostaking.chain.modules.liquid.tables import PARAMS, POOL, RATE_HISTORY, TICKETS, TOTALS
from gostaking.chain.modules.mining.queries import get_pending_reward_shares, get_position
from gostaking.chain.modules.nodes.queries import get_mining_set, get_node
from gostaking.chain.modules.staking.tables import DELEGATIONS, UNBONDINGS
from gostaking.chain.numeric import PPM, mul_div
from gostaking.chain.state import State
from gostaking.chain.types.liquid import (
    SGOS_DENOM,
    LiquidParams,
    LiquidPool,
    LiquidTotals,
    RatePoint,
    Ticket,
)
from gostaking.chain.types.mining import POOL_STAKE
from gostaking.chain.types.params import BLOCKS_PER_DAY

BLOCKS_PER_YEAR = 365 * BLOCKS_PER_DAY


def get_liquid_params(state: State) -> LiquidParams:
    """The module's parameters."""
    return state[PARAMS].get()


def get_liquid_totals(state: State) -> LiquidTotals:
    """Ticket totals and the payment cursor."""
    return state[TOTALS].get()


def get_sgos_supply(state: State) -> int:
    """usgos in existence (tickets' locked sGOS and the locked minimum included)."""
    return get_asset_supply(state, SGOS_DENOM)


def get_module_unbonding_shares(state: State) -> int:
    """GOS shares the module has unbonding. Its entries are few: it unbonds only at rebalances, from at most
    `max_moves_per_rebalance` nodes, so the scan is bounded by (unbonding period / interval) × moves."""
    entries = state[UNBONDINGS]
    keys = entries.scan_index("by_address", (LIQUID_ACCOUNT,))
    return sum(entry.shares for _, entry in entries.rows(keys))


def get_module_stakes(state: State) -> list[tuple[str, int]]:
    """(node, GOS shares) the module has staked, by node."""
    rows = state[DELEGATIONS].rows(state[DELEGATIONS].scan_index("by_address", (LIQUID_ACCOUNT,)))
    return [(node, shares) for (_, node, kind), shares in rows if kind == "stake"]


class LiquidHoldings(NamedTuple):
    """What the module controls, in GOS shares: the backing of every sGOS."""

    liquid_shares: int
    """Unstaked GOS held by the module (deposits waiting, arrived unbondings, claimed rewards)."""
    staked_shares: int
    unbonding_shares: int
    pending_reward_shares: int
    """Rewards earned and not yet claimed, net of the protocol fee."""
    sgos_supply: int
    gos_index: int

    @property
    def controlled_shares(self) -> int:
        """staked + unbonding + liquid + net pending rewards."""
        return self.liquid_shares + self.staked_shares + self.unbonding_shares + self.pending_reward_shares

    def ugos(self, shares: int) -> int:
        """`shares` in ugos at the holdings' index (rounded down)."""
        return compute_shares_to_ugos(shares, self.gos_index)


def get_holdings(state: State) -> LiquidHoldings:
    """The module's GOS by kind and the sGOS supply. O(pools + the module's unbonding entries), independent of the
    number of sGOS holders and tickets."""
    pending = get_pending_reward_shares(state, LIQUID_ACCOUNT)
    fee = get_liquid_params(state).protocol_fee_ppm
    return LiquidHoldings(
        liquid_shares=get_shares(state, LIQUID_ACCOUNT),
        staked_shares=get_position(state, LIQUID_ACCOUNT, POOL_STAKE).units,
        unbonding_shares=get_module_unbonding_shares(state),
        pending_reward_shares=mul_div(pending, PPM - fee, PPM),
        sgos_supply=get_sgos_supply(state),
        gos_index=get_gos_index(state),
    )


class ExchangeRate(NamedTuple):
    """`gos_shares` back `sgos_supply` usgos; with no sGOS yet, 1 usgos = 1 ugos."""

    gos_shares: int
    sgos_supply: int

    def sgos_to_shares(self, sgos: int) -> int:
        """GOS shares `sgos` usgos are worth, rounded down (what a redeemer receives)."""
        return mul_div(sgos, self.gos_shares, self.sgos_supply) if self.sgos_supply else 0

    def shares_to_sgos(self, shares: int) -> int:
        """usgos `shares` of GOS buy, rounded down (what a staker receives)."""
        return mul_div(shares, self.sgos_supply, self.gos_shares) if self.gos_shares else 0


def get_exchange_rate(state: State) -> ExchangeRate:
    """The current rate: GOS controlled by the module ÷ sGOS supply."""
    holdings = get_holdings(state)
    return ExchangeRate(holdings.controlled_shares, holdings.sgos_supply)


def compute_sgos_value_ugos(state: State, sgos: int) -> int:
    """ugos `sgos` usgos are worth now (rounded down); 1:1 before the first stake."""
    rate = get_exchange_rate(state)
    if rate.sgos_supply == 0:
        return sgos
    return compute_shares_to_ugos(rate.sgos_to_shares(sgos), get_gos_index(state))


def compute_ugos_per_sgos(state: State, scale: int = 10**6) -> int:
    """ugos one sGOS (10^6 usgos) is worth, times `scale` / 10^6 (rounded down): the rate for display."""
    rate = get_exchange_rate(state)
    if rate.sgos_supply == 0:
        return scale
    return compute_shares_to_ugos(rate.gos_shares * scale, get_gos_index(state)) // rate.sgos_supply


def get_eligible_nodes(state: State) -> list[str]:
    """The nodes the module stakes on, in allocation order: current mining-set nodes that are not jailed, fewest
    missed blocks in their downtime window first, then earlier registration; at most `max_nodes`."""
    ranked = []
    for operator in get_mining_set(state).operators:
        node = get_node(state, operator)
        if node is not None and not node.jailed and not node.tombstoned:
            ranked.append((node.missed_in_window, node.registration_index, operator))
    ranked.sort()
    return [operator for _, _, operator in ranked[: get_liquid_params(state).max_nodes]]


def compute_node_cap_shares(params: LiquidParams, total_shares: int) -> int:
    """Most GOS shares one node may hold: `max_node_share_ppm` of the module's stake and buffer."""
    return mul_div(total_shares, params.max_node_share_ppm, PPM)


def choose_stake_node(eligible: list[str], stakes: dict[str, int], cap_shares: int) -> tuple[str, int] | None:
    """(node, room below its cap) for new stake: the eligible node with the least of the module's stake (the
    most under its equal target), earlier in allocation order on ties; None when every node is at its cap."""
    best: tuple[int, int, str] | None = None
    for position, node in enumerate(eligible):
        current = stakes.get(node, 0)
        if current < cap_shares and (best is None or (current, position) < best[:2]):
            best = (current, position, node)
    return None if best is None else (best[2], cap_shares - best[0])


def choose_unbond_node(eligible: list[str], stakes: dict[str, int]) -> str | None:
    """The node to unbond from: a node outside the eligible set first (largest stake; its target is 0), else the
    eligible node with the most of the module's stake (the most over its equal target), by node on ties."""
    held = [(node, shares) for node, shares in sorted(stakes.items()) if shares > 0]
    outside = [(-shares, node) for node, shares in held if node not in eligible]
    inside = [(-shares, node) for node, shares in held if node in eligible]
    ranked = sorted(outside) or sorted(inside)
    return ranked[0][1] if ranked else None


class NodeStake(NamedTuple):
    """The module's stake on a node and its equal target, in ugos."""

    node: str
    stake_ugos: int
    target_ugos: int
    eligible: bool


def get_node_stakes(state: State) -> list[NodeStake]:
    """Every node the module stakes on or would stake on, eligible ones in allocation order first."""
    eligible = get_eligible_nodes(state)
    stakes = dict(get_module_stakes(state))
    holdings = get_holdings(state)
    staked_and_free = holdings.staked_shares + holdings.liquid_shares
    target = staked_and_free // len(eligible) if eligible else 0
    target = min(target, compute_node_cap_shares(get_liquid_params(state), staked_and_free))
    rows = [NodeStake(n, holdings.ugos(stakes.get(n, 0)), holdings.ugos(target), True) for n in eligible]
    rows += [NodeStake(n, holdings.ugos(s), 0, False) for n, s in sorted(stakes.items()) if n not in eligible]
    return rows


def compute_due_height(state: State, height: int) -> int:
    """When a ticket requested at `height` becomes payable: the module unbonds at the next rebalance (this block's
    end if it is one), and that stake returns after the stake unbonding period."""
    interval = get_liquid_params(state).rebalance_interval_blocks
    next_rebalance = -(-height // interval) * interval
    return next_rebalance + state.params.get().staking.stake_unbonding_blocks


def is_rebalance_height(state: State, height: int) -> bool:
    """True at the blocks whose end the module rebalances."""
    return height % get_liquid_params(state).rebalance_interval_blocks == 0


def compute_ticket_payout(ticket: Ticket, rate: ExchangeRate) -> int:
    """GOS shares a ticket pays now: its sGOS at today's rate, never more than its cap (the value when requested).
    The requester bears losses until payment and does not gain from rewards after requesting (Lido)."""
    return min(ticket.cap_shares, rate.sgos_to_shares(ticket.sgos))


def get_ticket(state: State, ticket_id: int) -> Ticket | None:
    """An open ticket, or None (never made, or already paid)."""
    return state[TICKETS].get(ticket_id)


def get_tickets_page(state: State, owner: str, offset: int, limit: int) -> tuple[int, list[tuple[int, Ticket]]]:
    """(the owner's open tickets, a page of (id, ticket)), oldest first. O(log n + limit)."""
    total, keys = state[TICKETS].page_index("by_owner", (owner,), offset, limit)
    return total, state[TICKETS].rows(keys)


def get_pool(state: State) -> LiquidPool:
    """The instant-redemption pool's legs and LP units."""
    return state[POOL].get()


def get_pool_tickets(state: State) -> list[tuple[int, Ticket]]:
    """The pool's open tickets (at most one per rebalance within an unbonding period)."""
    return state[TICKETS].rows(state[TICKETS].scan_index("by_owner", (LIQUID_POOL_ACCOUNT,)))


def compute_pool_value_shares(state: State, rate: ExchangeRate) -> int:
    """What the pool is worth in GOS shares: its GOS, its sGOS at the rate and what its tickets would pay now."""
    pool = get_pool(state)
    tickets = sum(compute_ticket_payout(ticket, rate) for _, ticket in get_pool_tickets(state))
    return pool.gos_shares + rate.sgos_to_shares(pool.sgos) + tickets


def compute_instant_fee_ppm(params: LiquidParams, available_ugos: int, wanted_ugos: int) -> int:
    """The instant-unstake fee: `min_fee` while the pool keeps at least the target after the swap, rising
    linearly to `max_fee` as what it keeps falls to 0 (Marinade). Rounded up (in favour of the LPs)."""
    left = max(available_ugos - wanted_ugos, 0)
    if left >= params.target_liquidity_ugos:
        return params.min_fee_ppm
    return params.max_fee_ppm - mul_div(params.max_fee_ppm - params.min_fee_ppm, left, params.target_liquidity_ugos)


class InstantQuote(NamedTuple):
    """An instant unstake priced on the pool now, as the chain would execute it."""

    fee_ppm: int
    fee_sgos: int
    """usgos the pool keeps (rounded up)."""
    treasury_sgos: int
    """Part of the fee paid to the community pool (rounded down)."""
    shares_out: int
    amount_out: int
    """ugos received (rounded down)."""
    available_ugos: int
    """The pool's GOS before the swap."""


def quote_instant_unstake(state: State, sgos: int) -> InstantQuote:
    """The swap of `sgos` usgos for GOS on the pool now. `amount_out` is 0 when the pool cannot pay it: the
    value asked must stay below the pool's GOS (the handler refuses it)."""
    params = get_liquid_params(state)
    index = get_gos_index(state)
    rate = get_exchange_rate(state)
    available = compute_shares_to_ugos(get_pool(state).gos_shares, index)
    wanted_shares = rate.sgos_to_shares(sgos)
    fee_ppm = compute_instant_fee_ppm(params, available, compute_shares_to_ugos(wanted_shares, index))
    fee_sgos = -(-sgos * fee_ppm // PPM)
    treasury = mul_div(fee_sgos, params.treasury_cut_ppm, PPM)
    shares_out = rate.sgos_to_shares(sgos - fee_sgos)
    if wanted_shares >= get_pool(state).gos_shares:
        shares_out = 0
    return InstantQuote(fee_ppm, fee_sgos, treasury, shares_out, compute_shares_to_ugos(shares_out, index), available)


class PoolStatus(NamedTuple):
    """The pool for display, in ugos and usgos."""

    gos_ugos: int
    sgos: int
    ticket_sgos: int
    ticket_value_ugos: int
    lp_supply: int
    value_ugos: int
    fee_now_ppm: int
    """The fee of a marginal swap now (the pool's depth decides it)."""


def get_pool_status(state: State) -> PoolStatus:
    """The pool's depth, tickets, LP units and current instant fee."""
    pool = get_pool(state)
    index = get_gos_index(state)
    rate = get_exchange_rate(state)
    tickets = get_pool_tickets(state)
    ticket_value = sum(compute_ticket_payout(ticket, rate) for _, ticket in tickets)
    gos_ugos = compute_shares_to_ugos(pool.gos_shares, index)
    return PoolStatus(
        gos_ugos=gos_ugos,
        sgos=pool.sgos,
        ticket_sgos=sum(ticket.sgos for _, ticket in tickets),
        ticket_value_ugos=compute_shares_to_ugos(ticket_value, index),
        lp_supply=pool.lp_supply,
        value_ugos=compute_shares_to_ugos(compute_pool_value_shares(state, rate), index),
        fee_now_ppm=compute_instant_fee_ppm(get_liquid_params(state), gos_ugos, 0),
    )


def get_rate_history(state: State) -> list[RatePoint]:
    """The kept rate points (one per rebalance), oldest first."""
    return sorted(state[RATE_HISTORY].values(), key=lambda point: point.height)


def compute_rate_point_ugos_per_sgos(point: RatePoint, scale: int = 10**6) -> int:
    """ugos one sGOS was worth at a rate point, times `scale` / 10^6 (rounded down)."""
    if point.sgos_supply == 0:
        return scale
    return compute_shares_to_ugos(point.gos_shares * scale, point.gos_index) // point.sgos_supply


def compute_apr_ppm(state: State, window_blocks: int) -> int | None:
    """The yearly rate (ppm, rounded down) at which one sGOS gained GOS over about the last `window_blocks`: from
    the oldest kept rate point in that window to the rate now, in GOS shares per sGOS (so burns, which shrink every
    GOS amount alike, do not count as losses), scaled to a year of blocks. None without a point in the window or
    without sGOS at either end. A slash in the window shows as a lower (possibly negative) rate."""
    height = state.height.get()
    points = [p for p in get_rate_history(state) if height - window_blocks <= p.height < height and p.sgos_supply]
    rate = get_exchange_rate(state)
    if not points or rate.sgos_supply == 0 or points[0].gos_shares == 0:
        return None
    then = points[0]
    elapsed = height - then.height
    # growth = (now / then − 1), with now and then in shares per sGOS, kept exact as one fraction.
    growth_num = rate.gos_shares * then.sgos_supply - then.gos_shares * rate.sgos_supply
    growth_den = then.gos_shares * rate.sgos_supply
    return growth_num * PPM * BLOCKS_PER_YEAR // (growth_den * elapsed)
