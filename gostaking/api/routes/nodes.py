"""GET /nodes and /nodes/{operator}."""

from fastapi import APIRouter

from gostaking.chain.crypto import consensus_address
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.nodes.queries import (
    get_mining_set,
    get_node_backing_ugos,
    get_node_status,
    get_operators_by_registration,
    get_pending_candidate_reward_shares,
    is_node_operator,
    require_node,
)
from gostaking.chain.modules.staking.queries import get_node_delegators
from gostaking.chain.state import State

from ..deps import NodeDep, parse_address
from ..errors import NotFoundError
from ..render import gos
from ..schemas.nodes import BackerView, NodeDetail, NodeList, NodeView

router = APIRouter(tags=["nodes"])


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


@router.get("/nodes", response_model=NodeList, summary="All nodes and the mining set")
def list_nodes(node: NodeDep) -> NodeList:
    """Every registered node with status, votes, stake, blocks signed and rewards, in registration order."""
    with node.app.read() as state:
        params = state.params.get().nodes
        mining_set = get_mining_set(state)
        operators = get_operators_by_registration(state)
        return NodeList(
            epoch=mining_set.epoch,
            elected_height=mining_set.elected_height,
            mining_set=list(mining_set.operators),
            min_votes=gos(params.min_votes_ugos),
            min_stake=gos(params.min_stake_ugos),
            nodes=[node_view(state, op) for op in operators],
        )


@router.get("/nodes/{operator}", response_model=NodeDetail, summary="One node with its voters and stakers")
def get_node(operator: str, node: NodeDep) -> NodeDetail:
    """A node by operator address, with every address voting or staking on it."""
    parse_address(operator, "operator")
    with node.app.read() as state:
        if not is_node_operator(state, operator):
            raise NotFoundError(f"no node is registered by operator {operator}")
        backers = [
            BackerView(address=address, kind=kind, amount=gos(ugos))
            for address, kind, ugos in get_node_delegators(state, operator)
        ]
        return NodeDetail(
            **node_view(state, operator).model_dump(),
            voters=[b for b in backers if b.kind == "vote"],
            stakers=[b for b in backers if b.kind == "stake"],
        )
