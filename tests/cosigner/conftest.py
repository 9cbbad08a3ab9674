"""Cosigner test fixtures (defined in cosigner_harness so test modules can import its names)."""

from cosigner_harness import cosigner, postgres_url

__all__ = ["cosigner", "postgres_url"]
