"""Tables of the staking module: votes and stakes, and the bounded unbonding queue."""

from gostaking.chain.tables import SingletonSpec, TableSpec
from gostaking.chain.types.staking import Unbonding, UnbondingCursor

DELEGATIONS = TableSpec(
    "delegations",
    tuple[str, str, str],
    int,
    indexes={
        "by_node": lambda key, _: (key[1], key[2], key[0]),
        "by_address": lambda key, _: key,
        "by_size": lambda _, shares: (-shares,),
        "by_node_size": lambda key, shares: (key[1], -shares, key[2], key[0]),
    },
    doc="(address, node, 'vote'|'stake') → GOS shares; indexed by node (slashing, node pages), by address (account "
    "pages) and largest first, over all and per node (the resource-sharing graph).",
)
UNBONDINGS = TableSpec(
    "unbondings",
    tuple[int, int],
    Unbonding,
    indexes={
        "by_address": lambda key, entry: (entry.address, *key),
        "by_node": lambda key, entry: (entry.node, entry.kind, *key),
    },
    doc="(completion height, index within that height) → entry; indexed by owner (account pages) and by node "
    "(double-sign slashing reaches stake that left the node after the infraction).",
)
UNBONDING_COUNTS = TableSpec(
    "unbonding_counts", int, int, doc="completion height → number of entries ever queued for it (next index)."
)
UNBONDING_CURSOR = SingletonSpec("unbonding_cursor", UnbondingCursor, UnbondingCursor)
