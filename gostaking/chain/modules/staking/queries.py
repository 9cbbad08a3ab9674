"""Reads of votes, stakes and unbondings."""

from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.state import State
from gostaking.chain.types.staking import BondKind, Unbonding


def get_delegation_shares(state: State, address: str, node: str, kind: BondKind) -> int:
    """GOS shares the account has voted (kind 'vote') or staked ('stake') on the node."""
    return state.delegations.get_or((address, node, kind), 0)


def get_delegations(state: State, address: str) -> list[tuple[str, str, int]]:
    """(node, kind, ugos) of every vote and stake of the account. Scans the table: for queries only."""
    index = get_gos_index(state)
    return [
        (node, kind, compute_shares_to_ugos(shares, index))
        for (addr, node, kind), shares in state.delegations.items_sorted()
        if addr == address
    ]


def get_node_delegators(state: State, node: str) -> list[tuple[str, str, int]]:
    """(address, kind, ugos) of everyone backing the node. Scans the table: for queries only."""
    index = get_gos_index(state)
    return [
        (addr, kind, compute_shares_to_ugos(shares, index))
        for (addr, n, kind), shares in state.delegations.items_sorted()
        if n == node
    ]


def get_unbondings(state: State, address: str) -> list[tuple[int, Unbonding]]:
    """(completion height, entry) of the account's pending unbondings. Scans the table: for queries only."""
    return [(height, entry) for (height, _), entry in state.unbondings.items_sorted() if entry.address == address]


def get_unbonding_period(state: State, kind: BondKind) -> int:
    """Blocks until redeemed votes or stake return."""
    params = state.params.get().staking
    return params.vote_unbonding_blocks if kind == "vote" else params.stake_unbonding_blocks
