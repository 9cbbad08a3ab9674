"""`gostaking faucet`, `tx …` and `query …` against a live in-process devnet."""

import json
from pathlib import Path

from cli_harness import LiveDevnet
from typer.testing import CliRunner

from gostaking.cli.main import app
from gostaking.wallet.keyring import Keyring


def cli(devnet: LiveDevnet, home: Path, *args: str, passphrase: str = "pw-long-enough") -> tuple[int, str]:
    env = {"GOSTAKING_HOME": str(home), "GOSTAKING_API": devnet.url, "GOSTAKING_PASSPHRASE": passphrase}
    result = CliRunner().invoke(app, list(args), env=env)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_a_user_gets_funds_votes_locks_sends_and_queries(live_devnet: LiveDevnet, tmp_path: Path) -> None:
    user = tmp_path / "user"
    operator = Keyring(live_devnet.home / "keys").show("operator").address
    assert cli(live_devnet, user, "keys", "add", "alice")[0] == 0
    assert cli(live_devnet, user, "keys", "add", "bob", "--no-passphrase")[0] == 0
    alice = Keyring(user / "keys").show("alice").address
    live_devnet.wait_for_height(12)  # the operator has mined enough GOS for the faucet

    code, out = cli(live_devnet, user, "faucet", "alice", "--wait")
    assert code == 0, out
    assert "sent 100 gos" in out and "sent 1 btc" in out and "included at height" in out

    code, out = cli(live_devnet, user, "tx", "vote", operator, "20gos", "--from", "alice", "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["status"] == "included" and result["code"] == 0 and result["events"][0]["kind"] == "vote"
    code, out = cli(live_devnet, user, "tx", "lock", "0.5btc", "--from", "alice", "--fee", "0.002gos", "--json")
    assert code == 0 and json.loads(out)["code"] == 0, out
    code, out = cli(live_devnet, user, "tx", "send", "bob", "1.5gos", "--from", "alice", "--memo", "hi")
    assert code == 0, out
    code, out = cli(live_devnet, user, "tx", "stake", operator, "2gos", "--from", "alice", "--no-wait", "--json")
    assert code == 0 and json.loads(out)["status"] == "pending", out

    code, out = cli(live_devnet, user, "query", "account", "alice")
    assert code == 0, out
    account = json.loads(out)
    assert account["address"] == alice
    assert account["votes"][0]["amount"]["gos"] == "20" and account["locked"][0]["asset"]["display"] == "0.5"
    code, out = cli(live_devnet, user, "query", "account", "bob", "--table")
    assert code == 0 and "balance gos" in out and "1.5" in out
    code, out = cli(live_devnet, user, "query", "hashpower", "--table")
    assert code == 0 and "lock:btc" in out and "500" in out
    code, out = cli(live_devnet, user, "query", "status")
    assert code == 0 and json.loads(out)["chain_id"] == "gostaking-devnet"
    for args in (
        ("query", "nodes", "--table"),
        ("query", "node", operator),
        ("query", "rewards", "alice"),
        ("query", "emission"),
        ("query", "block"),
        ("query", "block", "1"),
        ("query", "blocks", "--limit", "3", "--table"),
        ("query", "status", "--table"),
    ):
        code, out = cli(live_devnet, user, *args)
        assert code == 0, (args, out)
    tx_hash = json.loads(cli(live_devnet, user, "tx", "claim", "--from", "alice", "--json")[1])["tx_hash"]
    code, out = cli(live_devnet, user, "query", "tx", tx_hash)
    assert code == 0 and json.loads(out)["code"] == 0


def test_mistakes_get_one_line_errors(live_devnet: LiveDevnet, tmp_path: Path) -> None:
    user = tmp_path / "user"
    cli(live_devnet, user, "keys", "add", "carol")
    cases = [
        (("tx", "send", "gos1bad", "1gos", "--from", "carol"), "recipient 'gos1bad' is not a valid gos1… address"),
        (("tx", "send", "carol", "1doge", "--from", "carol"), "unknown unit 'doge'"),
        (("tx", "vote", "carol", "1btc", "--from", "carol"), "must be a GOS amount"),
        (("tx", "lock", "1gos", "--from", "carol"), "GOS cannot be locked"),
        (("tx", "send", "carol", "1gos", "--from", "nobody"), "no key named 'nobody'"),
        (("tx", "send", "carol", "1gos", "--from", "carol"), "InsufficientFundsError"),
        (("query", "block", "x3"), "positive integer"),
        (("query", "tx", "abc"), "64 hexadecimal digits"),
        (("query", "account", "gos1nope"), "not a valid gos1… address"),
        (("query", "status", "--api", "http://127.0.0.1:9"), "cannot reach http://127.0.0.1:9/status"),
        (("query", "status", "--api", "ftp://x"), "--api must be an http:// or https:// URL"),
        (("tx", "register-node", "--moniker", "n", "--from", "carol"), "exactly one of"),
        (("tx", "register-node", "--moniker", "n", "--from", "carol", "--consensus-pubkey", "ab"), "64 hex digits"),
    ]
    for args, message in cases:
        code, out = cli(live_devnet, user, *args)
        assert code != 0, args
        assert message in out and out.count("\n") <= 2, (args, out)
    code, out = cli(live_devnet, user, "tx", "send", "carol", "1gos", "--from", "carol", passphrase="wrong")
    assert code == 1 and "wrong passphrase" in out
