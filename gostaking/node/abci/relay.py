"""Submitting transactions under CometBFT: the REST API's POST /txs goes to this node's CometBFT RPC.

CometBFT owns the mempool of a CometBFT network: a transaction reaches the proposers only if CometBFT has it
(it gossips it to its peers). So the app process does not queue it itself but calls `broadcast_tx_sync`, which
returns after CometBFT has run CheckTx on this app (which also records it as pending for the API, see
handler.py). CometBFT's answer is mapped to the CheckTxResult the devnet's check_tx gives, so both kinds of node
refuse a transaction with the same error class, code and message:

- CheckTx refused it: CometBFT's `code` and `log` are the app's ("<ErrorClass>: <message>").
- CometBFT refused it before the app saw it (a JSON-RPC error): already in its cache → AlreadyIncludedError if a
  committed block has it, else DuplicateTxError; mempool full → MempoolFullError; larger than CometBFT's
  max_tx_bytes → DecodeError (the chain's error for an oversized tx); anything else → MempoolError.
- CometBFT cannot be reached → RelayUnavailableError (the API answers 503).
"""

from collections.abc import Callable
from typing import Any, Protocol

import httpx

from gostaking.chain.codec import tx_hash
from gostaking.chain.errors import DecodeError
from gostaking.node.app import AlreadyIncludedError, CheckTxResult
from gostaking.node.localnet.rpc import CometRpc, CometRpcError
from gostaking.node.mempool import DuplicateTxError, MempoolError, MempoolFullError
from gostaking.node.runtime import RelayUnavailableError

DEFAULT_COMET_RPC = "http://127.0.0.1:26657"
"""CometBFT's default RPC address ([rpc] laddr of config.toml)."""


class BroadcastRpc(Protocol):
    """The part of CometRpc the relay uses (tests pass a fake)."""

    url: str

    def broadcast_tx_sync(self, tx: bytes) -> dict[str, Any]:
        """CometBFT's broadcast_tx_sync result ({code, log, codespace, hash…}); CometRpcError for a JSON-RPC
        error, httpx.HTTPError when the node cannot be reached."""
        ...

    def close(self) -> None:
        """Release connections."""


def rejection(hash_: bytes, error: str, code: int, message: str) -> CheckTxResult:
    """A refused CheckTxResult as the app would make it."""
    return CheckTxResult(code, f"{error}: {message}", hash_, error, message)


def result_from_check_tx(hash_: bytes, response: dict[str, Any]) -> CheckTxResult:
    """CheckTxResult from CometBFT's broadcast_tx_sync result (the app's CheckTx answer as CometBFT relays it)."""
    code = int(response.get("code") or 0)
    if code == 0:
        return CheckTxResult(0, "", hash_)
    log = str(response.get("log") or "")
    error, separator, message = log.partition(": ")
    if not separator or not error.isidentifier():
        # Not the app's "<ErrorClass>: <message>" (another app, or a codespace other than ours).
        error, message = "TxRejectedError", log or f"CheckTx refused the transaction with code {code}"
    return CheckTxResult(code, log, hash_, error, message)


def result_from_rpc_error(
    hash_: bytes, message: str, locate: Callable[[bytes], tuple[int, int] | None]
) -> CheckTxResult:
    """CheckTxResult for a transaction CometBFT refused before CheckTx (`message`: its JSON-RPC error text)."""
    text = message.lower()
    if "already exists in cache" in text:
        location = locate(hash_)
        if location is not None:
            return rejection(
                hash_,
                AlreadyIncludedError.__name__,
                AlreadyIncludedError.code,
                f"transaction {hash_.hex()} is already in block {location[0]}",
            )
        return rejection(
            hash_,
            DuplicateTxError.__name__,
            DuplicateTxError.code,
            f"transaction {hash_.hex()} is already in the mempool",
        )
    if "mempool is full" in text:
        return rejection(
            hash_, MempoolFullError.__name__, MempoolFullError.code, f"{_detail(message)}; try again later"
        )
    if "tx too large" in text:
        return rejection(hash_, DecodeError.__name__, DecodeError.code, _detail(message))
    return rejection(hash_, MempoolError.__name__, MempoolError.code, f"CometBFT refused the transaction: {message}")


def _detail(message: str) -> str:
    # CometRpc's errors read "<method>: Internal error <detail>".
    _, _, rest = message.partition(": ")
    return rest.removeprefix("Internal error ").strip() or message


class CometBftRelay:
    """A Node's relay (see runtime.TxRelay) that broadcasts through this node's CometBFT RPC."""

    def __init__(self, rpc: BroadcastRpc, locate: Callable[[bytes], tuple[int, int] | None]) -> None:
        """Broadcast through `rpc`; `locate` finds a committed tx (the app's tx_location) to name a duplicate."""
        self.rpc = rpc
        self.locate = locate

    @classmethod
    def connect(
        cls, url: str, locate: Callable[[bytes], tuple[int, int] | None], timeout_s: float = 10.0
    ) -> "CometBftRelay":
        """A relay to the CometBFT RPC at `url` (e.g. http://127.0.0.1:26657); connects on first use."""
        return cls(CometRpc(url, timeout_s), locate)

    def broadcast(self, raw: bytes) -> CheckTxResult:
        """broadcast_tx_sync `raw`; CometBFT's answer as a CheckTxResult (RelayUnavailableError if unreachable)."""
        hash_ = tx_hash(raw)
        try:
            response = self.rpc.broadcast_tx_sync(raw)
        except CometRpcError as error:
            return result_from_rpc_error(hash_, str(error), self.locate)
        except (httpx.HTTPError, ValueError, KeyError) as error:  # unreachable, timed out, not a JSON-RPC answer
            raise RelayUnavailableError(
                f"this node's CometBFT (RPC {self.rpc.url}) did not take the transaction: {error}; "
                "is its cometbft process running?"
            ) from None
        return result_from_check_tx(hash_, response)

    def close(self) -> None:
        """Close the RPC connections."""
        self.rpc.close()
