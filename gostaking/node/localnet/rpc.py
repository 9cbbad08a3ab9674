"""A small client for CometBFT's JSON-RPC (HTTP POST), enough for the localnet, its tests and the benchmark."""

import base64
from typing import Any

import httpx


class CometRpcError(Exception):
    """CometBFT answered a JSON-RPC call with an error."""


class CometRpc:
    """JSON-RPC client of one CometBFT node, e.g. CometRpc('http://127.0.0.1:26657')."""

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        """A client of the node whose RPC listens at `url`."""
        self.url = url
        self._http = httpx.Client(base_url=url, timeout=timeout_s)
        self._id = 0

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> "CometRpc":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def call(self, method: str, **params: Any) -> Any:
        """Call `method` and return its `result`; raises CometRpcError or httpx.HTTPError."""
        self._id += 1
        response = self._http.post("/", json={"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        document = response.json()
        if "error" in document:
            error = document["error"]
            raise CometRpcError(f"{method}: {error.get('message', '')} {error.get('data', '')}".strip())
        return document["result"]

    def status(self) -> dict[str, Any]:
        """/status: node info and sync info (latest height, catching_up)."""
        result: dict[str, Any] = self.call("status")
        return result

    def latest_height(self) -> int:
        """Height of the latest block this node has."""
        return int(self.status()["sync_info"]["latest_block_height"])

    def abci_info(self) -> tuple[int, bytes]:
        """The app's (last committed height, app hash) as the node's app reports them."""
        response = self.call("abci_info")["response"]
        app_hash = base64.b64decode(response.get("last_block_app_hash") or "")
        return int(response.get("last_block_height") or 0), app_hash

    def header_app_hash(self, height: int) -> bytes:
        """The app hash recorded in the header of block `height` (the state after block height-1)."""
        header = self.call("header", height=str(height))["header"]
        return bytes.fromhex(header["app_hash"])

    def block_txs(self, height: int) -> list[bytes]:
        """The raw transactions of block `height` as this node's block store has them."""
        txs = self.call("block", height=str(height))["block"]["data"]["txs"] or []
        return [base64.b64decode(tx) for tx in txs]

    def broadcast_tx_sync(self, tx: bytes) -> dict[str, Any]:
        """Submit a tx and wait for CheckTx: {code, log, hash, …} (code 0 = in the mempool)."""
        result: dict[str, Any] = self.call("broadcast_tx_sync", tx=base64.b64encode(tx).decode())
        return result

    def tx(self, tx_hash: bytes) -> dict[str, Any] | None:
        """The committed tx with this hash ({height, index, tx_result, …}), or None if it is not (yet) in a block."""
        try:
            result: dict[str, Any] = self.call("tx", hash=base64.b64encode(tx_hash).decode())
        except CometRpcError as error:
            if "not found" in str(error):
                return None
            raise
        return result
