"""Serving the REST API (an ASGI app passed in: this layer does not import the API) with uvicorn, and the limits
every API server runs with (`server_config`).

The devnet runs uvicorn in its main thread; a `gostaking abci` process keeps its main thread for the ABCI socket
server (asyncio, signal handling) and serves the API from this thread. The listening socket is bound before the
thread starts, so a port in use is reported at once and port 0 picks a free one (`port` tells which).

Limits (ServerLimits), set in uvicorn and its h11 protocol rather than in a proxy in front, so that every node
has them: a request line and headers complete within 10 s of connecting or of the previous response (else 408, or
a plain close when nothing arrived) and within 16 KiB of buffered bytes (h11; else 400), idle keep-alive
connections closed after 5 s, and at most 100 connections at once (requests beyond answer 503 with `Retry-After`
and the connection is closed). Answers are JSON in the API's error shape `{error, code, message}`. The API itself
limits request bodies to 1 MiB (gostaking/api/limits.py).
"""

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import uvicorn

SHUTDOWN_GRACE_S = 2
"""How long open HTTP responses (explorer live streams) may delay a stop."""


@dataclass(frozen=True)
class ServerLimits:
    """What one API server accepts from its clients."""

    max_connections: int = 100
    """Connections served at once; a request on one more answers 503 (explorer pages hold one each for their live
    stream, so this is about as many open explorer pages)."""
    header_timeout_s: float = 10.0
    """Time for a request line and its headers to arrive, from the connection or the previous response."""
    keep_alive_s: int = 5
    """An idle connection is closed after this long without a new request."""
    max_header_bytes: int = 16 * 1024
    """Bytes of a request line + headers buffered while incomplete (h11's bound; beyond, 400)."""


DEFAULT_LIMITS = ServerLimits()

AsgiApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def _json_error(status: int, error: str, message: str) -> bytes:
    return json.dumps({"error": error, "code": status, "message": message}).encode()


def _capped(app: AsgiApp, connections: set[Any], tasks: set[Any], cap: int) -> AsgiApp:
    """`app` behind the connection cap: while more than `cap` connections are open (or requests run), a request
    is answered 503 and its connection closed, so a busy server frees the slot."""

    async def capped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and (len(connections) > cap or len(tasks) > cap):
            body = _json_error(503, "ServerBusy", f"the server is at its cap of {cap} connections; retry shortly")
            headers = [(b"content-type", b"application/json"), (b"retry-after", b"1"), (b"connection", b"close")]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        await app(scope, receive, send)

    return capped


def protocol_class(limits: ServerLimits) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol with the connection cap and a deadline for each request head (uvicorn itself only
    times out idle connections after a response)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    timeout_body = _json_error(
        408, "RequestTimeout", f"the request line and headers did not arrive within {limits.header_timeout_s:g} s"
    )
    timeout_answer = (
        b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
        + f"content-length: {len(timeout_body)}\r\nconnection: close\r\n\r\n".encode()
        + timeout_body
    )

    class LimitedH11Protocol(H11Protocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.app = _capped(self.app, self.connections, self.tasks, limits.max_connections)
            self._head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._watch_head()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._watch_head()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self.conn.trailing_data[0]:  # part of a pipelined request head: it gets its deadline too
                self._watch_head()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_head_timer()
            super().connection_lost(exc)

        def send_400_response(self, msg: str) -> None:
            """A request h11 cannot parse (or whose head is too large): 400 in the API's error shape, then close."""
            too_large = f"more than {limits.max_header_bytes} bytes"
            reason = f"{msg.rstrip('.')}: a malformed request line or header, or {too_large} of them"
            body = _json_error(400, "InvalidRequest", reason)
            headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
            for event in (h11.Response(status_code=400, headers=headers), h11.Data(data=body), h11.EndOfMessage()):
                self.transport.write(self.conn.send(event))
            self.transport.close()

        def _watch_head(self) -> None:
            """Run the head deadline while a request head is awaited, stop it once one has arrived."""
            if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
                self._stop_head_timer()
            elif self._head_timer is None and (self.cycle is None or self.cycle.response_complete):
                self._head_timer = self.loop.call_later(limits.header_timeout_s, self._head_timed_out)

        def _stop_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
                return
            if self.conn.trailing_data[0]:  # a request began: say why it is dropped
                self.transport.write(timeout_answer)
            self.transport.close()

    return LimitedH11Protocol


def server_config(api: Any, host: str, port: int, limits: ServerLimits = DEFAULT_LIMITS) -> "uvicorn.Config":
    """The uvicorn configuration of every API server: h11 with `limits`, no lifespan, no websockets, quiet."""
    import uvicorn  # imported here: only processes that serve the API need it

    return uvicorn.Config(
        api,
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
        http=protocol_class(limits),
        h11_max_incomplete_event_size=limits.max_header_bytes,
        timeout_keep_alive=limits.keep_alive_s,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )


class ApiServerError(Exception):
    """The API server cannot start; the message says why."""


class ApiServerThread:
    """uvicorn serving `api` on host:port from a daemon thread, between `start` and `stop`."""

    def __init__(self, api: Any, host: str, port: int, limits: ServerLimits = DEFAULT_LIMITS) -> None:
        """Serve the ASGI app `api` on `host`:`port` (0 = any free port) with `limits` once started."""
        self.api = api
        self.host = host
        self.port = port
        self.limits = limits
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """http://host:port of the running server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout_s: float = 30.0) -> None:
        """Bind, start serving on the thread and wait until uvicorn accepts connections.

        Raises ApiServerError if the address cannot be bound or the server does not come up.
        """
        import uvicorn  # imported here: only processes that serve the API need it

        if self._thread is not None:
            raise RuntimeError("API server already started")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise ApiServerError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
        self.port = int(sock.getsockname()[1])
        self._server = uvicorn.Server(server_config(self.api, self.host, self.port, self.limits))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="api-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                sock.close()
                raise ApiServerError(f"the API server on {self.url} did not start (see the log above)")
            time.sleep(0.01)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask uvicorn to exit (open responses get SHUTDOWN_GRACE_S) and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
