"""How a read worker (worker.py) passes a request to the node process: HTTP/1.1 over a few keep-alive asyncio
connections to the node's private address, framed and parsed by h11 (a small HTTP/1.1 state machine), at the
ASGI level, without a client library in between.

Why not httpx, which the worker used before: for the small answers of the node's own routes (/status, an account, a
transaction) its request and response objects, URL and header models, transports and streaming wrappers cost the
worker 1.1–1.3 ms of CPU per request, twice what the node spends answering, so that with 2 workers those routes
served half the requests per second of a node alone (benchmarks/bench_explorer_api.py). Here a request costs one h11
request head out and one h11 parse in, 0.2 ms of the worker's CPU with its server's share: the request and answer
pass as they are (bodies streamed both ways, repeated headers such as set-cookie kept), less the headers of one
connection (HOP_BY_HOP) and, in the answer, the Date and Server the worker's own server adds (SERVER_ADDED).

The connections: at most `max_connections` open at once (a request waits up to POOL_TIMEOUT_S for one, as many as
the worker's own server accepts), up to MAX_IDLE kept between requests, none kept idle beyond the node's keep-alive
time, and a connection whose answer did not end cleanly (an explorer live stream whose client left, the node gone
mid-answer) closed, never reused. A request without a body that a kept connection fails before any answer (the node
closed it meanwhile) is sent once more on a new one. The node unreachable: 502 in the API's error shape.
"""

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Iterable

import h11
from starlette.types import Message, Receive, Scope, Send

from .errors import error_body

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade"}
)
"""Headers of one connection, not of the request or answer: never passed on (RFC 9110, 7.6.1). The Host header
is passed on, so that what the node builds from it (a redirect's Location) names the public address."""
REQUEST_DROPPED = HOP_BY_HOP | {b"expect"}
"""The client's Expect: 100-continue is the worker's server's to answer (as the worker reads the body)."""
SERVER_ADDED = frozenset({b"date", b"server"})
"""Headers the worker's own server adds to every answer: the node's copies are dropped."""
ANSWER_DROPPED = HOP_BY_HOP | SERVER_ADDED
ASK_BEFORE_BODY_BYTES = 64 * 1024
"""A body larger than this (or of unknown length) waits for the node's 100 Continue: a node that refuses it at once
(413 for a Content-Length beyond 1 MiB, api/limits.py) answers before reading it, and then closes the connection,
so none of it is sent in vain. One refused on its way (a chunked body past 1 MiB) is still coming when the node
closes: that close is a reset, after which the worker stops sending and reads the answer (_Connection)."""
CONNECT_TIMEOUT_S = 10.0
POOL_TIMEOUT_S = 10.0
"""How long a request waits for a connection while `max_connections` are in use (then 502)."""
MAX_IDLE = 32
"""Connections kept open between requests."""
BUFFERED_LIMIT = 256 * 1024
"""Bytes of an answer held unread before the worker stops reading from the node (a slow client: back-pressure)."""
READ_BYTES = 256 * 1024
"""The most bytes taken from the node's socket at once (as asyncio's transports do)."""


class NodeUnavailableError(Exception):
    """No connection to the node, or it failed before its answer began."""


def passed_headers(
    headers: Iterable[tuple[bytes, bytes]], dropped: frozenset[bytes] = HOP_BY_HOP
) -> list[tuple[bytes, bytes]]:
    """`headers` less those named in `dropped` (lower case)."""
    return [(name, value) for name, value in headers if name.lower() not in dropped]


