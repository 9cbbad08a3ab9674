"""The ABCI socket server: CometBFT's four connections (consensus, mempool, info, snapshot) on one address.

Each connection is a stream of length-prefixed Request messages (see framing.py). Requests on a connection are
answered in order; CometBFT sends Flush when it wants the answers so far, and gets ResponseFlush after them.
All requests, whatever their connection, run one after another on a single worker thread (the app is
serialized and the event loop stays free to read the sockets). Requests that arrived together are handed to
the worker as one batch, which keeps bursts of CheckTx cheap.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from gostaking.node.abci.framing import MAX_MESSAGE_BYTES, FramingError, frame, split_frames
from gostaking.node.abci.handler import AbciHandler
from gostaking.node.abci.proto import abci_types

_READ_CHUNK = 256 * 1024
_CONSENSUS_REQUESTS = frozenset({"init_chain", "prepare_proposal", "process_proposal", "finalize_block", "commit"})

log = logging.getLogger(__name__)


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
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="abci-app")
        self._server: asyncio.Server | None = None
        self._types = abci_types()
        self._flush_response = frame(self._types.Response(flush=self._types.ResponseFlush()).SerializeToString())
        self.connections = 0
        """Connections currently open (CometBFT keeps four)."""

    @property
    def port(self) -> int:
        """The TCP port listened on (useful with port 0), or 0 for a unix socket."""
        if self._server is None or self._kind != "tcp":
            return self._port
        sockname: tuple[Any, ...] = self._server.sockets[0].getsockname()
        return int(sockname[1])

    async def start(self) -> None:
        """Bind and start accepting connections."""
        if self._kind == "unix":
            self._server = await asyncio.start_unix_server(self._serve_connection, self._host, limit=_READ_CHUNK)
        else:
            self._server = await asyncio.start_server(self._serve_connection, self._host, self._port, limit=_READ_CHUNK)

    async def serve_forever(self) -> None:
        """Start (if needed) and serve until cancelled."""
        if self._server is None:
            await self.start()
        assert self._server is not None
        await self._server.serve_forever()

    async def close(self) -> None:
        """Stop accepting, and wait for the request being executed to finish."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
        self._worker.shutdown(wait=True)

    async def _run(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._worker, function, *args)

    def _handle_batch(self, messages: list[bytes]) -> tuple[list[bytes], bool]:
        """Decode, execute and encode a batch (on the worker thread); also says if it held consensus requests."""
        request_type = self._types.Request
        out: list[bytes] = []
        consensus = False
        for message in messages:
            request = request_type()
            try:
                request.ParseFromString(message)
            except Exception as error:  # a malformed message is answered, the stream itself is still in sync
                response = self._types.Response(exception=self._types.ResponseException(error=f"bad request: {error}"))
            else:
                consensus = consensus or request.WhichOneof("value") in _CONSENSUS_REQUESTS
                response = self.handler.handle(request)
            out.append(frame(response.SerializeToString()))
        return out, consensus

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        buffer = bytearray()
        is_consensus = False
        peer = writer.get_extra_info("peername")
        try:
            while True:
                chunk = await reader.read(_READ_CHUNK)
                if not chunk:
                    break
                buffer += chunk
                batch: list[bytes] = []
                for message in split_frames(buffer, MAX_MESSAGE_BYTES):
                    # A Flush is answered right here, after every earlier request of this connection.
                    if message == b"\x12\x00":  # Request{flush: {}} as protobuf encodes it
                        if batch:
                            responses, consensus = await self._run(self._handle_batch, batch)
                            is_consensus = is_consensus or consensus
                            writer.writelines(responses)
                            batch = []
                        writer.write(self._flush_response)
                        await writer.drain()
                    else:
                        batch.append(message)
                if batch:
                    responses, consensus = await self._run(self._handle_batch, batch)
                    is_consensus = is_consensus or consensus
                    writer.writelines(responses)
                    await writer.drain()
        except FramingError as error:
            log.error("ABCI connection %s sent a malformed frame (%s); closing it", peer, error)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.connections -= 1
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            if is_consensus:
                log.warning("CometBFT's consensus connection closed; dropping any uncommitted block")
                with contextlib.suppress(RuntimeError):  # the worker is gone when the server is shutting down
                    await self._run(self.handler.connection_lost)
