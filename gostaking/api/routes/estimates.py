"""GET /accounts/{address}/estimate: expected GOS a day and APR, now and with a prospective vote, stake or lock,
computed by the chain's mining query."""

from typing import Annotated

from fastapi import APIRouter, Query

from gostaking.chain.errors import MAX_AMOUNT
from gostaking.chain.modules.lock.queries import compute_lock_pool_id
from gostaking.chain.modules.mining.queries import compute_prospective_estimate
from gostaking.chain.numeric import GOS_DENOM, format_units
from gostaking.chain.state import State
from gostaking.chain.types.mining import LOCK_POOL_PREFIX, POOL_STAKE, POOL_VOTE, EarningsEstimate
from gostaking.chain.types.params import BLOCKS_PER_DAY

from ..deps import NodeDep, parse_address
from ..errors import InvalidRequestError, error_responses
from ..pages import MAX_INT
from ..render import gos, hash_power, percent
from ..schemas.estimates import EarningsEstimateResponse, EarningsFigures, EstimateAddition
from .accounts import asset_amount

router = APIRouter(tags=["accounts"])

PERCENT_DECIMALS = 4
"""ppm as a percentage: 248,200 ppm is 24.82%, exact to 4 decimals."""
MAX_LOCKS = 16
"""Lock additions one request may ask for (more than the assets a chain lists)."""
MAX_LOCK_TEXT = 100
"""Longest `denom:amount` accepted: a 64-character denom and a uint256 amount (78 digits) fit with room to spare."""


def parse_lock(text: str) -> tuple[str, int]:
    """`denom:amount` (asset base units) as (denom, amount), or InvalidRequestError."""
    denom, colon, amount = text.partition(":")
    if len(text) > MAX_LOCK_TEXT or not colon or not denom or not amount.isascii() or not amount.isdecimal():
        raise InvalidRequestError(f"lock: expected denom:amount in base units (e.g. btc:100000000), got {text[:40]!r}")
    if not 0 < int(amount) <= MAX_AMOUNT:
        raise InvalidRequestError(f"lock: amount must be within 1..2^256-1, got {amount[:40]}")
    return denom, int(amount)


def parse_additions(vote: int | None, stake: int | None, locks: list[str]) -> dict[str, int]:
    """Pool id → amount moved in (ugos for vote and stake, base units for a lock); repeated denoms add up."""
    if len(locks) > MAX_LOCKS:
        raise InvalidRequestError(f"lock: at most {MAX_LOCKS} locks, got {len(locks)}")
    additions = {pool_id: amount for pool_id, amount in ((POOL_VOTE, vote), (POOL_STAKE, stake)) if amount}
    for denom, amount in map(parse_lock, locks):
        pool_id = compute_lock_pool_id(denom)
        additions[pool_id] = additions.get(pool_id, 0) + amount
    return additions


def figures(estimate: EarningsEstimate) -> EarningsFigures:
    """The estimate in the API's units (GOS, H/s, percentages)."""
    return EarningsFigures(
        hash_power=hash_power(estimate.hash_power),
        network_hash_power=hash_power(estimate.network_hash_power),
        share_of_network=percent(estimate.hash_power, estimate.network_hash_power),
        gos_per_day=gos(estimate.ugos_per_day),
        position_value=gos(estimate.position_value_ugos),
        apr=format_units(estimate.apr_ppm, PERCENT_DECIMALS) + "%",
        apr_ppm=estimate.apr_ppm,
    )


def addition_view(state: State, pool_id: str, amount: int) -> EstimateAddition:
    denom = pool_id.removeprefix(LOCK_POOL_PREFIX) if pool_id.startswith(LOCK_POOL_PREFIX) else GOS_DENOM
    return EstimateAddition(pool=pool_id, amount=asset_amount(state, denom, amount))


@router.get(
    "/accounts/{address}/estimate",
    response_model=EarningsEstimateResponse,
    responses=error_responses({400: "not a gos1… address, a malformed or out-of-range addition, an unknown asset"}),
    summary="Expected GOS a day and APR, now and with a prospective vote, stake or lock",
)
def get_earnings_estimate(
    address: str,
    node: NodeDep,
    vote: Annotated[
        int | None, Query(ge=1, le=MAX_INT, description="ugos the account would also vote (×1 H/s per GOS)")
    ] = None,
    stake: Annotated[
        int | None, Query(ge=1, le=MAX_INT, description="ugos the account would also stake (×3 H/s per GOS)")
    ] = None,
    lock: Annotated[
        list[str] | None,
        Query(description="denom:amount in base units the account would also lock (repeatable), e.g. btc:100000000"),
    ] = None,
) -> EarningsEstimateResponse:
    """The account's rewards over the next day of blocks if the network's hash power and prices stay as they are,
    and the yearly rate on what its positions are worth; with `vote`, `stake` or `lock`, the same with those added
    (their hash power from the pools' own conversion, the network grown by it) and for the additions alone. Wallets
    show these rather than recompute chain maths."""
    parse_address(address)
    additions = parse_additions(vote, stake, lock or [])
    with node.app.read_committed() as state:
        estimate = compute_prospective_estimate(state, address, additions)
        return EarningsEstimateResponse(
            address=address,
            height=state.height.get(),
            blocks_per_day=BLOCKS_PER_DAY,
            **figures(estimate.now).model_dump(),
            additions=[addition_view(state, pool_id, amount) for pool_id, amount in sorted(additions.items())],
            with_additions=figures(estimate.with_additions) if additions else None,
            additions_alone=figures(estimate.additions) if additions else None,
        )
