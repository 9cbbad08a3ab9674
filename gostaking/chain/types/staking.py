"""Votes, stakes and their unbonding queue."""

from typing import Literal

import msgspec

BondKind = Literal["vote", "stake"]


class Unbonding(msgspec.Struct, frozen=True, array_like=True):
    """GOS shares on their way back to an account; no hash power, no rewards."""

    address: str
    node: str
    kind: BondKind
    shares: int
    created_height: int


class UnbondingCursor(msgspec.Struct, frozen=True, array_like=True):
    """Where completion processing stopped: entries (height, index) before it are done."""

    height: int = 1
    index: int = 0
