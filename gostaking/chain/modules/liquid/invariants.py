"""Invariants of the liquid module: the backing of sGOS, the tickets and the instant pool."""

from gostaking.chain.constants import LIQUID_ACCOUNT, LIQUID_POOL_ACCOUNT
from gostaking.chain.invariants import check
from gostaking.chain.modules.bank.queries import get_asset_supply, get_balance, get_shares
from gostaking.chain.modules.liquid.queries import (
    ExchangeRate,
    compute_ticket_payout,
    get_holdings,
    get_liquid_totals,
    get_pool,
    get_sgos_supply,
)
from gostaking.chain.modules.liquid.tables import TICKETS
from gostaking.chain.modules.mining.queries import get_position
from gostaking.chain.modules.staking.tables import DELEGATIONS, UNBONDINGS
from gostaking.chain.state import State
from gostaking.chain.types.liquid import LOCKED_MINIMUM, LP_DENOM, SGOS_DENOM
from gostaking.chain.types.mining import POOL_STAKE


def check_backing(state: State) -> None:
    """The module's delegations agree with staking's tables (only stakes, adding up to its stake position), the
    GOS it counts equals a full scan of what it holds, and sGOS supply × rate never exceeds that GOS."""
    delegations = [(key, shares) for key, shares in state[DELEGATIONS].items_sorted() if key[0] == LIQUID_ACCOUNT]
    check(all(kind == "stake" for (_, _, kind), _ in delegations), "the liquid module votes instead of staking")
    staked = sum(shares for _, shares in delegations)
    position = get_position(state, LIQUID_ACCOUNT, POOL_STAKE).units
    check(staked == position, f"liquid delegations {staked} != its stake position {position}")
    unbonding = sum(entry.shares for entry in state[UNBONDINGS].values() if entry.address == LIQUID_ACCOUNT)
    holdings = get_holdings(state)
    scanned = get_shares(state, LIQUID_ACCOUNT) + staked + unbonding + holdings.pending_reward_shares
    check(holdings.controlled_shares == scanned, f"liquid backing {holdings.controlled_shares} != scan {scanned}")
    value = ExchangeRate(holdings.controlled_shares, holdings.sgos_supply).sgos_to_shares(holdings.sgos_supply)
    check(value <= scanned, f"sGOS supply is worth {value} shares, the module holds {scanned}")


def check_tickets(state: State) -> None:
    """Open tickets add up to the totals and to the sGOS the module holds for them (plus the locked minimum);
    what they would be paid now is backed; every ticket ever made is open or closed exactly once, and none below
    the payment cursor is open."""
    totals = get_liquid_totals(state)
    tickets = state[TICKETS].items_sorted()
    check(sum(t.sgos for _, t in tickets) == totals.ticket_sgos, "tickets' sGOS differ from the total")
    check(sum(t.cap_shares for _, t in tickets) == totals.ticket_cap_shares, "tickets' caps differ from the total")
    check(all(t.sgos > 0 and t.cap_shares >= 0 for _, t in tickets), "an open ticket is empty")
    check(len(tickets) + totals.closed_tickets == totals.next_ticket_id, "a ticket was closed twice or lost")
    check(all(totals.pay_cursor <= i < totals.next_ticket_id for i, _ in tickets), "an open ticket below the cursor")
    holdings = get_holdings(state)
    rate = ExchangeRate(holdings.controlled_shares, holdings.sgos_supply)
    owed = sum(compute_ticket_payout(t, rate) for _, t in tickets)
    check(owed <= holdings.controlled_shares, f"tickets are owed {owed} shares, more than the module controls")
    locked = LOCKED_MINIMUM if get_sgos_supply(state) else 0
    held = get_balance(state, LIQUID_ACCOUNT, SGOS_DENOM)
    check(held == totals.ticket_sgos + locked, f"the module holds {held} usgos, tickets and minimum {locked}")


def check_pool(state: State) -> None:
    """The pool account holds exactly the pool's legs and its locked LP minimum; LP supply matches."""
    pool = get_pool(state)
    check(get_balance(state, LIQUID_POOL_ACCOUNT, SGOS_DENOM) == pool.sgos, "pool sGOS differs from its leg")
    gos = get_shares(state, LIQUID_POOL_ACCOUNT)
    check(gos == pool.gos_shares, f"pool GOS shares {gos} != its leg {pool.gos_shares}")
    lp_supply = get_asset_supply(state, LP_DENOM)
    check(lp_supply == pool.lp_supply, f"LP supply {lp_supply} != pool units {pool.lp_supply}")
    locked = LOCKED_MINIMUM if pool.lp_supply else 0
    check(get_balance(state, LIQUID_POOL_ACCOUNT, LP_DENOM) == locked, "the pool's locked LP minimum moved")
