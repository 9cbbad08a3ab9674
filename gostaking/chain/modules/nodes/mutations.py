"""Node registry writes: registration, bond tallies, node rewards and the epoch election."""

from msgspec.structs import replace

from gostaking.chain.constants import (
    MODULE_ADDRESSES,
    MODULE_CANDIDATE_REWARDS,
    MODULE_COMMUNITY_POOL,
)
from gostaking.chain.crypto import consensus_address
from gostaking.chain.env import Context
from gostaking.chain.modules.bank.mutations import move_units
from gostaking.chain.modules.nodes.queries import (
    compute_candidate_units,
    compute_election,
    get_pending_candidate_reward_shares,
    require_node,
)
from gostaking.chain.numeric import ACC_ONE, GOS_DENOM, PPM, mul_div_ceil
from gostaking.chain.state import State
from gostaking.chain.types.block import ValidatorUpdate
from gostaking.chain.types.nodes import MiningSet, Node, NodeCounters

_CANDIDATE_REWARDS = MODULE_ADDRESSES[MODULE_CANDIDATE_REWARDS]
_COMMUNITY = MODULE_ADDRESSES[MODULE_COMMUNITY_POOL]

MINING_NODE_POWER = 10
"""Consensus power of every mining node: the mining set has equal power."""


def register_node(state: State, ctx: Context, operator: str, consensus_pubkey: bytes, moniker: str) -> None:
    """Add a node to the registry (no backing yet, so not yet a candidate)."""
    counters = state.node_counters.get()
    state.nodes.put(
        operator,
        Node(
            consensus_pubkey=consensus_pubkey,
            moniker=moniker,
            registration_index=counters.registrations,
            registered_height=ctx.height,
        ),
    )
    state.node_by_consensus.put(consensus_address(consensus_pubkey), operator)
    state.node_counters.set(NodeCounters(registrations=counters.registrations + 1))
    ctx.emit("node_registered", operator=operator, moniker=moniker, consensus=consensus_address(consensus_pubkey))


def settle_candidate_reward(state: State, ctx: Context, operator: str) -> int:
    """Pay a node's accrued candidate rewards to its operator; returns the shares paid."""
    node = require_node(state, operator)
    pool = state.candidate_pool.get()
    if node.candidate_acc_settled == pool.acc_reward_per_unit:
        return 0
    pending = get_pending_candidate_reward_shares(state, operator)
    state.nodes.put(
        operator,
        replace(
            node,
            candidate_acc_settled=pool.acc_reward_per_unit,
            rewards_earned_shares=node.rewards_earned_shares + pending,
        ),
    )
    if pending:
        move_units(state, _CANDIDATE_REWARDS, operator, GOS_DENOM, pending)
        ctx.emit("candidate_reward_paid", node=operator, shares=pending)
    return pending


def _set_candidate_units(state: State, ctx: Context, operator: str, units: int) -> None:
    settle_candidate_reward(state, ctx, operator)
    node = require_node(state, operator)
    pool = state.candidate_pool.get()
    state.candidate_pool.set(replace(pool, total_units=pool.total_units - node.candidate_units + units))
    state.nodes.put(operator, replace(node, candidate_units=units))


def change_node_bond(state: State, ctx: Context, operator: str, kind: str, delta_shares: int) -> None:
    """Add (negative: remove) vote or stake shares to a node's tally; a candidate's reward weight follows."""
    node = require_node(state, operator)
    if kind == "vote":
        node = replace(node, vote_shares=node.vote_shares + delta_shares)
    else:
        node = replace(node, stake_shares=node.stake_shares + delta_shares)
    state.nodes.put(operator, node)
    if operator in state.mining_set.get().candidates:
        _set_candidate_units(state, ctx, operator, compute_candidate_units(node, state.params.get()))


def distribute_candidate_rewards(state: State, ctx: Context, source: str, reward_shares: int) -> None:
    """Move the candidate nodes' part from `source` into their lazy pool, by candidate weight."""
    if reward_shares == 0:
        return
    pool = state.candidate_pool.get()
    credited = 0
    if pool.total_units:
        delta = reward_shares * ACC_ONE // pool.total_units
        credited = mul_div_ceil(delta, pool.total_units, ACC_ONE)
        state.candidate_pool.set(replace(pool, acc_reward_per_unit=pool.acc_reward_per_unit + delta))
        move_units(state, source, _CANDIDATE_REWARDS, GOS_DENOM, credited)
    if reward_shares > credited:
        move_units(state, source, _COMMUNITY, GOS_DENOM, reward_shares - credited)
    ctx.emit("candidate_rewards", shares=reward_shares, credited=credited)


def pay_mining_nodes(state: State, ctx: Context, source: str, reward_shares: int) -> None:
    """Split `reward_shares` from `source` equally among mining nodes that signed the previous block.

    The remainder of the division, or everything when no mining node signed, goes to the community pool.
    """
    mining = set(state.mining_set.get().operators)
    signers = sorted(
        {op for addr in ctx.env.signers if (op := state.node_by_consensus.get(addr)) is not None and op in mining}
    )
    for operator in signers:
        node = require_node(state, operator)
        state.nodes.put(operator, replace(node, blocks_signed=node.blocks_signed + 1))
    if reward_shares == 0:
        return
    each = reward_shares // len(signers) if signers else 0
    for operator in signers:
        node = require_node(state, operator)
        state.nodes.put(operator, replace(node, rewards_earned_shares=node.rewards_earned_shares + each))
        move_units(state, source, operator, GOS_DENOM, each)
    remainder = reward_shares - each * len(signers)
    if remainder:
        move_units(state, source, _COMMUNITY, GOS_DENOM, remainder)
    ctx.emit("mining_node_rewards", shares=reward_shares, signers=len(signers), each=each)


