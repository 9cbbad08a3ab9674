"""The ABCI socket server: CometBFT's four connections (consensus, mempool, info, snapshot) on one address.

Each connection is a stream of length-prefixed Request messages (see framing.py). Requests on a connection are
answered in order; CometBFT sends Flush when it wants the answers so far, and gets ResponseFlush after them.

Every request, whatever its connection, is executed on the event loop's thread as soon as its bytes arrive (the
app is serialized anyway, so a second thread would add only hand-overs: under CometBFT each CheckTx is a round
trip that someone waits for, and a hand-over to a worker thread and back cost more than a transfer's checks).
Answers are written as they are ready, grouped so that a burst of cheap requests (the rechecks after a commit)
takes one write rather than hundreds, while a slow one is not held back behind the rest of its burst.
"""

import asyncio
import logging
import time
from typing import Any

from gostaking.node.abci.framing import MAX_MESSAGE_BYTES, FramingError, frame, split_frames
from gostaking.node.abci.handler import AbciHandler
from gostaking.node.abci.proto import abci_types
from gostaking.node.abci.trace import RequestTrace

_CONSENSUS_REQUESTS = frozenset({"init_chain", "prepare_proposal", "process_proposal", "finalize_block", "commit"})
_FLUSH_REQUEST = b"\x12\x00"
"""Request{flush: {}} as protobuf encodes it."""
WRITE_AFTER_S = 0.001
"""Answers ready are written once this much work went into them since the last write (and at every Flush and at the
end of what arrived): a CheckTx waits at most about this long behind the ones that arrived with it."""

log = logging.getLogger(__name__)


def _traced_kind(kind: str | None, message: bytes) -> str:
    """The request type for the trace; a CheckTx of type Recheck (which CometBFT sends after every commit, for its
    whole mempool) apart from new ones."""
    if kind != "check_tx":
        return kind or "malformed"
    return "check_tx recheck" if abci_types().Request.FromString(message).check_tx.type == 1 else "check_tx new"


class AddressError(ValueError):
    """An ABCI listen address that is not tcp://HOST:PORT or unix://PATH."""


def parse_address(address: str) -> tuple[str, str, int]:
    """("tcp", host, port) or ("unix", path, 0) from `tcp://127.0.0.1:26658` or `unix:///tmp/app.sock`.

    Port 0 means any free port (tests).
    """
    if address.startswith("unix://"):
        path = address[len("unix://") :]
        if not path:
            raise AddressError(f"{address!r}: the unix socket path is empty")
        return "unix", path, 0
    rest = address[len("tcp://") :] if address.startswith("tcp://") else address
    host, sep, port_text = rest.rpartition(":")
    if not sep or not host or not port_text.isdigit() or not 0 <= int(port_text) < 65536:
        raise AddressError(f"{address!r} is not tcp://HOST:PORT or unix://PATH")
    return "tcp", host, int(port_text)


