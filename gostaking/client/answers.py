"""Reading an answer of the project's HTTP services: the node API and the 2FA cosigner both answer with a JSON
document, and refuse a request with the body `{"error": <class>, "message": <one line>}` (the node API adds the
chain's `code`)."""

from typing import Any

import httpx


def read_answer(response: httpx.Response) -> tuple[Any, dict[str, Any] | None]:
    """(document, None) for a successful answer with a JSON document; (None, the refusal's body) for an answer
    that carries one; (None, None) for anything else (no JSON, or an error status without the body)."""
    try:
        document = response.json()
    except ValueError:
        document = None
    if response.is_success and document is not None:
        return document, None
    if isinstance(document, dict) and "message" in document:
        return None, document
    return None, None
