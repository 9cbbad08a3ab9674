"""ABCI test helpers: skip conditions, a server on a loopback port in a thread, and a fake CometBFT client."""

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from gostaking.chain.genesis import encode_genesis
from gostaking.node.abci.framing import decode_uvarint, frame
from gostaking.node.abci.proto import stubs_problem
from gostaking.node.app import GoStakingApp
from gostaking.node.consensus_key import ConsensusKey
from gostaking.node.runtime import make_devnet_genesis
from gostaking.storage import MemoryStore
from gostaking.wallet.keys import PrivateKey

CHAIN_ID = "gostaking-abci-test"
OPERATOR = PrivateKey((1).to_bytes(32, "big"))
FAUCET = PrivateKey((2).to_bytes(32, "big"))
NODE_KEY = ConsensusKey(bytes(range(32)))
GENESIS_TIME_MS = 1_700_000_000_000

_PROBLEM = stubs_problem()
requires_stubs = pytest.mark.skipif(_PROBLEM is not None, reason=f"ABCI stubs missing: {_PROBLEM}")


def genesis_json() -> bytes:
    """A devnet-shaped genesis with one node (NODE_KEY, run by OPERATOR)."""
    genesis = make_devnet_genesis(CHAIN_ID, OPERATOR.address, FAUCET.address, NODE_KEY.public_key, GENESIS_TIME_MS)
    return encode_genesis(genesis)


class FakeComet:
    """One ABCI connection as CometBFT's socket client uses it: framed requests, framed responses in order."""

    def __init__(self, port: int) -> None:
        from gostaking.node.abci.proto import abci_types

        self.types: Any = abci_types()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = bytearray()

    def close(self) -> None:
        self.sock.close()

    def send(self, **request: Any) -> None:
        """Write one Request, e.g. send(echo=types.RequestEcho(message='hi'))."""
        self.sock.sendall(frame(self.types.Request(**request).SerializeToString()))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def receive(self) -> Any:
        """Read one Response."""
        while True:
            header = decode_uvarint(self.buffer)
            if header is not None and header[1] + header[0] <= len(self.buffer):
                length, start = header
                message = bytes(self.buffer[start : start + length])
                del self.buffer[: start + length]
                response = self.types.Response()
                response.ParseFromString(message)
                return response
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk

    def call(self, **request: Any) -> Any:
        """Send one request and a Flush; return the request's response (checking the flush answer)."""
        self.send(**request)
        self.send(flush=self.types.RequestFlush())
        response = self.receive()
        assert self.receive().WhichOneof("value") == "flush"
        return response


@dataclass
class RunningServer:
    app: GoStakingApp
    port: int
    server: Any
    loop: asyncio.AbstractEventLoop

    def client(self) -> FakeComet:
        return FakeComet(self.port)


def run_server(app: GoStakingApp) -> Iterator[RunningServer]:
    """An AbciServer for `app` on a free loopback port, served by an event loop on a thread."""
    from gostaking.node.abci.handler import AbciHandler
    from gostaking.node.abci.server import AbciServer

    server = AbciServer(AbciHandler(app, "test"), "tcp://127.0.0.1:0")
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield RunningServer(app, server.port, server, loop)
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture
def abci_server() -> Iterator[RunningServer]:
    """A server over a fresh in-memory app."""
    yield from run_server(GoStakingApp(MemoryStore()))
