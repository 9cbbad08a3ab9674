"""The API server thread of an app process: port 0, a port in use, stop."""

import socket

import httpx
import pytest
from fastapi import FastAPI

from gostaking.node.apiserver import ApiServerError, ApiServerThread


def hello_api() -> FastAPI:
    api = FastAPI()

    @api.get("/hello")
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    return api


def test_serves_on_a_free_port_until_stopped() -> None:
    server = ApiServerThread(hello_api(), "127.0.0.1", 0)
    server.start()
    try:
        assert server.port != 0 and server.url == f"http://127.0.0.1:{server.port}"
        assert httpx.get(f"{server.url}/hello", timeout=10).json() == {"hello": "world"}
    finally:
        server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/hello", timeout=10)


def test_a_port_in_use_is_an_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ApiServerError, match=f"cannot listen on 127.0.0.1:{port}"):
            ApiServerThread(hello_api(), "127.0.0.1", port).start()
