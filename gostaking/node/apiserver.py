"""Serving the REST API (an ASGI app passed in: this layer does not import the API) with uvicorn, and the limits
every API server runs with (`server_config`).

The devnet runs uvicorn in its main thread; a `gostaking abci` process keeps its main thread for the ABCI socket
server (asyncio, signal handling) and serves the API from this thread. The listening socket is bound before the
thread starts, so a port in use is reported at once and port 0 picks a free one (`port` tells which).

Limits (ServerLimits), set in uvicorn and its httptools protocol rather than in a proxy in front, so that every node
has them: a request line and headers complete within 10 s of connecting or of the previous response (else 408, or
a plain close when nothing arrived) and within 16 KiB of received bytes (else 400), idle keep-alive
connections closed after 5 s, and at most 100 connections at once (requests beyond answer 503 with `Retry-After`
and the connection is closed). Answers are JSON in the API's error shape `{error, code, message}`. The API itself
limits request bodies to 1 MiB (gostaking/api/limits.py).

Read workers (ReadWorkers, named by the API app in `api.state.read_workers`): N processes of their own accept the
connections of the API's address and answer the explorer's index reads themselves, so that those reads never run
on the GIL of the process that produces and commits blocks; every other request they pass to the node process's
own server, which then listens on a private 127.0.0.1 port. The URLs stay the same. This layer starts and stops
them by the command the API gives, without importing the API (README.md, "The block explorer").
"""

import asyncio
import json
import logging
import os
import select
import socket
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger(__name__)

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
    """Bytes of a request line + headers received while incomplete (beyond, 400). Counted by the socket read, so
    a read that ends one request and begins the next one's head leaves that part uncounted: the bound on a head's
    memory is this plus one read (the event loop reads at most 256 KiB at once)."""


