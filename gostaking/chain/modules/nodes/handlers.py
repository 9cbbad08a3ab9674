"""Node message handlers."""

from gostaking.chain.constants import MAX_MONIKER_BYTES
from gostaking.chain.crypto import consensus_address, is_valid_consensus_pubkey
from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidMessageError, NodeAlreadyRegisteredError, require
from gostaking.chain.modules.nodes.mutations import register_node
from gostaking.chain.state import State
from gostaking.chain.types.tx import MsgRegisterNode


def require_moniker(moniker: str) -> None:
    """Raise InvalidMessageError unless the moniker is printable and 1..64 bytes."""
    require(
        0 < len(moniker.encode()) <= MAX_MONIKER_BYTES and moniker.isprintable(),
        InvalidMessageError,
        f"moniker must be 1..{MAX_MONIKER_BYTES} bytes of printable text",
    )


def process_register_node(state: State, ctx: Context, msg: MsgRegisterNode) -> None:
    """Register the sender as operator of a new node with an ed25519 consensus key."""
    require(is_valid_consensus_pubkey(msg.consensus_pubkey), InvalidMessageError, "consensus key must be 32 bytes")
    require_moniker(msg.moniker)
    require(ctx.sender not in state.nodes, NodeAlreadyRegisteredError, f"{ctx.sender} already runs a node")
    require(
        consensus_address(msg.consensus_pubkey) not in state.node_by_consensus,
        NodeAlreadyRegisteredError,
        "that consensus key belongs to another node",
    )
    register_node(state, ctx, ctx.sender, msg.consensus_pubkey, msg.moniker)
