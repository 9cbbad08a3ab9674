"""CLI test fixtures (defined in cli_harness so test modules can import its names)."""

from cli_harness import live_devnet

__all__ = ["live_devnet"]
