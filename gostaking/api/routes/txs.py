"""POST /txs, POST /txs/simulate and GET /txs/{hash}."""

import math

from fastapi import APIRouter, status

from gostaking.chain.codec import decode_tx
from gostaking.chain.errors import ChainError
from gostaking.node.mempool import MempoolFullError, SenderLimitError

from ..deps import NodeDep, parse_hash, read_state
from ..errors import ApiError, InvalidRequestError, NotFoundError, error_responses
from ..render import decoded_tx, event_view, gos, gos_index_at, iso_time
from ..schemas.simulate import SimulateTxResponse
from ..schemas.txs import SubmitTxRequest, SubmitTxResponse, TxResponse
from .blocks import BlockPrunedError, not_kept_reason

router = APIRouter(tags=["transactions"])


BUSY_MEMPOOL_CODES = (MempoolFullError.code, SenderLimitError.code)
"""Refusals that are about room, not about the transaction: answered 429, to be retried after a block."""


class RejectedTxError(ApiError):
    """The node's CheckTx refused the transaction; `error` and `code` are those of the underlying error (on a
    CometBFT node, as CometBFT relayed them). A full mempool or a sender at its limit is 429 with Retry-After
    (one block time): the same transaction may be accepted once a block has made room."""

    def __init__(self, error: str, code: int, message: str, block_time_s: float) -> None:
        super().__init__(message)
        self.error = error
        self._code = code
        if code in BUSY_MEMPOOL_CODES:
            self.status = 429
            self.headers = {"Retry-After": str(max(1, math.ceil(block_time_s)))}

    @property
    def code(self) -> int:
        """The chain or mempool error code."""
        return self._code


@router.post(
    "/txs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SubmitTxResponse,
    responses=error_responses(
        {
            400: "the transaction is invalid (reason in message)",
            429: "the mempool is full of transactions paying at least this fee (MempoolFullError), or the sender "
            "already has 64 waiting (SenderLimitError): retry after Retry-After seconds, or pay a higher fee",
            503: "CometBFT node: its CometBFT could not be reached",
        }
    ),
    summary="Submit a signed transaction",
)
def submit_tx(request: SubmitTxRequest, node: NodeDep) -> SubmitTxResponse:
    """Check a signed transaction and queue it for a block (devnet: this node's mempool; CometBFT node: CometBFT's
    mempool, which gossips it to the proposers). Poll GET /txs/{hash} for the result."""
    result = node.submit(_signed_bytes(request))
    if not result.ok:
        raise RejectedTxError(result.error, result.code, result.message, node.block_time_s)
    return SubmitTxResponse(tx_hash=result.tx_hash.hex())


def _signed_bytes(request: SubmitTxRequest) -> bytes:
    text = request.tx[2:] if request.tx.lower().startswith("0x") else request.tx
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise InvalidRequestError("tx must be the hex encoding of the signed transaction bytes") from None


@router.post(
    "/txs/simulate",
    response_model=SimulateTxResponse,
    responses=error_responses(
        {
            400: "the body is not the hex of a transaction, or the bytes do not decode as one (DecodeError); a "
            "transaction that decodes but would fail is a 200 answer with its code",
            503: "the node is committing a block (NodeBusyError, retry after Retry-After) or has no chain yet",
        }
    ),
    summary="Simulate a signed transaction",
)
def simulate_tx(request: SubmitTxRequest, node: NodeDep) -> SimulateTxResponse:
    """Run a signed transaction against the committed state as the sender's next one (after its transactions
    waiting in this node's mempool), and discard what it did: its result code, log, events and the fee it would
    pay, without queueing it or using its sequence. Check with it what would fail before paying a fee for it."""
    raw = _signed_bytes(request)
    sender = decode_tx(raw).body.sender  # bytes that are no transaction: 400 DecodeError
    simulated = node.app.simulate_tx(raw)
    result = simulated.result
    with node.app.read_committed() as state:
        gos_index = gos_index_at(state, simulated.height + 1)
    return SimulateTxResponse(
        height=simulated.height,
        tx_hash=result.tx_hash.hex(),
        sender=sender,
        code=result.code,
        error=result.log.partition(": ")[0] if result.code else "",
        message=result.log.partition(": ")[2] if result.code else "",
        log=result.log,
        events=[event_view(e, gos_index) for e in result.events],
        fee=gos(result.fee),
        accepted=bool(result.sender),
    )


@router.get(
    "/txs/{tx_hash}",
    response_model=TxResponse,
    responses=error_responses(
        {
            400: "not a 64-hex-digit hash",
            404: "no such transaction, pending or included (the message says why, when the node dropped it, and "
            "from which height this node keeps blocks when it prunes)",
            410: "the transaction's block was pruned while it was being read (Pruned)",
        }
    ),
    summary="A transaction, pending or included",
)
async def get_tx(tx_hash: str, node: NodeDep) -> TxResponse:
    """Pending transactions show their body; included ones also their block, result code, log and events."""
    hash_ = parse_hash(tx_hash)
    app = node.app
    pending = app.mempool.get(hash_)
    if pending is not None:
        body, signature, multisig = decoded_tx(pending.raw)
        return TxResponse(
            tx_hash=hash_.hex(),
            status="pending",
            sender=pending.sender,
            fee=gos(pending.fee),
            body=body,
            signature=signature,
            multisig=multisig,
        )
    location = app.tx_location(hash_)
    block = app.block(location[0]) if location is not None else None
    if location is not None and block is None:
        reason = not_kept_reason(app, location[0])
        if reason is not None:
            raise BlockPrunedError(f"transaction {hash_.hex()} is in block {location[0]}, but {reason}")
    if location is None or block is None:
        dropped = app.mempool.dropped_reason(hash_)
        if dropped is not None:
            raise NotFoundError(
                f"transaction {hash_.hex()} left this node's mempool without being included: {dropped}; "
                "submit it again (with a higher fee if it was evicted)"
            )
        if app.earliest_block_height > 1:
            # The tx index of blocks this node does not keep is gone too: it cannot say whether one held it.
            raise NotFoundError(
                f"no transaction {hash_.hex()} is pending or in the blocks this node keeps (from height "
                f"{app.earliest_block_height}; older blocks are pruned or were never synced: ask an archive node)"
            )
        raise NotFoundError(f"no transaction {hash_.hex()} is pending or in a block")
    height, index = location
    raw, result = block.txs[index], block.tx_results[index]
    gos_index = await read_state(app, lambda state: gos_index_at(state, height))
    body, signature, multisig = decoded_tx(raw)
    try:
        sender = decode_tx(raw).body.sender
    except ChainError:
        sender = result.sender
    return TxResponse(
        tx_hash=hash_.hex(),
        status="included",
        height=height,
        index=index,
        block_time=iso_time(block.header.time_ms),
        code=result.code,
        log=result.log,
        events=[event_view(e, gos_index) for e in result.events],
        sender=sender,
        fee=gos(result.fee),
        body=body,
        signature=signature,
        multisig=multisig,
    )
