"""Typed events: what a block did, as values with a name and typed fields.

A module declares its events in `modules/<name>/events.py` as `ChainEvent` structs whose tag is the event kind,
and lists them in its `Module(events=...)`; handlers emit them with `ctx.emit(SomeEvent(...))`. On the wire (block
results, the API, the index) an event is `Event(kind, attributes)` with the fields in declared order rendered as
strings, the format block records have always had; `decode_event` turns it back into the typed value.

The registry's event list is published (`GET /events/kinds`, and the explorer's generated `events.js`), so the
indexer, the AML rules, the gateways and the explorer name kinds through it: a renamed event breaks a test, not a
running gateway.
"""

from functools import cache
from typing import Any

import msgspec

from gostaking.chain.types.block import Event


class ChainEvent(msgspec.Struct, frozen=True, kw_only=True, tag_field="event"):
    """Base of every typed event. Subclasses set `tag=` (the kind) and declare their attributes as fields; a field
    left None is omitted from the wire attributes (one kind may carry either of two identifiers)."""

    @classmethod
    def event_kind(cls) -> str:
        """The event's kind: its struct tag (not `kind`: some events have a field of that name)."""
        tag = cls.__struct_config__.tag
        if not isinstance(tag, str):
            raise TypeError(f"{cls.__name__} has no string tag")
        return tag

    def to_wire(self) -> Event:
        """The block-result form: kind and (name, str(value)) pairs in declared order, None fields omitted."""
        kind, names = _wire_layout(type(self))
        pairs = zip(names, msgspec.structs.astuple(self), strict=False)  # same length; strict checks cost a third
        return Event(kind, tuple([(name, str(value)) for name, value in pairs if value is not None]))


@cache
def _wire_layout(event_type: type[ChainEvent]) -> tuple[str, tuple[str, ...]]:
    """(kind, attribute names in declared order) of an event type (cached: every transaction emits events)."""
    return event_type.event_kind(), event_type.__struct_fields__


class EventKind(msgspec.Struct, frozen=True):
    """One entry of the published event list: what a consumer needs to read events of a kind."""

    kind: str
    module: str
    fields: tuple[tuple[str, str], ...]
    """(attribute name, type: 'int', 'str' or 'bool') in wire order; optional attributes may be absent."""
    doc: str


def describe_event(event_type: type[ChainEvent], module: str) -> EventKind:
    """The published description of an event type."""
    fields = tuple((info.name, _type_name(info.type)) for info in msgspec.structs.fields(event_type))
    return EventKind(event_type.event_kind(), module, fields, (event_type.__doc__ or "").strip())


def _type_name(field_type: Any) -> str:
    for name, python_type in (("bool", bool), ("int", int)):
        if field_type is python_type or field_type == python_type | None:
            return name
    return "str"


def decode_event(event: Event, types: dict[str, type[ChainEvent]]) -> ChainEvent:
    """The typed value of a wire event, given the registry's kind → type map; KeyError for an unknown kind."""
    event_type = types[event.kind]
    attributes = dict(event.attributes)
    values = {
        name: _parse(text, field_type)
        for name, field_type in _fields(event_type)
        if (text := attributes.get(name)) is not None
    }
    return event_type(**values)


@cache
def _fields(event_type: type[ChainEvent]) -> tuple[tuple[str, Any], ...]:
    """(name, type) of an event type's attributes (cached: readers decode every event of every block)."""
    return tuple((info.name, info.type) for info in msgspec.structs.fields(event_type))


def _parse(text: str, field_type: Any) -> Any:
    """A wire attribute back into its field type (ints, bools as Python renders them, strings)."""
    if field_type is bool or field_type == bool | None:
        return text == "True"
    if field_type is int or field_type == int | None:
        return int(text)
    return text
