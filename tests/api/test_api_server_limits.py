"""The limits of the API server (gostaking/node/apiserver.py) and of request bodies (gostaking/api/limits.py), over
real sockets to uvicorn on a free loopback port: a request head must arrive in time, idle connections close, the
connection cap answers 503, oversized heads and bodies answer 400 and 413; every refusal is JSON in the API's error
shape. Short limits keep each case well under a second."""

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from api_harness import Devnet

from gostaking.api.limits import MAX_BODY_BYTES, RequestBodyLimit
from gostaking.node.apiserver import DEFAULT_LIMITS, ApiServerThread, ServerLimits

FAST = ServerLimits(max_connections=3, header_timeout_s=0.4, keep_alive_s=1, max_header_bytes=4096)


@contextmanager
def serving_app(app: Any, limits: ServerLimits = FAST) -> Iterator[ApiServerThread]:
    server = ApiServerThread(app, "127.0.0.1", 0, limits)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def serving(devnet: Devnet, limits: ServerLimits = FAST) -> contextlib.AbstractContextManager[ApiServerThread]:
    return serving_app(devnet.client.app, limits)


def connect(server: ApiServerThread) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def parse(raw: bytes) -> tuple[int, dict[str, str], Any]:
    """(status, lower-cased headers, JSON body) of one HTTP/1.1 answer."""
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
    if headers.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    return int(status_line.split()[1]), headers, json.loads(body)


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_text, _, rest = data.partition(b"\r\n")
        size = int(size_text, 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return out


def assert_error_shape(body: Any, error: str, code: int) -> None:
    assert set(body) == {"error", "code", "message"} and body["message"], body
    assert (body["error"], body["code"]) == (error, code), body


def test_the_defaults_are_the_documented_ones() -> None:
    assert ServerLimits(max_connections=100, header_timeout_s=10, keep_alive_s=5) == DEFAULT_LIMITS
    assert DEFAULT_LIMITS.max_header_bytes == 16 * 1024 and MAX_BODY_BYTES == 1024 * 1024


def test_a_request_head_that_does_not_arrive_in_time_answers_408(devnet: Devnet) -> None:
    with serving(devnet) as server:
        sock = connect(server)
        sock.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n")  # the blank line never comes
        started = time.monotonic()
        status, headers, body = parse(read_all(sock))
        assert status == 408 and headers["connection"] == "close"
        assert_error_shape(body, "RequestTimeout", 408)
        assert 0.3 < time.monotonic() - started < 3

        dripping = connect(server)  # bytes keep coming, but the head is never complete: the deadline holds
        head = b"GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40
        sent = 0
        with contextlib.suppress(OSError):  # the server closes while bytes are still coming
            for sent in range(1, len(head) + 1):
                dripping.sendall(head[sent - 1 : sent])
                time.sleep(0.05)
        assert sent < len(head)

        silent = connect(server)  # a connection that never says anything is closed without an answer
        assert read_all(silent) == b""


def test_idle_keep_alive_connections_close_and_each_new_head_has_a_deadline(devnet: Devnet) -> None:
    with serving(devnet) as server:
        sock = connect(server)
        sock.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /status HTTP/1.1\r\n")  # a second request on the same connection, never finished
        status, _, body = parse(read_all(sock))
        assert status == 408 and body["error"] == "RequestTimeout"

        idle = connect(server)
        idle.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
        started = time.monotonic()
        answer = read_all(idle)  # the answer, then the close after keep_alive_s of silence
        assert answer.startswith(b"HTTP/1.1 200") and time.monotonic() - started < 3


def test_connections_beyond_the_cap_answer_503_and_the_cap_frees_up(devnet: Devnet) -> None:
    patient = ServerLimits(max_connections=3, header_timeout_s=5, keep_alive_s=5)
    with serving(devnet, patient) as server:
        held = [connect(server) for _ in range(3)]
        time.sleep(0.2)
        response = httpx.get(f"{server.url}/status", timeout=5)
        assert response.status_code == 503 and response.headers["retry-after"] == "1"
        assert_error_shape(response.json(), "ServerBusy", 503)
        for sock in held:
            sock.close()
        time.sleep(0.2)
        assert httpx.get(f"{server.url}/status", timeout=5).status_code == 200


def test_oversized_and_malformed_heads_answer_400_json(devnet: Devnet) -> None:
    with serving(devnet) as server:
        sock = connect(server)
        sock.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8192)  # 8 KiB and no end yet
        time.sleep(0.1)
        with contextlib.suppress(OSError):
            sock.sendall(b"\r\n\r\n")
        status, headers, body = parse(read_all(sock))
        assert status == 400 and headers["connection"] == "close"
        assert_error_shape(body, "InvalidRequest", 400)
        sock = connect(server)
        sock.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        assert parse(read_all(sock))[0] == 400


