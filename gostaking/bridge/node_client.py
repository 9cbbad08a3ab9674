"""A small client of the GoStaking node REST API for gateway processes, and signed submission of messages."""

from dataclasses import dataclass
from typing import Any

import httpx

from gostaking.bridge.errors import NodeApiError, TxRejectedError
from gostaking.chain.types.tx import Msg
from gostaking.wallet.keys import PrivateKey, sign_tx

DEFAULT_FEE_UGOS = 1_000


@dataclass(frozen=True)
class AssetInfo:
    """An asset listed on GoStaking, as GET /assets shows it."""

    denom: str
    decimals: int
    hosted_chain: str


class NodeClient:
    """JSON over HTTP to one GoStaking node. Pass `http` to reuse a client (tests pass an in-process one)."""

    def __init__(self, base_url: str = "http://127.0.0.1:8645", *, http: httpx.Client | None = None) -> None:
        """A client of the node API at `base_url` (ignored when `http` is given)."""
        self._http = http if http is not None else httpx.Client(base_url=base_url.rstrip("/"), timeout=10.0)
        self._chain_id: str | None = None

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def _get(self, path: str) -> Any:
        try:
            response = self._http.get(path)
        except httpx.HTTPError as error:
            raise NodeApiError(f"GET {path}: {error}") from error
        if response.status_code == 404:
            return None
        return self._json(response, f"GET {path}")

    @staticmethod
    def _json(response: httpx.Response, what: str) -> Any:
        try:
            document = response.json()
        except ValueError:
            document = None
        if response.is_success and document is not None:
            return document
        if isinstance(document, dict) and "message" in document:
            raise NodeApiError(f"{what}: {document.get('error', 'Error')}: {document['message']}")
        raise NodeApiError(f"{what} failed with HTTP {response.status_code}")

    def chain_id(self) -> str:
        """The node's chain id (asked once)."""
        if self._chain_id is None:
            self._chain_id = str(self.status()["chain_id"])
        return self._chain_id

    def status(self) -> dict[str, Any]:
        """GET /status."""
        document: dict[str, Any] = self._get("/status")
        return document

    def height(self) -> int:
        """Last committed height."""
        return int(self.status()["height"])

    def next_sequence(self, address: str) -> int:
        """Sequence for a new transaction of `address`, counting its transactions still in the mempool."""
        account = self._get(f"/accounts/{address}")
        if account is None:
            raise NodeApiError(f"no account {address}")
        return int(account["next_sequence"])

    def assets(self) -> list[AssetInfo]:
        """Assets listed on the chain."""
        return [AssetInfo(a["denom"], int(a["decimals"]), a["hosted_chain"]) for a in self._get("/assets")]

    def params(self) -> dict[str, Any]:
        """GET /params: every chain parameter."""
        document: dict[str, Any] = self._get("/params")
        return document

    def gos_token_chain(self) -> str:
        """The hosted chain of the GOS ERC-20 (`params.custody.gos_token_chain`): where withdrawals of ugos are
        paid and where swaps back to native GOS are attested."""
        try:
            return str(self.params()["custody"]["gos_token_chain"])
        except (KeyError, TypeError):
            raise NodeApiError("GET /params has no custody.gos_token_chain: is the node up to date?") from None

    def sanctions(self, page: int = 1_000) -> list[dict[str, Any]]:
        """The chain's whole sanctions list ({hosted_chain, address, source, listed_height}), page by page."""
        rows: list[dict[str, Any]] = []
        while True:
            document = self._get(f"/custody/sanctions?limit={page}&offset={len(rows)}")
            rows += document["sanctions"]
            if not document["sanctions"] or len(rows) >= int(document["total"]):
                return rows

    def pending_council_approvals(self) -> list[dict[str, Any]]:
        """Council decisions waiting for more approvals ({subject, approvers, approvals, first_height})."""
        return list(self._get("/compliance/council-approvals")["approvals"])

    def block(self, height: int) -> dict[str, Any] | None:
        """A committed block with its transactions and events, or None above the chain's height."""
        document: dict[str, Any] | None = self._get(f"/blocks/{height}")
        return document

    def tx(self, tx_hash: str) -> dict[str, Any] | None:
        """A transaction pending or included, or None when the node does not know it."""
        document: dict[str, Any] | None = self._get(f"/txs/{tx_hash}")
        return document

    def submit(self, raw: bytes) -> str:
        """POST /txs; returns the transaction hash or raises TxRejectedError with the chain's reason."""
        try:
            response = self._http.post("/txs", json={"tx": raw.hex()})
        except httpx.HTTPError as error:
            raise NodeApiError(f"POST /txs: {error}") from error
        if response.status_code == 400:
            document = response.json()
            raise TxRejectedError(str(document.get("error")), int(document.get("code", 400)), document.get("message"))
        return str(self._json(response, "POST /txs")["tx_hash"])


class MessageSender:
    """Signs messages with one key at the account's next sequence and submits them."""

    def __init__(self, node: NodeClient, key: PrivateKey, fee_ugos: int = DEFAULT_FEE_UGOS) -> None:
        """Send as `key`, paying `fee_ugos` per transaction."""
        self.node = node
        self.key = key
        self.fee_ugos = fee_ugos

    @property
    def address(self) -> str:
        """The sender's gos1… address."""
        return self.key.address

    def sign(self, msgs: list[Msg], memo: str = "") -> bytes:
        """Wire bytes of a transaction carrying `msgs` at the next sequence."""
        sequence = self.node.next_sequence(self.key.address)
        return sign_tx(self.key, self.node.chain_id(), sequence, msgs, self.fee_ugos, memo)

    def send(self, msgs: list[Msg], memo: str = "") -> str:
        """Sign and submit; returns the transaction hash."""
        return self.node.submit(self.sign(msgs, memo))