class AbciServer:
    """Serve an AbciHandler on `address` until `close` (or the task running `serve_forever` is cancelled)."""

    def __init__(self, handler: AbciHandler, address: str) -> None:
        """Listen on `address` (tcp://HOST:PORT or unix://PATH) once `start` is awaited."""
        self.handler = handler
        self.address = address
        self._kind, self._host, self._port = parse_address(address)
        self._server: asyncio.Server | None = None
        self._types = abci_types()
        self.flush_response = frame(self._types.Response(flush=self._types.ResponseFlush()).SerializeToString())
        """The framed answer to every Flush."""
        self._open: set[_Connection] = set()
        self._closing = False
        self.trace = RequestTrace.from_environment()

    @property
    def connections(self) -> int:
        """Connections currently open (CometBFT keeps four)."""
        return len(self._open)

    @property
    def port(self) -> int:
        """The TCP port listened on (useful with port 0), or 0 for a unix socket."""
        if self._server is None or self._kind != "tcp":
            return self._port
        sockname: tuple[Any, ...] = self._server.sockets[0].getsockname()
        return int(sockname[1])

    async def start(self) -> None:
        """Bind and start accepting connections."""
        loop = asyncio.get_running_loop()
        if self._kind == "unix":
            self._server = await loop.create_unix_server(lambda: _Connection(self), self._host)
        else:
            self._server = await loop.create_server(lambda: _Connection(self), self._host, self._port)

    async def serve_forever(self) -> None:
        """Start (if needed) and serve until cancelled."""
        if self._server is None:
            await self.start()
        assert self._server is not None
        await self._server.serve_forever()

    async def close(self) -> None:
        """Stop accepting and close the connections (no request runs meanwhile: they run on this loop's thread).
        Closing is no lost consensus connection: the app keeps what it holds for the process's shutdown."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        for connection in list(self._open):
            connection.close()
        if self._server is not None:
            await self._server.wait_closed()
        if self.trace is not None:
            self.trace.write()

    def answer(self, message: bytes) -> tuple[bytes, str | None]:
        """The framed Response to one Request message, and the request's type (None: malformed)."""
        request = self._types.Request()
        try:
            request.ParseFromString(message)
        except Exception as error:  # a malformed message is answered, the stream itself is still in sync
            response = self._types.Response(exception=self._types.ResponseException(error=f"bad request: {error}"))
            return frame(response.SerializeToString()), None
        return frame(self.handler.handle(request).SerializeToString()), request.WhichOneof("value")

    def answer_traced(self, message: bytes, trace: RequestTrace) -> tuple[bytes, str | None]:
        """`answer`, counted (and profiled) for the trace."""
        if trace.profiler is not None:
            trace.profiler.enable()
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            response, kind = self.answer(message)
        finally:
            if trace.profiler is not None:
                trace.profiler.disable()
        cpu = time.thread_time() - cpu_started
        trace.request_done(_traced_kind(kind, message), time.perf_counter() - started, cpu)
        return response, kind

    def opened(self, connection: "_Connection") -> None:
        """A connection was accepted."""
        self._open.add(connection)

    def closed(self, connection: "_Connection") -> None:
        """A connection closed."""
        self._open.discard(connection)

    def connection_lost(self) -> None:
        """CometBFT's consensus connection closed while serving: drop any uncommitted block (see the handler)."""
        if not self._closing:
            log.warning("CometBFT's consensus connection closed; dropping any uncommitted block")
            self.handler.connection_lost()


class _Connection(asyncio.Protocol):
    """One of CometBFT's connections: frames in, each request answered in order as it arrives."""

    def __init__(self, server: AbciServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.is_consensus = False
        self.name = "other"
        """What the connection carries, for the trace: "consensus", "mempool" (CheckTx) or "other"."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.opened(self)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        arrived = time.perf_counter()
        self.buffer += data
        try:
            messages = split_frames(self.buffer, MAX_MESSAGE_BYTES)
        except FramingError as error:
            log.error(
                "ABCI connection %s sent a malformed frame (%s); closing it",
                transport.get_extra_info("peername"),
                error,
            )
            transport.close()
            return
        server, trace = self.server, self.server.trace
        ready: list[bytes] = []
        written_at = arrived
        for message in messages:
            if message == _FLUSH_REQUEST:
                ready.append(server.flush_response)
                transport.writelines(ready)
                ready = []
                written_at = time.perf_counter()
                continue
            response, kind = server.answer(message) if trace is None else server.answer_traced(message, trace)
            ready.append(response)
            if kind in _CONSENSUS_REQUESTS:
                self.is_consensus = True
                self.name = "consensus"
            elif kind == "check_tx":
                self.name = "mempool"
            now = time.perf_counter()
            if now - written_at >= WRITE_AFTER_S:
                transport.writelines(ready)
                ready = []
                written_at = now
        if ready:
            transport.writelines(ready)
        if trace is not None and messages:
            flushes = messages.count(_FLUSH_REQUEST)
            if len(messages) > flushes:
                trace.batch_done(self.name, len(messages) - flushes, time.perf_counter() - arrived)

    def pause_writing(self) -> None:
        # CometBFT is not reading our answers: stop reading its requests until it does (the streams' drain).
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None:
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.closed(self)
        self.transport = None
        if self.is_consensus:
            self.server.connection_lost()
