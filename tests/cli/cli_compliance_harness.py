"""A live devnet on the compliance genesis (custodians, council, KYC provider; see tests/api/api_compliance_harness)
for CLI tests: uvicorn on a free loopback port, and blocks produced on demand (whenever the mempool holds a
transaction) or explicitly by the test, never by the clock, so heights only move when the test says."""

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from cli_harness import free_port
from msgspec.structs import replace
from typer.testing import CliRunner

from gostaking.api.main import create_api
from gostaking.chain.types.tx import Msg
from gostaking.cli.main import app
from gostaking.node.runtime import Node, open_devnet
from gostaking.node.settings import DevnetSettings
from gostaking.storage import MemoryStore
from gostaking.wallet.keys import PrivateKey, sign_tx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))  # share the genesis with the API tests
from api_compliance_harness import (
    ALICE,
    AUTHORITY,
    BOB,
    COUNCIL,
    CUSTODIANS,
    NEWCOMER,
    OPERATOR,
    ORACLE_PERIOD,
    PROVIDER,
    compliance_params,
    prepare_home,
)

__all__ = [
    "ALICE",
    "AUTHORITY",
    "BOB",
    "CLI_VOTING_PERIOD",
    "COUNCIL",
    "CUSTODIANS",
    "NEWCOMER",
    "OPERATOR",
    "ORACLE_PERIOD",
    "PROVIDER",
    "OnDemandDevnet",
    "open_on_demand_devnet",
]


CLI_VOTING_PERIOD = 60
"""Every CLI tx command makes a block, so CLI tests vote over more blocks than the API tests."""


@dataclass
class OnDemandDevnet:
    """A running node and its API URL; `produce` and the on-demand thread share one lock."""

    node: Node
    url: str
    home: Path
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def produce(self, count: int = 1) -> int:
        """Produce `count` blocks now; returns the new height."""
        assert self.node.producer is not None
        for _ in range(count):
            with self._lock:
                self.node.producer.produce_block()
        return self.node.app.height

    def produce_if_pending(self) -> None:
        """One block if the mempool holds a transaction."""
        if len(self.node.app.mempool):
            self.produce()

    def send(self, key: PrivateKey, *msgs: Msg) -> None:
        """Sign and check in a tx directly (no CLI), then produce its block."""
        raw = sign_tx(key, self.node.chain_id, self.node.app.next_sequence(key.address), list(msgs), 1_000)
        result = self.node.app.check_tx(raw)
        assert result.ok, result.message
        self.produce()

    def cli(self, *args: str) -> tuple[int, str]:
        """Run `gostaking ARGS` against this node with the devnet home's keyring; (exit code, output)."""
        env = {"GOSTAKING_HOME": str(self.home), "GOSTAKING_API": self.url, "GOSTAKING_PASSPHRASE": ""}
        result = CliRunner().invoke(app, list(args), env=env)
        assert "Traceback" not in result.output, result.output
        return result.exit_code, result.output


@contextmanager
def open_on_demand_devnet(tmp_path: Path) -> Iterator[OnDemandDevnet]:
    """Start the node, its API and the on-demand producer; stop them afterwards."""
    home = tmp_path / "devnet"
    params = compliance_params()
    prepare_home(home, replace(params, gov=replace(params.gov, voting_period_blocks=CLI_VOTING_PERIOD)))
    node = open_devnet(DevnetSettings(home=home), store=MemoryStore())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_api(node), host="127.0.0.1", port=port, log_level="warning"))
    devnet = OnDemandDevnet(node, f"http://127.0.0.1:{port}", home)
    stop = threading.Event()

    def on_demand() -> None:
        while not stop.is_set():
            devnet.produce_if_pending()
            time.sleep(0.01)

    threads = [threading.Thread(target=server.run, daemon=True), threading.Thread(target=on_demand, daemon=True)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{devnet.url}/status", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "API did not come up"
                time.sleep(0.05)
        yield devnet
    finally:
        stop.set()
        server.should_exit = True
        for thread in threads:
            thread.join(10)
        node.close()
