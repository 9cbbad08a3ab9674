"""Request dependencies and parameter parsing shared by the routes."""

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from gostaking.chain.crypto import is_valid_address
from gostaking.chain.errors import InvalidAddressError
from gostaking.chain.state import State
from gostaking.node.app import GoStakingApp
from gostaking.node.runtime import Node

from .errors import InvalidRequestError


def node_of(request: Request) -> Node:
    """The node this API serves (set by create_api)."""
    node: Node = request.app.state.node
    return node


async def get_node(request: Request) -> Node:
    """`node_of` as a route's dependency. A coroutine, so that FastAPI calls it on the event loop: a plain function
    dependency is handed to a worker thread on every request (~0.05 ms each)."""
    return node_of(request)


NodeDep = Annotated[Node, Depends(get_node)]
ViewT = TypeVar("ViewT")


async def read_state(app: GoStakingApp, view: Callable[[State], ViewT]) -> ViewT:
    """`view` of the committed state, for a route that reads a few keys: run on the event loop, since reading the
    committed state never waits for a block (GoStakingApp.read_committed), and handing such a read to a worker
    thread and back costs more than the read itself (~0.1 ms of the node's CPU a request)."""
    with app.read_committed() as state:
        return view(state)


def parse_address(address: str, what: str = "address") -> str:
    """Return `address` if it is a valid gos1… address, else raise InvalidAddressError (400)."""
    if not is_valid_address(address):
        raise InvalidAddressError(f"{what} {address!r} is not a valid gos1… address")
    return address


def hex_bytes_or_empty(text: str) -> bytes:
    """The bytes `text` spells in hex, with or without a 0x prefix; b"" when it is not hex. Hashes and state keys
    in URLs are written both ways; the caller checks the length or content it needs and says what it expected."""
    digits = text[2:] if text[:2].lower() == "0x" else text
    try:
        return bytes.fromhex(digits)
    except ValueError:
        return b""


def parse_hash(text: str, what: str = "transaction hash") -> bytes:
    """Parse a 64-hex-digit hash (an optional 0x prefix is accepted), else raise InvalidRequestError (400)."""
    raw = hex_bytes_or_empty(text)
    if len(raw) != 32:
        raise InvalidRequestError(f"{what} must be 64 hexadecimal digits, got {text!r}")
    return raw
