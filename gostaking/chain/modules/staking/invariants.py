"""Invariants of the staking module."""

from gostaking.chain.constants import (
    BONDED_ACCOUNT,
    UNBONDING_ACCOUNT,
)
from gostaking.chain.invariants import check
from gostaking.chain.modules.bank.queries import get_shares
from gostaking.chain.modules.mining.tables import POOLS
from gostaking.chain.modules.nodes.tables import NODES
from gostaking.chain.modules.staking.tables import DELEGATIONS, UNBONDINGS
from gostaking.chain.state import State
from gostaking.chain.types.mining import POOL_STAKE, POOL_VOTE


def check_bonds(state: State) -> None:
    """The bonded and unbonding module accounts hold exactly the delegations and the queue; the nodes' tallies and
    the vote and stake pools agree with the delegations."""
    delegated = sum(state[DELEGATIONS].values())
    bonded = get_shares(state, BONDED_ACCOUNT)
    check(bonded == delegated, f"bonded module {bonded} != delegations {delegated}")
    unbonding = get_shares(state, UNBONDING_ACCOUNT)
    queued = sum(entry.shares for entry in state[UNBONDINGS].values())
    check(unbonding == queued, f"unbonding module {unbonding} != queue {queued}")
    nodes = list(state[NODES].values())
    node_votes = sum(node.vote_shares for node in nodes)
    node_stakes = sum(node.stake_shares for node in nodes)
    votes = sum(s for (_, _, kind), s in state[DELEGATIONS].items_sorted() if kind == "vote")
    check(node_votes == votes and node_stakes == delegated - votes, "node tallies differ from delegations")
    for pool_id, bonded_kind in ((POOL_VOTE, votes), (POOL_STAKE, delegated - votes)):
        bond_pool = state[POOLS].get(pool_id)
        check(bond_pool is None or bond_pool.units == bonded_kind, f"pool {pool_id} differs from its delegations")
