"""`gostaking devnet` draws a chain id for a new home, or takes --chain-id / $GOSTAKING_DEVNET_CHAIN_ID; an
existing home keeps its own, and asking for another one there is a one-line error."""

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import gostaking.node.runtime as runtime
from gostaking.cli.main import app
from gostaking.node.runtime import init_devnet_home
from gostaking.node.settings import DevnetSettings


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[DevnetSettings]:
    """The settings `gostaking devnet` would run with (the devnet itself is not started)."""
    runs: list[DevnetSettings] = []

    def run_devnet(settings: DevnetSettings, create_api: Any, announce: Any = print) -> None:
        runs.append(settings)

    monkeypatch.setattr(runtime, "run_devnet", run_devnet)
    return runs


def devnet(home: Path, *args: str, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["devnet", "--home", str(home), *args], env=env)
    return result.exit_code, result.output


def test_the_devnet_command_passes_the_chain_id_choice(tmp_path: Path, started: list[DevnetSettings]) -> None:
    assert devnet(tmp_path / "a") == (0, "")
    assert devnet(tmp_path / "b", "--chain-id", "team-devnet") == (0, "")
    assert devnet(tmp_path / "c", GOSTAKING_DEVNET_CHAIN_ID="make-devnet") == (0, "")  # `make devnet` can set it
    assert [settings.chain_id for settings in started] == [None, "team-devnet", "make-devnet"]  # None: a new id


def test_an_existing_home_keeps_its_chain_id(tmp_path: Path, started: list[DevnetSettings]) -> None:
    init_devnet_home(tmp_path, "first-id")
    assert devnet(tmp_path, "--chain-id", "first-id")[0] == 0
    assert devnet(tmp_path)[0] == 0
    code, out = devnet(tmp_path, "--chain-id", "other-id")
    assert code == 1 and out == (
        f"error: {tmp_path} already holds devnet 'first-id' and keeps its chain id;"
        " --chain-id 'other-id' applies to a new home (choose another --home)\n"
    )
    code, out = devnet(tmp_path / "new", "--chain-id", "has space")
    assert code == 1 and out == "error: --chain-id 'has space': use 1-64 characters without spaces\n"
    assert len(started) == 2
