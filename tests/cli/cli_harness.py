"""CLI test harness: a live devnet for CLI tests: producer thread (fast blocks) and uvicorn on a free loopback port."""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from free_ports import free_port

from gostaking.api.main import create_api
from gostaking.node.runtime import Node, open_devnet
from gostaking.node.settings import DevnetSettings
from gostaking.storage import MemoryStore


def wait_for_api(url: str, timeout_s: float = 10.0) -> None:
    """Return once the API at `url` answers /status."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            httpx.get(f"{url}/status", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "API did not come up"
            time.sleep(0.05)


@dataclass
class LiveDevnet:
    """A running devnet and where to reach it."""

    node: Node
    url: str
    home: Path

    def wait_for_height(self, height: int, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while self.node.app.height < height:
            assert time.monotonic() < deadline, f"devnet stuck at height {self.node.app.height}"
            time.sleep(0.02)


@pytest.fixture
def live_devnet(tmp_path: Path) -> Iterator[LiveDevnet]:
    home = tmp_path / "devnet"
    node = open_devnet(DevnetSettings(home=home, block_time_s=0.05), store=MemoryStore())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_api(node), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    assert node.producer is not None
    node.producer.start()
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_api(url)
        yield LiveDevnet(node, url, home)
    finally:
        server.should_exit = True
        thread.join(10)
        node.close()
