"""Node test fixtures (defined in node_harness so test modules can import its names)."""

from node_harness import clock, genesis_json

__all__ = ["clock", "genesis_json"]
