"""Node registry reads: status, candidate eligibility, election ranking."""

from gostaking.chain.constants import MAX_MONIKER_BYTES
from gostaking.chain.crypto import consensus_address, is_valid_consensus_pubkey
from gostaking.chain.errors import InvalidMessageError, NodeAlreadyRegisteredError, UnknownNodeError, require
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.nodes.tables import CANDIDATE_POOL, MINING_SET, NODE_BY_CONSENSUS, NODES
from gostaking.chain.numeric import ACC_ONE
from gostaking.chain.state import State
from gostaking.chain.types.nodes import MiningSet, Node
from gostaking.chain.types.params import ChainParams

MINING_NODE_POWER = 10
"""Consensus power of every mining node: the mining set has equal power."""

STATUS_MINING = "mining"
STATUS_CANDIDATE = "candidate"
STATUS_REGISTERED = "registered"
STATUS_JAILED = "jailed"


def get_node(state: State, operator: str) -> Node | None:
    """The node run by `operator`, or None."""
    return state[NODES].get(operator)


def is_node_operator(state: State, address: str) -> bool:
    """True when `address` runs a registered node."""
    return address in state[NODES]


def get_operators_by_registration(state: State) -> list[str]:
    """Every node's operator, in registration order."""
    return state[NODES].scan_index("by_registration", ())


def get_mining_set(state: State) -> MiningSet:
    """The last election's mining set and candidates."""
    return state[MINING_SET].get()


def require_node(state: State, operator: str) -> Node:
    """The node run by `operator`, or UnknownNodeError."""
    node = state[NODES].get(operator)
    if node is None:
        raise UnknownNodeError(f"no node is registered by operator {operator}")
    return node


def require_node_identity(consensus_pubkey: bytes, moniker: str) -> None:
    """Raise InvalidMessageError unless the key is a 32-byte ed25519 key and the moniker 1..64 bytes of printable
    text."""
    require(is_valid_consensus_pubkey(consensus_pubkey), InvalidMessageError, "consensus key must be 32 bytes")
    require(
        0 < len(moniker.encode()) <= MAX_MONIKER_BYTES and moniker.isprintable(),
        InvalidMessageError,
        f"moniker must be 1..{MAX_MONIKER_BYTES} bytes of printable text",
    )


def require_registrable(state: State, operator: str, consensus_pubkey: bytes, moniker: str) -> None:
    """Raise a clear error unless a node with this operator, ed25519 key and moniker may be registered:
    a well-formed key and moniker, and neither operator nor key already in use."""
    require_node_identity(consensus_pubkey, moniker)
    require(operator not in state[NODES], NodeAlreadyRegisteredError, f"{operator} already runs a node")
    require(
        consensus_address(consensus_pubkey) not in state[NODE_BY_CONSENSUS],
        NodeAlreadyRegisteredError,
        "that consensus key belongs to another node",
    )


def compute_candidate_units(node: Node, params: ChainParams) -> int:
    """A node's weight for the candidate 5%: its vote + stake backing in hash-power terms (shares)."""
    staking = params.staking
    return node.vote_shares * staking.vote_multiplier + node.stake_shares * staking.stake_multiplier


def is_candidate_eligible(node: Node, params: ChainParams, gos_index: int) -> bool:
    """A node may be elected when it is not jailed and meets both the vote and the stake threshold."""
    return (
        not node.jailed
        and compute_shares_to_ugos(node.vote_shares, gos_index) >= params.nodes.min_votes_ugos
        and compute_shares_to_ugos(node.stake_shares, gos_index) >= params.nodes.min_stake_ugos
    )


def compute_election(state: State) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Rank eligible nodes: top `mining_by_stake` by stake, then top `mining_by_votes` by votes among the rest.

    Returns (mining set, remaining candidates). Ties go to the earlier registration.
    """
    params = state.params.get()
    index = get_gos_index(state)
    eligible = [(op, node) for op, node in state[NODES].items_sorted() if is_candidate_eligible(node, params, index)]
    by_stake = sorted(eligible, key=lambda item: (-item[1].stake_shares, item[1].registration_index))
    mining = [op for op, _ in by_stake[: params.nodes.mining_by_stake]]
    chosen = set(mining)
    rest = [(op, node) for op, node in eligible if op not in chosen]
    by_votes = sorted(rest, key=lambda item: (-item[1].vote_shares, item[1].registration_index))
    mining += [op for op, _ in by_votes[: params.nodes.mining_by_votes]]
    chosen = set(mining)
    candidates = tuple(op for op, node in sorted(eligible, key=lambda i: i[1].registration_index) if op not in chosen)
    return tuple(mining), candidates


def get_node_status(state: State, operator: str) -> str:
    """'mining', 'candidate', 'jailed' or 'registered' (below the thresholds) as of the last election."""
    node = require_node(state, operator)
    if node.jailed:
        return STATUS_JAILED
    mining_set = state[MINING_SET].get()
    if operator in mining_set.operators:
        return STATUS_MINING
    if operator in mining_set.candidates:
        return STATUS_CANDIDATE
    return STATUS_REGISTERED


def get_pending_candidate_reward_shares(state: State, operator: str) -> int:
    """Candidate reward shares the node has earned and not yet been paid."""
    node = require_node(state, operator)
    pool = state[CANDIDATE_POOL].get()
    return node.candidate_units * (pool.acc_reward_per_unit - node.candidate_acc_settled) // ACC_ONE


def get_node_backing_ugos(state: State, operator: str) -> tuple[int, int]:
    """(votes, stake) backing a node, in ugos."""
    node = require_node(state, operator)
    index = get_gos_index(state)
    return compute_shares_to_ugos(node.vote_shares, index), compute_shares_to_ugos(node.stake_shares, index)


def get_operators_page(state: State, offset: int, limit: int) -> tuple[int, list[str]]:
    """(registered nodes, a page of their operators) in registration order. O(log n + limit)."""
    return state[NODES].page_index("by_registration", (), offset, limit)
