"""The CLI's use of the node API client: a checked --api URL, and the client's failures as CliError."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from gostaking.cli.errors import CliError, unreachable_message
from gostaking.client import ApiError, NodeApi


@contextmanager
def open_api(url: str) -> Iterator[NodeApi]:
    """A client of the node API at `url` (an --api value) for the `with` block, closed after it; its failures
    become CliError with the API's message."""
    if not url.startswith(("http://", "https://")):
        raise CliError(f"--api must be an http:// or https:// URL, got {url!r}")
    api = NodeApi(url)
    try:
        yield api
    except ApiError as error:
        raise CliError(_describe(error)) from error
    finally:
        api.close()


def wait_until_included(api: NodeApi, tx_hash: str, timeout_s: float, raw: bytes | None = None) -> dict[str, Any]:
    """The transaction's GET /txs document once it is in a block; CliError when it is not within `timeout_s`.
    With its bytes (`raw`), a transaction the node lost (restart, eviction) is submitted again."""
    found = api.wait_for_tx(tx_hash, timeout_s, resubmit=raw)
    if found is None:
        raise CliError(
            f"transaction {tx_hash} was not included within {timeout_s:g} s; check it later "
            f"with `gostaking query tx {tx_hash}`"
        )
    return found


def _describe(error: ApiError) -> str:
    if error.status is None:
        return unreachable_message(error.url, error.reason)
    if error.message is not None:
        return f"{error.error}: {error.message}"  # the API's own words, e.g. "InsufficientFundsError: …"
    if httpx.codes.is_success(error.status):
        return f"{error.url} did not answer with JSON"
    return f"{error.method} {error.url} failed with HTTP {error.status}"
