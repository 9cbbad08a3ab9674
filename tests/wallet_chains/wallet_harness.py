"""A wallet under test: an HD wallet in a temporary keyring (a fixed recovery phrase, so addresses are known), the
`gostaking` CLI run in-process against it, and the custody devnet of gateway_harness served over HTTP (uvicorn on a
free 127.0.0.1 port) so the CLI reaches it by URL; blocks are produced by the test (`net.produce()`)."""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from gateway_harness import GatewayNet
from typer.testing import CliRunner, Result

from gostaking.api.main import create_api
from gostaking.cli.main import app
from gostaking.wallet.hd import seed_from_mnemonic
from gostaking.wallet.keyring import Keyring

MNEMONIC = "abandon " * 11 + "about"
"""The BIP-39 test vector phrase: its keys are public, fine for a regtest and a dev chain only."""
SEED = seed_from_mnemonic(MNEMONIC)
WALLET = "alice-wallet"


def make_keyring(directory: Path) -> Path:
    """A keyring holding the test wallet, unencrypted (no passphrase prompt in tests)."""
    Keyring(directory).add_wallet(WALLET, MNEMONIC, None)
    return directory


def cli(keyring: Path, *args: str) -> Result:
    """`gostaking ARGS --keyring KEYRING` in-process; the result's exit code and output."""
    env = {"GOSTAKING_API": None, "GOSTAKING_BTC_RPC": None, "GOSTAKING_ETH_RPC": None, "COLUMNS": "200"}
    return CliRunner().invoke(app, [*args, "--keyring", str(keyring)], env=env)


def cli_json(keyring: Path, *args: str) -> Any:
    """`cli` that must succeed; its JSON output."""
    result = cli(keyring, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@dataclass
class ServedNet:
    """The custody devnet and the URL of its API."""

    net: GatewayNet
    url: str


@pytest.fixture
def served_net(gateway_net: GatewayNet) -> Iterator[ServedNet]:
    from cli_harness import wait_for_api
    from free_ports import free_port

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_api(gateway_net.node), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_api(url)
        yield ServedNet(gateway_net, url)
    finally:
        server.should_exit = True
        thread.join(10)
