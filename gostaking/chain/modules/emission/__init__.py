"""The emission module."""
