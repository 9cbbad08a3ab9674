"""Invariants of the nodes module."""

from gostaking.chain.constants import CANDIDATE_REWARDS_ACCOUNT
from gostaking.chain.invariants import check
from gostaking.chain.modules.bank.queries import get_shares
from gostaking.chain.modules.nodes.tables import CANDIDATE_POOL, NODES
from gostaking.chain.numeric import ACC_ONE
from gostaking.chain.state import State


def check_candidate_rewards(state: State) -> None:
    """The candidate rewards module holds at least what the nodes have earned, and the pool's units are the
    nodes' weights."""
    pool = state[CANDIDATE_POOL].get()
    nodes = list(state[NODES].values())
    owed = sum(n.candidate_units * (pool.acc_reward_per_unit - n.candidate_acc_settled) // ACC_ONE for n in nodes)
    held = get_shares(state, CANDIDATE_REWARDS_ACCOUNT)
    check(held >= owed, "candidate rewards module holds less than it owes")
    check(pool.total_units == sum(n.candidate_units for n in nodes), "candidate pool units differ from node weights")
