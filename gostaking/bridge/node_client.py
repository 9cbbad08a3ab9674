"""The gateway's view of a GoStaking node (the shared API client, with failures as NodeApiError and refused
transactions as TxRejectedError), and signed submission of messages."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx

from gostaking.bridge.errors import NodeApiError, TxRejectedError
from gostaking.chain.types.tx import Msg
from gostaking.client import DEFAULT_API_URL, ApiError, AssetInfo, NodeApi
from gostaking.wallet.keys import PrivateKey

DEFAULT_FEE_UGOS = 1_000


@contextmanager
def _as_node_api_errors() -> Iterator[None]:
    """Raise the client's failures as the gateway's NodeApiError (a BridgeError, which the attester reports and
    survives)."""
    try:
        yield
    except ApiError as error:
        raise NodeApiError(str(error)) from error


class NodeClient:
    """JSON over HTTP to one GoStaking node. Pass `http` to reuse a client (tests pass an in-process one)."""

    def __init__(self, base_url: str = DEFAULT_API_URL, *, http: httpx.Client | None = None) -> None:
        """A client of the node API at `base_url` (ignored when `http` is given)."""
        self.api = NodeApi(base_url, http=http)
        self.url = str(http.base_url) if http is not None else base_url
        """Where the node is, for messages."""

    def close(self) -> None:
        """Release the connection pool."""
        self.api.close()

    def _get(self, path: str) -> Any:
        """GET a JSON document, None when the node answers 404."""
        with _as_node_api_errors():
            return self.api.get_or_none(path)

    def status(self) -> dict[str, Any]:
        """GET /status."""
        with _as_node_api_errors():
            return self.api.status()

    def height(self) -> int:
        """Last committed height."""
        return int(self.status()["height"])

    def assets(self) -> list[AssetInfo]:
        """Assets listed on the chain."""
        with _as_node_api_errors():
            return self.api.assets()

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

    def deposit(self, hosted_chain: str, external_tx_id: str) -> dict[str, Any] | None:
        """A deposit as the chain records it ({status, amount, recipient, …}), or None when none was attested."""
        document: dict[str, Any] | None = self._get(f"/custody/deposits/{hosted_chain}/{external_tx_id}")
        return document

    def pending_council_approvals(self) -> list[dict[str, Any]]:
        """Council decisions waiting for more approvals ({subject, approvers, approvals, first_height})."""
        return list(self._get("/compliance/council-approvals")["approvals"])

    def state_proofs(self, keys: Sequence[bytes]) -> dict[str, Any]:
        """GET /proofs/state: the committed values of state keys with their Merkle proofs, and the height and app
        hash they prove against (unverified: `gostaking.bridge.proofs.VerifiedReader` checks them)."""
        with _as_node_api_errors():
            document: dict[str, Any] = self.api.get("/proofs/state", params={"key": [key.hex() for key in keys]})
        return document

    def block(self, height: int) -> dict[str, Any] | None:
        """A committed block with its transactions and events, or None above the chain's height."""
        document: dict[str, Any] | None = self._get(f"/blocks/{height}")
        return document

    def tx(self, tx_hash: str) -> dict[str, Any] | None:
        """A transaction pending or included, or None when the node does not know it."""
        with _as_node_api_errors():
            return self.api.tx(tx_hash)

    def sign(self, key: PrivateKey, msgs: list[Msg], fee_ugos: int, memo: str = "") -> bytes:
        """Wire bytes of a transaction carrying `msgs`, signed by `key` at the account's next sequence."""
        with _as_node_api_errors():
            return self.api.sign(key, msgs, fee_ugos, memo)

    def submit(self, raw: bytes) -> str:
        """POST /txs; returns the transaction hash or raises TxRejectedError with the chain's reason."""
        try:
            return self.api.submit_tx(raw)
        except ApiError as error:
            if error.status == httpx.codes.BAD_REQUEST and error.message is not None:
                raise TxRejectedError(str(error.error), error.code or error.status, error.message) from error
            raise NodeApiError(str(error)) from error


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
        return self.node.sign(self.key, msgs, self.fee_ugos, memo)

    def send(self, msgs: list[Msg], memo: str = "") -> str:
        """Sign and submit; returns the transaction hash."""
        return self.node.submit(self.sign(msgs, memo))
