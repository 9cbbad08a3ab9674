"""Liquid staking: sGOS over stake spread across nodes, redemption tickets and an instant-redemption pool."""
