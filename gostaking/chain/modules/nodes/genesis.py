"""Genesis step of the nodes module: the genesis nodes, which form the first mining set."""

from gostaking.chain.crypto import is_valid_address
from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.genesis import Genesis
from gostaking.chain.modules.nodes.mutations import install_mining_set, register_node
from gostaking.chain.modules.nodes.queries import require_registrable
from gostaking.chain.state import State
from gostaking.chain.types.block import ValidatorUpdate


def init_nodes_genesis(state: State, ctx: Context, genesis: Genesis) -> tuple[ValidatorUpdate, ...]:
    """Register the genesis nodes (at most a full mining set) and make them the first mining set (epoch 0)."""
    limit = genesis.params.nodes.mining_by_stake + genesis.params.nodes.mining_by_votes
    require(len(genesis.nodes) <= limit, InvalidGenesisError, f"at most {limit} genesis nodes")
    for node in genesis.nodes:
        require(is_valid_address(node.operator), InvalidGenesisError, f"bad operator {node.operator!r}")
        require_registrable(state, node.operator, node.consensus_pubkey, node.moniker)
        register_node(state, ctx, node.operator, node.consensus_pubkey, node.moniker)
    return install_mining_set(state, ctx, tuple(node.operator for node in genesis.nodes), (), epoch=0)
