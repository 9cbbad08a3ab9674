"""The staking module."""
