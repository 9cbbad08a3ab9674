"""The request body limit: an ASGI middleware in front of every route, so that no server setting is needed for it.

The body is read in full (at most MAX_BODY_BYTES, within BODY_TIMEOUT_S) before any route runs: a larger one is
answered 413 (at once when its Content-Length says so), a body that trickles in too slowly 408, both in the API's
error shape. The largest body a route takes is a signed transaction (16 KiB, 32 KiB as hex), far below the limit.
The server in front (gostaking/node/apiserver.py) bounds the rest: header size and time, idle keep-alive
connections and the number of connections.
"""

import json

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body

MAX_BODY_BYTES = 1 << 20
"""1 MiB: the largest request body the API reads."""
BODY_TIMEOUT_S = 30.0
"""Time a client has to send its whole body once the headers arrived."""


async def send_error(send: Send, status: int, error: str, message: str) -> None:
    """Answer with the API's error body `{error, code, message}` and close the connection (the rest of an unread
    body must not be taken for the next request)."""
    body = json.dumps(error_body(error, status, message)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _has_no_body(scope: Scope) -> bool:
    """A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112, 6.3), nor one with a
    Content-Length of 0: most requests (every GET) pass without the timed read, which costs ~0.02 ms each."""
    for name, value in scope.get("headers", ()):
        lowered = name.lower()
        if lowered == b"transfer-encoding" or (lowered == b"content-length" and value.strip() != b"0"):
            return False
    return True


class RequestBodyLimit:
    """ASGI middleware: reads each request body (≤ `max_bytes`, within `timeout_s`) before the app sees it."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES, timeout_s: float = BODY_TIMEOUT_S) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the body, then run the app with it (or answer 413/408 without running the app)."""
        if scope["type"] != "http" or _has_no_body(scope):
            await self.app(scope, receive, send)
            return
        too_large = f"the request body exceeds {self.max_bytes} bytes"
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await send_error(send, 413, "PayloadTooLarge", f"{too_large} (Content-Length: {declared})")
            return
        chunks: list[bytes] = []
        size = 0
        try:
            with anyio.fail_after(self.timeout_s):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return  # the client left: nobody to answer
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_bytes:
                        await send_error(send, 413, "PayloadTooLarge", too_large)
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            message_text = f"the request body did not arrive within {self.timeout_s:g} s"
            await send_error(send, 408, "RequestTimeout", message_text)
            return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: the client's disconnect, for streaming responses
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
