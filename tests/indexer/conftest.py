"""Indexer test fixtures (defined in indexer_harness so test modules can import its names)."""

from indexer_harness import chain, postgres_url

__all__ = ["chain", "postgres_url"]
