"""Whole-state invariants: each module declares its own (`Module(invariants=...)`); `check_invariants` runs them
all in module order. O(state): run by tests after every block (the simulation, the harness) and on a launch's
genesis before any node starts (node/launch/genesis_file.py), never per block on a node nor per tx."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gostaking.chain.state import State


class InvariantError(Exception):
    """The state broke a rule that no sequence of valid operations may break."""


def check(condition: bool, message: str) -> None:
    """Raise InvariantError(message) unless `condition` holds."""
    if not condition:
        raise InvariantError(message)


def check_invariants(state: "State") -> None:
    """Raise InvariantError describing the first broken invariant."""
    for invariant in state.registry.invariants():
        invariant(state)
