"""Tables of the nodes module: the node registry, the mining set and the candidates' reward pool."""

from gostaking.chain.tables import SingletonSpec, TableSpec
from gostaking.chain.types.nodes import CandidatePool, MiningSet, Node, NodeCounters

NODES = TableSpec(
    "nodes",
    str,
    Node,
    indexes={"by_registration": lambda _, node: (node.registration_index,)},
    doc="operator address → node; indexed in registration order (node lists).",
)
NODE_BY_CONSENSUS = TableSpec("node_by_consensus", str, str, doc="consensus address → operator address.")
MINING_SET = SingletonSpec("mining_set", MiningSet, MiningSet)
CANDIDATE_POOL = SingletonSpec("candidate_pool", CandidatePool, CandidatePool)
NODE_COUNTERS = SingletonSpec("node_counters", NodeCounters, NodeCounters)
