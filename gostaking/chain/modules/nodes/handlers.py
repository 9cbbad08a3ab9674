"""Node message handlers."""

from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidMessageError, NodeJailedError, require
from gostaking.chain.modules.nodes.mutations import register_node, unjail_node
from gostaking.chain.modules.nodes.queries import require_node, require_node_identity, require_registrable
from gostaking.chain.state import State
from gostaking.chain.types.tx import MsgRegisterNode, MsgUnjailNode


def check_register_node(state: State, msg: MsgRegisterNode) -> None:
    """A 32-byte ed25519 consensus key and a printable moniker of 1..64 bytes."""
    require_node_identity(msg.consensus_pubkey, msg.moniker)


def process_register_node(state: State, ctx: Context, msg: MsgRegisterNode) -> None:
    """Register the sender as operator of a new node with an ed25519 consensus key."""
    require_registrable(state, ctx.sender, msg.consensus_pubkey, msg.moniker)
    register_node(state, ctx, ctx.sender, msg.consensus_pubkey, msg.moniker)


def process_unjail_node(state: State, ctx: Context, msg: MsgUnjailNode) -> None:
    """Return the sender's node from a served downtime jail (never from a double-sign tombstone)."""
    node = require_node(state, ctx.sender)
    require(node.jailed, InvalidMessageError, f"node {ctx.sender} is not jailed")
    require(not node.tombstoned, NodeJailedError, f"node {ctx.sender} double-signed and is jailed forever")
    require(
        ctx.height >= node.jailed_until,
        NodeJailedError,
        f"node {ctx.sender} is jailed until height {node.jailed_until}",
    )
    unjail_node(state, ctx, ctx.sender)
