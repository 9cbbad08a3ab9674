"""The ABCI gRPC server: CometBFT's `abci = "grpc"` transport, the `tendermint.abci.ABCI` service of types.proto.

CometBFT's gRPC client makes one synchronous call per request (no Flush, no pipelining): each of its four
connections (consensus, mempool, query, snapshot) waits for an answer before it sends the next request. The
service is the same AbciHandler the socket server drives; every method is served from the types.proto service
descriptor (`tendermint.abci.ABCI`: method `CheckTx` → the handler's `check_tx`), so no method is listed by hand.

The server is grpc's thread-pool server with one worker thread: it serializes the app as the socket server's one
thread does (the handler is not thread-safe). It is the cheaper of grpc's two servers, and still costs far more than
the socket per request: 166-172 µs of server CPU per Info call, grpc.aio 206-220 µs, the socket server 14-16 µs
(benchmarks/bench_abci_transport.py, 2026-12-06). On the 4-node localnet that made the app processes use 3.4× the
CPU per transaction of the socket, so this transport is kept for that benchmark only (BENCHMARKS.md, localnet).

A gRPC call carries no connection the app can watch, so CometBFT stopping is not seen as the socket server sees
it (its consensus connection closing). But CometBFT's gRPC client sends Echo as each of its connections starts,
before the handshake, and at no other time: every Echo therefore drops an uncommitted block and the CheckTx record,
as a lost consensus connection does on the socket, so that a restarted CometBFT replays from the app's last commit.
(Like the socket, the gRPC address is for this node's CometBFT alone.)

A limit of CometBFT's side: its gRPC client keeps grpc's default 4 MiB for an answer it receives, so a
PrepareProposal answer above that (a block of more than 4 MiB of transactions) fails the call, where the socket
carries CometBFT's full 21 MB block.
"""

import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from gostaking.node.abci.handler import AbciHandler, AbciRequestError
from gostaking.node.abci.proto import abci_types
from gostaking.node.abci.server import parse_address

SERVICE = "tendermint.abci.ABCI"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""Largest request or answer: above CometBFT's default 21 MB block, as on the socket (framing.py)."""

log = logging.getLogger(__name__)


def handler_kind(method: str) -> str:
    """The handler's name for a service method: `CheckTx` → `check_tx`, `FinalizeBlock` → `finalize_block`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", method).lower()


def service_method(kind: str) -> str:
    """The service method of a handler request type: `check_tx` → `CheckTx` (the inverse of handler_kind)."""
    return "".join(part.capitalize() for part in kind.split("_"))


def grpc_target(address: str) -> str:
    """Where grpc listens for `address` (tcp://HOST:PORT → HOST:PORT, unix://PATH → unix:PATH)."""
    kind, host, port = parse_address(address)
    return f"unix:{host}" if kind == "unix" else f"{host}:{port}"


class AbciGrpcServer:
    """Serve an AbciHandler over gRPC on `address` until `close`."""

    def __init__(self, handler: AbciHandler, address: str) -> None:
        """Listen on `address` (tcp://HOST:PORT or unix://PATH; port 0: any free port) once `start` is called."""
        self.handler = handler
        self.address = address
        self.port = 0
        """The TCP port listened on, once started (0 for a unix socket)."""
        self._server: grpc.Server | None = None

    def _method(self, kind: str) -> Callable[[Any, grpc.ServicerContext], Any]:
        answer = self.handler.method(kind)

        def call(request: Any, context: grpc.ServicerContext) -> Any:
            if kind == "echo":  # a CometBFT starting (see the module docstring)
                self.handler.connection_lost()
            try:
                return answer(request)
            except Exception as error:  # CometBFT stops on a failed call, as on ResponseException
                log.exception("ABCI %s failed", kind)
                context.abort(grpc.StatusCode.INTERNAL, f"{type(error).__name__}: {error}")

        return call

    def generic_handler(self) -> grpc.GenericRpcHandler:
        """The ABCI service: each method of types.proto answered by the handler method of its name."""
        service = abci_types().DESCRIPTOR.services_by_name["ABCI"]
        methods = {}
        for method in service.methods:
            kind = handler_kind(method.name)
            request_type = self._message_class(method.input_type.name)
            response_type = self._message_class(method.output_type.name)
            methods[method.name] = grpc.unary_unary_rpc_method_handler(
                self._method(kind),
                request_deserializer=request_type.FromString,
                response_serializer=response_type.SerializeToString,
            )
        return grpc.method_handlers_generic_handler(SERVICE, methods)

    @staticmethod
    def _message_class(name: str) -> Any:
        message = getattr(abci_types(), name, None)
        if message is None:
            raise AbciRequestError(f"types.proto has no message {name}")
        return message

    def start(self) -> None:
        """Bind and start serving (OSError if the address cannot be bound)."""
        options = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)]
        options.append(("grpc.max_send_message_length", MAX_MESSAGE_BYTES))
        server = grpc.server(ThreadPoolExecutor(max_workers=1, thread_name_prefix="abci-grpc"), options=options)
        server.add_generic_rpc_handlers((self.generic_handler(),))
        try:
            self.port = server.add_insecure_port(grpc_target(self.address))
        except RuntimeError as error:  # grpc reports a port it cannot bind as RuntimeError
            raise OSError(f"cannot listen on {self.address}: {error}") from None
        server.start()
        self._server = server

    def close(self) -> None:
        """Stop serving (a call in progress gets a moment to finish)."""
        if self._server is not None:
            self._server.stop(grace=1.0).wait()
