"""Emission progress."""

import msgspec


class EmissionState(msgspec.Struct, frozen=True, array_like=True):
    """Burns carried out so far, and the part of a GOS share the block rewards have not minted yet."""

    burns_done: int = 0
    last_burn_height: int = 0
    mint_carry: int = 0
    """After a burn a reward is rarely a whole number of shares: the fraction left over (numerator over the index,
    0 ≤ carry < index) joins the next reward, so the schedule creates exactly its 30,240,000 GOS instead of up
    to 1 ugos less per block. (It stays 0, and unwritten, until the first burn.)"""
