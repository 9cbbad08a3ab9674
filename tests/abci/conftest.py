"""ABCI test fixtures (defined in abci_harness so test modules can import its names)."""

from abci_harness import abci_server

__all__ = ["abci_server"]
