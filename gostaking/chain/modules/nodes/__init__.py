"""The nodes module."""
