"""GET /liquid/rate, /liquid/rate/history, /liquid/holdings, /liquid/pool, /liquid/quote,
/liquid/tickets/{address}, /liquid/ticket/{ticket_id} and /liquid/params: liquid staking as the chain's `liquid`
module computes it (the routes convert units and never recompute its maths)."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from gostaking.chain.errors import MAX_AMOUNT
from gostaking.chain.modules.liquid import queries as liquid
from gostaking.chain.numeric import PPM, format_units
from gostaking.chain.state import State
from gostaking.chain.types.liquid import LP_DENOM, SGOS_DENOM, Ticket
from gostaking.chain.types.params import BLOCKS_PER_DAY
from gostaking.node.runtime import Node

from ..deps import NodeDep, parse_address
from ..errors import InvalidRequestError, NotFoundError, error_responses
from ..pages import MAX_INT, Limit, Offset, offset_page
from ..render import gos, params_view, percent
from ..schemas.liquid import (
    AprView,
    InstantQuoteView,
    LiquidHoldingsView,
    LiquidParamsView,
    LiquidPoolView,
    LiquidRateView,
    NodeStakeView,
    RateHistoryPage,
    RatePointView,
    TicketsPage,
    TicketView,
)
from .accounts import _estimated_time, _moniker, asset_amount

router = APIRouter(prefix="/liquid", tags=["liquid staking"])

RATE_DECIMALS = 18
"""Places of the exact rate strings: ugos per sGOS scaled by 10^12, so GOS per sGOS to 18 places."""
APR_WINDOWS = {"day": BLOCKS_PER_DAY, "week": 7 * BLOCKS_PER_DAY}
SECONDS_PER_HOUR = 3_600


def _gos_per_sgos(ugos_per_sgos_scaled: int) -> str:
    return format_units(ugos_per_sgos_scaled, RATE_DECIMALS)


def _apr(state: State, window_blocks: int) -> AprView:
    apr_ppm = liquid.compute_apr_ppm(state, window_blocks)
    # A slash in the window is a loss: shown with its sign (`percent` shows shares of a whole).
    shown = None if apr_ppm is None else ("-" if apr_ppm < 0 else "") + percent(abs(apr_ppm), PPM)
    return AprView(window_blocks=window_blocks, apr_ppm=apr_ppm, apr=shown)


@router.get("/rate", response_model=LiquidRateView, summary="sGOS exchange rate and APR")
def get_rate(node: NodeDep) -> LiquidRateView:
    """What one sGOS is worth in GOS now (exact decimal strings, rounded down as the chain rounds a redemption)
    and the APR over the last day and week of the rate history (burns are not losses, a slash is)."""
    with node.app.read_committed() as state:
        holdings = liquid.get_holdings(state)
        return LiquidRateView(
            height=state.height.get(),
            gos_per_sgos=_gos_per_sgos(liquid.compute_ugos_per_sgos(state, 10**RATE_DECIMALS)),
            one_sgos=gos(liquid.compute_ugos_per_sgos(state)),
            sgos_supply=asset_amount(state, SGOS_DENOM, holdings.sgos_supply),
            controlled=gos(holdings.ugos(holdings.controlled_shares)),
            apr_day=_apr(state, APR_WINDOWS["day"]),
            apr_week=_apr(state, APR_WINDOWS["week"]),
        )


@router.get("/rate/history", response_model=RateHistoryPage, summary="sGOS rate history")
def get_rate_history(node: NodeDep, limit: Limit = 100, offset: Offset = 0) -> RateHistoryPage:
    """The kept rate points, one per rebalance, oldest first (`limit` from `offset`; at most
    `rate_history_points` are kept)."""
    with node.app.read_committed() as state:
        points = liquid.get_rate_history(state)
        rows = [
            RatePointView(
                height=point.height,
                gos_per_sgos=_gos_per_sgos(liquid.compute_rate_point_ugos_per_sgos(point, 10**RATE_DECIMALS)),
                sgos_supply=point.sgos_supply,
            )
            for point in points[offset : offset + limit]
        ]
        return offset_page(RateHistoryPage, state, len(points), limit, offset, points=rows)


@router.get("/holdings", response_model=LiquidHoldingsView, summary="What backs sGOS")
def get_holdings(node: NodeDep) -> LiquidHoldingsView:
    """The module's GOS by kind (liquid, staked, unbonding, pending rewards), its stake on each node against its
    equal target, and the ticket queue's totals. The node list is bounded by `max_nodes` and the nodes drained."""
    with node.app.read_committed() as state:
        holdings = liquid.get_holdings(state)
        totals = liquid.get_liquid_totals(state)
        interval = liquid.get_liquid_params(state).rebalance_interval_blocks
        height = state.height.get()
        open_tickets = totals.next_ticket_id - totals.closed_tickets
        return LiquidHoldingsView(
            height=height,
            liquid=gos(holdings.ugos(holdings.liquid_shares)),
            staked=gos(holdings.ugos(holdings.staked_shares)),
            unbonding=gos(holdings.ugos(holdings.unbonding_shares)),
            pending_rewards=gos(holdings.ugos(holdings.pending_reward_shares)),
            controlled=gos(holdings.ugos(holdings.controlled_shares)),
            sgos_supply=asset_amount(state, SGOS_DENOM, holdings.sgos_supply),
            node_stakes=[
                NodeStakeView(
                    node=row.node,
                    moniker=_moniker(state, row.node),
                    stake=gos(row.stake_ugos),
                    target=gos(row.target_ugos),
                    eligible=row.eligible,
                )
                for row in liquid.get_node_stakes(state)
            ],
            open_tickets=open_tickets,
            tickets_made=totals.next_ticket_id,
            ticket_sgos=asset_amount(state, SGOS_DENOM, totals.ticket_sgos),
            rebalances=totals.rebalances,
            next_rebalance_height=(height // interval + 1) * interval,
        )


@router.get("/pool", response_model=LiquidPoolView, summary="Instant-redemption pool")
def get_pool(node: NodeDep) -> LiquidPoolView:
    """The pool's GOS depth, its sGOS and tickets, its value and LP units, and the fee of a marginal instant
    unstake now (it rises from the minimum to the maximum as the depth falls below the target)."""
    with node.app.read_committed() as state:
        status = liquid.get_pool_status(state)
        return LiquidPoolView(
            height=state.height.get(),
            gos=gos(status.gos_ugos),
            sgos=asset_amount(state, SGOS_DENOM, status.sgos),
            ticket_sgos=asset_amount(state, SGOS_DENOM, status.ticket_sgos),
            ticket_value=gos(status.ticket_value_ugos),
            value=gos(status.value_ugos),
            lp_supply=asset_amount(state, LP_DENOM, status.lp_supply),
            fee_now_ppm=status.fee_now_ppm,
            fee_now=percent(status.fee_now_ppm, PPM),
            target_liquidity=gos(liquid.get_liquid_params(state).target_liquidity_ugos),
        )


@router.get(
    "/quote",
    response_model=InstantQuoteView,
    responses=error_responses({400: "a malformed amount, or a pool too shallow to pay it"}),
    summary="Quote an instant unstake",
)
def quote_instant(
    node: NodeDep,
    amount_in: Annotated[int, Query(ge=1, le=MAX_AMOUNT, description="usgos to swap for GOS (1 sGOS = 10^6 usgos)")],
) -> InstantQuoteView:
    """What swapping `amount_in` usgos of sGOS for GOS on the pool would pay if it were the next transaction: the
    fee (ppm of the sGOS, rising as the pool empties), its treasury part, and the GOS out (use it, less a margin,
    as `min_gos`)."""
    with node.app.read_committed() as state:
        quote = liquid.quote_instant_unstake(state, amount_in)
        value_ugos = liquid.compute_sgos_value_ugos(state, amount_in)
        if quote.amount_out == 0 and value_ugos < quote.available_ugos:
            raise InvalidRequestError(
                f"amount_in {format_units(amount_in, 6)} sGOS is too small: after the {percent(quote.fee_ppm, PPM)} "
                "fee it pays no GOS"
            )
        if quote.amount_out == 0:
            raise InvalidRequestError(
                f"the instant pool holds {format_units(quote.available_ugos, 6)} GOS and cannot pay for amount_in "
                f"{format_units(amount_in, 6)} sGOS (the value asked must stay below its GOS); use a ticket instead"
            )
        return InstantQuoteView(
            height=state.height.get(),
            sgos_in=asset_amount(state, SGOS_DENOM, amount_in),
            fee_ppm=quote.fee_ppm,
            fee=percent(quote.fee_ppm, PPM),
            fee_sgos=asset_amount(state, SGOS_DENOM, quote.fee_sgos),
            treasury_sgos=asset_amount(state, SGOS_DENOM, quote.treasury_sgos),
            amount_out=gos(quote.amount_out),
            value_at_rate=gos(value_ugos),
            pool_gos=gos(quote.available_ugos),
        )


def format_duration(seconds: int) -> str:
    """A wait as days and hours, rounded up to the hour ('21d 3h'; '0d 0h' once due)."""
    hours = -(-max(seconds, 0) // SECONDS_PER_HOUR)
    return f"{hours // 24}d {hours % 24}h"


def ticket_views(node: Node, state: State, rows: list[tuple[int, Ticket]]) -> list[TicketView]:
    """Tickets with their cap and what they would pay now (the rate read once for the page), and the time left
    before their due height at this node's block interval."""
    holdings, rate = liquid.get_holdings(state), liquid.get_exchange_rate(state)
    return [
        _ticket_view(
            node,
            state,
            ticket_id,
            ticket,
            cap_ugos=holdings.ugos(ticket.cap_shares),
            payout_ugos=holdings.ugos(liquid.compute_ticket_payout(ticket, rate)),
        )
        for ticket_id, ticket in rows
    ]


def _ticket_view(
    node: Node, state: State, ticket_id: int, ticket: Ticket, *, cap_ugos: int, payout_ugos: int
) -> TicketView:
    blocks_left = max(ticket.due_height - state.height.get(), 0)
    return TicketView(
        id=ticket_id,
        owner=ticket.owner,
        sgos=asset_amount(state, SGOS_DENOM, ticket.sgos),
        cap=gos(cap_ugos),
        payout_now=gos(payout_ugos),
        created_height=ticket.created_height,
        due_height=ticket.due_height,
        due=blocks_left == 0,
        blocks_left=blocks_left,
        time_left=format_duration(int(blocks_left * node.block_time_s)),
        estimated_due_time=_estimated_time(node, state, ticket.due_height),
    )


@router.get(
    "/tickets/{address}",
    response_model=TicketsPage,
    responses=error_responses({400: "not a gos1… address, or a malformed parameter"}),
    summary="An address's redemption tickets",
)
def list_tickets(address: str, node: NodeDep, limit: Limit = 100, offset: Offset = 0) -> TicketsPage:
    """The address's open tickets, oldest first (`limit` of `total` from `offset`), each with its cap, what it
    would pay now, its due height and the time left in days and hours. Paid tickets are gone (see the
    `liquid_ticket_paid` events)."""
    parse_address(address)
    with node.app.read_committed() as state:
        total, rows = liquid.get_tickets_page(state, address, offset, limit)
        tickets = ticket_views(node, state, rows)
        return TicketsPage(
            height=state.height.get(), total=total, limit=limit, offset=offset, address=address, tickets=tickets
        )


@router.get(
    "/ticket/{ticket_id}",
    response_model=TicketView,
    responses=error_responses({400: "a malformed id", 404: "no open ticket with this id (never made, or paid)"}),
    summary="One redemption ticket",
)
def get_ticket(ticket_id: Annotated[int, Path(ge=0, le=MAX_INT)], node: NodeDep) -> TicketView:
    """An open ticket by id, with its value now and the time left."""
    with node.app.read_committed() as state:
        ticket = liquid.get_ticket(state, ticket_id)
        if ticket is None:
            raise NotFoundError(f"no open ticket {ticket_id} (never made, or already paid)")
        return ticket_views(node, state, [(ticket_id, ticket)])[0]


@router.get("/params", response_model=LiquidParamsView, summary="Liquid staking parameters")
def get_liquid_params(node: NodeDep) -> LiquidParamsView:
    """The module's parameters, with shares as percentages and amounts in GOS, and the stake unbonding period
    every ticket waits."""
    with node.app.read_committed() as state:
        return params_view(
            LiquidParamsView,
            liquid.get_liquid_params(state),
            stake_unbonding_blocks=state.params.get().staking.stake_unbonding_blocks,
        )
