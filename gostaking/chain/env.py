"""Execution context passed to handlers: the block environment, the signer and an event sink."""

from dataclasses import dataclass, field

from gostaking.chain.events import ChainEvent
from gostaking.chain.types.block import BlockEnv, Event


@dataclass(slots=True)
class Context:
    """What a handler may know besides state. `sender` is '' for block-level (begin/end block) work."""

    env: BlockEnv
    sender: str = ""
    events: list[Event] = field(default_factory=list)
    """Emitted events in their wire form (block results keep the format block records have always had)."""

    @property
    def height(self) -> int:
        """Height of the block being executed."""
        return self.env.height

    def emit(self, event: ChainEvent) -> None:
        """Record a typed event."""
        self.events.append(event.to_wire())
