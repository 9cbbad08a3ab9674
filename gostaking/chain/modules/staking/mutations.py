"""Bonding, unbonding and the bounded unbonding queue."""

from msgspec.structs import replace

from gostaking.chain.constants import (
    BONDED_ACCOUNT,
    UNBONDING_ACCOUNT,
)
from gostaking.chain.env import Context
from gostaking.chain.errors import (
    InsufficientDelegationError,
    InsufficientFundsError,
    NodeJailedError,
    require,
)
from gostaking.chain.modules.bank.mutations import burn_shares, move_units
from gostaking.chain.modules.bank.queries import (
    compute_shares_to_ugos,
    compute_ugos_to_shares_ceil,
    get_gos_index,
    get_shares,
)
from gostaking.chain.modules.mining.mutations import change_position
from gostaking.chain.modules.nodes.mutations import change_node_bond
from gostaking.chain.modules.nodes.queries import require_node
from gostaking.chain.modules.staking.events import UnbondingCompletedEvent
from gostaking.chain.modules.staking.queries import POOL_OF_BOND_KIND, get_delegation_shares, get_unbonding_period
from gostaking.chain.modules.staking.tables import DELEGATIONS, UNBONDING_COUNTS, UNBONDING_CURSOR, UNBONDINGS
from gostaking.chain.numeric import GOS_DENOM, PPM, mul_div_ceil
from gostaking.chain.state import State
from gostaking.chain.types.mining import POOL_STAKE
from gostaking.chain.types.staking import BondKind, Unbonding


def bond(state: State, ctx: Context, address: str, node: str, kind: BondKind, ugos: int) -> int:
    """Vote or stake `ugos` (in range: see check_bond) of the account's GOS on a node; returns the shares bonded."""
    require(not require_node(state, node).jailed, NodeJailedError, f"node {node} is jailed")
    index = get_gos_index(state)
    shares = compute_ugos_to_shares_ceil(ugos, index)
    held = get_shares(state, address)
    require(
        held >= shares,
        InsufficientFundsError,
        f"{address} has {compute_shares_to_ugos(held, index)} ugos, needs {ugos}",
    )
    move_units(state, address, BONDED_ACCOUNT, GOS_DENOM, shares)
    key = (address, node, kind)
    state[DELEGATIONS].put(key, state[DELEGATIONS].get_or(key, 0) + shares)
    change_node_bond(state, ctx, node, kind, shares)
    change_position(state, ctx, address, POOL_OF_BOND_KIND[kind], shares)
    return shares


def unbond(state: State, ctx: Context, address: str, node: str, kind: BondKind, ugos: int) -> tuple[int, int]:
    """Redeem `ugos` of votes or stake: hash power stops now, the GOS returns after the unbonding period.

    Returns (shares, completion height). Asking for the whole displayed amount redeems every share.
    """
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
        state[DELEGATIONS].delete(key)
    else:
        state[DELEGATIONS].put(key, bonded - shares)
    change_node_bond(state, ctx, node, kind, -shares)
    change_position(state, ctx, address, POOL_OF_BOND_KIND[kind], -shares)
    move_units(state, BONDED_ACCOUNT, UNBONDING_ACCOUNT, GOS_DENOM, shares)
    completion = ctx.height + get_unbonding_period(state, kind)
    slot = state[UNBONDING_COUNTS].get_or(completion, 0)
    state[UNBONDING_COUNTS].put(completion, slot + 1)
    state[UNBONDINGS].put((completion, slot), Unbonding(address, node, kind, shares, ctx.height))
    return shares, completion


def complete_unbondings(state: State, ctx: Context) -> int:
    """Return matured unbondings to their owners, oldest first, at most `max_unbonding_completions_per_block`.

    The cursor walks completion heights up to the current one; work left over (a burst of redemptions) carries
    to the next block, so a block's cost stays bounded. Returns the number of entries completed.
    """
    limit = state.params.get().staking.max_unbonding_completions_per_block
    cursor = state[UNBONDING_CURSOR].get()
    height, slot = cursor.height, cursor.index
    done = 0
    while height <= ctx.height and done < limit:
        queued = state[UNBONDING_COUNTS].get_or(height, 0)
        if slot >= queued:
            if queued:
                state[UNBONDING_COUNTS].delete(height)
            height, slot = height + 1, 0
            continue
        entry = state[UNBONDINGS].get((height, slot))
        if entry is not None:
            move_units(state, UNBONDING_ACCOUNT, entry.address, GOS_DENOM, entry.shares)
            state[UNBONDINGS].delete((height, slot))
            ctx.emit(
                UnbondingCompletedEvent(
                    address=entry.address, node=entry.node, kind=entry.kind, shares=entry.shares, due_height=height
                )
            )
            done += 1
        slot += 1
    if (height, slot) != (cursor.height, cursor.index):
        state[UNBONDING_CURSOR].set(replace(cursor, height=height, index=slot))
    return done


def slash_stake(state: State, ctx: Context, operator: str, fraction_ppm: int) -> int:
    """Burn `fraction_ppm` of every stake on the node (rounded up per staker); returns ugos burned.

    Votes are not slashed: the rules punish the stake that vouches for a node, not the votes for it.
    """
    burned = 0
    for key in state[DELEGATIONS].scan_index("by_node", (operator, "stake")):
        address = key[0]
        shares = state[DELEGATIONS].get_or(key, 0)
        cut = mul_div_ceil(shares, fraction_ppm, PPM)
        if cut == 0:
            continue
        if cut == shares:
            state[DELEGATIONS].delete(key)
        else:
            state[DELEGATIONS].put(key, shares - cut)
        change_node_bond(state, ctx, operator, "stake", -cut)
        change_position(state, ctx, address, POOL_STAKE, -cut)
        burned += burn_shares(state, BONDED_ACCOUNT, cut)
    return burned


def slash_unbonding_stake(state: State, operator: str, infraction_height: int, fraction_ppm: int) -> int:
    """Burn `fraction_ppm` of each stake that started unbonding from the node at or after the infraction.

    That stake was bonded when the node double-signed, so leaving afterwards must not escape the penalty
    (otherwise a staker who hears of the fault first could unbond before the evidence lands). Stake that left
    before the infraction did not vouch for it and is untouched. Returns ugos burned.
    """
    burned = 0
    for key in state[UNBONDINGS].scan_index("by_node", (operator, "stake")):
        entry = state[UNBONDINGS].get(key)
        if entry is None or entry.created_height < infraction_height:
            continue
        cut = mul_div_ceil(entry.shares, fraction_ppm, PPM)
        if cut == entry.shares:
            state[UNBONDINGS].delete(key)  # the queue skips a missing entry when its completion height comes
        else:
            state[UNBONDINGS].put(key, replace(entry, shares=entry.shares - cut))
        burned += burn_shares(state, UNBONDING_ACCOUNT, cut)
    return burned
