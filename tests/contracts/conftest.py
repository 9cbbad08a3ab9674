"""Contract test fixtures (defined in evm_harness so test modules can import its names)."""

from evm_harness import evm, session_evm

__all__ = ["evm", "session_evm"]
