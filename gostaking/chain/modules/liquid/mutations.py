"""Liquid-module writes: its tables, and the GOS, sGOS and stake it moves through the bank and staking."""

from msgspec.structs import replace

from gostaking.chain.constants import COMMUNITY_POOL_ACCOUNT, LIQUID_ACCOUNT, LIQUID_POOL_ACCOUNT
from gostaking.chain.env import Context
from gostaking.chain.modules.bank.mutations import burn_asset, mint_asset, move_asset, move_units, register_denom
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.liquid.events import LiquidDelegationEvent, TicketPaidEvent
from gostaking.chain.modules.liquid.queries import ExchangeRate, compute_ticket_payout, get_liquid_params
from gostaking.chain.modules.liquid.tables import POOL, RATE_HISTORY, TICKETS, TOTALS
from gostaking.chain.modules.mining.handlers import settle_all_positions
from gostaking.chain.modules.staking.mutations import bond, unbond
from gostaking.chain.numeric import GOS_DENOM, INDEX_ONE, PPM, mul_div, mul_div_ceil
from gostaking.chain.state import State
from gostaking.chain.types.liquid import LP_DENOM, SGOS_DENOM, LiquidPool, RatePoint, Ticket


def register_liquid_denoms(state: State) -> None:
    """Make sGOS and the pool's LP units bank denoms (genesis). They are not listed assets: they cannot be locked
    for hash power, and custody (which serves listed assets) has nothing to back for them."""
    register_denom(state, SGOS_DENOM)
    register_denom(state, LP_DENOM)


def mint_sgos(state: State, recipient: str, sgos: int) -> None:
    """Create usgos for `recipient`."""
    mint_asset(state, recipient, SGOS_DENOM, sgos)


def burn_sgos(state: State, holder: str, sgos: int) -> None:
    """Destroy usgos held by `holder`."""
    burn_asset(state, holder, SGOS_DENOM, sgos)


def set_pool(state: State, pool: LiquidPool) -> None:
    """Store the instant pool's legs and LP units."""
    state[POOL].set(pool)


def mint_lp(state: State, recipient: str, units: int) -> None:
    """Create LP units for `recipient`."""
    mint_asset(state, recipient, LP_DENOM, units)


def burn_lp(state: State, holder: str, units: int) -> None:
    """Destroy LP units held by `holder`."""
    burn_asset(state, holder, LP_DENOM, units)


def open_ticket(state: State, owner: str, sgos: int, cap_shares: int, height: int, due_height: int) -> int:
    """Lock `sgos` of the owner's usgos in the module under a new ticket; returns its id."""
    move_asset(state, owner, LIQUID_ACCOUNT, SGOS_DENOM, sgos)
    totals = state[TOTALS].get()
    ticket_id = totals.next_ticket_id
    state[TICKETS].put(ticket_id, Ticket(owner, sgos, cap_shares, height, due_height))
    state[TOTALS].set(
        replace(
            totals,
            next_ticket_id=ticket_id + 1,
            ticket_sgos=totals.ticket_sgos + sgos,
            ticket_cap_shares=totals.ticket_cap_shares + cap_shares,
        )
    )
    return ticket_id


def _take_from_ticket(state: State, ticket_id: int, ticket: Ticket, sgos: int, cap_shares: int) -> None:
    """Reduce a ticket by `sgos` and `cap_shares` (the caller moves or burns those sGOS); an emptied ticket
    closes."""
    totals = state[TOTALS].get()
    closed = ticket.sgos == sgos
    if closed:
        cap_shares = ticket.cap_shares  # a closed ticket takes its whole cap out of the totals
        state[TICKETS].delete(ticket_id)
    else:
        state[TICKETS].put(
            ticket_id, replace(ticket, sgos=ticket.sgos - sgos, cap_shares=ticket.cap_shares - cap_shares)
        )
    state[TOTALS].set(
        replace(
            totals,
            closed_tickets=totals.closed_tickets + closed,
            ticket_sgos=totals.ticket_sgos - sgos,
            ticket_cap_shares=totals.ticket_cap_shares - cap_shares,
        )
    )


def credit_gos(state: State, recipient: str, shares: int) -> None:
    """Pay GOS shares out of the module's liquid GOS (to the pool's leg when the pool is the recipient)."""
    move_units(state, LIQUID_ACCOUNT, recipient, GOS_DENOM, shares)
    if recipient == LIQUID_POOL_ACCOUNT:
        pool = state[POOL].get()
        state[POOL].set(replace(pool, gos_shares=pool.gos_shares + shares))


