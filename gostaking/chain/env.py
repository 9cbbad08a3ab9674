"""Execution context passed to handlers: the block environment, the signer and an event sink."""

from dataclasses import dataclass, field

from gostaking.chain.types.block import BlockEnv, Event


@dataclass(slots=True)
class Context:
    """What a handler may know besides state. `sender` is '' for block-level (begin/end block) work."""

    env: BlockEnv
    sender: str = ""
    events: list[Event] = field(default_factory=list)

    @property
    def height(self) -> int:
        """Height of the block being executed."""
        return self.env.height

    def emit(self, event_kind: str, /, **attributes: object) -> None:
        """Record an event; attribute values are rendered as strings, keys keep their given order."""
        self.events.append(Event(event_kind, tuple((key, str(value)) for key, value in attributes.items())))
