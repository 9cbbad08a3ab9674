"""GET /nodes and /nodes/{operator}."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from gostaking.chain.crypto import consensus_address
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.nodes.queries import (
    get_mining_set,
    get_node_backing_ugos,
    get_node_status,
    get_operators_page,
    get_pending_candidate_reward_shares,
    is_node_operator,
    require_node,
)
from gostaking.chain.modules.staking.queries import get_node_delegators_page
from gostaking.chain.state import State
from gostaking.node.runtime import Node

from ..deps import NodeDep, parse_address
from ..errors import NotFoundError, error_responses
from ..height_cache import HeightAnswers
from ..pages import MAX_PAGE, Limit, Offset
from ..render import from_records, gos
from ..schemas.nodes import BackerView, ElectionView, NodeDetail, NodeList, NodeView
from .explorer import gos_json, view_json, view_json_maker

router = APIRouter(tags=["nodes"])
LIST_ANSWERS = HeightAnswers()
DETAIL_ANSWERS = HeightAnswers()


def node_view(state: State, operator: str) -> NodeView:
    """A node's registry entry, backing and rewards."""
    node = require_node(state, operator)
    index = get_gos_index(state)
    votes, stake = get_node_backing_ugos(state, operator)
    return NodeView(
        operator=operator,
        moniker=node.moniker,
        status=get_node_status(state, operator),
        consensus_pubkey=node.consensus_pubkey.hex(),
        consensus_address=consensus_address(node.consensus_pubkey),
        votes=gos(votes),
        stake=gos(stake),
        blocks_signed=node.blocks_signed,
        rewards_earned=gos(compute_shares_to_ugos(node.rewards_earned_shares, index)),
        pending_candidate_rewards=gos(
            compute_shares_to_ugos(get_pending_candidate_reward_shares(state, operator), index)
        ),
        registered_height=node.registered_height,
        jailed=node.jailed,
    )


def election_view(state: State) -> ElectionView:
    """The mining set the last election chose, and the votes and stake a node needs to stand in the next one."""
    params = state.params.get().nodes
    mining_set = get_mining_set(state)
    return ElectionView(
        epoch=mining_set.epoch,
        elected_height=mining_set.elected_height,
        mining_set=list(mining_set.operators),
        min_votes=gos(params.min_votes_ugos),
        min_stake=gos(params.min_stake_ugos),
    )


@router.get("/nodes", response_model=NodeList, summary="The nodes and the mining set")
async def list_nodes(node: NodeDep, limit: Limit = MAX_PAGE, offset: Offset = 0) -> Response:
    """Registered nodes with status, votes, stake, blocks signed and rewards, in registration order: `limit` of
    the `total` from `offset`."""
    stamp = (node.app.committed_height,)  # once per block and page (height_cache.py)
    return await LIST_ANSWERS.answer(node.app, stamp, (limit, offset), lambda: _list_nodes(node, limit, offset))


def _list_nodes(node: Node, limit: int, offset: int) -> NodeList:
    with node.app.read_committed() as state:
        total, operators = get_operators_page(state, offset, limit)
        nodes = [node_view(state, op) for op in operators]
        return from_records(NodeList, election_view(state), nodes=nodes, total=total, limit=limit, offset=offset)


@router.get(
    "/nodes/{operator}",
    response_model=NodeDetail,
    responses=error_responses({400: "not a gos1… address, or a malformed parameter", 404: "no node by that operator"}),
    summary="One node with its voters and stakers",
)
async def get_node(operator: str, node: NodeDep, limit: Limit = MAX_PAGE, offset: Offset = 0) -> Response:
    """A node by operator address, with the addresses voting and staking on it, by address: `limit` of each from
    `offset`, with their totals."""
    parse_address(operator, "operator")
    stamp = (node.app.committed_height,)  # once per block, node and page (height_cache.py)
    return await DETAIL_ANSWERS.read_answer(
        node.app, stamp, (operator, limit, offset), lambda state: _node_detail(state, operator, limit, offset)
    )


_backer = view_json_maker(BackerView, "address", "kind", "amount")


def _node_detail(state: State, operator: str, limit: int, offset: int) -> dict[str, Any]:
    # A NodeDetail as plain JSON objects (explorer.view_json's reason): its 200 backers as models cost more than
    # reading them.
    if not is_node_operator(state, operator):
        raise NotFoundError(f"no node is registered by operator {operator}")
    voters_total, voters = get_node_delegators_page(state, operator, "vote", offset, limit)
    stakers_total, stakers = get_node_delegators_page(state, operator, "stake", offset, limit)
    return view_json(
        NodeDetail,
        node_view(state, operator).model_dump(mode="json"),
        voters=[_backer(address, "vote", gos_json(ugos)) for address, ugos in voters],
        stakers=[_backer(address, "stake", gos_json(ugos)) for address, ugos in stakers],
        voters_total=voters_total,
        stakers_total=stakers_total,
        limit=limit,
        offset=offset,
    )