DEFAULT_LIMITS = ServerLimits()
NODE_HOST = "127.0.0.1"
"""Where the node process listens when read workers face the clients."""
LISTEN_BACKLOG = 2048
RESTART_DELAY_S = 1.0
"""How often the server looks for an exited read worker, to start another in its place."""

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
    """uvicorn's httptools protocol (llhttp, a C parser) with the limits: the connection cap, a deadline for each
    request head and a bound on its bytes (uvicorn itself only times out idle connections after a response, and
    httptools buffers a head of any size), and refusals in the API's error shape.

    httptools rather than h11 (pure Python, which these limits were first built on): parsing a request and writing
    its answer costs ~0.1 ms less CPU, a third of what /status costs a node alone (BENCHMARKS.md, "seventh
    session")."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    timeout_body = _json_error(
        408, "RequestTimeout", f"the request line and headers did not arrive within {limits.header_timeout_s:g} s"
    )
    timeout_answer = _raw_answer(b"408 Request Timeout", timeout_body)

    class LimitedHttpToolsProtocol(HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.app = _capped(self.app, self.connections, self.tasks, limits.max_connections)
            self._head_timer: asyncio.TimerHandle | None = None
            self._awaiting_head = True
            """Between requests or inside a request's head: the head deadline and byte bound apply."""
            self._head_begun = False
            """A byte of the awaited head has arrived (so a timeout is answered, not only closed)."""
            self._head_bytes = 0
            self._refusal: str | None = None
            """Why the connection is refused once the answer under way is complete (a 400 cannot cut into it)."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._watch_head()

        def data_received(self, data: bytes) -> None:
            if self._refusal is not None:
                # Refused, awaiting the end of the answer under way: what still comes is dropped, not left unread
                # in the socket, where it would turn the close into a reset that can lose the answers at the client.
                return
            if self._awaiting_head:
                self._head_bytes += len(data)
            super().data_received(data)  # a parse error answers through send_400_response below
            if self.transport.is_closing() or self._refusal is not None:
                self._stop_head_timer()
            elif self._awaiting_head and self._head_bytes > limits.max_header_bytes:
                self.send_400_response("Request head too large")
            else:
                self._watch_head()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._head_begun = True

        def on_headers_complete(self) -> None:
            self._awaiting_head = self._head_begun = False
            self._head_bytes = 0
            self._stop_head_timer()
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._awaiting_head = True
            self._head_bytes = 0

        def on_response_complete(self) -> None:
            if self._refusal is not None:
                self.send_400_response(self._refusal)
                return
            super().on_response_complete()
            self._watch_head()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_head_timer()
            super().connection_lost(exc)

        def send_400_response(self, msg: str) -> None:
            """A request llhttp cannot parse, or whose head is too large: 400 in the API's error shape, then close.
            While an earlier request's answer is still being sent (pipelining), the 400 follows that answer, and what
            the client sends meanwhile is read and dropped."""
            self._stop_head_timer()
            if self.transport.is_closing():
                return
            if self.cycle is not None and not self.cycle.response_complete:
                self._refusal = msg
                return
            too_large = f"more than {limits.max_header_bytes} bytes"
            reason = f"{msg.rstrip('.')}: a malformed request line or header, or {too_large} of them"
            self.transport.write(_raw_answer(b"400 Bad Request", _json_error(400, "InvalidRequest", reason)))
            self.transport.close()

        def _watch_head(self) -> None:
            """Run the head deadline while a request head is awaited and no response is under way, else stop it."""
            responding = self.cycle is not None and not self.cycle.response_complete
            if not self._awaiting_head or responding or self.transport.is_closing():
                self._stop_head_timer()
            elif self._head_timer is None:
                self._head_timer = self.loop.call_later(limits.header_timeout_s, self._head_timed_out)

        def _stop_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if self.transport.is_closing() or not self._awaiting_head:
                return
            if self._head_begun:  # a request began: say why it is dropped
                self.transport.write(timeout_answer)
            self.transport.close()

    return LimitedHttpToolsProtocol


def _raw_answer(status: bytes, json_body: bytes) -> bytes:
    """A whole HTTP/1.1 answer with a JSON body that closes the connection, for the protocol to write itself."""
    head = f"content-type: application/json\r\ncontent-length: {len(json_body)}\r\nconnection: close\r\n\r\n"
    return b"HTTP/1.1 " + status + b"\r\n" + head.encode() + json_body


def server_config(
    api: Any, host: str, port: int, limits: ServerLimits = DEFAULT_LIMITS, behind_workers: bool = False
) -> "uvicorn.Config":
    """The uvicorn configuration of every API server: httptools with `limits` (protocol_class), no lifespan, no
    websockets, quiet.

    The node process's server `behind_workers` (on its private NODE_HOST port) runs uvicorn's httptools protocol
    as it is: only the read workers connect to it, and they pass on requests they have parsed under `limits`
    themselves, so the head deadline and size are theirs to keep. Its connection cap stays (uvicorn's 503)."""
    import uvicorn  # imported here: only processes that serve the API need it

    return uvicorn.Config(
        api,
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
        http="httptools" if behind_workers else protocol_class(limits),
        limit_concurrency=limits.max_connections if behind_workers else None,
        timeout_keep_alive=limits.keep_alive_s,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )


class ApiServerError(Exception):
    """The API server cannot start; the message says why."""


@dataclass(frozen=True)
class ReadWorkers:
    """Processes that serve the API's index reads beside the node process: the API app sets one in
    `api.state.read_workers` (None or a count of 0: the node process serves everything)."""

    count: int
    command: tuple[str, ...]
    """The argv that starts one worker; the server adds `--listen-fd FD --ready-fd FD --node-url URL --limits
    JSON` (the shared listening socket, a pipe to say it serves, the node's private URL, the ServerLimits)."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Added to the worker's environment (what should not show in a process list, e.g. a database password)."""


def planned_read_workers(api: Any) -> ReadWorkers | None:
    """The read workers the ASGI app `api` asks for, if any."""
    plan = getattr(getattr(api, "state", None), "read_workers", None)
    return plan if isinstance(plan, ReadWorkers) and plan.count > 0 else None


def bind_listener(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port (0: a free port) and listening. Raises ApiServerError if it cannot bind."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(LISTEN_BACKLOG)
    except OSError as exc:
        sock.close()
        raise ApiServerError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class ReadWorkerPool:
    """The processes of a ReadWorkers plan, all accepting on one listening socket; one that exits is started again
    (after RESTART_DELAY_S) until the pool stops."""

    def __init__(self, plan: ReadWorkers, listener: socket.socket, node_url: str, limits: ServerLimits) -> None:
        """Workers of `plan` that will accept on `listener` and pass what they do not serve to `node_url`."""
        self.plan = plan
        self.listener = listener
        self.node_url = node_url
        self.limits = limits
        self.processes: list[subprocess.Popen[bytes]] = []
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self, timeout_s: float = 30.0) -> None:
        """Start the workers and wait until each serves (connections queue on the listener meanwhile), then watch
        them. Raises ApiServerError, with every worker stopped, if one exits or the time runs out."""
        deadline = time.monotonic() + timeout_s
        spawned = [self._spawn() for _ in range(self.plan.count)]
        self.processes = [process for process, _ in spawned]
        try:
            for process, pipe in spawned:
                while not select.select([pipe], [], [], 0.1)[0]:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise ApiServerError(f"API read worker {process.pid} did not start (see the log above)")
                if not os.read(pipe, 1):
                    raise ApiServerError(f"API read worker {process.pid} exited (see the log above)")
        except ApiServerError:
            self.stop()
            raise
        finally:
            for _, pipe in spawned:
                os.close(pipe)
        self._watcher = threading.Thread(target=self._watch, name="api-read-workers", daemon=True)
        self._watcher.start()

    def _spawn(self) -> tuple[subprocess.Popen[bytes], int]:
        """One more worker, and the pipe it says it serves on."""
        ready_read, ready_write = os.pipe()
        command = [*self.plan.command, "--listen-fd", str(self.listener.fileno()), "--ready-fd", str(ready_write)]
        command += ["--node-url", self.node_url, "--limits", json.dumps(asdict(self.limits))]
        try:
            process = subprocess.Popen(
                command, pass_fds=(self.listener.fileno(), ready_write), env={**os.environ, **self.plan.env}
            )
        except OSError:
            os.close(ready_read)
            raise
        finally:
            os.close(ready_write)
        return process, ready_read

    def _watch(self) -> None:
        while not self._stopping.wait(RESTART_DELAY_S):
            for slot, process in enumerate(self.processes):
                code = process.poll()
                if code is None or self._stopping.is_set():
                    continue
                log.warning("API read worker %d exited with code %d; starting another", process.pid, code)
                try:
                    replacement, pipe = self._spawn()
                except OSError as exc:
                    log.warning("cannot start an API read worker: %s", exc)
                    continue
                os.close(pipe)  # it accepts once it serves; nothing waits for it
                self.processes[slot] = replacement

    def stop(self, timeout_s: float = SHUTDOWN_GRACE_S + 5.0) -> None:
        """SIGTERM every worker (open responses get SHUTDOWN_GRACE_S), then SIGKILL one that is still running."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()
            self._watcher = None
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + timeout_s
        for process in self.processes:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def serve_api(api: Any, host: str, port: int, limits: ServerLimits = DEFAULT_LIMITS) -> None:
    """Serve `api` on host:port from this thread until uvicorn exits (SIGINT/SIGTERM in the main thread): with
    the read workers the app asks for in front, else alone as before. Raises ApiServerError if it cannot bind."""
    import uvicorn  # imported here: only processes that serve the API need it

    plan = planned_read_workers(api)
    if plan is None:
        uvicorn.Server(server_config(api, host, port, limits)).run()
        return
    listeners = _Listeners.bind(host, port, limits, plan)
    workers = ReadWorkerPool(plan, listeners.public, _url(listeners.node), limits)
    try:
        workers.start()  # each serves before the node does: none depends on the node to start
        config = server_config(api, NODE_HOST, 0, listeners.node_limits, behind_workers=True)
        uvicorn.Server(config).run(sockets=[listeners.node])
    finally:
        workers.stop()
        listeners.close()


@dataclass(frozen=True)
class _Listeners:
    """The sockets one API server listens on, bound by `bind` the one way both `serve_api` and `ApiServerThread`
    serve. Alone, the node process's server accepts on host:port (`node` is `public`); behind read workers, the
    workers accept on host:port and the node's server on a private NODE_HOST port."""

    public: socket.socket
    """host:port, where the clients connect."""
    node: socket.socket
    """Where the node process's own server accepts."""
    node_limits: ServerLimits
    """The limits of the node's own server: behind workers, each worker may hold up to its cap of connections to
    it."""

    @classmethod
    def bind(cls, host: str, port: int, limits: ServerLimits, plan: ReadWorkers | None) -> "_Listeners":
        """Bind host:port, and the node's private port if `plan` puts workers in front. Raises ApiServerError
        (with nothing left bound) if either cannot be bound."""
        public = bind_listener(host, port)
        if plan is None:
            return cls(public, public, limits)
        try:
            node = bind_listener(NODE_HOST, 0)
        except ApiServerError:
            public.close()
            raise
        return cls(public, node, replace(limits, max_connections=limits.max_connections * (plan.count + 1)))

    def close(self) -> None:
        """Close both sockets (one, when the node's server faces the clients itself)."""
        self.node.close()
        self.public.close()


class ApiServerThread:
    """uvicorn serving `api` on host:port from a daemon thread (behind the read workers the app asks for), between
    `start` and `stop`."""

    def __init__(self, api: Any, host: str, port: int, limits: ServerLimits = DEFAULT_LIMITS) -> None:
        """Serve the ASGI app `api` on `host`:`port` (0 = any free port) with `limits` once started."""
        self.api = api
        self.host = host
        self.port = port
        self.limits = limits
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._listeners: _Listeners | None = None
        self._workers: ReadWorkerPool | None = None

    @property
    def url(self) -> str:
        """http://host:port of the running server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout_s: float = 30.0) -> None:
        """Bind, start serving on the thread (and the read workers the app asks for) and wait until they accept
        connections.

        Raises ApiServerError if the address cannot be bound or the server does not come up.
        """
        import uvicorn  # imported here: only processes that serve the API need it

        if self._thread is not None:
            raise RuntimeError("API server already started")
        plan = planned_read_workers(self.api)
        self._listeners = listeners = _Listeners.bind(self.host, self.port, self.limits, plan)
        self.port = int(listeners.public.getsockname()[1])
        host, port = listeners.node.getsockname()[:2]
        config = server_config(self.api, host, port, listeners.node_limits, behind_workers=plan is not None)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listeners.node]}, name="api-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ApiServerError(f"the API server on {self.url} did not start (see the log above)")
            time.sleep(0.01)
        if plan is not None:
            workers = ReadWorkerPool(plan, listeners.public, _url(listeners.node), self.limits)
            try:
                workers.start(max(deadline - time.monotonic(), 1.0))
            except ApiServerError:
                self.stop()
                raise
            self._workers = workers

    @property
    def worker_pids(self) -> list[int]:
        """The process ids of the read workers (none when the node process serves everything)."""
        return [process.pid for process in self._workers.processes] if self._workers is not None else []

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the read workers, then ask uvicorn to exit (open responses get SHUTDOWN_GRACE_S) and wait for the
        thread."""
        if self._workers is not None:
            self._workers.stop()
            self._workers = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        if self._listeners is not None:
            self._listeners.close()
            self._listeners = None
