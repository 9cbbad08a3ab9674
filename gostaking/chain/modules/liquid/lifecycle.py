"""Block work of the liquid module, and the allocation rule the handlers share.

Begin block (after staking's, so unbondings that matured this block have returned): pay due tickets in request
order, at most `max_ticket_payouts_per_block`. End block, every `rebalance_interval_blocks`: claim the module's
rewards (protocol fee to the community pool), turn the pool's sGOS into a ticket, drain nodes that left the
eligible set, unbond what the open tickets need, stake what is left over, record the rate. Each step is bounded
by `max_moves_per_rebalance` node operations; none depends on the number of sGOS holders or tickets.
"""

from msgspec.structs import replace

from gostaking.chain.constants import LIQUID_ACCOUNT, LIQUID_POOL_ACCOUNT
from gostaking.chain.env import Context
from gostaking.chain.modules.bank.queries import get_shares
from gostaking.chain.modules.liquid.events import LiquidRebalanceEvent
from gostaking.chain.modules.liquid.mutations import (
    advance_pay_cursor,
    claim_module_rewards,
    open_ticket,
    pay_ticket,
    record_rate_point,
    set_pool,
    stake_on_node,
    unbond_from_node,
)
from gostaking.chain.modules.liquid.queries import (
    ExchangeRate,
    choose_stake_node,
    choose_unbond_node,
    compute_due_height,
    compute_node_cap_shares,
    compute_ticket_payout,
    get_eligible_nodes,
    get_exchange_rate,
    get_holdings,
    get_liquid_params,
    get_liquid_totals,
    get_module_stakes,
    get_pool,
    get_ticket,
    is_rebalance_height,
)
from gostaking.chain.state import State


def process_due_tickets(state: State, ctx: Context) -> None:
    """Pay due tickets oldest first while the module's liquid GOS covers them; a ticket whose GOS has not
    arrived stops the queue until it has (tickets are paid in request order). Bounded per block."""
    totals = get_liquid_totals(state)
    limit = get_liquid_params(state).max_ticket_payouts_per_block
    cursor = totals.pay_cursor
    liquid = get_shares(state, LIQUID_ACCOUNT)
    rate: ExchangeRate | None = None
    work = 0
    while work < limit and cursor < totals.next_ticket_id:
        ticket = get_ticket(state, cursor)
        if ticket is not None:
            if ticket.due_height > ctx.height:
                break
            rate = rate or get_exchange_rate(state)
            payout = compute_ticket_payout(ticket, rate)
            if payout > liquid:
                break
            pay_ticket(state, ctx, cursor, ticket, rate)
            # Paying moves exactly `payout` out of the backing and burns the ticket's sGOS.
            rate = ExchangeRate(rate.gos_shares - payout, rate.sgos_supply - ticket.sgos)
            liquid -= payout
        cursor += 1
        work += 1
    if cursor != totals.pay_cursor:
        advance_pay_cursor(state, cursor)


def process_rebalance(state: State, ctx: Context) -> None:
    """Every `rebalance_interval_blocks`: rewards, the pool's ticket, draining, covering tickets, staking."""
    if not is_rebalance_height(state, ctx.height):
        return
    rewards, fee = claim_module_rewards(state, ctx)
    redeem_pool_sgos(state, ctx)
    budget = get_liquid_params(state).max_moves_per_rebalance
    budget = drain_ineligible_nodes(state, ctx, budget)
    budget = cover_tickets(state, ctx, budget)
    deploy_liquid_gos(state, ctx, budget, "rebalance")
    rate = get_exchange_rate(state)
    record_rate_point(state, ctx.height, rate)
    ctx.emit(
        LiquidRebalanceEvent(
            rewards=rewards, protocol_fee=fee, gos_shares=rate.gos_shares, sgos_supply=rate.sgos_supply
        )
    )


def redeem_pool_sgos(state: State, ctx: Context) -> None:
    """The sGOS the pool took in become one ticket of the pool, so its GOS refills when the ticket is paid."""
    pool = get_pool(state)
    if pool.sgos == 0:
        return
    cap = get_exchange_rate(state).sgos_to_shares(pool.sgos)
    set_pool(state, replace(pool, sgos=0))
    open_ticket(state, LIQUID_POOL_ACCOUNT, pool.sgos, cap, ctx.height, compute_due_height(state, ctx.height))


def drain_ineligible_nodes(state: State, ctx: Context, budget: int) -> int:
    """Unbond all of the module's stake on nodes outside the eligible set (left the mining set, jailed); the GOS
    is restaked on eligible nodes when it returns. Returns the budget left."""
    eligible = set(get_eligible_nodes(state))
    for node, shares in get_module_stakes(state):
        if budget == 0:
            break
        if node not in eligible and unbond_from_node(state, ctx, node, shares, shares, "drain"):
            budget -= 1
    return budget


def cover_tickets(state: State, ctx: Context, budget: int) -> int:
    """Unbond what the open tickets' caps exceed the module's liquid and unbonding GOS by, from the most
    over-target nodes. Returns the budget left."""
    holdings = get_holdings(state)
    shortfall = get_liquid_totals(state).ticket_cap_shares - holdings.liquid_shares - holdings.unbonding_shares
    eligible = get_eligible_nodes(state)
    stakes = dict(get_module_stakes(state))
    while budget > 0 and shortfall > 0:
        node = choose_unbond_node(eligible, stakes)
        if node is None:
            break
        unbonded = unbond_from_node(state, ctx, node, shortfall, stakes[node], "tickets")
        if unbonded == 0:
            break
        stakes[node] -= unbonded
        shortfall -= unbonded
        budget -= 1
    return budget


def deploy_liquid_gos(state: State, ctx: Context, budget: int, reason: str) -> int:
    """Stake the liquid GOS the open tickets do not need: each move fills the eligible node with the least of the
    module's stake up to the equal target (then up to the per-node cap). Returns the budget left."""
    holdings = get_holdings(state)
    needed = max(get_liquid_totals(state).ticket_cap_shares - holdings.unbonding_shares, 0)
    spare = holdings.liquid_shares - needed
    eligible = get_eligible_nodes(state)
    if spare <= 0 or not eligible:
        return budget
    stakes = dict(get_module_stakes(state))
    total = holdings.staked_shares + spare
    cap = compute_node_cap_shares(get_liquid_params(state), total)
    target = min(-(-total // len(eligible)), cap)
    while budget > 0 and spare > 0:
        choice = choose_stake_node(eligible, stakes, target) or choose_stake_node(eligible, stakes, cap)
        if choice is None:
            break
        node, room = choice
        bonded = stake_on_node(state, ctx, node, min(spare, room), reason)
        if bonded == 0:
            break
        stakes[node] = stakes.get(node, 0) + bonded
        spare -= bonded
        budget -= 1
    return budget
