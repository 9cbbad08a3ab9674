"""A small HTTP client for the node API that turns error responses into CliError."""

import time
from typing import Any

import httpx

from gostaking.cli.errors import CliError

DEFAULT_API_URL = "http://127.0.0.1:8645"


class ApiClient:
    """JSON over HTTP to one node. `transport` lets tests route requests to an in-process app."""

    def __init__(self, base_url: str, timeout_s: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        """A client for the API at `base_url`."""
        if not base_url.startswith(("http://", "https://")):
            raise CliError(f"--api must be an http:// or https:// URL, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s, transport=transport)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET a JSON document; raises CliError with the API's message for error statuses."""
        return self._check(self._http.get(path, params=params))

    def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST a JSON body and return the JSON answer."""
        return self._check(self._http.post(path, json=body))

    def wait_for_tx(self, tx_hash: str, timeout_s: float, poll_s: float = 0.5) -> dict[str, Any]:
        """Poll until the transaction is in a block; returns its GET /txs document."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                found: dict[str, Any] = self.get(f"/txs/{tx_hash}")
                if found.get("status") == "included":
                    return found
            except CliError as error:
                # Just after submission the tx can be briefly neither pending nor indexed: keep polling.
                if "NotFound" not in str(error):
                    raise
            if time.monotonic() >= deadline:
                raise CliError(
                    f"transaction {tx_hash} was not included within {timeout_s:g} s; check it later "
                    f"with `gostaking query tx {tx_hash}`"
                )
            time.sleep(poll_s)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def _check(self, response: httpx.Response) -> Any:
        try:
            document = response.json()
        except ValueError:
            document = None
        if response.is_success:
            if document is None:
                raise CliError(f"{response.request.url} did not answer with JSON")
            return document
        if isinstance(document, dict) and "message" in document:
            raise CliError(f"{document.get('error', 'Error')}: {document['message']}")
        raise CliError(f"{response.request.method} {response.request.url} failed with HTTP {response.status_code}")