class _Connection:
    """One connection to the node, on a socket of its own: what arrives goes straight into its h11 state (reading
    pauses while more than BUFFERED_LIMIT bytes wait there unread); `next_event` waits for the node's next event.

    Not an asyncio transport, because a transport whose write fails closes at once and drops what arrived unread:
    a node that refuses a body on its way (413 past 1 MiB of a chunked body) answers, then closes with the rest
    unread, which resets the connection; the worker's next piece of the body then fails, and the answer waiting in
    the socket was lost (a 502 instead of the 413). Here a failed write only ends the writing: the node's bytes are
    read until its end (the kernel gives those that came before a reset first)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.loop = asyncio.get_running_loop()
        self.h11 = h11.Connection(h11.CLIENT)
        self.idle_since = 0.0
        self.idle = False
        self.unread = 0
        """Bytes received since the last wait for data (the node has answered when > 0)."""
        self.ended = False
        """The node closed its side, or the connection is lost or closed."""
        self.write_failed = False
        """The node takes nothing more (it reset the connection): what is sent from then on is dropped."""
        self._outgoing = bytearray()
        self._reading_paused = False
        self._waiter: asyncio.Future[None] | None = None
        self.loop.add_reader(self.fd, self._read_ready)

    def _read_ready(self) -> None:
        try:
            data = self.sock.recv(READ_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # a reset: what the node sent before it has been read
            data = b""
        if not data or self.idle:  # the node's end, or bytes while nothing is asked: it has no business sending
            self.close()
        else:
            self.h11.receive_data(data)
            self.unread += len(data)
            if self.unread > BUFFERED_LIMIT and not self._reading_paused:
                self.loop.remove_reader(self.fd)
                self._reading_paused = True
            self._wake()

    def _write_ready(self) -> None:
        try:
            written = self.sock.send(self._outgoing)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._stop_writing()
            return
        del self._outgoing[:written]
        if not self._outgoing:
            self.loop.remove_writer(self.fd)
            self._wake()

    def _stop_writing(self) -> None:
        self.write_failed = True
        self._drop_outgoing()
        self._wake()

    def _drop_outgoing(self) -> None:
        if self._outgoing:
            self._outgoing.clear()
            self.loop.remove_writer(self.fd)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _wait(self) -> None:
        self._waiter = self.loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    async def receive_more(self) -> None:
        """Wait for more of the node's bytes (h11 needs them)."""
        if self.ended:  # not expected of h11 once told of the end: never wait for what cannot come
            raise h11.RemoteProtocolError("the node closed the connection")
        self.unread = 0
        if self._reading_paused:
            self.loop.add_reader(self.fd, self._read_ready)
            self._reading_paused = False
        await self._wait()

    async def next_event(self) -> object:
        """The node's next h11 event, waiting for its bytes as needed (the end of the connection: h11 raises, or
        says ConnectionClosed)."""
        while (event := self.h11.next_event()) is h11.NEED_DATA:
            await self.receive_more()
        return event

    def send(self, event: h11.Event) -> None:
        """Write `event`'s bytes, or hold what the socket does not take yet (`drain` waits for it)."""
        data = self.h11.send(event)
        if not data or self.ended or self.write_failed:
            return
        if not self._outgoing:
            try:
                written = self.sock.send(data)
            except (BlockingIOError, InterruptedError):
                written = 0
            except OSError:
                self._stop_writing()
                return
            if written == len(data):
                return
            data = data[written:]
            self.loop.add_writer(self.fd, self._write_ready)
        self._outgoing += data

    async def drain(self) -> None:
        """Wait while the node does not take what was written, unless it answers meanwhile (a refusal: it may never
        take the rest) or the connection ends."""
        while self._outgoing and not self.unread and not self.ended:
            await self._wait()

    def usable(self) -> bool:
        """Whether neither end has closed it (nor reset it)."""
        return not self.ended and not self.write_failed

    def close(self) -> None:
        """Close the socket; h11 is told of the end, and a wait for the node ends."""
        if self.ended:
            return
        self.ended = True
        self.loop.remove_reader(self.fd)
        self._drop_outgoing()
        self.sock.close()
        self.h11.receive_data(b"")
        self._wake()


async def _connect(host: str, port: int) -> socket.socket:
    """A non-blocking TCP socket connected to `host`:`port` (its addresses tried in turn), without Nagle's delay."""
    loop = asyncio.get_running_loop()
    error: OSError = OSError(f"no address for {host}")
    for family, kind, protocol, _name, address in await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        sock = socket.socket(family, kind, protocol)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise error


