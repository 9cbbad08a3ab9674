"""The bank module."""
