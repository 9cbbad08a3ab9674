"""Liquid staking messages: stake for sGOS, unstake through a ticket, claim a due ticket, and the instant pool
(add and remove liquidity, instant unstake). Every amount is checked before any fee; every refusal is a typed
error and changes nothing (the transaction's messages are atomic)."""

from msgspec.structs import replace

from gostaking.chain.constants import COMMUNITY_POOL_ACCOUNT, LIQUID_ACCOUNT, LIQUID_POOL_ACCOUNT
from gostaking.chain.env import Context
from gostaking.chain.errors import (
    MAX_AMOUNT,
    InsufficientFundsError,
    InvalidAmountError,
    InvalidMessageError,
    UnauthorizedError,
    fail,
    require,
    require_amount,
)
from gostaking.chain.modules.bank.mutations import move_asset, move_units
from gostaking.chain.modules.bank.queries import (
    compute_shares_to_ugos,
    compute_ugos_to_shares_ceil,
    get_balance,
    get_gos_index,
    get_shares,
)
from gostaking.chain.modules.liquid.errors import (
    NoBackingError,
    PoolTooShallowError,
    SlippageError,
    TicketNotDueError,
    UnknownTicketError,
)
from gostaking.chain.modules.liquid.events import (
    InstantUnstakeEvent,
    LiquidStakedEvent,
    LiquidUnstakedEvent,
    PoolLiquidityAddedEvent,
    PoolLiquidityRemovedEvent,
)
from gostaking.chain.modules.liquid.lifecycle import deploy_liquid_gos
from gostaking.chain.modules.liquid.mutations import (
    burn_lp,
    claim_module_rewards,
    mint_lp,
    mint_sgos,
    open_ticket,
    pay_ticket,
    set_pool,
    split_ticket,
)
from gostaking.chain.modules.liquid.queries import (
    compute_due_height,
    compute_pool_value_shares,
    compute_ticket_payout,
    get_exchange_rate,
    get_liquid_params,
    get_pool,
    get_pool_tickets,
    get_ticket,
    quote_instant_unstake,
)
from gostaking.chain.numeric import GOS_DENOM, mul_div
from gostaking.chain.state import State
from gostaking.chain.types.liquid import (
    LOCKED_MINIMUM,
    LP_DENOM,
    SGOS_DENOM,
    MsgLiquidAddLiquidity,
    MsgLiquidClaimTicket,
    MsgLiquidInstantUnstake,
    MsgLiquidRemoveLiquidity,
    MsgLiquidStake,
    MsgLiquidUnstake,
)


def _take_gos(state: State, owner: str, ugos: int, recipient: str) -> int:
    """Move `ugos` of the owner's GOS (shares rounded up) to a module account; returns the shares moved."""
    shares = compute_ugos_to_shares_ceil(ugos, get_gos_index(state))
    held = get_shares(state, owner)
    have = compute_shares_to_ugos(held, get_gos_index(state))
    require(held >= shares, InsufficientFundsError, f"{owner} has {have} ugos, needs {ugos}")
    move_units(state, owner, recipient, GOS_DENOM, shares)
    return shares


def _require_held(state: State, owner: str, denom: str, amount: int) -> None:
    held = get_balance(state, owner, denom)
    require(held >= amount, InsufficientFundsError, f"{owner} has {held} {denom}, needs {amount}")


def check_liquid_stake(state: State, msg: MsgLiquidStake) -> None:
    """An amount within 1..2^256-1."""
    require_amount(msg.amount)


def check_liquid_unstake(state: State, msg: MsgLiquidUnstake) -> None:
    """An amount within 1..2^256-1."""
    require_amount(msg.sgos)


def check_liquid_claim_ticket(state: State, msg: MsgLiquidClaimTicket) -> None:
    """A ticket id within 0..2^64-1."""
    require(0 <= msg.ticket < 2**64, InvalidMessageError, f"ticket id must be within 0..2^64-1, got {msg.ticket}")


def check_liquid_add_liquidity(state: State, msg: MsgLiquidAddLiquidity) -> None:
    """An amount within 1..2^256-1."""
    require_amount(msg.ugos)


def check_liquid_remove_liquidity(state: State, msg: MsgLiquidRemoveLiquidity) -> None:
    """A number of units within 1..2^256-1."""
    require_amount(msg.lp)


