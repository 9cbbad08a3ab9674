"""The mining module."""
