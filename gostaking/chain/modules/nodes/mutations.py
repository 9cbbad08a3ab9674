"""Node registry writes: registration, bond tallies, node rewards and the epoch election."""

from msgspec.structs import replace

from gostaking.chain.constants import (
    CANDIDATE_REWARDS_ACCOUNT,
    COMMUNITY_POOL_ACCOUNT,
)
from gostaking.chain.crypto import consensus_address
from gostaking.chain.env import Context
from gostaking.chain.modules.bank.mutations import move_units
from gostaking.chain.modules.nodes.events import (
    CandidateRewardPaidEvent,
    CandidateRewardsEvent,
    ElectionEvent,
    ElectionKeptPreviousSetEvent,
    LastValidatorKeptEvent,
    MiningNodeRewardsEvent,
    NodeJailedEvent,
    NodeRegisteredEvent,
    NodeUnjailedEvent,
)
from gostaking.chain.modules.nodes.queries import (
    MINING_NODE_POWER,
    compute_candidate_units,
    compute_election,
    get_pending_candidate_reward_shares,
    require_node,
)
from gostaking.chain.modules.nodes.tables import CANDIDATE_POOL, MINING_SET, NODE_BY_CONSENSUS, NODE_COUNTERS, NODES
from gostaking.chain.numeric import ACC_ONE, GOS_DENOM, PPM, mul_div_ceil
from gostaking.chain.state import State
from gostaking.chain.types.block import ValidatorUpdate
from gostaking.chain.types.nodes import MiningSet, Node, NodeCounters

TOMBSTONE_HEIGHT = 2**63 - 1
"""jailed_until of a tombstoned node: never."""


def register_node(state: State, ctx: Context, operator: str, consensus_pubkey: bytes, moniker: str) -> None:
    """Add a node to the registry (no backing yet, so not yet a candidate)."""
    counters = state[NODE_COUNTERS].get()
    state[NODES].put(
        operator,
        Node(
            consensus_pubkey=consensus_pubkey,
            moniker=moniker,
            registration_index=counters.registrations,
            registered_height=ctx.height,
        ),
    )
    state[NODE_BY_CONSENSUS].put(consensus_address(consensus_pubkey), operator)
    state[NODE_COUNTERS].set(NodeCounters(registrations=counters.registrations + 1))
    ctx.emit(NodeRegisteredEvent(operator=operator, moniker=moniker, consensus=consensus_address(consensus_pubkey)))


def settle_candidate_reward(state: State, ctx: Context, operator: str) -> int:
    """Pay a node's accrued candidate rewards to its operator; returns the shares paid."""
    node = require_node(state, operator)
    pool = state[CANDIDATE_POOL].get()
    if node.candidate_acc_settled == pool.acc_reward_per_unit:
        return 0
    pending = get_pending_candidate_reward_shares(state, operator)
    state[NODES].put(
        operator,
        replace(
            node,
            candidate_acc_settled=pool.acc_reward_per_unit,
            rewards_earned_shares=node.rewards_earned_shares + pending,
        ),
    )
    if pending:
        move_units(state, CANDIDATE_REWARDS_ACCOUNT, operator, GOS_DENOM, pending)
        ctx.emit(CandidateRewardPaidEvent(node=operator, shares=pending))
    return pending


def _set_candidate_units(state: State, ctx: Context, operator: str, units: int) -> None:
    settle_candidate_reward(state, ctx, operator)
    node = require_node(state, operator)
    pool = state[CANDIDATE_POOL].get()
    state[CANDIDATE_POOL].set(replace(pool, total_units=pool.total_units - node.candidate_units + units))
    state[NODES].put(operator, replace(node, candidate_units=units))


def change_node_bond(state: State, ctx: Context, operator: str, kind: str, delta_shares: int) -> None:
    """Add (negative: remove) vote or stake shares to a node's tally; a candidate's reward weight follows."""
    node = require_node(state, operator)
    if kind == "vote":
        node = replace(node, vote_shares=node.vote_shares + delta_shares)
    else:
        node = replace(node, stake_shares=node.stake_shares + delta_shares)
    state[NODES].put(operator, node)
    if operator in state[MINING_SET].get().candidates:
        _set_candidate_units(state, ctx, operator, compute_candidate_units(node, state.params.get()))


def distribute_candidate_rewards(state: State, ctx: Context, source: str, reward_shares: int) -> None:
    """Move the candidate nodes' part from `source` into their lazy pool, by candidate weight."""
    if reward_shares == 0:
        return
    pool = state[CANDIDATE_POOL].get()
    credited = 0
    if pool.total_units:
        delta = reward_shares * ACC_ONE // pool.total_units
        credited = mul_div_ceil(delta, pool.total_units, ACC_ONE)
        state[CANDIDATE_POOL].set(replace(pool, acc_reward_per_unit=pool.acc_reward_per_unit + delta))
        move_units(state, source, CANDIDATE_REWARDS_ACCOUNT, GOS_DENOM, credited)
    if reward_shares > credited:
        move_units(state, source, COMMUNITY_POOL_ACCOUNT, GOS_DENOM, reward_shares - credited)
    ctx.emit(CandidateRewardsEvent(shares=reward_shares, credited=credited))


