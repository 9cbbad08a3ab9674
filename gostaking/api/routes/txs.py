"""POST /txs and GET /txs/{hash}."""

from fastapi import APIRouter, status

from gostaking.chain.codec import decode_tx
from gostaking.chain.errors import ChainError

from ..deps import NodeDep, parse_hash
from ..errors import ApiError, InvalidRequestError, NotFoundError, error_responses
from ..render import decoded_tx, event_view, gos, iso_time
from ..schemas.txs import SubmitTxRequest, SubmitTxResponse, TxResponse

router = APIRouter(tags=["transactions"])


class RejectedTxError(ApiError):
    """The node's CheckTx refused the transaction; `error` and `code` are those of the underlying error (on a
    CometBFT node, as CometBFT relayed them)."""

    def __init__(self, error: str, code: int, message: str) -> None:
        super().__init__(message)
        self.error = error
        self._code = code

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
            503: "CometBFT node: its CometBFT could not be reached",
        }
    ),
    summary="Submit a signed transaction",
)
def submit_tx(request: SubmitTxRequest, node: NodeDep) -> SubmitTxResponse:
    """Check a signed transaction and queue it for a block (devnet: this node's mempool; CometBFT node: CometBFT's
    mempool, which gossips it to the proposers). Poll GET /txs/{hash} for the result."""
    text = request.tx[2:] if request.tx.lower().startswith("0x") else request.tx
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise InvalidRequestError("tx must be the hex encoding of the signed transaction bytes") from None
    result = node.submit(raw)
    if not result.ok:
        raise RejectedTxError(result.error, result.code, result.message)
    return SubmitTxResponse(tx_hash=result.tx_hash.hex())


@router.get("/txs/{tx_hash}", response_model=TxResponse, summary="A transaction, pending or included")
def get_tx(tx_hash: str, node: NodeDep) -> TxResponse:
    """Pending transactions show their body; included ones also their block, result code, log and events."""
    hash_ = parse_hash(tx_hash)
    app = node.app
    pending = app.mempool.get(hash_)
    if pending is not None:
        body, signature = decoded_tx(pending.raw)
        return TxResponse(
            tx_hash=hash_.hex(),
            status="pending",
            sender=pending.sender,
            fee=gos(pending.fee),
            body=body,
            signature=signature,
        )
    location = app.tx_location(hash_)
    block = app.block(location[0]) if location is not None else None
    if location is None or block is None:
        raise NotFoundError(f"no transaction {hash_.hex()} is pending or in a block")
    height, index = location
    raw, result = block.txs[index], block.tx_results[index]
    body, signature = decoded_tx(raw)
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
        events=[event_view(e) for e in result.events],
        sender=sender,
        fee=gos(result.fee),
        body=body,
        signature=signature,
    )
