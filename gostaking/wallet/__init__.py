"""Client-side keys and transaction signing (outside the deterministic chain)."""
