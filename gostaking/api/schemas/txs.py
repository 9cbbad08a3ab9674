"""Submitting and looking up transactions."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from .common import EventView, GosAmount, MultisigSignatures

MAX_TX_HEX_CHARS = 2 * 1024 * 1024


class SubmitTxRequest(BaseModel):
    """A signed transaction in wire encoding."""

    tx: str = Field(min_length=2, max_length=MAX_TX_HEX_CHARS, description="hex of the signed wire bytes")


class SubmitTxResponse(BaseModel):
    """The transaction was accepted into the mempool."""

    tx_hash: str
    status: Literal["pending"] = "pending"


class TxResponse(BaseModel):
    """A transaction waiting in the mempool or included in a block."""

    tx_hash: str
    status: Literal["pending", "included"]
    height: int | None = None
    index: int | None = None
    block_time: str | None = None
    code: int | None = Field(default=None, description="0 = success")
    log: str | None = None
    events: list[EventView] = []
    sender: str
    fee: GosAmount
    body: dict[str, Any] | None
    signature: str
    multisig: MultisigSignatures = None