def test_bodies_over_1_mib_answer_413_and_close(devnet: Devnet) -> None:
    with serving(devnet, ServerLimits()) as server:
        sock = connect(server)  # declared too large: answered before a byte of the body is sent
        sock.sendall(
            b"POST /txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n"
        )
        status, headers, body = parse(read_all(sock))
        assert status == 413 and headers["connection"] == "close"
        assert_error_shape(body, "PayloadTooLarge", 413)
        huge = connect(server)
        huge.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * 40 + b"\r\n\r\n")
        status, _, body = parse(read_all(huge))  # h11 itself refuses a 40-digit length
        assert status in (400, 413) and set(body) == {"error", "code", "message"}

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"tx": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 1):
            yield b"00" * 32768
        yield b'"}'

    response = devnet.client.post("/txs", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"] == "PayloadTooLarge"
    largest_tx = {"tx": "00" * 16 * 1024}  # the biggest transaction the chain takes is far below the limit
    refused = devnet.client.post("/txs", json=largest_tx)
    assert refused.status_code == 400 and refused.json()["error"] != "PayloadTooLarge"


def test_a_body_that_trickles_in_too_slowly_answers_408() -> None:
    sent: list[dict[str, Any]] = []
    reached_app = False

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal reached_app
        reached_app = True

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(10)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    middleware = RequestBodyLimit(app, timeout_s=0.05)
    scope = {"type": "http", "method": "POST", "path": "/txs", "headers": [(b"content-length", b"10")]}
    asyncio.run(middleware(scope, receive, send))
    assert not reached_app and sent[0]["status"] == 408
    assert_error_shape(json.loads(sent[1]["body"]), "RequestTimeout", 408)


@pytest.mark.parametrize("body", [b"", b'{"tx": "00"}'])
def test_the_body_reaches_the_route_unchanged(devnet: Devnet, body: bytes) -> None:
    response = devnet.client.post("/txs", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"] != "PayloadTooLarge"


async def slow_counter(scope: Any, receive: Any, send: Any) -> None:
    """An app whose answer takes ~0.8 s, longer than FAST's head deadline: five pieces 0.2 s apart, then the path."""
    length = str(len("0.1.2.3.4.") + len(scope["path"])).encode()
    headers = [(b"content-type", b"text/plain"), (b"content-length", length)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    for piece in range(5):
        await send({"type": "http.response.body", "body": f"{piece}.".encode(), "more_body": True})
        await asyncio.sleep(0.2)
    await send({"type": "http.response.body", "body": scope["path"].encode(), "more_body": False})


def test_an_answer_longer_than_the_head_deadline_is_not_cut_and_pipelined_requests_are_answered_in_order() -> None:
    with serving_app(slow_counter) as server:
        sock = connect(server)
        first, second = b"GET /first HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /second HTTP/1.1\r\nConnection: close\r\n\r\n"
        sock.sendall(first + second)
        answers = read_all(sock)  # 1.6 s of answers, four times the deadline
        assert answers.count(b"HTTP/1.1 200") == 2
        assert answers.index(b"0.1.2.3.4./first") < answers.index(b"0.1.2.3.4./second")


def test_a_pipelined_head_after_a_complete_request_keeps_the_bound_and_the_deadline() -> None:
    with serving_app(slow_counter) as server:
        sock = connect(server)  # the second head grows past 4 KiB while the first answer is still coming
        sock.sendall(b"GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n")
        with contextlib.suppress(OSError):
            for _ in range(3):
                sock.sendall(b"X-Filler: " + b"a" * 2048 + b"\r\n")
                time.sleep(0.05)
        answers = read_all(sock)
        assert answers.startswith(b"HTTP/1.1 200") and b"0.1.2.3.4./first" in answers
        status, headers, body = parse(answers[answers.index(b"HTTP/1.1 400") :])
        assert status == 400 and headers["connection"] == "close"
        assert_error_shape(body, "InvalidRequest", 400)

        sock = connect(server)  # after a complete answer, the next head has the deadline again
        sock.sendall(b"GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\n")
        answers = read_all(sock)
        assert b"0.1.2.3.4./first" in answers
        status, _, body = parse(answers[answers.index(b"HTTP/1.1 408") :])
        assert status == 408 and body["error"] == "RequestTimeout"


def test_an_upgrade_request_is_answered_as_plain_http(devnet: Devnet) -> None:
    with serving(devnet) as server:
        sock = connect(server)
        sock.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n")
        status, _, body = parse(read_all(sock))
        assert status == 200 and body["height"] >= 0
