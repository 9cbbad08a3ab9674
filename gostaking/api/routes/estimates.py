"""GET /accounts/{address}/estimate: expected GOS a day and APR, computed by the chain's mining query."""

from fastapi import APIRouter

from gostaking.chain.modules.mining.queries import compute_earnings_estimate
from gostaking.chain.types.params import BLOCKS_PER_DAY

from ..deps import NodeDep, parse_address
from ..errors import error_responses
from ..render import format_units, gos, hash_power, percent
from ..schemas.estimates import EarningsEstimateResponse

router = APIRouter(tags=["accounts"])

PERCENT_DECIMALS = 4
"""ppm as a percentage: 248,200 ppm is 24.82%, exact to 4 decimals."""


@router.get(
    "/accounts/{address}/estimate",
    response_model=EarningsEstimateResponse,
    responses=error_responses({400: "not a gos1… address"}),
    summary="Expected GOS a day and APR",
)
def get_earnings_estimate(address: str, node: NodeDep) -> EarningsEstimateResponse:
    """The account's rewards over the next day of blocks if the network's hash power and prices stay as they are,
    and the yearly rate on what its positions are worth. Wallets show these rather than recompute chain maths."""
    parse_address(address)
    with node.app.read() as state:
        estimate = compute_earnings_estimate(state, address)
        return EarningsEstimateResponse(
            address=address,
            height=state.height.get(),
            hash_power=hash_power(estimate.hash_power),
            network_hash_power=hash_power(estimate.network_hash_power),
            share_of_network=percent(estimate.hash_power, estimate.network_hash_power),
            gos_per_day=gos(estimate.ugos_per_day),
            position_value=gos(estimate.position_value_ugos),
            apr=format_units(estimate.apr_ppm, PERCENT_DECIMALS) + "%",
            apr_ppm=estimate.apr_ppm,
            blocks_per_day=BLOCKS_PER_DAY,
        )
