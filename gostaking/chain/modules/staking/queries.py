"""Reads of votes, stakes and unbondings."""

from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.staking.tables import DELEGATIONS, UNBONDINGS
from gostaking.chain.state import State
from gostaking.chain.types.staking import BondKind, Unbonding


def get_delegation_shares(state: State, address: str, node: str, kind: BondKind) -> int:
    """GOS shares the account has voted (kind 'vote') or staked ('stake') on the node."""
    return state[DELEGATIONS].get_or((address, node, kind), 0)


def get_delegations(state: State, address: str) -> list[tuple[str, str, int]]:
    """(node, kind, ugos) of every vote and stake of the account, by node."""
    index = get_gos_index(state)
    return [
        (node, kind, compute_shares_to_ugos(state[DELEGATIONS].get_or((addr, node, kind), 0), index))
        for addr, node, kind in state[DELEGATIONS].scan_index("by_address", (address,))
    ]


def get_node_delegators(state: State, node: str) -> list[tuple[str, str, int]]:
    """(address, kind, ugos) of everyone backing the node: voters, then stakers, each by address."""
    index = get_gos_index(state)
    return [
        (addr, kind, compute_shares_to_ugos(state[DELEGATIONS].get_or((addr, node, kind), 0), index))
        for bond_kind in ("vote", "stake")
        for addr, _, kind in state[DELEGATIONS].scan_index("by_node", (node, bond_kind))
    ]


def get_unbondings(state: State, address: str) -> list[tuple[int, Unbonding]]:
    """(completion height, entry) of the account's pending unbondings, soonest first."""
    out = []
    for key in state[UNBONDINGS].scan_index("by_address", (address,)):
        entry = state[UNBONDINGS].get(key)
        if entry is not None:
            out.append((key[0], entry))
    return out


def get_unbonding_period(state: State, kind: BondKind) -> int:
    """Blocks until redeemed votes or stake return."""
    params = state.params.get().staking
    return params.vote_unbonding_blocks if kind == "vote" else params.stake_unbonding_blocks