def check_liquid_instant_unstake(state: State, msg: MsgLiquidInstantUnstake) -> None:
    """An amount within 1..2^256-1 and a min_gos within 0..2^256-1."""
    require_amount(msg.sgos)
    require(0 <= msg.min_gos <= MAX_AMOUNT, InvalidMessageError, "min_gos must be within 0..2^256-1")


def process_liquid_stake(state: State, ctx: Context, msg: MsgLiquidStake) -> None:
    """GOS in, sGOS out at the current rate (rounded down); the first stake mints 1:1 and locks LOCKED_MINIMUM
    usgos in the module for ever. The GOS is staked on the most under-target node at once, unless open tickets
    need it."""
    rate = get_exchange_rate(state)
    params = get_liquid_params(state)
    if rate.sgos_supply == 0:
        require(
            msg.amount >= params.min_first_stake_ugos,
            InvalidAmountError,
            f"the first stake must be at least {params.min_first_stake_ugos} ugos",
        )
        minted, locked = msg.amount, LOCKED_MINIMUM
    else:
        require(rate.gos_shares > 0, NoBackingError, "sGOS exists but the module holds no GOS: nothing to stake at")
        minted = rate.shares_to_sgos(compute_ugos_to_shares_ceil(msg.amount, get_gos_index(state)))
        locked = 0
        require(minted > 0, InvalidAmountError, f"{msg.amount} ugos buys less than 1 usgos")
    shares = _take_gos(state, ctx.sender, msg.amount, LIQUID_ACCOUNT)
    if locked:
        mint_sgos(state, LIQUID_ACCOUNT, locked)
    mint_sgos(state, ctx.sender, minted - locked)
    ctx.emit(LiquidStakedEvent(address=ctx.sender, amount=msg.amount, shares=shares, sgos=minted - locked))
    claim_module_rewards(state, ctx)
    deploy_liquid_gos(state, ctx, params.max_moves_per_rebalance, "stake")


def process_liquid_unstake(state: State, ctx: Context, msg: MsgLiquidUnstake) -> None:
    """Lock sGOS in a ticket worth at most their value now; paid after the next rebalance's unbonding."""
    _require_held(state, ctx.sender, SGOS_DENOM, msg.sgos)
    cap = get_exchange_rate(state).sgos_to_shares(msg.sgos)
    require(cap > 0, InvalidAmountError, f"{msg.sgos} usgos are worth less than one GOS share")
    due = compute_due_height(state, ctx.height)
    ticket = open_ticket(state, ctx.sender, msg.sgos, cap, ctx.height, due)
    ctx.emit(LiquidUnstakedEvent(address=ctx.sender, ticket=ticket, sgos=msg.sgos, cap_shares=cap, due_height=due))


def process_liquid_claim_ticket(state: State, ctx: Context, msg: MsgLiquidClaimTicket) -> None:
    """Pay the sender's due ticket now, ahead of the automatic queue."""
    ticket = get_ticket(state, msg.ticket)
    if ticket is None:
        fail(UnknownTicketError, f"no open ticket {msg.ticket}")
    require(ticket.owner == ctx.sender, UnauthorizedError, f"ticket {msg.ticket} belongs to {ticket.owner}")
    require(ticket.due_height <= ctx.height, TicketNotDueError, f"ticket {msg.ticket} is due at {ticket.due_height}")
    rate = get_exchange_rate(state)
    require(
        compute_ticket_payout(ticket, rate) <= get_shares(state, LIQUID_ACCOUNT),
        TicketNotDueError,
        f"the GOS of ticket {msg.ticket} has not returned from unbonding yet",
    )
    pay_ticket(state, ctx, msg.ticket, ticket, rate)


def process_liquid_add_liquidity(state: State, ctx: Context, msg: MsgLiquidAddLiquidity) -> None:
    """GOS into the instant pool for LP units at the pool's value (rounded down); the first deposit locks
    LOCKED_MINIMUM units in the pool for ever."""
    pool = get_pool(state)
    params = get_liquid_params(state)
    shares = compute_ugos_to_shares_ceil(msg.ugos, get_gos_index(state))
    if pool.lp_supply == 0:
        require(
            msg.ugos >= params.min_first_liquidity_ugos,
            InvalidAmountError,
            f"the first deposit must be at least {params.min_first_liquidity_ugos} ugos",
        )
        minted, locked = shares, LOCKED_MINIMUM
    else:
        value = compute_pool_value_shares(state, get_exchange_rate(state))
        require(value > 0, PoolTooShallowError, "the pool is worth nothing: no price for LP units")
        minted, locked = mul_div(shares, pool.lp_supply, value), 0
        require(minted > 0, InvalidAmountError, f"{msg.ugos} ugos buys less than 1 LP unit")
    _take_gos(state, ctx.sender, msg.ugos, LIQUID_POOL_ACCOUNT)
    if locked:
        mint_lp(state, LIQUID_POOL_ACCOUNT, locked)
    mint_lp(state, ctx.sender, minted - locked)
    set_pool(state, replace(pool, gos_shares=pool.gos_shares + shares, lp_supply=pool.lp_supply + minted))
    ctx.emit(PoolLiquidityAddedEvent(provider=ctx.sender, amount=msg.ugos, lp=minted - locked))


