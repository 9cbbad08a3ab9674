"""API test fixtures (defined in the harness modules so test modules can import their names)."""

from api_compliance_harness import chain
from api_harness import devnet

__all__ = ["chain", "devnet"]
