"""API test fixtures (defined in api_harness so test modules can import its names)."""

from api_harness import devnet

__all__ = ["devnet"]