def pay_mining_nodes(state: State, ctx: Context, source: str, reward_shares: int) -> None:
    """Split `reward_shares` from `source` equally among mining nodes that signed the previous block.

    The remainder of the division, or everything when no mining node signed, goes to the community pool.
    """
    mining = set(state[MINING_SET].get().operators)
    signers = sorted(
        {op for addr in ctx.env.signers if (op := state[NODE_BY_CONSENSUS].get(addr)) is not None and op in mining}
    )
    for operator in signers:
        node = require_node(state, operator)
        state[NODES].put(operator, replace(node, blocks_signed=node.blocks_signed + 1))
    if reward_shares == 0:
        return
    each = reward_shares // len(signers) if signers else 0
    for operator in signers:
        node = require_node(state, operator)
        state[NODES].put(operator, replace(node, rewards_earned_shares=node.rewards_earned_shares + each))
        move_units(state, source, operator, GOS_DENOM, each)
    remainder = reward_shares - each * len(signers)
    if remainder:
        move_units(state, source, COMMUNITY_POOL_ACCOUNT, GOS_DENOM, remainder)
    ctx.emit(MiningNodeRewardsEvent(shares=reward_shares, signers=len(signers), each=each))


def install_mining_set(
    state: State, ctx: Context, operators: tuple[str, ...], candidates: tuple[str, ...], epoch: int
) -> tuple[ValidatorUpdate, ...]:
    """Make `operators` the mining set and `candidates` the reward-earning candidates.

    Candidates leaving the set are settled first; returns consensus power changes (0 removes a validator).
    """
    previous = state[MINING_SET].get()
    params = state.params.get()
    new_candidates = set(candidates)
    for operator in previous.candidates:
        if operator not in new_candidates:
            _set_candidate_units(state, ctx, operator, 0)
    for operator in candidates:
        _set_candidate_units(state, ctx, operator, compute_candidate_units(require_node(state, operator), params))
    state[MINING_SET].set(MiningSet(operators=operators, candidates=candidates, epoch=epoch, elected_height=ctx.height))
    updates = [
        ValidatorUpdate(require_node(state, op).consensus_pubkey, 0)
        for op in sorted(set(previous.operators) - set(operators))
    ]
    updates += [
        ValidatorUpdate(require_node(state, op).consensus_pubkey, MINING_NODE_POWER)
        for op in sorted(set(operators) - set(previous.operators))
    ]
    ctx.emit(ElectionEvent(epoch=epoch, mining=",".join(operators), candidates=len(candidates)))
    return tuple(updates)


def run_election(state: State, ctx: Context, epoch: int) -> tuple[ValidatorUpdate, ...]:
    """Re-elect the mining set. With no eligible node at all the previous set stays, so the chain never halts
    for want of validators."""
    mining, candidates = compute_election(state)
    if not mining:
        mining = state[MINING_SET].get().operators
        ctx.emit(ElectionKeptPreviousSetEvent(epoch=epoch))
    return install_mining_set(state, ctx, mining, candidates, epoch)


def remove_from_mining_set(state: State, ctx: Context, operator: str) -> tuple[ValidatorUpdate, ...]:
    """Take a node out of the mining set and the candidates at once (jail, tombstone); returns its power-0
    update. The last mining node is never removed: a chain without validators cannot produce the block that
    would replace it, so it stays until an election finds eligible nodes."""
    mining_set = state[MINING_SET].get()
    if operator in mining_set.candidates:
        _set_candidate_units(state, ctx, operator, 0)
    operators = mining_set.operators
    updates: tuple[ValidatorUpdate, ...] = ()
    if operator in operators:
        if len(operators) == 1:
            ctx.emit(LastValidatorKeptEvent(node=operator))
        else:
            operators = tuple(op for op in operators if op != operator)
            updates = (ValidatorUpdate(require_node(state, operator).consensus_pubkey, 0),)
    candidates = tuple(op for op in mining_set.candidates if op != operator)
    state[MINING_SET].set(replace(mining_set, operators=operators, candidates=candidates))
    return updates


def jail_node(state: State, ctx: Context, operator: str, until_height: int, reason: str) -> tuple[ValidatorUpdate, ...]:
    """Jail a node until `until_height`: it leaves the mining set and candidates now and cannot be elected
    until it unjails (MsgUnjailNode)."""
    node = require_node(state, operator)
    state[NODES].put(operator, replace(node, jailed=True, jailed_until=until_height, missed_in_window=0))
    ctx.emit(NodeJailedEvent(node=operator, reason=reason, until=until_height))
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
        operator = state[NODE_BY_CONSENSUS].get(address)
        node = None if operator is None else state[NODES].get(operator)
        if operator is None or node is None or node.jailed:
            continue
        if ctx.height - node.window_start_height >= window:
            node = replace(node, window_start_height=ctx.height, missed_in_window=0)
        node = replace(node, missed_in_window=node.missed_in_window + 1)
        state[NODES].put(operator, node)
        if node.missed_in_window > allowed:
            updates += jail_node(state, ctx, operator, ctx.height + params.downtime_jail_blocks, "downtime")
    return updates


def unjail_node(state: State, ctx: Context, operator: str) -> None:
    """Clear a served downtime jail; the node competes again from the next election."""
    node = require_node(state, operator)
    state[NODES].put(operator, replace(node, jailed=False, jailed_until=0, missed_in_window=0))
    ctx.emit(NodeUnjailedEvent(node=operator))


def tombstone_node(state: State, operator: str) -> None:
    """Jail a double signer forever (it was already taken out of the mining set and slashed)."""
    node = require_node(state, operator)
    state[NODES].put(operator, replace(node, jailed=True, tombstoned=True, jailed_until=TOMBSTONE_HEIGHT))
