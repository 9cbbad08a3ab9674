"""Block work of the staking module: validator faults at the start of a block, then the unbonding queue.

Double signing is punished here (above nodes and mining) because it touches every staker of the node: their
delegations, hash-power positions, unbonding entries and the node's tally. The stakers are found through the
(node, kind, …) indexes of the delegations and unbondings tables, so the cost is proportional to the node's
stakers, not to all accounts.
"""

from gostaking.chain.env import Context
from gostaking.chain.modules.nodes.mutations import record_downtime, remove_from_mining_set, tombstone_node
from gostaking.chain.modules.nodes.queries import require_node
from gostaking.chain.modules.nodes.tables import NODE_BY_CONSENSUS
from gostaking.chain.modules.staking.events import NodeSlashedEvent
from gostaking.chain.modules.staking.mutations import complete_unbondings, slash_stake, slash_unbonding_stake
from gostaking.chain.state import State
from gostaking.chain.types.block import ValidatorUpdate


def process_validator_faults(state: State, ctx: Context) -> tuple[ValidatorUpdate, ...]:
    """Double signs first, then downtime: a node this block's evidence tombstones is jailed already, so its
    absence is not counted again. Returns the removals of punished validators."""
    return punish_misbehavior(state, ctx) + record_downtime(state, ctx)


def process_unbonding_queue(state: State, ctx: Context) -> None:
    """Return matured votes and stakes to their owners (bounded work per block; see complete_unbondings)."""
    complete_unbondings(state, ctx)


def punish_misbehavior(state: State, ctx: Context) -> tuple[ValidatorUpdate, ...]:
    """Slash and tombstone each node named by this block's evidence (once per node, ever)."""
    fraction = state.params.get().nodes.double_sign_slash_ppm
    updates: tuple[ValidatorUpdate, ...] = ()
    for evidence in sorted(ctx.env.misbehavior, key=lambda e: (e.height, e.consensus_address, e.kind)):
        operator = state[NODE_BY_CONSENSUS].get(evidence.consensus_address)
        if operator is None or require_node(state, operator).tombstoned:
            continue
        updates += remove_from_mining_set(state, ctx, operator)
        burned_bonded = slash_stake(state, ctx, operator, fraction)
        burned_unbonding = slash_unbonding_stake(state, operator, evidence.height, fraction)
        tombstone_node(state, operator)
        ctx.emit(
            NodeSlashedEvent(
                node=operator,
                evidence=evidence.kind,
                infraction_height=evidence.height,
                burned=burned_bonded + burned_unbonding,
                burned_unbonding=burned_unbonding,
            )
        )
    return updates
