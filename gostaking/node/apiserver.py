"""Serving the REST API (an ASGI app passed in: this layer does not import the API) with uvicorn on a thread.

The devnet runs uvicorn in its main thread; a `gostaking abci` process keeps its main thread for the ABCI socket
server (asyncio, signal handling) and serves the API from this thread. The listening socket is bound before the
thread starts, so a port in use is reported at once and port 0 picks a free one (`port` tells which).
"""

import socket
import threading
import time
from typing import Any

SHUTDOWN_GRACE_S = 2
"""How long open HTTP responses (explorer live streams) may delay a stop."""


class ApiServerError(Exception):
    """The API server cannot start; the message says why."""


class ApiServerThread:
    """uvicorn serving `api` on host:port from a daemon thread, between `start` and `stop`."""

    def __init__(self, api: Any, host: str, port: int) -> None:
        """Serve the ASGI app `api` on `host`:`port` (0 = any free port) once started."""
        self.api = api
        self.host = host
        self.port = port
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
        config = uvicorn.Config(
            self.api, log_level="warning", lifespan="off", timeout_graceful_shutdown=SHUTDOWN_GRACE_S
        )
        self._server = uvicorn.Server(config)
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
