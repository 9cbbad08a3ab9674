"""Building blocks shared by several responses."""

from typing import Annotated, Any

from pydantic import BaseModel, Field


class GosAmount(BaseModel):
    """An amount of GOS: exact base units and a decimal string."""

    ugos: int = Field(description="base units (1 GOS = 1,000,000 ugos)")
    gos: str = Field(description="decimal GOS, exact", examples=["1.5"])


class AssetAmount(BaseModel):
    """An amount of any denomination, in base units and whole units."""

    denom: str = Field(description="on-chain denomination ('ugos' for GOS)")
    amount: int = Field(description="base units")
    display: str = Field(description="whole units as an exact decimal string", examples=["0.25"])
    display_denom: str = Field(description="unit of `display` ('gos' for ugos)")


class HashPower(BaseModel):
    """Hash power: exact micro-H/s and a decimal H/s string."""

    micro_hs: int
    hs: str = Field(description="H/s as an exact decimal string")


class EventView(BaseModel):
    """Something that happened in a block or transaction."""

    kind: str
    attributes: dict[str, str]


MultisigSignatures = Annotated[
    dict[str, Any] | None,
    Field(
        description="a multisig sender's key {threshold, pubkeys} and member signatures {index, signature}, in hex "
        "(then `signature` is empty); absent for a single-key sender"
    ),
]
"""The `multisig` field of a signed transaction, wherever one is shown (in its block, looked up by hash)."""


class OffsetPage(BaseModel):
    """Offset pagination: `limit` rows from `offset` of the `total` matching, as of `height`."""

    height: int
    total: int
    limit: int
    offset: int


class ErrorResponse(BaseModel):
    """Body of every error response."""

    error: str = Field(description="error class, e.g. InsufficientFundsError")
    code: int = Field(description="chain error code (1-99), node code (100+) or the HTTP status")
    message: str
