"""tx commands simulate before they send: what would fail in its block is refused without a fee and without using a
sequence, in the units the user typed; recipients that are no gos1 address are refused or resolved (monikers); tx
commands print one line in human units (JSON with --json)."""

import json
import re
from pathlib import Path
from typing import Any

import httpx
from cli_harness import LiveDevnet
from typer.testing import CliRunner

from gostaking.chain.numeric import format_units
from gostaking.cli.main import app
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey

NOT_A_NODE = PrivateKey((77).to_bytes(32, "big")).address


def cli(devnet: LiveDevnet, home: Path, *args: str) -> tuple[int, str, str]:
    """Run `gostaking ARGS` with `home`'s keyring (keys unencrypted); (exit code, stdout, stderr)."""
    env = {"GOSTAKING_HOME": str(home), "GOSTAKING_API": devnet.url, "GOSTAKING_PASSPHRASE": ""}
    result = CliRunner().invoke(app, list(args), env=env)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.stdout, result.stderr


def account(devnet: LiveDevnet, address: str) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(f"{devnet.url}/accounts/{address}").json()
    return document


def the_node(devnet: LiveDevnet) -> dict[str, Any]:
    node: dict[str, Any] = httpx.get(f"{devnet.url}/nodes").json()["nodes"][0]
    return node


def funded_user(devnet: LiveDevnet, tmp_path: Path) -> tuple[Path, str]:
    """A user home with keys alice (given 30 GOS by the operator) and bob; (home, alice's address)."""
    user = tmp_path / "user"
    for name in ("alice", "bob"):
        assert cli(devnet, user, "keys", "add", name, "--no-passphrase")[0] == 0
    alice = Keyring(user / "keys").show("alice").address
    devnet.wait_for_height(12)  # the operator has mined its first GOS
    code, out, err = cli(devnet, devnet.home, "tx", "send", alice, "30gos", "--from", "operator")
    assert code == 0, out + err
    return user, alice


def test_what_would_fail_is_refused_without_a_fee_or_a_sequence(live_devnet: LiveDevnet, tmp_path: Path) -> None:
    user, alice = funded_user(live_devnet, tmp_path)
    operator = the_node(live_devnet)["operator"]
    before = account(live_devnet, alice)
    refused = [
        (("tx", "send", "bob", "5000gos"), "InsufficientFundsError", "needs 5000 gos"),
        (("tx", "send", "bob", "5000000000ugos"), "InsufficientFundsError", "needs 5000000000 ugos"),
        (("tx", "vote", NOT_A_NODE, "1gos"), "UnknownNodeError", NOT_A_NODE),
        (("tx", "unvote", operator, "2.5gos"), "InsufficientDelegationError", "asked 2.5 gos"),
        (("tx", "unstake", operator, "2500000ugos"), "InsufficientDelegationError", "asked 2500000 ugos"),
    ]
    for args, error, words in refused:
        code, out, err = cli(live_devnet, user, *args, "--from", "alice")
        assert code == 1 and out == "", (args, out, err)
        assert err.startswith(f"error: {error}: ") and words in err and "no fee paid" in err, (args, err)
        assert err.count("\n") == 1, err
    # the balance in the message is in the unit typed too (what is left once the simulated fee is paid)
    assert "has 29.999 gos, needs 31 gos" in cli(live_devnet, user, "tx", "send", "bob", "31gos", "--from", "alice")[2]
    live_devnet.wait_for_height(live_devnet.node.app.height + 2)
    after = account(live_devnet, alice)
    assert after["gos"] == before["gos"] == {"ugos": 30_000_000, "gos": "30"}
    assert after["sequence"] == before["sequence"] == 0 and after["next_sequence"] == 0

    # --no-simulate sends it anyway: it fails in its block, and that costs the fee and the sequence
    code, out, err = cli(live_devnet, user, "tx", "send", "bob", "5000gos", "--from", "alice", "--no-simulate")
    assert code == 1 and "failed in block" in err and "needs 5000 gos" in err, err
    charged = account(live_devnet, alice)
    assert charged["sequence"] == 1 and charged["gos"]["ugos"] == 30_000_000 - 1_000


