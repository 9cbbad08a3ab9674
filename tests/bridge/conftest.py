"""Bridge test fixtures (defined in the harness modules so test modules can import their names)."""

from gateway_harness import evm, gateway_net, session_evm

__all__ = ["evm", "gateway_net", "session_evm"]
