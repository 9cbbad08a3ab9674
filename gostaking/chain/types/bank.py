"""Bank records: accounts, the GOS share index and supply."""

import msgspec

from gostaking.chain.numeric import INDEX_ONE


class Account(msgspec.Struct, frozen=True, array_like=True):
    """Per-address metadata. Balances live in the `balances` table keyed by (address, denom)."""

    sequence: int = 0
    """Number of transactions this account has signed; the next one must carry exactly this value."""


class GosSupply(msgspec.Struct, frozen=True, array_like=True):
    """GOS is held in shares of a global index so a burn is O(1): amount = shares × index / INDEX_ONE."""

    total_shares: int = 0
    index: int = INDEX_ONE
    minted_ugos: int = 0
    """Nominal GOS minted by block rewards (at the time of minting)."""
    burned_ugos: int = 0
    """Nominal GOS destroyed by burns (at the time of each burn)."""
    slashed_ugos: int = 0
    """Nominal GOS destroyed by slashing (at the time of each slash)."""
    bridged_out_ugos: int = 0
    """GOS swapped out to the GOS ERC-20 on the hosted chain and not yet back: removed from native supply on the
    way out, re-created (at most this much) when swapped back. Burns do not reach tokens outside the chain."""
