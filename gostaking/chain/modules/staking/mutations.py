"""Bonding, unbonding and the bounded unbonding queue."""

from msgspec.structs import replace

from gostaking.chain.constants import MODULE_ADDRESSES, MODULE_BONDED, MODULE_UNBONDING
from gostaking.chain.env import Context
from gostaking.chain.errors import (
    InsufficientDelegationError,
    InsufficientFundsError,
    NodeJailedError,
    require,
    require_amount,
)
from gostaking.chain.modules.bank.mutations import move_units
from gostaking.chain.modules.bank.queries import (
    compute_shares_to_ugos,
    compute_ugos_to_shares_ceil,
    get_gos_index,
    get_shares,
)
from gostaking.chain.modules.mining.mutations import change_position
from gostaking.chain.modules.nodes.mutations import change_node_bond
from gostaking.chain.modules.nodes.queries import require_node
from gostaking.chain.modules.staking.queries import get_delegation_shares, get_unbonding_period
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State
from gostaking.chain.types.mining import POOL_STAKE, POOL_VOTE
from gostaking.chain.types.staking import BondKind, Unbonding

_BONDED = MODULE_ADDRESSES[MODULE_BONDED]
_UNBONDING = MODULE_ADDRESSES[MODULE_UNBONDING]
_POOL_OF_KIND: dict[str, str] = {"vote": POOL_VOTE, "stake": POOL_STAKE}


def bond(state: State, ctx: Context, address: str, node: str, kind: BondKind, ugos: int) -> int:
    """Vote or stake `ugos` of the account's GOS on a node; returns the shares bonded."""
    require_amount(ugos)
    require(not require_node(state, node).jailed, NodeJailedError, f"node {node} is jailed")
    index = get_gos_index(state)
    shares = compute_ugos_to_shares_ceil(ugos, index)
    held = get_shares(state, address)
    require(
        held >= shares,
        InsufficientFundsError,
        f"{address} has {compute_shares_to_ugos(held, index)} ugos, needs {ugos}",
    )
    move_units(state, address, _BONDED, GOS_DENOM, shares)
    key = (address, node, kind)
    state.delegations.put(key, state.delegations.get_or(key, 0) + shares)
    change_node_bond(state, ctx, node, kind, shares)
    change_position(state, ctx, address, _POOL_OF_KIND[kind], shares)
    return shares


def unbond(state: State, ctx: Context, address: str, node: str, kind: BondKind, ugos: int) -> tuple[int, int]:
    """Redeem `ugos` of votes or stake: hash power stops now, the GOS returns after the unbonding period.

    Returns (shares, completion height). Asking for the whole displayed amount redeems every share.
    """
    require_amount(ugos)
    require_node(state, node)
    index = get_gos_index(state)
    bonded = get_delegation_shares(state, address, node, kind)
    displayed = compute_shares_to_ugos(bonded, index)
    require(
        ugos <= displayed,
        InsufficientDelegationError,
        f"{address} has {displayed} ugos {kind}d on {node}, asked {ugos}",
    )
    # Asking for the whole displayed amount (floor of shares × index) redeems every share, leaving no dust.
    shares = bonded if ugos == displayed else min(compute_ugos_to_shares_ceil(ugos, index), bonded)
    key = (address, node, kind)
    if shares == bonded:
        state.delegations.delete(key)
    else:
        state.delegations.put(key, bonded - shares)
    change_node_bond(state, ctx, node, kind, -shares)
    change_position(state, ctx, address, _POOL_OF_KIND[kind], -shares)
    move_units(state, _BONDED, _UNBONDING, GOS_DENOM, shares)
    completion = ctx.height + get_unbonding_period(state, kind)
    slot = state.unbonding_counts.get_or(completion, 0)
    state.unbonding_counts.put(completion, slot + 1)
    state.unbondings.put((completion, slot), Unbonding(address, node, kind, shares, ctx.height))
    return shares, completion


def complete_unbondings(state: State, ctx: Context) -> int:
    """Return matured unbondings to their owners, oldest first, at most `max_unbonding_completions_per_block`.

    The cursor walks completion heights up to the current one; work left over (a burst of redemptions) carries
    to the next block, so a block's cost stays bounded. Returns the number of entries completed.
    """
    limit = state.params.get().staking.max_unbonding_completions_per_block
    cursor = state.unbonding_cursor.get()
    height, slot = cursor.height, cursor.index
    done = 0
    while height <= ctx.height and done < limit:
        queued = state.unbonding_counts.get_or(height, 0)
        if slot >= queued:
            if queued:
                state.unbonding_counts.delete(height)
            height, slot = height + 1, 0
            continue
        entry = state.unbondings.get((height, slot))
        if entry is not None:
            move_units(state, _UNBONDING, entry.address, GOS_DENOM, entry.shares)
            state.unbondings.delete((height, slot))
            ctx.emit(
                "unbonding_completed",
                address=entry.address,
                node=entry.node,
                kind=entry.kind,
                shares=entry.shares,
                due_height=height,
            )
            done += 1
        slot += 1
    if (height, slot) != (cursor.height, cursor.index):
        state.unbonding_cursor.set(replace(cursor, height=height, index=slot))
    return done
