"""The counter's parameters, genesis section, message and events."""

import msgspec

from gostaking.chain.events import ChainEvent
from gostaking.chain.types.tx import TxMsg


class CounterParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How long a note may be."""

    max_note_bytes: int = 16


class CounterGenesis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The module's section of the genesis document."""

    params: CounterParams = CounterParams()


class MsgBump(TxMsg, frozen=True, tag="bump"):
    """Add one to the sender's counter."""

    note: str


class BumpedEvent(ChainEvent, frozen=True, tag="bumped"):
    """An account's counter went up to `count`."""

    address: str
    count: int
    note: str


class BlockBumpsEvent(ChainEvent, frozen=True, tag="block_bumps"):
    """How many bumps the block had."""

    bumps: int
