"""GoStaking: a Proof-of-Stake economy chain (see DESIGN.md and README.md)."""

__version__ = "0.1.0"
