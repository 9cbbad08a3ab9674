"""The lock module."""
