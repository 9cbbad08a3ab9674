"""A live devnet on the compliance genesis (custodians, council, KYC provider; see tests/api/api_compliance_harness)
for CLI tests: uvicorn on a free loopback port, and blocks produced on demand (whenever the mempool holds a
transaction) or explicitly by the test, never by the clock, so heights only move when the test says."""

import json
import shlex
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec
import uvicorn
from cli_harness import wait_for_api
from free_ports import free_port
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
    "BOB",
    "CLI_VOTING_PERIOD",
    "COUNCIL",
    "CUSTODIANS",
    "NEWCOMER",
    "OPERATOR",
    "ORACLE_PERIOD",
    "PROVIDER",
    "OnDemandDevnet",
    "api",
    "assert_one_line_errors",
    "cli",
    "included",
    "ok_json",
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
def open_on_demand_devnet(
    tmp_path: Path, modules: Mapping[str, msgspec.Struct] | None = None
) -> Iterator[OnDemandDevnet]:
    """Start the node (with `modules`' genesis sections, e.g. the book's markets), its API and the on-demand
    producer; stop them afterwards."""
    home = tmp_path / "devnet"
    params = compliance_params()
    voting = replace(params, gov=replace(params.gov, voting_period_blocks=CLI_VOTING_PERIOD))
    prepare_home(home, voting, modules=modules)
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
        wait_for_api(devnet.url)
        yield devnet
    finally:
        stop.set()
        server.should_exit = True
        for thread in threads:
            thread.join(10)
        node.close()


def api(devnet: OnDemandDevnet, path: str, **params: Any) -> Any:
    """GET a JSON document straight from the API."""
    return httpx.get(f"{devnet.url}{path}", params=params or None, timeout=5).json()


def cli(devnet: OnDemandDevnet, command: str, *extra: str) -> tuple[int, str]:
    """Run a `gostaking` command line written as in a shell, plus `extra` arguments (e.g. file paths)."""
    return devnet.cli(*shlex.split(command), *extra)


def ok_json(devnet: OnDemandDevnet, command: str, *extra: str) -> Any:
    """Run a command that must succeed and print JSON; returns the document."""
    code, out = cli(devnet, command, *extra)
    assert code == 0, (command, out)
    return json.loads(out)


def included(devnet: OnDemandDevnet, command: str, *extra: str) -> dict[str, Any]:
    """Run a tx command (it waits for its block) and check it succeeded (its result as JSON: --json)."""
    result: dict[str, Any] = ok_json(devnet, command, *extra, "--json")
    assert result["status"] == "included" and result["code"] == 0, result
    return result


def assert_one_line_errors(devnet: OnDemandDevnet, cases: list[tuple[str, str]]) -> None:
    """Each (command, message): the command fails with exit status 1 and the message, in a line or two."""
    for command, message in cases:
        code, out = cli(devnet, command)
        assert code == 1, (command, out)
        assert message in out and out.count("\n") <= 2, (command, out)
