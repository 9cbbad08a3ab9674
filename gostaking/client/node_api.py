"""JSON over HTTP to one node's REST API: the requests, error mapping and transaction submission that the CLI
and the custody gateway share."""

import time
from dataclasses import dataclass
from typing import Any

import httpx

from gostaking.chain.types.tx import Msg
from gostaking.client.answers import read_answer
from gostaking.client.errors import ApiError
from gostaking.wallet.keys import PrivateKey, sign_tx

DEFAULT_API_URL = "http://127.0.0.1:8645"
"""Where `gostaking devnet` serves its API unless told otherwise."""


@dataclass(frozen=True)
class AssetInfo:
    """An asset listed on GoStaking, as GET /assets shows it."""

    denom: str
    decimals: int
    hosted_chain: str


class NodeApi:
    """A client of one node's API. Every failure is an ApiError: an error status (with the API's error body when it
    sent one), an answer that is not JSON, or no answer at all."""

    def __init__(
        self, base_url: str = DEFAULT_API_URL, *, timeout_s: float = 10.0, http: httpx.Client | None = None
    ) -> None:
        """A client of the API at `base_url`; pass `http` to reuse a client instead (then `base_url` and `timeout_s`
        are its own): tests pass one serving an in-process app or a mock transport."""
        self._http = http if http is not None else httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s)
        self._chain_id: str | None = None

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> "NodeApi":
        """The client, closed when the `with` block ends."""
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET a JSON document; a 404 is an ApiError like any other error status."""
        return _document(self._send("GET", path, params=params), path)

    def get_or_none(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET a JSON document that may not exist: None when the API answers 404."""
        response = self._send("GET", path, params=params)
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        return _document(response, path)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST a JSON body and return the JSON answer."""
        return _document(self._send("POST", path, body=body), path)

    def status(self) -> dict[str, Any]:
        """GET /status: chain id, height, latest block and the node's settings."""
        document: dict[str, Any] = self.get("/status")
        return document

    def chain_id(self) -> str:
        """The node's chain id (asked once: it never changes)."""
        if self._chain_id is None:
            self._chain_id = str(self.status()["chain_id"])
        return self._chain_id

    def next_sequence(self, address: str) -> int:
        """Sequence for a new transaction of `address`, counting its transactions still pending."""
        return int(self.get(f"/accounts/{address}")["next_sequence"])

    def assets(self) -> list[AssetInfo]:
        """Assets listed on the chain."""
        return [AssetInfo(a["denom"], int(a["decimals"]), a["hosted_chain"]) for a in self.get("/assets")]

    def tx(self, tx_hash: str) -> dict[str, Any] | None:
        """A transaction pending or included, or None when the node does not know it."""
        document: dict[str, Any] | None = self.get_or_none(f"/txs/{tx_hash}")
        return document

    def sign(self, key: PrivateKey, msgs: list[Msg], fee_ugos: int, memo: str = "") -> bytes:
        """Wire bytes of a transaction carrying `msgs`, signed by `key` for this node's chain at the account's next
        sequence."""
        return sign_tx(key, self.chain_id(), self.next_sequence(key.address), msgs, fee_ugos, memo)

    def submit_tx(self, raw: bytes) -> str:
        """POST /txs; returns the transaction hash. A refused transaction is an ApiError with status 400 and the
        chain's reason as `error`, `code` and `message`."""
        return str(self.post("/txs", {"tx": raw.hex()})["tx_hash"])

    def wait_for_tx(
        self, tx_hash: str, timeout_s: float, poll_s: float = 0.5, resubmit: bytes | None = None
    ) -> dict[str, Any] | None:
        """Poll until the transaction is in a block and return its GET /txs document, or None once `timeout_s` has
        passed without it.

        A 202 from POST /txs is not a promise: a node may lose a pending transaction (a CometBFT node's mempool
        is in memory; any mempool may evict it for higher fees). With `resubmit` (the transaction's bytes), a
        transaction the node no longer knows is submitted again, and a node that does not answer for a moment
        (restarting) is waited for. A resubmission the node refuses for a reason other than "already included"
        or "already pending" raises its ApiError (e.g. its sequence was used by another transaction meanwhile).
        """
        deadline = time.monotonic() + timeout_s
        unknown_polls = 0
        while True:
            try:
                found = self.tx(tx_hash)
            except ApiError as error:
                if resubmit is None or error.status is not None:
                    raise
                found = None  # the node is down for a moment: keep waiting until the deadline
                unknown_polls = 0
            else:
                if found is not None and found.get("status") == "included":
                    return found
                # Just after submission a tx can be briefly neither pending nor indexed (404): only a second
                # miss in a row means the node lost it.
                unknown_polls = unknown_polls + 1 if found is None else 0
                if resubmit is not None and unknown_polls >= 2:
                    self._submit_again(resubmit)
                    unknown_polls = 0
            if time.monotonic() >= deadline:
                return None
            time.sleep(poll_s)

    def _submit_again(self, raw: bytes) -> None:
        try:
            self.submit_tx(raw)
        except ApiError as error:
            if error.error not in ("AlreadyIncludedError", "DuplicateTxError"):
                raise

    def _send(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        request = self._http.build_request(method, path, params=params, json=body)
        try:
            return self._http.send(request)
        except httpx.HTTPError as error:
            raise ApiError(method, path, str(request.url), str(error) or type(error).__name__) from error


def _document(response: httpx.Response, path: str) -> Any:
    """The JSON document of a successful answer, else the ApiError that says why not."""
    document, refusal = read_answer(response)
    if document is not None:
        return document
    method, url, status = response.request.method, str(response.request.url), response.status_code
    if refusal is not None:
        error, message = str(refusal.get("error", "Error")), str(refusal["message"])
        code = int(refusal.get("code", status))
        raise ApiError(method, path, url, f"{error}: {message}", status=status, error=error, code=code, message=message)
    if response.is_success:
        raise ApiError(method, path, url, f"HTTP {status} without a JSON document", status=status)
    raise ApiError(method, path, url, f"failed with HTTP {status}", status=status)
