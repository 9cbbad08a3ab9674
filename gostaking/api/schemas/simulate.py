"""Simulating a transaction: what it would do in the next block, without sending it."""

from pydantic import BaseModel, Field

from .common import EventView, GosAmount


class SimulateTxResponse(BaseModel):
    """The outcome a signed transaction would have as the sender's next one in the next block. Nothing is kept:
    the state, the mempool and the sender's sequence are as before."""

    height: int = Field(description="the committed height it ran on (it would be in block height + 1)")
    tx_hash: str
    sender: str
    code: int = Field(description="0 = it would succeed; otherwise the chain or node error code")
    error: str = Field(description="the error class, e.g. InsufficientFundsError ('' on success)")
    message: str = Field(description="why it would fail ('' on success)")
    log: str = Field(description="`<error>: <message>`, as GET /txs/{hash} shows it for an included transaction")
    events: list[EventView] = Field(description="the events it would emit (none when it fails)")
    fee: GosAmount = Field(
        description="what the sender would pay: the fee, even when a message fails in the block; 0 when the node "
        "would refuse the transaction before a block (bad signature, sequence or fee), which takes no fee"
    )
    accepted: bool = Field(description="whether the node's CheckTx would accept it into a block, where it pays its fee")
