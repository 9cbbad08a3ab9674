"""Devnet faucet."""

from pydantic import BaseModel, Field

from .common import AssetAmount


class FaucetRequest(BaseModel):
    """Who to fund."""

    address: str = Field(max_length=128, examples=["gos1..."])


class FaucetResponse(BaseModel):
    """What the faucet sent (transactions are pending; they land in the next block)."""

    address: str
    tx_hashes: list[str]
    sent: list[AssetAmount]
    notes: list[str]