def pay_ticket(state: State, ctx: Context, ticket_id: int, ticket: Ticket, rate: ExchangeRate) -> int:
    """Pay a due ticket: its sGOS are burned and its owner receives what they are worth now, at most its cap.
    The caller has checked that the module holds that much liquid GOS. Returns the shares paid."""
    payout = compute_ticket_payout(ticket, rate)
    _take_from_ticket(state, ticket_id, ticket, ticket.sgos, ticket.cap_shares)
    burn_sgos(state, LIQUID_ACCOUNT, ticket.sgos)
    if payout:
        credit_gos(state, ticket.owner, payout)
    amount = compute_shares_to_ugos(payout, get_gos_index(state))
    ctx.emit(TicketPaidEvent(ticket=ticket_id, owner=ticket.owner, sgos=ticket.sgos, shares=payout, amount=amount))
    return payout


def split_ticket(
    state: State, ticket_id: int, ticket: Ticket, part: int, whole: int, recipient: str, rate: ExchangeRate
) -> int:
    """Hand `part`/`whole` of a pool ticket back as sGOS to `recipient` (an LP leaving): the sGOS taken out are
    worth at most the cap taken with them; any sGOS above that are burned (their surplus value stays with all
    holders, as it would at payment). Returns the usgos handed back."""
    sgos = mul_div(ticket.sgos, part, whole)
    cap = mul_div(ticket.cap_shares, part, whole)
    if sgos == 0:
        return 0
    given = sgos if rate.sgos_to_shares(sgos) <= cap else min(rate.shares_to_sgos(cap), sgos)
    _take_from_ticket(state, ticket_id, ticket, sgos, cap)
    if given:
        move_asset(state, LIQUID_ACCOUNT, recipient, SGOS_DENOM, given)
    if sgos > given:
        burn_sgos(state, LIQUID_ACCOUNT, sgos - given)
    return given


def advance_pay_cursor(state: State, cursor: int) -> None:
    """Tickets below `cursor` are closed."""
    state[TOTALS].set(replace(state[TOTALS].get(), pay_cursor=cursor))


def claim_module_rewards(state: State, ctx: Context) -> tuple[int, int]:
    """Claim the module's staking rewards and pay the protocol fee (rounded down) to the community pool; the rest
    stays liquid to be restaked. Runs before every change of the module's stake (a change settles rewards, and
    none may bypass the fee). Returns (rewards, fee) in shares."""
    rewards = settle_all_positions(state, ctx, LIQUID_ACCOUNT)
    fee = mul_div(rewards, get_liquid_params(state).protocol_fee_ppm, PPM)
    if fee:
        move_units(state, LIQUID_ACCOUNT, COMMUNITY_POOL_ACCOUNT, GOS_DENOM, fee)
    return rewards, fee


def stake_on_node(state: State, ctx: Context, node: str, shares: int, reason: str) -> int:
    """Stake about `shares` of the module's liquid GOS on `node` (the ugos they are worth, rounded down, so
    never more than held); returns the shares bonded (0 when they are worth less than 1 ugos)."""
    ugos = compute_shares_to_ugos(shares, get_gos_index(state))
    if ugos == 0:
        return 0
    bonded = bond(state, ctx, LIQUID_ACCOUNT, node, "stake", ugos)
    ctx.emit(LiquidDelegationEvent(node=node, change=bonded, reason=reason))
    return bonded


def unbond_from_node(state: State, ctx: Context, node: str, shares: int, held: int, reason: str) -> int:
    """Unbond at least `shares` (all of `held` when that is less, or when the rest would be dust) of the module's
    stake on `node`; returns the shares unbonded."""
    index = get_gos_index(state)
    displayed = compute_shares_to_ugos(held, index)
    ugos = displayed if shares >= held else min(mul_div_ceil(shares, index, INDEX_ONE), displayed)
    if ugos == 0:
        return 0
    unbonded, _ = unbond(state, ctx, LIQUID_ACCOUNT, node, "stake", ugos)
    ctx.emit(LiquidDelegationEvent(node=node, change=-unbonded, reason=reason))
    return unbonded


def record_rate_point(state: State, height: int, rate: ExchangeRate) -> None:
    """Keep the rate of this rebalance, replacing the oldest point once `rate_history_points` are kept."""
    totals = state[TOTALS].get()
    slot = totals.rebalances % get_liquid_params(state).rate_history_points
    state[RATE_HISTORY].put(slot, RatePoint(height, rate.gos_shares, rate.sgos_supply, get_gos_index(state)))
    state[TOTALS].set(replace(totals, rebalances=totals.rebalances + 1))
