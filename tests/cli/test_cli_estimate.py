"""`gostaking query estimate` on a live devnet: a prospective vote, stake and lock typed in human units, shown now,
with the additions and for them alone, and equal to the account's own estimate once it really does them."""

import json
from pathlib import Path

import pytest
from cli_harness import LiveDevnet
from typer.testing import CliRunner

from gostaking.cli.main import app
from gostaking.wallet.keyring import Keyring

FIGURES = ("hash_power", "network_hash_power", "share_of_network", "gos_per_day", "position_value", "apr", "apr_ppm")


def cli(devnet: LiveDevnet, home: Path, *args: str) -> tuple[int, str]:
    env = {"GOSTAKING_HOME": str(home), "GOSTAKING_API": devnet.url, "GOSTAKING_PASSPHRASE": "pw-long-enough"}
    result = CliRunner().invoke(app, list(args), env=env)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def funded_alice(devnet: LiveDevnet, home: Path) -> None:
    assert cli(devnet, home, "keys", "add", "alice")[0] == 0
    devnet.wait_for_height(12)  # the operator has mined enough GOS for the faucet
    code, out = cli(devnet, home, "faucet", "alice", "--wait")
    assert code == 0, out


def test_estimate_with_additions_is_what_alice_gets_once_she_votes_stakes_and_locks(
    live_devnet: LiveDevnet, tmp_path: Path
) -> None:
    user = tmp_path / "user"
    funded_alice(live_devnet, user)
    operator = Keyring(live_devnet.home / "keys").show("operator").address
    additions = ("--vote", "20gos", "--stake", "2000000ugos", "--lock", "0.25btc", "--lock", "25000000sat")
    code, out = cli(live_devnet, user, "query", "estimate", "alice", *additions, "--json")
    assert code == 0, out
    asked = json.loads(out)
    assert [(a["pool"], a["amount"]["amount"]) for a in asked["additions"]] == [
        ("lock:btc", 50_000_000),  # both locks, typed in two units
        ("stake", 2_000_000),
        ("vote", 20_000_000),
    ]
    assert asked["hash_power"]["micro_hs"] == 0 and asked["additions_alone"] == asked["with_additions"]

    code, out = cli(live_devnet, user, "query", "estimate", "alice", *additions)
    assert code == 0, out
    header, *lines = out.splitlines()
    assert header.split() == ["now", "with", "additions", "additions", "alone"]
    assert lines[0].split() == ["add", "lock:btc", "0.5", "btc"]
    gos_a_day = next(line for line in lines if line.startswith("GOS a day")).split()[3:]
    assert gos_a_day == [
        "0",
        asked["with_additions"]["gos_per_day"]["gos"],
        asked["additions_alone"]["gos_per_day"]["gos"],
    ]

    for command in (("vote", operator, "20gos"), ("stake", operator, "2gos"), ("lock", "0.5btc")):
        code, out = cli(live_devnet, user, "tx", *command, "--from", "alice", "--json")
        assert code == 0 and json.loads(out)["code"] == 0, out
    code, out = cli(live_devnet, user, "query", "estimate", "alice", "--json")
    assert code == 0, out
    done = json.loads(out)
    assert {name: done[name] for name in FIGURES} == {name: asked["with_additions"][name] for name in FIGURES}
    assert done["with_additions"] is None

    code, out = cli(live_devnet, user, "query", "estimate", "alice", "--table")
    assert code == 0, out
    assert out.splitlines()[0].split() == ["now"]  # no additions: one column
    hash_power = next(line for line in out.splitlines() if line.startswith("hash power"))
    assert hash_power.split()[-1] == done["hash_power"]["hs"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--lock", "5gos"), "--vote or --stake"),
        (("--lock", "1doge"), "doge"),
        (("--vote", "0gos"), "'0gos' must be positive"),
        (("--stake", "1btc"), "must be a GOS amount"),
        (("--json", "--table"), "exclude each other"),
    ],
)
def test_bad_additions_get_a_one_line_error(
    live_devnet: LiveDevnet, tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    operator = Keyring(live_devnet.home / "keys").show("operator").address
    code, out = cli(live_devnet, tmp_path / "user", "query", "estimate", operator, *args)
    assert code != 0 and words in out, out
