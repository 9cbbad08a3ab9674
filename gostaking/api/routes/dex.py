"""GET /dex/pools, /dex/pools/{denom}, /dex/quote and /dex/params."""

from typing import Annotated

from fastapi import APIRouter, Query

from gostaking.chain.errors import MAX_AMOUNT, ChainError
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.dex import queries as dex
from gostaking.chain.numeric import GOS_DENOM, PPM
from gostaking.chain.state import State

from ..deps import NodeDep
from ..errors import InvalidRequestError, NotFoundError, error_responses
from ..pages import MAX_PAGE, Limit, Offset
from ..render import gos, params_view, percent
from ..schemas.dex import (
    DenomView,
    DexParamsView,
    DexPoolDetail,
    DexPoolsResponse,
    DexPoolView,
    LpPositionView,
    SwapQuoteView,
)
from .accounts import asset_amount

router = APIRouter(prefix="/dex", tags=["dex"])


def pool_view(state: State, denom: str) -> DexPoolView:
    """A pool's reserves, price, units and whether its price feeds the oracle (as the oracle decides it)."""
    decimals = dex.get_pair_decimals(state, denom)
    asset_units, gos_ugos = dex.get_pool_reserves(state, denom)
    price = dex.get_pool_price_ugos(state, denom, decimals)
    return DexPoolView(
        denom=denom,
        decimals=decimals,
        asset_reserve=asset_amount(state, denom, asset_units),
        gos_reserve=gos(gos_ugos),
        price=gos(price) if price is not None else None,
        lp_units=dex.get_pool(state, denom).lp_units,
        feeds_oracle=dex.get_oracle_market_price(state, denom, decimals) is not None,
    )


def _require_pair(state: State, denom: str, what: str = "pool") -> None:
    """InvalidRequestError unless the chain would pair `denom` with GOS (`require_pair_denom`), with its reason."""
    try:
        dex.require_pair_denom(state, denom)
    except ChainError as error:
        raise InvalidRequestError(f"no {denom!r}/GOS {what}: {error}") from None


def require_swap_input(state: State, pair: str, denom_in: str, what: str = "pool") -> None:
    """InvalidRequestError unless a swap on the pair's `what` (pool, or pair for a routed swap) may be paid in
    `denom_in`: a pair denom, paid in ugos or the pair's asset (what the chain's `check_swap` requires)."""
    _require_pair(state, pair, what)
    if denom_in not in (GOS_DENOM, pair):
        raise InvalidRequestError(f"the {pair}/GOS {what} takes {GOS_DENOM} or {pair}, not {denom_in!r}")


SwapAmountIn = Annotated[int, Query(ge=1, le=MAX_AMOUNT, description="base units of denom_in (ugos for GOS)")]
"""The `amount_in` query parameter of every swap quote (pool or routed): what is paid in, 1 to the chain's
MAX_AMOUNT."""


@router.get("/pools", response_model=DexPoolsResponse, summary="Exchange pools")
def list_pools(node: NodeDep) -> DexPoolsResponse:
    """Per listed asset and per other denom with a pool (sGOS…): the asset and GOS reserves, the pool price of one
    whole asset in GOS, the liquidity units and whether the pool is deep enough for its price to join the oracle
    median."""
    with node.app.read_committed() as state:
        pools = [pool_view(state, denom) for denom in dex.get_pool_denoms(state)]
        return DexPoolsResponse(height=state.height.get(), pools=pools)


@router.get(
    "/pools/{denom}",
    response_model=DexPoolDetail,
    responses=error_responses({404: "no denom the chain can pair with GOS"}),
    summary="One exchange pool and its providers",
)
def get_pool_detail(denom: str, node: NodeDep, limit: Limit = MAX_PAGE, offset: Offset = 0) -> DexPoolDetail:
    """The pool of an asset (listed, or a bank denom such as usgos) with its liquidity providers, largest first
    (`limit` of `providers_total` from `offset`): units, share, and the asset and GOS that removing all of them
    would return now."""
    with node.app.read_committed() as state:
        try:
            dex.require_pair_denom(state, denom)
        except ChainError as error:
            raise NotFoundError(f"{denom!r} has no pool: {error}") from None
        pool = dex.get_pool(state, denom)
        index = get_gos_index(state)
        providers = []
        total, rows = dex.get_liquidity_providers_page(state, denom, offset, limit)
        for address, units in rows:
            asset_units, gos_shares = dex.compute_liquidity_claim(pool, units)
            providers.append(
                LpPositionView(
                    address=address,
                    units=units,
                    share=percent(units, pool.lp_units),
                    asset=asset_amount(state, denom, asset_units),
                    gos=gos(compute_shares_to_ugos(gos_shares, index)),
                )
            )
        view = pool_view(state, denom)
        return DexPoolDetail(
            **view.model_dump(),
            height=state.height.get(),
            providers=providers,
            providers_total=total,
            limit=limit,
            offset=offset,
        )


@router.get(
    "/quote",
    response_model=SwapQuoteView,
    responses=error_responses({400: "unknown pair, wrong input denom or an empty pool"}),
    summary="Quote a swap",
)
def quote_swap(
    node: NodeDep,
    pair: Annotated[str, Query(max_length=64, description="the asset of the pool, e.g. btc or usgos")],
    denom_in: Annotated[str, Query(max_length=64, description="what is paid in: ugos or the pair's asset")],
    amount_in: SwapAmountIn,
) -> SwapQuoteView:
    """The output of swapping `amount_in` on the pair's pool now: constant product after the swap fee,
    rounded down as the chain rounds it."""
    with node.app.read_committed() as state:
        require_swap_input(state, pair, denom_in)
        quote = dex.quote_swap(state, pair, denom_in, amount_in, dex.get_pair_decimals(state, pair))
        if quote is None:
            raise InvalidRequestError(f"the {pair}/GOS pool has no liquidity")
        return SwapQuoteView(
            height=state.height.get(),
            pair=pair,
            amount_in=asset_amount(state, denom_in, amount_in),
            amount_out=asset_amount(state, pair if denom_in == GOS_DENOM else GOS_DENOM, quote.amount_out),
            fee=asset_amount(state, denom_in, quote.fee),
            swap_fee_ppm=state.params.get().dex.swap_fee_ppm,
            price=gos(quote.price_ugos),
            effective_price=gos(quote.effective_price_ugos) if quote.effective_price_ugos is not None else None,
            price_impact_ppm=quote.price_impact_ppm,
            price_impact=percent(quote.price_impact_ppm, PPM),
        )


@router.get("/denoms", response_model=list[DenomView], summary="Denominations and their decimals")
def list_denoms(node: NodeDep) -> list[DenomView]:
    """Every denomination the chain's bank knows (GOS, listed assets, module-issued tokens such as sGOS), each with
    its decimals and whole unit: what amounts can be written in, and what a pool can pair with GOS."""
    with node.app.read_committed() as state:
        return [
            DenomView(denom=units.denom, decimals=units.decimals, whole_unit=units.whole_unit)
            for units in dex.get_denom_units(state)
        ]


@router.get("/params", response_model=DexParamsView, summary="Exchange parameters")
def get_dex_params(node: NodeDep) -> DexParamsView:
    """Swap fee, the GOS depth from which a pool feeds the oracle, and the KYC level trading needs."""
    with node.app.read_committed() as state:
        params = state.params.get()
        return params_view(DexParamsView, params.dex, params.compliance)
