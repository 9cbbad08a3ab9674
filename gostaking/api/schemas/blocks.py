"""Blocks."""

from typing import Any

from pydantic import BaseModel, Field

from .common import EventView, GosAmount, MultisigSignatures


class BlockFacts(BaseModel):
    """What every view of a block starts with, from the node's block store or the explorer index alike."""

    height: int
    hash: str
    time_ms: int
    time: str
    proposer: str
    num_txs: int
    num_failed_txs: int


class BlockSummary(BlockFacts):
    """Header facts of a block."""

    app_hash: str = Field(description="state root after this block")


class BlockList(BaseModel):
    """A page of blocks, newest first."""

    height: int = Field(description="last committed height")
    blocks: list[BlockSummary]
    next_before: int | None = Field(description="pass as `before` for the next page; null on the last page")


class TxInBlock(BaseModel):
    """A transaction of a block and its result."""

    index: int
    hash: str
    code: int
    log: str
    sender: str
    fee: GosAmount
    events: list[EventView]
    body: dict[str, Any] | None
    signature: str
    multisig: MultisigSignatures = None
    size_bytes: int


class ValidatorUpdateView(BaseModel):
    """A change of consensus power (0 removes the validator)."""

    consensus_pubkey: str
    power: int


class BlockResponse(BlockSummary):
    """A whole block."""

    chain_id: str
    previous_hash: str
    txs_hash: str
    results_hash: str
    signers: list[str]
    txs: list[TxInBlock]
    events: list[EventView]
    validator_updates: list[ValidatorUpdateView]
