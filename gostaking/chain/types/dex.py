"""On-chain exchange: one constant-product pool per listed asset against GOS."""

import msgspec


class DexPool(msgspec.Struct, frozen=True, array_like=True):
    """Reserves of an asset/GOS pair and its liquidity units."""

    asset_units: int = 0
    gos_shares: int = 0
    """GOS reserve in shares of the burn index (a burn shrinks it like every GOS holding)."""
    lp_units: int = 0
