"""The counter's message handler."""

from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidMessageError, require
from gostaking.chain.state import State

from .mutations import add_bump
from .tables import PARAMS
from .types import BumpedEvent, MsgBump


def process_bump(state: State, ctx: Context, msg: MsgBump) -> None:
    """Bump the sender's counter."""
    limit = state[PARAMS].get().max_note_bytes
    require(len(msg.note.encode()) <= limit, InvalidMessageError, f"a note is at most {limit} bytes")
    ctx.emit(BumpedEvent(address=ctx.sender, count=add_bump(state, ctx.sender), note=msg.note))
