"""GET /accounts/{address} and /accounts/{address}/rewards."""

from fastapi import APIRouter

from gostaking.chain.modules.bank.queries import (
    compute_shares_to_ugos,
    get_account,
    get_balance,
    get_bank_denoms,
    get_gos_index,
)
from gostaking.chain.modules.dex.queries import get_denom_unit
from gostaking.chain.modules.lock.queries import compute_lock_pool_id, get_locked_amounts
from gostaking.chain.modules.mining.queries import (
    get_account_hash_power,
    get_pending_reward_ugos,
    get_pending_rewards_by_pool,
    get_total_hash_power,
)
from gostaking.chain.modules.nodes.queries import (
    get_node,
    get_node_status,
    get_pending_candidate_reward_shares,
    is_node_operator,
)
from gostaking.chain.modules.staking.queries import get_bonded_ugos, get_delegations_page, get_unbondings_page
from gostaking.chain.numeric import GOS_DENOM, format_units
from gostaking.chain.state import State
from gostaking.node.runtime import Node

from ..deps import NodeDep, parse_address, read_state
from ..errors import error_responses
from ..pages import Limit, Offset
from ..render import gos, hash_power, iso_time, percent
from ..schemas.accounts import (
    AccountHashPower,
    AccountResponse,
    BondView,
    LockView,
    PoolReward,
    RewardsResponse,
    UnbondingView,
)
from ..schemas.common import AssetAmount

router = APIRouter(tags=["accounts"])


def asset_amount(state: State, denom: str, amount: int) -> AssetAmount:
    """An amount of `denom` with its whole-unit display, as the chain says the denom is written (GOS in gos, a
    listed asset by its decimals, a module's token as its module declares it)."""
    units = get_denom_unit(state, denom)
    return AssetAmount(
        denom=denom, amount=amount, display=format_units(amount, units.decimals), display_denom=units.whole_unit
    )


def _moniker(state: State, operator: str) -> str:
    node = get_node(state, operator)
    return node.moniker if node is not None else ""


def _estimated_time(node: Node, state: State, height: int) -> str:
    """When `height` should be reached at this node's block interval (display only), counted from the block of
    `state` (the node's last block may be one ahead while a commit finishes)."""
    last = node.app.block(state.height.get())
    now_ms = last.header.time_ms if last is not None else 0
    return iso_time(now_ms + max(height - state.height.get(), 0) * int(node.block_time_s * 1000))


_BAD_ADDRESS = error_responses({400: "not a gos1… address, or a malformed parameter"})


@router.get(
    "/accounts/{address}",
    response_model=AccountResponse,
    responses=_BAD_ADDRESS,
    summary="Balances, bonds and hash power",
)
async def get_account_view(address: str, node: NodeDep, limit: Limit = 100, offset: Offset = 0) -> AccountResponse:
    """Liquid balances, locked assets, votes and stakes per node, unbondings, hash power and rewards.
    Any valid address can be queried; one that never received anything shows zeros. Votes and stakes (together,
    by node) and unbondings are pages: `limit` of each from `offset`, with their totals."""
    parse_address(address)
    # The mempool is read before the committed state: a commit drops its transactions from the mempool only after
    # readers see it, so the next sequence is never one the chain already used.
    pending_next = node.app.mempool.next_sequence(address)
    return await read_state(node.app, lambda state: account_view(node, state, address, limit, offset, pending_next))


def account_view(
    node: Node, state: State, address: str, limit: int, offset: int, pending_next: int | None
) -> AccountResponse:
    """/accounts/{address} at the committed `state` of `node`, with the sequence its next pending transaction would
    take (`pending_next`; None: it has none pending)."""
    index = get_gos_index(state)
    denoms = get_bank_denoms(state)
    balances = [asset_amount(state, d, a) for d in denoms if (a := get_balance(state, address, d))]
    account_power = get_account_hash_power(state, address)
    total_power = sum(account_power.values())
    bonds_total, delegations = get_delegations_page(state, address, offset, limit)
    voted_ugos, staked_ugos = get_bonded_ugos(state, address, "vote"), get_bonded_ugos(state, address, "stake")
    bonds = [
        BondView(node=op, moniker=_moniker(state, op), kind=kind, amount=gos(ugos)) for op, kind, ugos in delegations
    ]
    unbondings_total, unbonding_rows = get_unbondings_page(state, address, offset, limit)
    unbondings = [
        UnbondingView(
            node=entry.node,
            kind=entry.kind,
            amount=gos(compute_shares_to_ugos(entry.shares, index)),
            created_height=entry.created_height,
            completion_height=completion,
            estimated_completion_time=_estimated_time(node, state, completion),
        )
        for completion, entry in unbonding_rows
    ]
    locked = [
        LockView(
            asset=asset_amount(state, denom, amount),
            hash_power=hash_power(account_power.get(compute_lock_pool_id(denom), 0)),
        )
        for denom, amount in get_locked_amounts(state, address).items()
    ]
    is_operator = is_node_operator(state, address)
    sequence = get_account(state, address).sequence
    pending_next = max(pending_next, sequence) if pending_next is not None else None
    return AccountResponse(
        address=address,
        sequence=sequence,
        next_sequence=pending_next if pending_next is not None else sequence,
        pending_txs=(pending_next - sequence) if pending_next is not None else 0,
        gos=gos(get_balance(state, address, GOS_DENOM)),
        balances=balances,
        locked=locked,
        votes=[b for b in bonds if b.kind == "vote"],
        stakes=[b for b in bonds if b.kind == "stake"],
        unbondings=unbondings,
        voted=gos(voted_ugos),
        staked=gos(staked_ugos),
        bonded=gos(voted_ugos + staked_ugos),
        bonds_total=bonds_total,
        unbondings_total=unbondings_total,
        limit=limit,
        offset=offset,
        hash_power=AccountHashPower(
            total=hash_power(total_power),
            share_of_network=percent(total_power, get_total_hash_power(state)),
            pools={pool: hash_power(value) for pool, value in account_power.items()},
        ),
        pending_rewards=gos(get_pending_reward_ugos(state, address)),
        pending_node_rewards=(
            gos(compute_shares_to_ugos(get_pending_candidate_reward_shares(state, address), index))
            if is_operator
            else None
        ),
        node=get_node_status(state, address) if is_operator else None,
    )


@router.get(
    "/accounts/{address}/rewards", response_model=RewardsResponse, responses=_BAD_ADDRESS, summary="Claimable rewards"
)
async def get_rewards(address: str, node: NodeDep) -> RewardsResponse:
    """Pending hash-power rewards per pool (and candidate-node rewards for operators)."""
    parse_address(address)
    return await read_state(node.app, lambda state: rewards_view(state, address))


def rewards_view(state: State, address: str) -> RewardsResponse:
    """/accounts/{address}/rewards at the committed `state`."""
    index = get_gos_index(state)
    pools = [
        PoolReward(pool=pool_id, pending=gos(compute_shares_to_ugos(shares, index)))
        for pool_id, shares in get_pending_rewards_by_pool(state, address)
    ]
    node_rewards = None
    if is_node_operator(state, address):
        shares = get_pending_candidate_reward_shares(state, address)
        node_rewards = gos(compute_shares_to_ugos(shares, index))
    return RewardsResponse(
        address=address,
        total=gos(get_pending_reward_ugos(state, address)),
        pools=pools,
        node_rewards=node_rewards,
    )