def install_mining_set(
    state: State, ctx: Context, operators: tuple[str, ...], candidates: tuple[str, ...], epoch: int
) -> tuple[ValidatorUpdate, ...]:
    """Make `operators` the mining set and `candidates` the reward-earning candidates.

    Candidates leaving the set are settled first; returns consensus power changes (0 removes a validator).
    """
    previous = state.mining_set.get()
    params = state.params.get()
    new_candidates = set(candidates)
    for operator in previous.candidates:
        if operator not in new_candidates:
            _set_candidate_units(state, ctx, operator, 0)
    for operator in candidates:
        _set_candidate_units(state, ctx, operator, compute_candidate_units(require_node(state, operator), params))
    state.mining_set.set(MiningSet(operators=operators, candidates=candidates, epoch=epoch, elected_height=ctx.height))
    updates = [
        ValidatorUpdate(require_node(state, op).consensus_pubkey, 0)
        for op in sorted(set(previous.operators) - set(operators))
    ]
    updates += [
        ValidatorUpdate(require_node(state, op).consensus_pubkey, MINING_NODE_POWER)
        for op in sorted(set(operators) - set(previous.operators))
    ]
    ctx.emit("election", epoch=epoch, mining=",".join(operators), candidates=len(candidates))
    return tuple(updates)


def run_election(state: State, ctx: Context, epoch: int) -> tuple[ValidatorUpdate, ...]:
    """Re-elect the mining set. With no eligible node at all the previous set stays, so the chain never halts
    for want of validators."""
    mining, candidates = compute_election(state)
    if not mining:
        mining = state.mining_set.get().operators
        ctx.emit("election_kept_previous_set", epoch=epoch)
    return install_mining_set(state, ctx, mining, candidates, epoch)


def remove_from_mining_set(state: State, ctx: Context, operator: str) -> tuple[ValidatorUpdate, ...]:
    """Take a node out of the mining set and the candidates at once (jail, tombstone); returns its power-0
    update. The last mining node is never removed: a chain without validators cannot produce the block that
    would replace it, so it stays until an election finds eligible nodes."""
    mining_set = state.mining_set.get()
    if operator in mining_set.candidates:
        _set_candidate_units(state, ctx, operator, 0)
    operators = mining_set.operators
    updates: tuple[ValidatorUpdate, ...] = ()
    if operator in operators:
        if len(operators) == 1:
            ctx.emit("last_validator_kept", node=operator)
        else:
            operators = tuple(op for op in operators if op != operator)
            updates = (ValidatorUpdate(require_node(state, operator).consensus_pubkey, 0),)
    candidates = tuple(op for op in mining_set.candidates if op != operator)
    state.mining_set.set(replace(mining_set, operators=operators, candidates=candidates))
    return updates


def jail_node(state: State, ctx: Context, operator: str, until_height: int, reason: str) -> tuple[ValidatorUpdate, ...]:
    """Jail a node until `until_height`: it leaves the mining set and candidates now and cannot be elected
    until it unjails (MsgUnjailNode)."""
    node = require_node(state, operator)
    state.nodes.put(operator, replace(node, jailed=True, jailed_until=until_height, missed_in_window=0))
    ctx.emit("node_jailed", node=operator, reason=reason, until=until_height)
    return remove_from_mining_set(state, ctx, operator)


def record_downtime(state: State, ctx: Context) -> tuple[ValidatorUpdate, ...]:
    """Count the previous block's absent validators; jail those over the window's missed-block allowance.

    A window starts at a node's first miss after the previous window ran out, so a rarely absent node is never
    jailed, and one that misses more than (1 − min_signed) of `downtime_window_blocks` is.
    """
    params = state.params.get().nodes
    window = params.downtime_window_blocks
    allowed = window - window * params.min_signed_per_window_ppm // PPM
    updates: tuple[ValidatorUpdate, ...] = ()
    for address in sorted(set(ctx.env.absent)):
        operator = state.node_by_consensus.get(address)
        node = None if operator is None else state.nodes.get(operator)
        if operator is None or node is None or node.jailed:
            continue
        if ctx.height - node.window_start_height >= window:
            node = replace(node, window_start_height=ctx.height, missed_in_window=0)
        node = replace(node, missed_in_window=node.missed_in_window + 1)
        state.nodes.put(operator, node)
        if node.missed_in_window > allowed:
            updates += jail_node(state, ctx, operator, ctx.height + params.downtime_jail_blocks, "downtime")
    return updates


def unjail_node(state: State, ctx: Context, operator: str) -> None:
    """Clear a served downtime jail; the node competes again from the next election."""
    node = require_node(state, operator)
    state.nodes.put(operator, replace(node, jailed=False, jailed_until=0, missed_in_window=0))
    ctx.emit("node_unjailed", node=operator)
