"""GET /status, /emission, /params, /genesis."""

from typing import Any

from fastapi import APIRouter, Response

from gostaking.chain.modules.bank.queries import get_gos_supply, get_gos_supply_ugos
from gostaking.chain.modules.emission.queries import (
    compute_block_reward,
    compute_emitted_until,
    compute_next_burn_height,
    compute_next_halving_height,
    compute_total_emission,
    get_burns_done,
)
from gostaking.chain.modules.mining.queries import get_total_hash_power
from gostaking.chain.modules.nodes.queries import get_mining_set
from gostaking.chain.numeric import format_units
from gostaking.chain.state import State
from gostaking.node.runtime import Node

from ..deps import NodeDep, read_state
from ..errors import NotFoundError, error_responses
from ..render import gos, hash_power, iso_time, percent, to_plain
from ..schemas.status import EmissionResponse, StatusResponse

router = APIRouter(tags=["chain"])


def emission_view(state: State) -> EmissionResponse:
    """Emission progress composed from the chain's emission queries."""
    params = state.params.get().emission
    height = state.height.get()
    emitted = compute_emitted_until(params, height)
    total = compute_total_emission(params)
    supply = get_gos_supply(state)
    return EmissionResponse(
        height=height,
        emitted=gos(emitted),
        total=gos(total),
        progress=percent(emitted, total),
        current_block_reward=gos(compute_block_reward(params, height + 1)),
        next_halving_height=compute_next_halving_height(params, height),
        next_burn_height=compute_next_burn_height(params, height),
        burns_done=get_burns_done(state),
        burns_total=params.burn_count,
        burn_fraction=format_units(params.burn_numerator * 10**6 // params.burn_denominator, 6),
        minted=gos(supply.minted_ugos),
        burned=gos(supply.burned_ugos),
        supply=gos(get_gos_supply_ugos(state)),
    )


@router.get("/status", response_model=StatusResponse, summary="Chain status at the last committed block")
async def get_status(node: NodeDep) -> StatusResponse:
    """Height, hashes, supply, hash power, emission progress and the mining set."""
    return await read_state(node.app, lambda state: status_view(node, state))


def status_view(node: Node, state: State) -> StatusResponse:
    """/status of `node` at its committed `state`."""
    app = node.app
    info = app.committed_info(state)
    last = app.block(info.height) if info.height else None
    supply = get_gos_supply(state)
    mining_set = get_mining_set(state)
    return StatusResponse(
        chain_id=info.chain_id,
        height=info.height,
        app_hash=info.app_hash.hex(),
        latest_block_hash=info.last_block_hash.hex(),
        latest_block_time_ms=last.header.time_ms if last else None,
        latest_block_time=iso_time(last.header.time_ms) if last else None,
        block_time_seconds=node.block_time_s,
        mempool_size=len(app.mempool),
        total_hash_power=hash_power(get_total_hash_power(state)),
        supply=gos(get_gos_supply_ugos(state)),
        minted=gos(supply.minted_ugos),
        burned=gos(supply.burned_ugos),
        emission=emission_view(state),
        mining_set_size=len(mining_set.operators),
        mining_set=list(mining_set.operators),
        epoch=mining_set.epoch,
        faucet_enabled=node.faucet is not None,
        consensus=node.consensus,
    )


@router.get("/emission", response_model=EmissionResponse, summary="Emission schedule progress")
def get_emission(node: NodeDep) -> EmissionResponse:
    """Emitted so far of the 30,240,000 GOS, the current reward, the next halving and burn."""
    with node.app.read_committed() as state:
        return emission_view(state)


@router.get("/params", summary="Chain parameters")
def get_params(node: NodeDep) -> dict[str, Any]:
    """Every economic and protocol parameter (set at genesis)."""
    with node.app.read_committed() as state:
        params: dict[str, Any] = to_plain(state.params.get())
        return params


@router.get(
    "/genesis",
    summary="The genesis document",
    responses={
        200: {"content": {"application/json": {"schema": {"type": "object"}}}, "description": "genesis JSON as stored"},
        **error_responses({404: "this node has no genesis yet"}),
    },
)
def get_genesis(node: NodeDep) -> Response:
    """The genesis document exactly as the chain was initialized with it."""
    genesis = node.app.genesis_json()
    if genesis is None:
        raise NotFoundError("this node has no genesis yet")
    return Response(content=genesis, media_type="application/json")