def test_recipients_that_are_no_gos1_address_are_refused_or_resolved(live_devnet: LiveDevnet, tmp_path: Path) -> None:
    user, alice = funded_user(live_devnet, tmp_path)
    node = the_node(live_devnet)
    for recipient in ("0x" + "ab" * 20, "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", "no-such-name"):
        code, out, err = cli(live_devnet, user, "tx", "send", recipient, "1gos", "--from", "alice")
        assert code == 1 and f"recipient {recipient!r} is not a gos1 address" in err, (recipient, err)
        assert "no key named" not in err
    code, out, err = cli(live_devnet, user, "tx", "vote", node["moniker"], "2gos", "--from", "alice", "--json")
    assert code == 0, err
    vote = next(event for event in json.loads(out)["events"] if event["kind"] == "vote")
    assert vote["attributes"]["node"] == node["operator"]
    code, out, _ = cli(live_devnet, user, "query", "node", node["moniker"])
    assert code == 0 and json.loads(out)["operator"] == node["operator"]
    assert account(live_devnet, alice)["votes"][0]["node"] == node["operator"]


def test_tx_commands_print_one_line_in_the_units_typed(live_devnet: LiveDevnet, tmp_path: Path) -> None:
    user, alice = funded_user(live_devnet, tmp_path)
    bob = Keyring(user / "keys").show("bob").address
    operator = the_node(live_devnet)["operator"]
    code, out, err = cli(live_devnet, user, "tx", "send", "bob", "1.5gos", "--from", "alice", "--fee", "2000ugos")
    assert code == 0, err
    new_balance_fee = int(httpx.get(f"{live_devnet.url}/params").json()["tx"]["new_balance_fee_ugos"])
    # bob's first GOS: the event of the new balance says what it cost
    fee_note = f"new_balance_fee: fee {format_units(new_balance_fee, 6)} gos"
    line = re.fullmatch(
        rf"send 1\.5 gos to {bob}: included in block (\d+), fee 0\.002 gos, tx ([0-9a-f]{{64}}); {fee_note}\n", out
    )
    assert line is not None, out
    assert httpx.get(f"{live_devnet.url}/txs/{line.group(2)}").json()["height"] == int(line.group(1))

    assert cli(live_devnet, user, "tx", "vote", operator, "5gos", "--from", "alice")[0] == 0
    code, out, err = cli(live_devnet, user, "tx", "unvote", operator, "2000000ugos", "--from", "alice")
    assert code == 0, err
    returns = re.search(r"the GOS returns at block (\d+) \(in (\d+ d \d+ h|\d+ h \d+ min|\d+ min \d+ s|\d+ s)\)", out)
    assert out.startswith(f"unvote 2000000 ugos on {operator}: included in block ") and returns is not None, out
    unbonding = account(live_devnet, alice)["unbondings"][0]
    assert unbonding["completion_height"] == int(returns.group(1))
    code, out, _ = cli(live_devnet, user, "query", "account", "alice", "--table")
    assert code == 0 and f"unbonding vote (height {returns.group(1)}, in " in out, out

    code, out, err = cli(live_devnet, user, "tx", "claim", "--from", "alice", "--no-wait")
    assert code == 0 and re.fullmatch(r"claim: submitted, tx [0-9a-f]{64} \(pending\)\n", out), out + err
    tx_hash = out.split("tx ")[1].split()[0]
    code, out, _ = cli(live_devnet, user, "query", "tx", tx_hash)
    deadline_height = live_devnet.node.app.height + 20
    while json.loads(out)["status"] != "included" and live_devnet.node.app.height < deadline_height:
        live_devnet.wait_for_height(live_devnet.node.app.height + 1)
        code, out, _ = cli(live_devnet, user, "query", "tx", tx_hash)
    claim = next(event for event in json.loads(out)["events"] if event["kind"] == "claim")["attributes"]
    assert int(claim["amount"]) > 0 and claim["gos"] and int(claim["shares"]) > 0, claim
    code, out, err = cli(live_devnet, user, "tx", "claim", "--from", "alice")
    assert code == 0 and re.search(
        r": included in block \d+, fee 0\.001 gos, tx [0-9a-f]{64}; claimed [0-9.]+ gos", out
    )


def test_a_negative_amount_is_an_amount_error(tmp_path: Path) -> None:
    for args in (("tx", "send", "bob", "-1gos"), ("tx", "vote", NOT_A_NODE, "-0.5gos"), ("dex", "swap", "-1btc")):
        result = CliRunner().invoke(app, [*args, "--from", "alice"], env={"GOSTAKING_HOME": str(tmp_path)})
        assert result.exit_code == 2 and result.stderr == f"error: amount {args[-1]!r} must be positive\n", args


def test_a_negative_number_that_is_not_an_amount_is_not_called_one(tmp_path: Path) -> None:
    for args in (("config", "set", "state.mapped_memory_mib", "-1"), ("config", "set", "p2p.max_peers", "-.5")):
        result = CliRunner().invoke(app, [*args, "--home", str(tmp_path)])
        assert result.exit_code == 2, args
        assert result.stderr == f"error: value {args[-1]!r} is negative; it must be zero or more\n", args
