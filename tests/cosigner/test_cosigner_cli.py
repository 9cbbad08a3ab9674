"""`gostaking cosigner init` and `gostaking cosigner serve` as an operator runs them: a new seed file (0600, never
replaced), the service in its own process on a SQLite file, a wallet enrolled through it, and bad input refused
in one line."""

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
from cosigner_harness import USER_MNEMONIC
from free_ports import free_port
from typer.testing import CliRunner

from gostaking.cli.main import app
from gostaking.wallet.cosigner_client import CosignerClient, UserKeys
from gostaking.wallet.hd import seed_from_mnemonic


def test_init_writes_a_private_seed_file_once(tmp_path: Path) -> None:
    seed_file = tmp_path / "cosigner.seed"
    result = CliRunner().invoke(app, ["cosigner", "init", "--seed-file", str(seed_file)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(seed_file.stat().st_mode) == 0o600
    phrase = seed_file.read_text()
    assert len(phrase.split()) == 24 and len(seed_from_mnemonic(phrase)) == 64
    again = CliRunner().invoke(app, ["cosigner", "init", "--seed-file", str(seed_file)])
    assert (
        again.exit_code == 1
        and again.output.strip() == f"error: {seed_file} exists: the cosigner's seed is never replaced"
    )
    assert seed_file.read_text() == phrase


def test_serve_refuses_a_bad_seed_file_or_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.seed"
    bad.write_text("not a phrase\n")
    result = CliRunner().invoke(app, ["cosigner", "serve", "--seed-file", str(bad), "--db", "sqlite://"])
    assert result.exit_code == 1 and "does not hold a valid recovery phrase" in result.output
    assert len(result.output.strip().splitlines()) == 1
    good = tmp_path / "good.seed"
    assert CliRunner().invoke(app, ["cosigner", "init", "--seed-file", str(good)]).exit_code == 0
    result = CliRunner().invoke(app, ["cosigner", "serve", "--seed-file", str(good), "--db", "nosuch://db"])
    assert result.exit_code == 1 and result.output.startswith("error: cannot use database 'nosuch://db'")


def test_serve_runs_the_service_on_sqlite(tmp_path: Path) -> None:
    seed_file = tmp_path / "cosigner.seed"
    assert CliRunner().invoke(app, ["cosigner", "init", "--seed-file", str(seed_file)]).exit_code == 0
    port = free_port()
    database = f"sqlite:///{tmp_path / 'cosigner.db'}"
    command = [sys.executable, "-m", "gostaking", "cosigner", "serve", "--seed-file", str(seed_file),
               "--db", database, "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/openapi.json", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert process.poll() is None and time.monotonic() < deadline, "the cosigner did not start"
                time.sleep(0.1)
        client = CosignerClient(url)
        enrolled = client.enrol(UserKeys.from_seed(seed_from_mnemonic(USER_MNEMONIC)))
        assert client.status(enrolled.address)["active"] is False
        client.close()
    finally:
        process.terminate()
        process.wait(10)
    assert (tmp_path / "cosigner.db").exists()
