"""Node message handlers."""

from gostaking.chain.env import Context
from gostaking.chain.modules.nodes.mutations import register_node
from gostaking.chain.modules.nodes.queries import require_registrable
from gostaking.chain.state import State
from gostaking.chain.types.tx import MsgRegisterNode


def process_register_node(state: State, ctx: Context, msg: MsgRegisterNode) -> None:
    """Register the sender as operator of a new node with an ed25519 consensus key."""
    require_registrable(state, ctx.sender, msg.consensus_pubkey, msg.moniker)
    register_node(state, ctx, ctx.sender, msg.consensus_pubkey, msg.moniker)
