"""Registered external assets that can be locked for hash power."""

import msgspec


class Asset(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An external asset (custodied on its hosted chain) known to GoStaking."""

    denom: str
    """On-chain denomination, e.g. 'btc' (base unit satoshi when decimals = 8)."""
    decimals: int
    hosted_chain: str
    weight_ppm: int
    price_ugos: int
    """Price of one whole asset in ugos (GOS index); set at genesis, later by the oracle."""
