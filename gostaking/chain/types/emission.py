"""Emission progress."""

import msgspec


class EmissionState(msgspec.Struct, frozen=True, array_like=True):
    """Burns carried out so far."""

    burns_done: int = 0
    last_burn_height: int = 0