class NodeLink:
    """Keep-alive HTTP/1.1 connections to the node at `host`:`port`, at most `max_connections` open at once, none
    kept idle `idle_s` or longer (less than the node's own keep-alive time)."""

    def __init__(self, host: str, port: int, max_connections: int, idle_s: float) -> None:
        self.host = host
        self.port = port
        self.idle_s = idle_s
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[_Connection] = []

    async def _acquire(self) -> tuple[_Connection, bool]:
        """A connection, and whether it served a request before; its slot is held until _release/_discard."""
        try:
            if self._slots.locked():
                await asyncio.wait_for(self._slots.acquire(), POOL_TIMEOUT_S)
            else:
                await self._slots.acquire()
        except TimeoutError:
            raise NodeUnavailableError(f"no connection free within {POOL_TIMEOUT_S:g} s") from None
        try:
            now = time.monotonic()
            while self._idle:
                connection = self._idle.pop()
                if now - connection.idle_since < self.idle_s and connection.usable():
                    connection.idle = False
                    return connection, True
                connection.close()
            sock = await asyncio.wait_for(_connect(self.host, self.port), CONNECT_TIMEOUT_S)
            return _Connection(sock), False
        except BaseException as exc:
            self._slots.release()
            if isinstance(exc, (OSError, TimeoutError)):
                raise NodeUnavailableError(str(exc) or type(exc).__name__) from exc
            raise

    def _release(self, connection: _Connection) -> None:
        """Back to the idle connections if its exchange ended cleanly and both ends keep it, else closed."""
        self._slots.release()
        state = connection.h11
        reusable = state.our_state is h11.DONE and state.their_state is h11.DONE and connection.usable()
        if reusable and len(self._idle) < MAX_IDLE:
            state.start_next_cycle()
            connection.idle, connection.idle_since, connection.unread = True, time.monotonic(), 0
            self._idle.append(connection)
        else:
            connection.close()

    def _discard(self, connection: _Connection) -> None:
        self._slots.release()
        connection.close()

    def close(self) -> None:
        """Close the idle connections (those in use close as their requests end)."""
        while self._idle:
            self._idle.pop().close()

    async def forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer the ASGI HTTP request `scope` with the node's answer to it, streamed."""
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        headers: list[tuple[bytes, bytes]] = []
        length, chunked, has_host = 0, False, False
        for name, value in scope["headers"]:
            name = name.lower()
            if name in REQUEST_DROPPED:
                chunked = chunked or name == b"transfer-encoding"
                continue
            if name == b"content-length":
                length = int(value) if value.isdigit() else 0
            has_host = has_host or name == b"host"
            headers.append((name, value))
        if chunked:  # a body of unknown length: chunked to the node too (any Content-Length beside it is void)
            headers = [(name, value) for name, value in headers if name != b"content-length"]
            headers.append((b"transfer-encoding", b"chunked"))
        if not has_host:  # an HTTP/1.0 client's
            headers.append((b"host", f"{self.host}:{self.port}".encode()))
        has_body = length > 0 or chunked
        ask_first = chunked or length > ASK_BEFORE_BODY_BYTES
        if ask_first:
            headers.append((b"expect", b"100-continue"))
        try:
            request = h11.Request(method=scope["method"], target=target, headers=headers)
        except h11.LocalProtocolError as exc:
            await _answer_error(send, 400, "InvalidRequest", f"cannot pass this request on: {exc}")
            return
        try:
            connection, answer = await self._request(request, has_body, ask_first, receive)
        except NodeUnavailableError as exc:
            await _answer_error(send, 502, "NodeUnavailable", f"the node did not answer: {exc}")
            return
        await self._answer(connection, answer, receive, send)

    async def _request(
        self, request: h11.Request, has_body: bool, ask_first: bool, receive: Receive
    ) -> tuple[_Connection, h11.Response]:
        """Send `request` (and the client's body: once the node said 100 Continue if `ask_first`) on a connection;
        the connection and the node's answer head."""
        while True:
            connection, reused = await self._acquire()
            try:
                connection.send(request)
                if not has_body:
                    connection.send(h11.EndOfMessage())
                elif not ask_first:
                    await self._send_body(connection, receive)
                while True:
                    event = await connection.next_event()
                    if isinstance(event, h11.Response):
                        return connection, event
                    if not isinstance(event, h11.InformationalResponse):
                        raise NodeUnavailableError(f"unexpected {type(event).__name__} from the node")
                    if ask_first and event.status_code == 100:
                        ask_first = False  # bytes from now on (any already past the 100 Continue): an answer
                        connection.unread = len(connection.h11.trailing_data[0])
                        await self._send_body(connection, receive)
            except (OSError, h11.ProtocolError, NodeUnavailableError) as exc:
                self._discard(connection)
                if reused and not has_body:  # the node closed a kept connection meanwhile: once more, on a new one
                    continue
                if isinstance(exc, NodeUnavailableError):
                    raise
                raise NodeUnavailableError(str(exc) or type(exc).__name__) from exc
            except BaseException:
                self._discard(connection)
                raise

    @staticmethod
    async def _send_body(connection: _Connection, receive: Receive) -> None:
        """Pass the client's body on as it comes, until its end, an answer of the node (a refusal: 413) or the node's
        reset (its answer, if any, is still read): a connection left mid-body is closed after the answer."""
        while not connection.unread and connection.usable():
            message = await receive()
            if message["type"] != "http.request":  # the client left before its body ended
                raise NodeUnavailableError("the client disconnected")
            if body := message.get("body", b""):
                connection.send(h11.Data(data=body))
                await connection.drain()
            if not message.get("more_body", False):
                connection.send(h11.EndOfMessage())
                return

    async def _answer(self, connection: _Connection, answer: h11.Response, receive: Receive, send: Send) -> None:
        """Pass the node's `answer` on: its head, then its body as it comes. A chunk is held only while the next
        event is already read (so that the last one ends the answer in the same message); before waiting on the
        node, all is sent, and the client's disconnect is watched, closing the connection to the node."""
        await send(
            {
                "type": "http.response.start",
                "status": answer.status_code,
                "headers": passed_headers(answer.headers, ANSWER_DROPPED),
            }
        )
        watcher: asyncio.Future[None] | None = None
        pending: bytes | None = None
        state = connection.h11
        try:
            while True:
                event = state.next_event()
                if event is h11.NEED_DATA:
                    if pending is not None:
                        await send({"type": "http.response.body", "body": pending, "more_body": True})
                        pending = None
                    if watcher is None:
                        watcher = asyncio.ensure_future(_close_on_disconnect(receive, connection))
                    await connection.receive_more()
                elif type(event) is h11.Data:
                    if pending is not None:
                        await send({"type": "http.response.body", "body": pending, "more_body": True})
                    pending = bytes(event.data)
                elif type(event) is h11.EndOfMessage:
                    break
                else:
                    raise h11.RemoteProtocolError(f"unexpected {type(event).__name__} in an answer")
        except (OSError, h11.ProtocolError):
            # The client left (the watcher closed the connection) or the node did mid-answer: the answer stays
            # unfinished, and uvicorn closes the client's connection.
            self._discard(connection)
            return
        except BaseException:
            self._discard(connection)
            raise
        finally:
            if watcher is not None:
                watcher.cancel()
        self._release(connection)
        await send({"type": "http.response.body", "body": pending or b"", "more_body": False})


async def _close_on_disconnect(receive: Receive, connection: _Connection) -> None:
    """Close the connection to the node once the client has disconnected (its read then ends)."""
    with contextlib.suppress(Exception):
        while (await receive())["type"] != "http.disconnect":
            pass
        connection.close()


async def _answer_error(send: Send, status: int, error: str, message: str) -> None:
    body = json.dumps(error_body(error, status, message)).encode()  # the API's error shape (errors.py)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    start: Message = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})
