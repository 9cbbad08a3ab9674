"""Punishment of double signing: burn part of the node's stake and tombstone the node.

Lives in staking (above nodes and mining) because it touches every staker of the node: their delegations,
hash-power positions, unbonding entries and the node's tally. The stakers are found through the (node, kind, …)
indexes of the delegations and unbondings tables, so the cost is proportional to the node's stakers, not to all
accounts.
"""

from msgspec.structs import replace

from gostaking.chain.constants import MODULE_ADDRESSES, MODULE_BONDED, MODULE_UNBONDING
from gostaking.chain.env import Context
from gostaking.chain.modules.bank.mutations import burn_shares
from gostaking.chain.modules.mining.mutations import change_position
from gostaking.chain.modules.nodes.mutations import change_node_bond, remove_from_mining_set
from gostaking.chain.modules.nodes.queries import require_node
from gostaking.chain.numeric import PPM, mul_div_ceil
from gostaking.chain.state import State
from gostaking.chain.types.block import ValidatorUpdate
from gostaking.chain.types.mining import POOL_STAKE

_BONDED = MODULE_ADDRESSES[MODULE_BONDED]
_UNBONDING = MODULE_ADDRESSES[MODULE_UNBONDING]
TOMBSTONE_HEIGHT = 2**63 - 1
"""jailed_until of a tombstoned node: never."""


def slash_stake(state: State, ctx: Context, operator: str, fraction_ppm: int) -> int:
    """Burn `fraction_ppm` of every stake on the node (rounded up per staker); returns ugos burned.

    Votes are not slashed: the rules punish the stake that vouches for a node, not the votes for it.
    """
    burned = 0
    for key in state.delegations.scan_index("by_node", (operator, "stake")):
        address = key[0]
        shares = state.delegations.get_or(key, 0)
        cut = mul_div_ceil(shares, fraction_ppm, PPM)
        if cut == 0:
            continue
        if cut == shares:
            state.delegations.delete(key)
        else:
            state.delegations.put(key, shares - cut)
        change_node_bond(state, ctx, operator, "stake", -cut)
        change_position(state, ctx, address, POOL_STAKE, -cut)
        burned += burn_shares(state, _BONDED, cut)
    return burned


def slash_unbonding_stake(state: State, operator: str, infraction_height: int, fraction_ppm: int) -> int:
    """Burn `fraction_ppm` of each stake that started unbonding from the node at or after the infraction.

    That stake was bonded when the node double-signed, so leaving afterwards must not escape the penalty
    (otherwise a staker who hears of the fault first could unbond before the evidence lands). Stake that left
    before the infraction did not vouch for it and is untouched. Returns ugos burned.
    """
    burned = 0
    for key in state.unbondings.scan_index("by_node", (operator, "stake")):
        entry = state.unbondings.get(key)
        if entry is None or entry.created_height < infraction_height:
            continue
        cut = mul_div_ceil(entry.shares, fraction_ppm, PPM)
        if cut == entry.shares:
            state.unbondings.delete(key)  # the queue skips a missing entry when its completion height comes
        else:
            state.unbondings.put(key, replace(entry, shares=entry.shares - cut))
        burned += burn_shares(state, _UNBONDING, cut)
    return burned


def punish_misbehavior(state: State, ctx: Context) -> tuple[ValidatorUpdate, ...]:
    """Slash and tombstone each node named by this block's evidence (once per node, ever)."""
    fraction = state.params.get().nodes.double_sign_slash_ppm
    updates: tuple[ValidatorUpdate, ...] = ()
    for evidence in sorted(ctx.env.misbehavior, key=lambda e: (e.height, e.consensus_address, e.kind)):
        operator = state.node_by_consensus.get(evidence.consensus_address)
        if operator is None or require_node(state, operator).tombstoned:
            continue
        updates += remove_from_mining_set(state, ctx, operator)
        burned_bonded = slash_stake(state, ctx, operator, fraction)
        burned_unbonding = slash_unbonding_stake(state, operator, evidence.height, fraction)
        node = require_node(state, operator)
        state.nodes.put(operator, replace(node, jailed=True, tombstoned=True, jailed_until=TOMBSTONE_HEIGHT))
        ctx.emit(
            "node_slashed",
            node=operator,
            evidence=evidence.kind,
            infraction_height=evidence.height,
            burned=burned_bonded + burned_unbonding,
            burned_unbonding=burned_unbonding,
        )
    return updates
