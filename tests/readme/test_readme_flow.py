"""Every command of README.md's bash blocks, in order, with the real `gostaking` CLI against a fresh devnet.

The devnet is `gostaking devnet` itself in a subprocess (fast blocks, so the 120-block governance vote takes
seconds), its home under a temporary GOSTAKING_HOME, so that the README's commands find the devnet's keys by name
as a user's would. Blocks preceded by `<!-- readme-test: skip: why -->` are not run (see readme_blocks.py). The
commands run one by one in one bash process (shell variables carry over); the first that exits non-zero fails the
test with its output. Then the outcomes the README states are checked through the CLI.
"""

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from free_ports import free_port
from readme_blocks import bash_blocks

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
BIN = Path(sys.executable).parent
GOS = 10**6
README_API = "http://127.0.0.1:8645"
README_POLL, TEST_POLL = "do sleep 5; done", "do sleep 1; done"
"""The README's wait for the vote's end asks every 5 s, a person's pace; the test asks every 1 s (still until the
vote has ended: the blocks of the vote are not shortened)."""


def readme_script(api: str) -> str:
    """The runnable commands of the README as one bash script that stops at the first failing command, naming it.

    Substitutions: the devnet's URL for the README's default one, $GOSTAKING_HOME for ~/.gostaking, and a
    test's poll interval for the README's (README_POLL).
    """
    parts = []
    for block in bash_blocks(README.read_text()):
        if block.skip_reason is not None:
            continue
        for command in block.commands:
            runnable = command.replace(README_API, api).replace("~/.gostaking", "$GOSTAKING_HOME")
            runnable = runnable.replace(README_POLL, TEST_POLL)
            where = f"README.md block at line {block.line}: {command}"
            parts.append(
                f"{runnable}\nstatus=$?\n"
                f'if [ "$status" -ne 0 ]; then echo "exit $status: "{shlex.quote(where)} >&2; exit 1; fi\n'
            )
    return "".join(parts)


def cli_json(env: dict[str, str], *args: str) -> Any:
    """Run `gostaking ARGS` and decode its JSON output."""
    done = subprocess.run([str(BIN / "gostaking"), *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_readme_commands_run_in_order_on_a_fresh_devnet(tmp_path: Path) -> None:
    home, work = tmp_path / "gostaking-home", tmp_path / "work"
    work.mkdir()
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "GOSTAKING_HOME": str(home),
        "GOSTAKING_API": api,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "200",
    }
    env.pop("GOSTAKING_DEVNET_KEYS", None)
    env.pop("GOSTAKING_PASSPHRASE", None)
    log = tmp_path / "devnet.log"
    with log.open("wb") as output:
        devnet = subprocess.Popen(
            [str(BIN / "gostaking"), "devnet", "--port", str(port), "--block-time", "0.1"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_api(api, devnet, log)
        banner = log.read_text()
        assert "gostaking keys add alice" in banner and "council-1" in banner  # what to run next, and the roles

        flow = subprocess.run(
            ["bash", "-c", readme_script(api)], cwd=work, env=env, capture_output=True, text=True, timeout=600
        )
        assert flow.returncode == 0, f"{flow.stderr[-4000:]}\n--- stdout ---\n{flow.stdout[-4000:]}"

        # What the README says the commands did.
        assert "waiting" not in flow.stdout  # the faucet's waits are said on stderr, not mixed into results
        proposal = cli_json(env, "gov", "show", "0")
        assert proposal["status"] == "executed", proposal
        assert cli_json(env, "query", "params")["nodes"]["min_stake_ugos"] == 500 * GOS
        assert cli_json(env, "compliance", "kyc", "alice")["level"] == 2
        carol = cli_json(env, "keys", "show", "carol")["address"]
        assert [entry["address"] for entry in cli_json(env, "compliance", "frozen")] == [carol]
        assert cli_json(env, "custody", "withdrawal", "0")["status"] == "refunded"
        alice, bob = (cli_json(env, "query", "account", name) for name in ("alice", "bob"))
        assert {vote["node"] for vote in alice["votes"]} == {cli_json(env, "keys", "show", "operator")["address"]}
        alice_btc = {row["denom"]: row["amount"] for row in alice["balances"]}["btc"]
        # The faucet's 1 btc, less the 0.5 locked and what went into the pool; the held 0.1 came back.
        assert 0.49 * 10**8 < alice_btc < 0.5 * 10**8
        assert {row["denom"]: row["amount"] for row in bob["balances"]}["btc"] > 0  # bob's swap
    finally:
        os.killpg(devnet.pid, signal.SIGTERM)
        devnet.wait(20)


def _wait_for_api(api: str, devnet: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert devnet.poll() is None, f"the devnet exited: {log.read_text()}"
        try:
            if httpx.get(f"{api}/status", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"the devnet's API did not come up: {log.read_text()}"
        time.sleep(0.1)