def process_liquid_remove_liquidity(state: State, ctx: Context, msg: MsgLiquidRemoveLiquidity) -> None:
    """LP units back for their share of the pool's GOS, its sGOS and its tickets (handed back as sGOS worth at
    most the tickets' caps), each rounded down."""
    _require_held(state, ctx.sender, LP_DENOM, msg.lp)
    pool = get_pool(state)
    rate = get_exchange_rate(state)
    tickets = get_pool_tickets(state)
    gos_out = mul_div(pool.gos_shares, msg.lp, pool.lp_supply)
    sgos_out = mul_div(pool.sgos, msg.lp, pool.lp_supply)
    ticket_parts = sum(mul_div(ticket.sgos, msg.lp, pool.lp_supply) for _, ticket in tickets)
    require(gos_out + sgos_out + ticket_parts > 0, InvalidAmountError, f"{msg.lp} LP units withdraw nothing")
    burn_lp(state, ctx.sender, msg.lp)
    from_tickets = sum(split_ticket(state, i, t, msg.lp, pool.lp_supply, ctx.sender, rate) for i, t in tickets)
    if gos_out:
        move_units(state, LIQUID_POOL_ACCOUNT, ctx.sender, GOS_DENOM, gos_out)
    if sgos_out:
        move_asset(state, LIQUID_POOL_ACCOUNT, ctx.sender, SGOS_DENOM, sgos_out)
    remaining = replace(
        pool, gos_shares=pool.gos_shares - gos_out, sgos=pool.sgos - sgos_out, lp_supply=pool.lp_supply - msg.lp
    )
    set_pool(state, remaining)
    ctx.emit(
        PoolLiquidityRemovedEvent(provider=ctx.sender, lp=msg.lp, gos_shares=gos_out, sgos=sgos_out + from_tickets)
    )


def process_liquid_instant_unstake(state: State, ctx: Context, msg: MsgLiquidInstantUnstake) -> None:
    """sGOS → GOS from the pool now, for the instant fee (charged in sGOS, kept by the pool; a treasury cut to
    the community pool); refused when the pool cannot pay or would pay less than `min_gos`."""
    _require_held(state, ctx.sender, SGOS_DENOM, msg.sgos)
    pool = get_pool(state)
    require(pool.gos_shares > 0, PoolTooShallowError, "the instant pool holds no GOS")
    quote = quote_instant_unstake(state, msg.sgos)
    require(
        quote.shares_out > 0,
        PoolTooShallowError,
        f"the pool holds {quote.available_ugos} ugos: too little for {msg.sgos} usgos",
    )
    require(quote.amount_out >= msg.min_gos, SlippageError, f"would receive {quote.amount_out} ugos, below min_gos")
    move_asset(state, ctx.sender, LIQUID_POOL_ACCOUNT, SGOS_DENOM, msg.sgos)
    if quote.treasury_sgos:
        move_asset(state, LIQUID_POOL_ACCOUNT, COMMUNITY_POOL_ACCOUNT, SGOS_DENOM, quote.treasury_sgos)
    move_units(state, LIQUID_POOL_ACCOUNT, ctx.sender, GOS_DENOM, quote.shares_out)
    kept = msg.sgos - quote.treasury_sgos
    set_pool(state, replace(pool, gos_shares=pool.gos_shares - quote.shares_out, sgos=pool.sgos + kept))
    ctx.emit(
        InstantUnstakeEvent(
            address=ctx.sender,
            sgos=msg.sgos,
            amount=quote.amount_out,
            fee_ppm=quote.fee_ppm,
            fee_sgos=quote.fee_sgos,
            treasury_sgos=quote.treasury_sgos,
        )
    )
