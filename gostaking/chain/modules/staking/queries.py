"""Reads of votes, stakes and unbondings."""

from collections.abc import Iterable, Mapping

from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.mining.queries import compute_units_hash_power, get_hash_rate, get_position, require_pool
from gostaking.chain.modules.staking.tables import DELEGATIONS, UNBONDINGS
from gostaking.chain.state import State
from gostaking.chain.types.mining import POOL_STAKE, POOL_VOTE, HashRate
from gostaking.chain.types.staking import BondKind, Unbonding

POOL_OF_BOND_KIND: dict[str, str] = {"vote": POOL_VOTE, "stake": POOL_STAKE}
"""The hash-power pool of each kind of bond."""


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


def count_node_backers(state: State, node: str, kind: BondKind) -> int:
    """How many accounts vote (kind 'vote') or stake ('stake') on the node. O(log n)."""
    return state[DELEGATIONS].count_index("by_node", (node, kind))


def get_largest_delegations(state: State, limit: int) -> tuple[int, list[tuple[str, str, BondKind, int]]]:
    """(number of votes and stakes, the `limit` largest as (address, node, kind, shares)), largest first, equal
    ones by address, node and kind. O(log n + limit)."""
    total, keys = state[DELEGATIONS].page_index("by_size", (), 0, limit)
    return total, [(a, n, k, state[DELEGATIONS].get_or((a, n, k), 0)) for a, n, k in keys]  # type: ignore[misc]


def get_largest_node_delegations(state: State, node: str, limit: int) -> tuple[int, list[tuple[str, BondKind, int]]]:
    """(the node's votes and stakes, the `limit` largest as (address, kind, shares)), largest first, equal ones by
    kind and address. O(log n + limit)."""
    total, keys = state[DELEGATIONS].page_index("by_node_size", (node,), 0, limit)
    return total, [(a, k, state[DELEGATIONS].get_or((a, n, k), 0)) for a, n, k in keys]  # type: ignore[misc]


def get_bond_hash_rates(state: State) -> dict[BondKind, HashRate]:
    """The hash rate of each kind of bond's pool (votes, stakes), as compute_bonds_hash_power takes them."""
    return {kind: get_hash_rate(require_pool(state, pool_id)) for kind, pool_id in POOL_OF_BOND_KIND.items()}  # type: ignore[misc]


def compute_bonds_hash_power(
    rates: Mapping[BondKind, HashRate], gos_index: int, bonds: Iterable[tuple[BondKind, int]]
) -> list[int]:
    """Hash power (micro-H/s) of each (kind, shares) voted or staked, at `gos_index`. Takes the pools' hash rates
    (get_bond_hash_rates) and the index rather than the state: a reader showing hundreds of bonds (the explorer's
    graph) can keep what it computed while those stay the same, though the pools change at every block."""
    return [compute_units_hash_power(rates[kind], shares, gos_index) for kind, shares in bonds]


def get_bonded_ugos(state: State, address: str, kind: BondKind) -> int:
    """GOS (ugos) the account has voted or staked over all nodes: its units in that kind's pool, which are its
    shares of every such bond (an invariant checks it). O(1), however many nodes it backs."""
    return compute_shares_to_ugos(get_position(state, address, POOL_OF_BOND_KIND[kind]).units, get_gos_index(state))


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


def get_delegations_page(state: State, address: str, offset: int, limit: int) -> tuple[int, list[tuple[str, str, int]]]:
    """(the account's votes and stakes, a page of (node, kind, ugos)) by node. O(log n + limit)."""
    index = get_gos_index(state)
    total, keys = state[DELEGATIONS].page_index("by_address", (address,), offset, limit)
    return total, [
        (node, kind, compute_shares_to_ugos(shares, index)) for (_, node, kind), shares in state[DELEGATIONS].rows(keys)
    ]


def get_node_delegators_page(
    state: State, node: str, kind: BondKind, offset: int, limit: int
) -> tuple[int, list[tuple[str, int]]]:
    """(accounts voting (kind 'vote') or staking ('stake') on the node, a page of (address, ugos)) by address.
    O(log n + limit)."""
    index = get_gos_index(state)
    total, keys = state[DELEGATIONS].page_index("by_node", (node, kind), offset, limit)
    return total, [
        (address, compute_shares_to_ugos(shares, index)) for (address, _, _), shares in state[DELEGATIONS].rows(keys)
    ]


def get_unbondings_page(state: State, address: str, offset: int, limit: int) -> tuple[int, list[tuple[int, Unbonding]]]:
    """(the account's pending unbondings, a page of (completion height, entry)), soonest first. O(log n + limit)."""
    total, keys = state[UNBONDINGS].page_index("by_address", (address,), offset, limit)
    return total, [(key[0], entry) for key, entry in state[UNBONDINGS].rows(keys)]
