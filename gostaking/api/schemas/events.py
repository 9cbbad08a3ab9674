"""The published event list."""

from pydantic import BaseModel, Field

from gostaking.chain.modules.bank.events import TransferEvent


class EventAttributeView(BaseModel):
    """One attribute of an event kind."""

    name: str
    type: str = Field(description="'int', 'str' or 'bool': the value's type (on the wire every value is a string)")


class EventKindView(BaseModel):
    """An event kind the chain emits: what a reader of block and transaction events needs to know of it."""

    kind: str = Field(examples=[TransferEvent.event_kind()])
    module: str = Field(description="the chain module that emits it", examples=["bank"])
    attributes: list[EventAttributeView] = Field(
        description="in wire order; an optional attribute (one of two identifiers) may be absent from an event"
    )
    description: str
