"""What one ABCI request costs the app process on each transport: the ABCI socket server (server.py), the gRPC
server (grpc_server.py: grpc's thread-pool server, one worker) and the same service on grpc.aio.

Each server runs in a process of its own over a fresh in-memory app and answers Info (the app's work is a few
microseconds); a client in this process makes `--calls` calls one after the other, as CometBFT's gRPC client does
on each connection (on the socket: Info + Flush, then wait for both answers). Measured: wall time per call and the
server process's CPU per call (user + system, /proc/PID/stat), which is what the transport adds to every CheckTx,
Recheck and consensus request. `--rounds` rounds, the servers in turn.

Run: python benchmarks/bench_abci_transport.py [--calls 5000] [--rounds 2]
Needs `make proto`.
"""

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gostaking.node.abci.framing import frame
from gostaking.node.abci.handler import AbciHandler
from gostaking.node.abci.proto import abci_types
from gostaking.node.app import GoStakingApp
from gostaking.storage import MemoryStore

SERVERS = ("socket", "grpc", "grpc.aio")


def serve(kind: str, port: int) -> None:
    """Serve a fresh app on 127.0.0.1:`port` over `kind` until killed; prints "ready" once listening."""
    from gostaking.node.abci.grpc_server import AbciGrpcServer
    from gostaking.node.abci.server import AbciServer

    handler = AbciHandler(GoStakingApp(MemoryStore()), "bench")
    address = f"tcp://127.0.0.1:{port}"
    if kind == "grpc":
        AbciGrpcServer(handler, address).start()
        print("ready", flush=True)
        while True:
            time.sleep(3600)

    async def main() -> None:
        if kind == "socket":
            await AbciServer(handler, address).start()
        else:
            import grpc.aio

            server = grpc.aio.server()
            server.add_generic_rpc_handlers((_aio_service(AbciGrpcServer(handler, address)),))
            server.add_insecure_port(f"127.0.0.1:{port}")
            await server.start()
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def _aio_service(server: Any) -> Any:
    """The gRPC server's service with every method a coroutine, for grpc.aio."""
    import grpc

    from gostaking.node.abci.grpc_server import handler_kind

    types = abci_types()
    methods = {}
    for method in types.DESCRIPTOR.services_by_name["ABCI"].methods:
        answer = server.handler.method(handler_kind(method.name))

        async def call(request: Any, context: Any, answer: Callable[[Any], Any] = answer) -> Any:
            return answer(request)

        methods[method.name] = grpc.unary_unary_rpc_method_handler(
            call,
            request_deserializer=getattr(types, method.input_type.name).FromString,
            response_serializer=getattr(types, method.output_type.name).SerializeToString,
        )
    return grpc.method_handlers_generic_handler("tendermint.abci.ABCI", methods)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _socket_caller(port: int) -> Callable[[], None]:
    types = abci_types()
    request = frame(types.Request(info=types.RequestInfo()).SerializeToString())
    request += frame(types.Request(flush=types.RequestFlush()).SerializeToString())
    connection = socket.create_connection(("127.0.0.1", port))
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    flush_answer = frame(types.Response(flush=types.ResponseFlush()).SerializeToString())

    def call() -> None:
        connection.sendall(request)
        received = b""
        while not received.endswith(flush_answer):  # the Info answer, then the Flush answer
            received += connection.recv(65536)

    return call


def _grpc_caller(port: int) -> Callable[[], None]:
    import grpc

    from gostaking.node.abci._proto.tendermint.abci.types_pb2_grpc import ABCIStub

    stub = ABCIStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
    request = abci_types().RequestInfo()
    return lambda: stub.Info(request)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def measure(kind: str, calls: int) -> tuple[float, float]:
    """(wall µs, server CPU µs) per call of `kind`."""
    port = _free_port()
    command = [sys.executable, __file__, "--serve", kind, "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == b"ready"
        call = _socket_caller(port) if kind == "socket" else _grpc_caller(port)
        for _ in range(200):  # connections up, caches warm
            call()
        cpu_before, started = _cpu_seconds(server.pid), time.perf_counter()
        for _ in range(calls):
            call()
        wall = time.perf_counter() - started
        return wall * 1e6 / calls, (_cpu_seconds(server.pid) - cpu_before) * 1e6 / calls
    finally:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--serve", choices=SERVERS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    for round_ in range(args.rounds):
        for kind in SERVERS:
            wall_us, cpu_us = measure(kind, args.calls)
            print(f"round {round_ + 1} {kind:>9}: {wall_us:5.0f} µs per call, server CPU {cpu_us:5.0f} µs per call")


if __name__ == "__main__":
    main()
