"""The options every tx command shares, added by `tx_command`: offered with their help and defaults on each tx
command's --help, placed as the commands always had them, and handed to the command as one TxOptions."""

import re
from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from gostaking.cli.main import app
from gostaking.cli.options import API_DEFAULT, TxOptions, tx_command

SHARED_OPTIONS = {
    # option: what its --help line must say (help text, default, required marker)
    "--from": ["name of the signing key in the keyring", "[required]"],
    "--api": ["node API URL", "[env var: GOSTAKING_API]", f"[default: {API_DEFAULT}]"],
    "--fee": ["fee in GOS, e.g. 0.001gos", "[default: chain minimum]"],
    "--memo": ["free text stored with the transaction"],
    "--wait": ["--no-wait", "wait until the tx is in a block and print its result", "[default: wait]"],
    "--timeout": ["seconds to --wait", "[default: 30.0]"],
    "--home": ["GoStaking home; keys are in <home>/keys", "[default: $GOSTAKING_HOME or ~/.gostaking]"],
    "--keyring": ["keyring directory (overrides --home)"],
    "--generate-only": ["write the unsigned transaction of the multisig --from to this file"],
    "--sequence": ["with --generate-only: the account's sequence", "[default: from the node]"],
    "--chain-id": ["with --generate-only: the chain id", "[default: from the node]"],
    "--simulate": ["--no-simulate", "send it only if it would succeed", "[default: simulate]"],
    "--json": ["print the result as JSON instead of one line"],
}
AFTER_OWN_OPTIONS = [
    "--api",
    "--fee",
    "--memo",
    "--wait",
    "--timeout",
    "--home",
    "--keyring",
    "--generate-only",
    "--sequence",
    "--chain-id",
    "--simulate",
    "--json",
    "--help",
]


def option_lines(*command: str) -> dict[str, str]:
    """`gostaking COMMAND --help`: each option's line, keyed by the option's first name, in the order shown."""
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200", "GOSTAKING_API": None})
    assert result.exit_code == 0, result.output
    lines = {}
    for line in result.output.splitlines():
        match = re.match(r"^\W*(?:\*\s+)?(--[a-z-]+)\s", line)
        if match:
            lines[match.group(1)] = line
    return lines


@pytest.mark.parametrize(
    "command",
    [("tx", "send"), ("tx", "claim"), ("custody", "request-withdrawal"), ("dex", "swap"), ("gov", "submit-text")],
    ids=" ".join,
)
def test_tx_commands_offer_the_shared_options_with_their_help_and_defaults(command: tuple[str, ...]) -> None:
    lines = option_lines(*command)
    for option, shown in SHARED_OPTIONS.items():
        assert option in lines, (option, list(lines))
        for text in shown:
            assert text in lines[option], (option, text, lines[option])
    # Defaults written into help texts are escaped from Rich markup, so they show; the others have none.
    assert "[default:" not in lines["--memo"] + lines["--keyring"]
    assert list(lines)[-len(AFTER_OWN_OPTIONS) :] == AFTER_OWN_OPTIONS


def test_from_stands_after_the_commands_own_required_options() -> None:
    own = ["--title", "--from", "--description", "--deposit"]
    assert list(option_lines("gov", "submit-text")) == [*own, *AFTER_OWN_OPTIONS]
    assert list(option_lines("dex", "swap"))[:4] == ["--from", "--pair", "--min-out", "--slippage"]
    assert list(option_lines("tx", "register-node"))[:4] == ["--moniker", "--from", "--consensus-pubkey", "--node-key"]


def demo_app(received: list[tuple[str, bool, TxOptions]]) -> typer.Typer:
    """A CLI with one tx command that records what it was given."""
    demo = typer.Typer()
    demo.command("other")(lambda: None)  # a second command keeps typer from collapsing the group

    @tx_command(demo, "demo")
    def record(
        name: Annotated[str, typer.Argument()], tx: TxOptions, flag: Annotated[bool, typer.Option("--flag")] = False
    ) -> None:
        received.append((name, flag, tx))

    return demo


def test_tx_command_hands_the_shared_options_to_the_command_as_tx_options() -> None:
    received: list[tuple[str, bool, TxOptions]] = []
    args = ["demo", "x", "--from", "alice", "--api", "http://node:1", "--fee", "0.01gos", "--memo", "hi"]
    args += ["--no-wait", "--timeout", "5", "--home", "/h", "--keyring", "/k", "--flag"]
    result = CliRunner().invoke(demo_app(received), args)
    assert result.exit_code == 0, result.output
    options = TxOptions("alice", "http://node:1", "0.01gos", "hi", False, 5.0, Path("/h"), Path("/k"))
    assert received == [("x", True, options)]

    received.clear()
    result = CliRunner().invoke(demo_app(received), ["demo", "y", "--from", "bob"], env={"GOSTAKING_API": None})
    assert result.exit_code == 0, result.output
    assert received == [("y", False, TxOptions("bob", API_DEFAULT, None, "", True, 30.0, None, None))]


def test_tx_command_needs_a_tx_parameter_and_no_shared_name() -> None:
    with pytest.raises(TypeError, match="must take `tx: TxOptions`"):
        tx_command(typer.Typer(), "bad")(lambda amount: None)
    with pytest.raises(TypeError, match="none of from_name, api"):
        tx_command(typer.Typer(), "bad")(lambda tx, memo: None)
